// Event: what every adapter hands the pipeline — a console line, a Slack envelope, a Teams
// activity, a timer firing, a CI webhook — normalized to one shape.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "commands/actor.hpp"

namespace releasebot {

enum class EventKind { command, action, submission, timer, webhook };

// "command", "action", … (metrics and logs name event kinds so).
constexpr std::string_view kind_name(EventKind kind) {
    switch (kind) {
        case EventKind::command:
            return "command";
        case EventKind::action:
            return "action";
        case EventKind::submission:
            return "submission";
        case EventKind::timer:
            return "timer";
        case EventKind::webhook:
            return "webhook";
    }
    return "unknown";
}

struct Event {
    std::string idempotency_key;  // unique per delivery source: "console:<session>:<n>", …
    Actor actor;
    ConversationRef conversation;
    EventKind kind = EventKind::command;
    std::string text;                           // command: the text typed
    std::string action_id;                      // action: the button's action id
    std::string value;                          // action: the button's value
    std::map<std::string, std::string> fields;  // submission: answers by field id
    // The platform cannot carry the reply in its acknowledgement (an Events API mention, a
    // button press): the pipeline queues the reply in the outbox, in the same transaction.
    bool reply_in_outbox = false;
    // With reply_in_outbox: the acknowledgement shows the reply to the actor too (a Teams
    // invoke response), so a reply meant for them alone (an error, a private answer) is not
    // sent a second time; only what the channel must see is queued.
    bool ack_shows_reply = false;
    // With reply_in_outbox: a refusal rides on the acknowledgement (a Slack form shows it next
    // to the answer, the form still open), so only a success is queued.
    bool ack_shows_errors = false;
};

}  // namespace releasebot
