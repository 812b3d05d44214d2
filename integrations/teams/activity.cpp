// Decoding Bot Framework activities (what Teams POSTs to /api/messages) into releasebot's Event.
// Every inbound Teams request passes through here, so it parses with simdjson (the DOM API: an
// activity is small, and its fields — entities, channelData, value — are read in no fixed
// order), one parser reused per thread, and copies every string it keeps. Input is untrusted
// until it is authenticated and after: each field is checked for type and size, and every
// failure is an Error value whose message names the field; nothing here throws.
//
// Who a Teams user is: Actor.user is `from.id` ("29:…"), the id the Bot Connector knows. It is
// what a proactive 1:1 conversation is created with and what a mention entity names, so the
// TeamsPort can reach and mention people by the same id the commands stored. (aadObjectId is
// stable across bots but useless to the Connector; it is decoded for the record only.)
#include "integrations/teams/activity.hpp"

#include <simdjson.h>

#include <cstring>

#include "commands/text_util.hpp"
#include "integrations/json/checked_json.hpp"

namespace releasebot::teams {

namespace dom = simdjson::dom;
using checked_json::has_control;
using checked_json::opt_object;
using checked_json::thread_parser;

namespace {

// The HTTP server already refuses bodies over 1 MiB; this guards direct callers.
constexpr std::size_t kMaxPayload = 1 << 20;
// Bot Framework ids (activity, conversation, user, tenant) are far shorter than this; channel
// thread ids ("19:…@thread.tacv2;messageid=…") are the longest at about 100.
constexpr std::size_t kMaxId = 512;
constexpr std::size_t kMaxUrl = 2048;
// A Teams message is at most about 28 KB; an announcement typed in full stays well under this.
constexpr std::size_t kMaxText = 32000;
constexpr std::size_t kMaxValue = 32000;
constexpr std::size_t kMaxFields = 100;

Error bad(std::string message) {
    return invalid(std::move(message));
}

// The string at `key`, at most `max` bytes; "" when absent or null, which Teams treats alike.
Result<std::string> string_field(const dom::object& obj, std::string_view key,
                                 std::string_view where, std::size_t max) {
    auto s = checked_json::opt_string(obj, key, where, max);
    if (!s) return s.error();
    return std::move(*s).value_or(std::string());
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
    if (from.empty()) return;
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
}

// A user id safe to put inside <@…> markup (the registry reads letters, digits and . - _ :).
bool is_mention_id(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_' || c == ':';
        if (!ok) return false;
    }
    return true;
}

struct Mention {
    std::string id;
    std::string text;  // "<at>Bob</at>"
};

Result<std::vector<Mention>> mentions(const dom::object& root, std::string& time_zone) {
    std::vector<Mention> out;
    auto e = checked_json::find(root, "entities");
    if (!e) return out;
    dom::array entities;
    if (e->get_array().get(entities)) return bad("`entities` in the activity should be an array.");
    constexpr std::string_view where = "activity's `entities`";
    for (dom::element item : entities) {
        dom::object entity;
        if (item.get_object().get(entity)) continue;  // not ours to judge; Teams adds new kinds
        auto type = string_field(entity, "type", where, kMaxId);
        if (!type) return type.error();
        if (*type == "clientInfo") {
            auto tz = string_field(entity, "timezone", where, kMaxId);
            if (!tz) return tz.error();
            if (time_zone.empty()) time_zone = std::move(*tz);
            continue;
        }
        if (*type != "mention") continue;
        auto text = string_field(entity, "text", where, kMaxId);
        if (!text) return text.error();
        auto mentioned = opt_object(entity, "mentioned", where);
        if (!mentioned) return mentioned.error();
        if (!*mentioned || text->empty()) continue;
        auto id = string_field(**mentioned, "id", where, kMaxId);
        if (!id) return id.error();
        out.push_back({std::move(*id), std::move(*text)});
    }
    return out;
}

// The fields of a card submission: every input (merged into the data object by Teams) except
// the routing keys. Numbers and booleans are kept as their JSON text.
Result<std::map<std::string, std::string>> inputs_of(const dom::object& data) {
    std::map<std::string, std::string> out;
    for (auto [key, value] : data) {
        if (key == "action_id" || key == "value" || key == "msteams") continue;
        if (key.size() > kMaxId) return bad("A card input id is longer than releasebot reads.");
        std::string text;
        std::string_view s;
        if (!value.get_string().get(s)) {
            text = std::string(s);
        } else if (value.is_number() || value.is_bool()) {
            text = simdjson::minify(value);
        } else {
            continue;  // objects and arrays are not answers releasebot asks for
        }
        if (text.size() > kMaxValue) return bad("A card input is longer than releasebot reads.");
        if (has_control(text)) return bad("A card input contains a control character.");
        if (out.size() >= kMaxFields) return bad("The card submission has too many inputs.");
        out.emplace(std::string(key), std::move(text));
    }
    return out;
}

// The press in a card's `value`: Action.Submit sends the card's data with the inputs merged in,
// Action.Execute an invoke whose value.action carries the verb and the data. Read here, from the
// activity's own parse, so the request is parsed once; nullopt when it names no action.
std::optional<CardAction> card_action(dom::element value, bool execute) {
    dom::object data;
    bool has_data = false;
    std::string verb;
    if (execute) {
        dom::object v, action;
        if (value.get_object().get(v) || v["action"].get_object().get(action)) return std::nullopt;
        std::string_view s;
        if (!action["verb"].get_string().get(s)) verb = std::string(s);
        has_data = !action["data"].get_object().get(data);
        if (!has_data && verb.empty()) return std::nullopt;
    } else {
        has_data = !value.get_object().get(data);
        if (!has_data) return std::nullopt;
    }

    CardAction card;
    card.action_id = std::move(verb);
    // A default dom::object points at no document: it must not be read (found by fuzzing).
    if (has_data) {
        std::string_view s;
        if (!data["action_id"].get_string().get(s)) card.action_id = std::string(s);
        if (!data["value"].get_string().get(s)) card.value = std::string(s);
    }
    if (card.action_id.empty() || card.action_id.size() > kMaxId || has_control(card.action_id) ||
        card.value.size() > kMaxValue || has_control(card.value))
        return std::nullopt;
    if (card.action_id == "survey.submit" && has_data) {
        auto inputs = inputs_of(data);
        if (!inputs) return std::nullopt;
        card.inputs = std::move(*inputs);
    }
    return card;
}

}  // namespace

