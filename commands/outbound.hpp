// Outbound: a message the bot will say somewhere other than as the direct answer to the
// command: to a channel, or to a person by direct message. The pipeline writes each into the
// durable outbox in the same transaction as the change that caused it.
#pragma once

#include <optional>

#include "commands/actor.hpp"
#include "commands/reply.hpp"
#include "storage/records.hpp"

namespace releasebot {

struct Outbound {
    // Exactly one of these is set.
    std::optional<ConversationRef> channel;
    std::optional<UserId> direct_to;  // same platform and tenant as the event's actor
    // With `channel`: shown in that channel to this person only (Slack chat.postEphemeral);
    // platforms without ephemeral messages send it to them directly instead.
    std::optional<UserId> ephemeral_to;
    Reply reply;
    std::optional<Instant> not_before;
    std::optional<ReleaseId> release;  // for the release status when delivery fails
    bool status = false;  // replaces the release's status message instead of posting anew
    // With `channel`: if the platform refuses the message for good (releasebot is not in that
    // channel, the channel is gone), this person is told by direct message, the platform's own
    // words added. Nothing is sent to them when it arrives.
    std::optional<UserId> undelivered_to;
    Reply undelivered;
};

}  // namespace releasebot
