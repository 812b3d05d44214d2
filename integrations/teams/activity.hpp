// Teams activities (Bot Framework schema) → Events.
//
// decode_activity() reads the JSON body POSTed to /api/messages; to_event() turns a `message`
// (the bot's <at>…</at> mention stripped using `entities`), a `message` carrying `value` from an
// Action.Submit, or an `invoke` named `adaptiveCard/action` (Action.Execute) into the Event the
// pipeline handles. conversationUpdate and other activities give no Event; the receiver stores
// their conversation reference instead.
//
// Identities: Actor.user is `from.id` ("29:…"), the id the Bot Connector creates 1:1 chats with
// and mention entities name (aadObjectId is kept in TeamsActivity only). The tenant is
// conversation.tenantId, else channelData.tenant.id. The time zone is localTimezone, else the
// clientInfo entity's. Other people mentioned in a command become <@29:…> markup.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/runtime/event.hpp"
#include "commands/result.hpp"

namespace releasebot::teams {

// The press a card's `value` carries, decoded with the rest of the activity.
struct CardAction {
    std::string action_id;                      // data.action_id, else the Action.Execute verb
    std::string value;                          // data.value: the command the press runs
    std::map<std::string, std::string> inputs;  // survey.submit: the card's inputs ("q<n>.answer")
};

struct TeamsActivity {
    std::string type;  // "message", "invoke", "conversationUpdate", …
    std::string id;
    std::string channel_id;   // "msteams"
    std::string service_url;  // where replies go
    std::string conversation_id;
    std::string conversation_type;  // "personal", "groupChat", "channel"
    std::string tenant;             // conversation.tenantId, else channelData.tenant.id
    std::string team_id;            // channelData.team.id, for channel conversations
    std::string from_id;            // "29:…"
    std::string from_aad_object_id;
    std::string from_name;
    std::string recipient_id;  // the bot, "28:<app id>"
    std::string recipient_name;
    std::string text;
    std::string value_json;  // "value" as raw JSON, "" when absent
    // The card press in `value` of a message or an adaptiveCard/action invoke; nullopt when there
    // is none or it names no action releasebot could run.
    std::optional<CardAction> card;
    std::string name;  // invoke name, e.g. "adaptiveCard/action"
    std::string reply_to_id;
    std::optional<std::string> local_timezone;  // IANA, from localTimezone or clientInfo
    std::vector<std::string> members_added;     // conversationUpdate
    std::vector<std::string> members_removed;
    std::vector<std::string> mention_texts;  // "<at>releasebot</at>" of mentions of the bot
};

// Parses an activity; the error says what is missing or malformed (the receiver's 400).
Result<TeamsActivity> decode_activity(std::string_view json);

// The Event for a command, a card submission or an Action.Execute invoke; nullopt when the
// activity is not one (conversationUpdate, typing, …) or its card data names no action.
// Idempotency key "teams:<conversation id>:<activity id>": Teams channel message ids are
// millisecond timestamps, unique only within their conversation. Card data {"action_id",
// "value"} gives an action Event; action_id "survey.submit" a submission whose fields are the
// card's other inputs ("q<n>.answer"). reply_in_outbox is set for messages; for invokes the
// receiver decides.
std::optional<Event> to_event(const TeamsActivity& activity);

// The conversation the activity came from, as replies address it.
ConversationRef conversation_of(const TeamsActivity& activity);

}  // namespace releasebot::teams