Result<TeamsActivity> decode_activity(std::string_view json) {
    constexpr std::string_view where = "activity";
    if (json.size() > kMaxPayload) {
        return bad("The activity is " + std::to_string(json.size()) +
                   " bytes; releasebot reads at most " + std::to_string(kMaxPayload) + ".");
    }
    if (json.empty()) return bad("The request has no body; POST a Bot Framework activity (JSON).");
    dom::element doc;
    if (auto e = thread_parser().parse(json.data(), json.size()).get(doc)) {
        return bad(std::string("The body is not valid JSON (") + simdjson::error_message(e) +
                   "); POST a Bot Framework activity.");
    }
    dom::object root;
    if (doc.get_object().get(root)) {
        return bad("The body should be a JSON object (a Bot Framework activity).");
    }

    TeamsActivity a;
    auto str = [&](const dom::object& obj, std::string_view key, std::string_view w,
                   std::size_t max, std::string& out) -> Status {
        auto s = string_field(obj, key, w, max);
        if (!s) return s.error();
        out = std::move(*s);
        return ok_status();
    };
    RB_TRY(str(root, "type", where, kMaxId, a.type));
    if (a.type.empty()) {
        return bad("The body has no `type`; it is not a Bot Framework activity.");
    }
    RB_TRY(str(root, "id", where, kMaxId, a.id));
    RB_TRY(str(root, "channelId", where, kMaxId, a.channel_id));
    RB_TRY(str(root, "serviceUrl", where, kMaxUrl, a.service_url));
    RB_TRY(str(root, "text", where, kMaxText, a.text));
    RB_TRY(str(root, "name", where, kMaxId, a.name));
    RB_TRY(str(root, "replyToId", where, kMaxId, a.reply_to_id));
    std::string tz;
    RB_TRY(str(root, "localTimezone", where, kMaxId, tz));

    auto from = opt_object(root, "from", where);
    if (!from) return from.error();
    if (*from) {
        RB_TRY(str(**from, "id", "activity's `from`", kMaxId, a.from_id));
        RB_TRY(str(**from, "name", "activity's `from`", kMaxId, a.from_name));
        RB_TRY(str(**from, "aadObjectId", "activity's `from`", kMaxId, a.from_aad_object_id));
    }
    auto recipient = opt_object(root, "recipient", where);
    if (!recipient) return recipient.error();
    if (*recipient) {
        RB_TRY(str(**recipient, "id", "activity's `recipient`", kMaxId, a.recipient_id));
        RB_TRY(str(**recipient, "name", "activity's `recipient`", kMaxId, a.recipient_name));
    }
    auto conversation = opt_object(root, "conversation", where);
    if (!conversation) return conversation.error();
    if (*conversation) {
        constexpr std::string_view cw = "activity's `conversation`";
        RB_TRY(str(**conversation, "id", cw, kMaxId, a.conversation_id));
        RB_TRY(str(**conversation, "conversationType", cw, kMaxId, a.conversation_type));
        RB_TRY(str(**conversation, "tenantId", cw, kMaxId, a.tenant));
    }
    auto channel_data = opt_object(root, "channelData", where);
    if (!channel_data) return channel_data.error();
    if (*channel_data) {
        constexpr std::string_view dw = "activity's `channelData`";
        auto tenant = opt_object(**channel_data, "tenant", dw);
        if (!tenant) return tenant.error();
        if (*tenant && a.tenant.empty()) RB_TRY(str(**tenant, "id", dw, kMaxId, a.tenant));
        auto team = opt_object(**channel_data, "team", dw);
        if (!team) return team.error();
        if (*team) RB_TRY(str(**team, "id", dw, kMaxId, a.team_id));
    }
    // A 1:1 chat is "personal"; older activities omit the type and say isGroup instead.
    if (a.conversation_type.empty())
        a.conversation_type = a.team_id.empty() ? "personal" : "channel";

    auto value = checked_json::find(root, "value");
    if (value) {
        a.value_json = simdjson::minify(*value);
        if (a.value_json.size() > kMaxValue) {
            return bad("`value` in the activity is " + std::to_string(a.value_json.size()) +
                       " bytes; releasebot reads at most " + std::to_string(kMaxValue) + ".");
        }
        const bool execute = a.type == "invoke" && a.name == "adaptiveCard/action";
        if (a.type == "message" || execute) a.card = card_action(*value, execute);
    }

    auto found = mentions(root, tz);
    if (!found) return found.error();
    for (auto& m : *found) {
        if (!a.recipient_id.empty() && m.id == a.recipient_id) {
            a.mention_texts.push_back(m.text);
        }
    }
    if (!tz.empty()) a.local_timezone = tz;

    for (const char* key : {"membersAdded", "membersRemoved"}) {
        auto members = checked_json::find(root, key);
        if (!members) continue;
        dom::array arr;
        if (members->get_array().get(arr))
            return bad("`" + std::string(key) + "` in the activity should be an array.");
        for (dom::element m : arr) {
            dom::object o;
            if (m.get_object().get(o)) continue;
            std::string id;
            RB_TRY(str(o, "id", "activity's `" + std::string(key) + "`", kMaxId, id));
            if (id.empty()) continue;
            (std::strcmp(key, "membersAdded") == 0 ? a.members_added : a.members_removed)
                .push_back(std::move(id));
        }
    }

    // What every activity releasebot answers must carry: where it came from and how to reply.
    auto need = [&](const std::string& v, std::string_view name) -> Status {
        if (!v.empty()) return ok_status();
        return bad("The " + a.type + " activity has no `" + std::string(name) +
                   "`; releasebot cannot tell where it came from or where to answer.");
    };
    RB_TRY(need(a.service_url, "serviceUrl"));
    RB_TRY(need(a.conversation_id, "conversation.id"));
    if (a.type == "message" || a.type == "invoke" || a.type == "conversationUpdate") {
        RB_TRY(need(a.from_id, "from.id"));
        if (a.type != "conversationUpdate") RB_TRY(need(a.id, "id"));
        if (a.tenant.empty()) {
            return bad("The " + a.type +
                       " activity names no tenant (conversation.tenantId or "
                       "channelData.tenant.id); releasebot keeps each tenant's releases apart.");
        }
        if (a.conversation_type != "personal" && a.conversation_type != "groupChat" &&
            a.conversation_type != "channel") {
            return bad("`conversation.conversationType` is \"" +
                       (has_control(a.conversation_type) ? std::string("?") : a.conversation_type) +
                       "\"; releasebot knows personal, groupChat and channel.");
        }
    }
    if (a.service_url.rfind("https://", 0) != 0 && a.service_url.rfind("http://", 0) != 0)
        return bad("`serviceUrl` in the activity is not an http(s) URL.");
    if (has_control(a.from_name) || has_control(a.service_url) || has_control(a.conversation_id) ||
        has_control(a.from_id) || has_control(a.tenant) || has_control(a.id))
        return bad("The activity has a control character in an id or a name.");

    // Other people mentioned in a command ("owner <at>Bob</at>") become <@29:bob> markup, the
    // form the command parser reads as a user.
    std::string text = a.text;
    for (const auto& m_text : a.mention_texts) replace_all(text, m_text, " ");
    for (const auto& m : *found) {
        if (!a.recipient_id.empty() && m.id == a.recipient_id) continue;
        if (is_mention_id(m.id)) replace_all(text, m.text, "<@" + m.id + ">");
    }
    a.text = std::string(trim_chat(text, true));
    if (has_control(a.text)) return bad("`text` in the activity contains a control character.");
    return a;
}

