// Event: what every adapter hands the pipeline — a console line, a Slack envelope, a Teams
// activity, a timer firing, a CI webhook — normalized to one shape.
#pragma once

#include <map>
#include <string>

#include "commands/actor.hpp"

namespace releasebot {

enum class EventKind { command, action, submission, timer, webhook };

struct Event {
    std::string idempotency_key;  // unique per delivery source: "console:<session>:<n>", …
    Actor actor;
    ConversationRef conversation;
    EventKind kind = EventKind::command;
    std::string text;       // command: the text typed
    std::string action_id;  // action: the button's action id
    std::string value;      // action: the button's value
    std::map<std::string, std::string> fields;  // submission: answers by field id
    // The platform cannot carry the reply in its acknowledgement (an Events API mention, a
    // button press): the pipeline queues the reply in the outbox, in the same transaction.
    bool reply_in_outbox = false;
};

}  // namespace releasebot
