// JSON forms of what the outbox stores: a Reply (its blocks, visibility, fallback text, attached
// file) and a destination (a channel, one person in a channel, or a person to message directly).
// Boost.JSON writes and reads them; decoding an unreadable row is an error value, never a crash.
#pragma once

#include <string>
#include <string_view>

#include "commands/actor.hpp"
#include "commands/outbound.hpp"
#include "commands/reply.hpp"
#include "commands/result.hpp"

namespace releasebot {

std::string encode_reply(const Reply& reply);
Result<Reply> decode_reply(std::string_view json);

// Where an outbox row goes.
struct Destination {
    std::string platform;
    std::string tenant;
    std::optional<ConversationRef> channel;  // set for a channel post
    std::optional<UserId> user;              // set for a direct message
    std::optional<UserId> ephemeral_to;      // with channel: only this person sees it
};

// The destination of `o`; a direct message goes to the platform and tenant of `actor`.
Destination destination_of(const Outbound& o, const Actor& actor);
std::string encode_destination(const Destination& d);
Result<Destination> decode_destination(std::string_view json);

}  // namespace releasebot