ConversationRef conversation_of(const TeamsActivity& activity) {
    ConversationRef c;
    c.platform = "teams";
    c.tenant = activity.tenant;
    c.channel = activity.conversation_id;
    c.service_url = activity.service_url;
    // In a channel the answer belongs under the message it answers (a thread); in chats
    // there are no threads. A card's invoke answers under the card's message (replyToId).
    if (activity.conversation_type == "channel") {
        const std::string& under = activity.type == "message" && activity.value_json.empty()
                                       ? activity.id
                                       : activity.reply_to_id;
        if (!under.empty()) c.thread = under;
    }
    return c;
}

std::optional<Event> to_event(const TeamsActivity& activity) {
    const bool message = activity.type == "message";
    const bool execute = activity.type == "invoke" && activity.name == "adaptiveCard/action";
    if (!message && !execute) return std::nullopt;

    Event e;
    e.idempotency_key = "teams:" + activity.conversation_id + ":" + activity.id;
    e.actor.platform = "teams";
    e.actor.tenant = activity.tenant;
    e.actor.user = UserId(activity.from_id);
    e.actor.display_name = activity.from_name;
    e.actor.time_zone = activity.local_timezone;
    e.conversation = conversation_of(activity);

    if (message && activity.value_json.empty()) {
        // An image or a sticker is nothing to run; a bare mention of the bot gets the pipeline's
        // "type a command, or help" answer.
        if (activity.text.empty() && activity.mention_texts.empty()) return std::nullopt;
        e.kind = EventKind::command;
        e.text = activity.text;
        e.reply_in_outbox = true;
        return e;
    }

    if (!activity.card) {
        // An Action.Submit whose data names no action releasebot knows (an old card, another
        // app's): answered, so the presser is not left wondering.
        if (!message) return std::nullopt;
        e.kind = EventKind::action;
        e.reply_in_outbox = true;
        return e;
    }
    const CardAction& card = *activity.card;
    if (card.action_id == "survey.submit") {
        e.kind = EventKind::submission;
        e.value = card.value;
        e.fields = card.inputs;
    } else {
        e.kind = EventKind::action;
        e.action_id = card.action_id;
        e.value = card.value;
    }
    // The receiver decides how the answer travels (the invoke response or the outbox).
    e.reply_in_outbox = message;
    return e;
}

}  // namespace releasebot::teams
