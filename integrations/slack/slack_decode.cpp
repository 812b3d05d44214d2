// Decoding what Slack sends into releasebot's Event: Socket Mode frames, slash commands (JSON
// and form-encoded), Events API callbacks (app_mention, direct messages) and interactivity
// (block_actions, view_submission). This sits on the hot path of every command, so it parses
// each payload once with simdjson's DOM API (a payload is at most a few kilobytes, and its fields
// are read in no fixed order), one parser reused per thread, and copies each string out before
// the next parse. The DOM parse checks the whole document before anything is read, so a payload
// broken anywhere is refused as a whole (on-demand lookups on a broken object were found by
// fuzzing to abort; on-demand is used only to cut a checked Socket Mode frame's payload out).
// Input is untrusted: every field is checked for presence, type and size, and every failure is
// an Error value whose message names the field; nothing here throws.
#include "integrations/slack/slack_decode.hpp"

#include <simdjson.h>

#include <cstdint>

#include "commands/text_util.hpp"
#include "integrations/http/form.hpp"
#include "integrations/json/checked_json.hpp"

namespace releasebot::slack {

namespace dom = simdjson::dom;
using checked_json::find;
using checked_json::has_control;
using checked_json::opt_object;
using checked_json::opt_string;
using checked_json::req_object;
using checked_json::req_string;
using checked_json::thread_parser;
using checked_json::too_long;
using checked_json::wrong_type;

namespace {

// Slack's largest payloads are block_actions carrying the full message (50 blocks of at most
// 3000 characters) and view submissions; a megabyte leaves room for both and bounds the work a
// hostile sender can cause.
constexpr std::size_t kMaxPayload = 1 << 20;
// Slack IDs, timestamps, action ids and block ids are at most 255 characters.
constexpr std::size_t kMaxId = 255;
// Command text: Slack messages stop at 40,000 characters, far more than any command needs; an
// announcement body (the longest thing typed) is 3,000 characters, up to 4 bytes each.
constexpr std::size_t kMaxText = 16000;
// A button value or a modal answer (Slack caps values at 2,000 characters, inputs at 3,000).
constexpr std::size_t kMaxValue = 12000;
// A modal has at most 100 blocks, so at most 100 answers.
constexpr std::size_t kMaxAnswers = 100;

Error bad(std::string message) {
    return invalid(std::move(message));
}

Error json_error(std::string_view what, simdjson::error_code e) {
    if (e == simdjson::UTF8_ERROR) {
        return bad("The " + std::string(what) + " is not valid UTF-8.");
    }
    if (e == simdjson::EMPTY) return bad("The " + std::string(what) + " is empty.");
    return bad("The " + std::string(what) + " is not valid JSON (" + simdjson::error_message(e) +
               ").");
}

// The root object of `json`, parsed into this thread's parser; an Error when it is too big, not
// valid JSON or not an object.
Result<dom::object> open(std::string_view json, std::string_view what) {
    if (json.size() > kMaxPayload) {
        return bad("The " + std::string(what) + " is " + std::to_string(json.size()) +
                   " bytes; releasebot reads at most " + std::to_string(kMaxPayload) + ".");
    }
    if (json.empty()) return json_error(what, simdjson::EMPTY);
    dom::element root;
    if (auto e = thread_parser().parse(json.data(), json.size()).get(root))
        return json_error(what, e);
    dom::object obj;
    if (root.get_object().get(obj)) {
        return bad("The " + std::string(what) + " should be a JSON object, not " +
                   checked_json::type_name(root) + ".");
    }
    return obj;
}

// The source text of the `payload` object of a Socket Mode frame that open() has accepted, for
// the decoder of its kind. The DOM keeps no source text and writing the payload out again costs
// twice what finding it does, so simdjson's on-demand API finds it; that API assumes well-formed
// input when it looks fields up, which open() has just checked.
Result<std::string> payload_text(std::string_view json, std::string_view where) {
    thread_local simdjson::ondemand::parser parser;
    thread_local std::string padded;
    padded.assign(json);
    padded.resize(json.size() + simdjson::SIMDJSON_PADDING);
    simdjson::ondemand::document doc;
    simdjson::ondemand::object payload;
    std::string_view raw;
    if (auto e = parser.iterate(padded.data(), json.size(), padded.size()).get(doc))
        return json_error(where, e);
    if (auto e = doc["payload"].get_object().get(payload)) return json_error(where, e);
    if (auto e = payload.raw_json().get(raw)) return json_error(where, e);
    return std::string(raw);
}

// Slack IDs (T…, U…, C…, D…), timestamps ("1531420618.000200") and the like: short, with no
// spaces or markup, so they are safe to store, log and echo.
bool is_slack_id(std::string_view s) {
    if (s.empty() || s.size() > kMaxId) return false;
    for (char c : s) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-' || c == ':';
        if (!ok) return false;
    }
    return true;
}

Status check_id(std::string_view key, std::string_view where, const std::string& value) {
    if (is_slack_id(value)) return ok_status();
    return bad("`" + std::string(key) + "` in the " + std::string(where) +
               " is not a Slack ID (letters, digits, '.', '_', '-' or ':', at most 255).");
}

Result<std::string> req_id(const dom::object& obj, std::string_view key, std::string_view where) {
    auto s = req_string(obj, key, where, kMaxId);
    if (!s) return s.error();
    RB_TRY(check_id(key, where, *s));
    return std::move(*s);
}

Result<std::optional<std::string>> opt_id(const dom::object& obj, std::string_view key,
                                          std::string_view where) {
    auto s = opt_string(obj, key, where, kMaxId);
    if (!s) return s.error();
    if (*s && (*s)->empty()) return std::optional<std::string>();
    if (*s) RB_TRY(check_id(key, where, **s));
    return s;
}

// Ok unless `text` holds a control character (has_control says which are refused).
Status check_text(std::string_view key, std::string_view where, std::string_view text) {
    if (!has_control(text)) return ok_status();
    return bad("`" + std::string(key) + "` in the " + std::string(where) +
               " contains a control character.");
}

// Slack writes &, < and > in message text as &amp;, &lt; and &gt; (its own markup uses < >).
std::string unescape_entities(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '&') {
            if (s.compare(i, 5, "&amp;") == 0) {
                out += '&';
                i += 4;
                continue;
            }
            if (s.compare(i, 4, "&lt;") == 0) {
                out += '<';
                i += 3;
                continue;
            }
            if (s.compare(i, 4, "&gt;") == 0) {
                out += '>';
                i += 3;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

// "<@U0BOT> release plan x" → "release plan x": people address the bot by mentioning it.
std::string_view strip_leading_mention(std::string_view s) {
    s = trim_chat(s);
    if (s.rfind("<@", 0) == 0) {
        std::size_t close = s.find('>');
        if (close != std::string_view::npos) s = trim_chat(s.substr(close + 1));
    }
    return s;
}

// Socket Mode and the Events API key deliveries by event id, so a redelivered event (a new
// envelope, an HTTP retry) is recognised as the same one.
std::string event_key(const std::string& event_id) {
    return "slack:event:" + event_id;
}

// The parts of a slash command, wherever they came from (JSON or a form).
struct SlashFields {
    std::string team_id;
    std::string user_id;
    std::string user_name;
    std::string channel_id;
    std::string command;
    std::string text;
};

// The Event every Slack payload starts from: who, in which workspace and conversation.
Event slack_event(std::string key, EventKind kind, const std::string& team, std::string user,
                  std::string display_name, std::string channel) {
    Event e;
    e.idempotency_key = std::move(key);
    e.kind = kind;
    e.actor.platform = "slack";
    e.actor.tenant = team;
    e.actor.user = UserId(std::move(user));
    e.actor.display_name = std::move(display_name);
    e.conversation.platform = "slack";
    e.conversation.tenant = team;
    e.conversation.channel = std::move(channel);
    return e;
}

Result<Event> slash_event(SlashFields f, const std::string& key) {
    constexpr std::string_view where = "Slack slash command payload";
    RB_TRY(check_text("text", where, f.text));
    std::string_view name = f.command;
    if (!name.empty() && name[0] == '/') name.remove_prefix(1);
    if (name.empty() || name.find_first_of(" \t\n") != std::string_view::npos) {
        return bad("`command` in the " + std::string(where) +
                   " is not a slash command name like `/release`.");
    }
    Event e = slack_event(key, EventKind::command, f.team_id, f.user_id, std::move(f.user_name),
                          std::move(f.channel_id));
    // "/release plan x" arrives as command "/release" and text "plan x".
    std::string text = unescape_entities(trim_chat(f.text));
    e.text = std::string(name);
    if (!text.empty()) e.text += " " + text;
    return e;
}

// The action id without the "#<n>" suffix block_kit.cpp adds to keep ids unique in a message.
std::string strip_action_suffix(std::string_view id) {
    return std::string(id.substr(0, id.find('#')));
}

// The team of an interaction: `team.id`, or the user's team for org-wide installs (team null).
Result<std::string> interaction_team(const dom::object& root, std::string_view where,
                                     const std::optional<std::string>& user_team) {
    auto team = opt_object(root, "team", where);
    if (!team) return team.error();
    if (*team) {
        auto id = req_id(**team, "id", "`team` of the " + std::string(where));
        if (!id) return id.error();
        return std::move(*id);
    }
    if (user_team) return *user_team;
    return bad("The " + std::string(where) + " has no `team`.");
}

struct InteractionUser {
    std::string id;
    std::string name;
    std::optional<std::string> team_id;
};

Result<InteractionUser> interaction_user(const dom::object& root, std::string_view where) {
    auto user = req_object(root, "user", where);
    if (!user) return user.error();
    std::string uwhere = "`user` of the " + std::string(where);
    InteractionUser u;
    auto id = req_id(*user, "id", uwhere);
    if (!id) return id.error();
    u.id = std::move(*id);
    auto username = opt_string(*user, "username", uwhere, kMaxId);
    if (!username) return username.error();
    if (*username && !(*username)->empty()) {
        u.name = std::move(**username);
    } else {
        auto name = opt_string(*user, "name", uwhere, kMaxId);
        if (!name) return name.error();
        if (*name) u.name = std::move(**name);
    }
    RB_TRY(check_text("name", uwhere, u.name));
    auto team = opt_id(*user, "team_id", uwhere);
    if (!team) return team.error();
    u.team_id = std::move(*team);
    return u;
}

Result<Event> decode_block_actions(const dom::object& root, const std::string& key) {
    constexpr std::string_view where = "Slack block_actions payload";
    auto user = interaction_user(root, where);
    if (!user) return user.error();
    auto team = interaction_team(root, where, user->team_id);
    if (!team) return team.error();
    auto trigger = opt_string(root, "trigger_id", where, kMaxId);
    if (!trigger) return trigger.error();
    auto response_url = opt_string(root, "response_url", where, 2048);
    if (!response_url) return response_url.error();

    // The channel: `channel.id`, or the container's channel_id.
    std::optional<std::string> channel;
    auto ch = opt_object(root, "channel", where);
    if (!ch) return ch.error();
    if (*ch) {
        auto id = req_id(**ch, "id", "`channel` of the " + std::string(where));
        if (!id) return id.error();
        channel = std::move(*id);
    }
    std::optional<std::string> message_ts;
    auto container = opt_object(root, "container", where);
    if (!container) return container.error();
    if (*container) {
        std::string cwhere = "`container` of the " + std::string(where);
        if (!channel) {
            auto id = opt_id(**container, "channel_id", cwhere);
            if (!id) return id.error();
            channel = std::move(*id);
        }
        auto ts = opt_id(**container, "message_ts", cwhere);
        if (!ts) return ts.error();
        message_ts = std::move(*ts);
    }
    if (!channel) {
        return bad("The " + std::string(where) +
                   " has no channel; releasebot's buttons live in channel and DM messages.");
    }
    // A button pressed inside a thread answers in that thread.
    std::optional<std::string> thread;
    auto message = opt_object(root, "message", where);
    if (!message) return message.error();
    if (*message) {
        auto t = opt_id(**message, "thread_ts", "`message` of the " + std::string(where));
        if (!t) return t.error();
        thread = std::move(*t);
    }

    auto actions_v = find(root, "actions");
    if (!actions_v) return bad("The " + std::string(where) + " has no `actions`.");
    dom::array actions;
    if (actions_v->get_array().get(actions))
        return wrong_type("actions", where, "an array", *actions_v);
    // One press is one payload: the first action is the one that was pressed.
    dom::element first;
    if (actions.at(0).get(first))
        return bad("`actions` in the " + std::string(where) + " is empty.");
    std::string awhere = "`actions` of the " + std::string(where);
    dom::object action;
    if (first.get_object().get(action))
        return bad("Each entry of " + awhere + " should be an object.");
    auto id = req_string(action, "action_id", awhere, kMaxId);
    if (!id) return id.error();
    auto value = opt_string(action, "value", awhere, kMaxValue);
    if (!value) return value.error();
    std::string v;
    if (*value) {
        v = std::move(**value);
    } else {
        // Select menus carry their choice in selected_option.value.
        auto option = opt_object(action, "selected_option", awhere);
        if (!option) return option.error();
        if (*option) {
            auto ov = opt_string(**option, "value", awhere, kMaxValue);
            if (!ov) return ov.error();
            if (*ov) v = std::move(**ov);
        }
    }
    RB_TRY(check_text("value", awhere, v));
    std::string action_id = strip_action_suffix(*id);
    if (action_id.empty()) {
        return bad("The " + std::string(where) + " has an empty `action_id`.");
    }

    Event e = slack_event(key, EventKind::action, *team, user->id, std::move(user->name),
                          std::move(*channel));
    e.conversation.thread = std::move(thread);
    e.action_id = std::move(action_id);
    e.value = std::move(v);
    // Not answers: what the adapter needs to act on the press itself (open the survey modal with
    // the trigger, edit the message the button sits in).
    if (*trigger && !(*trigger)->empty()) e.fields["trigger_id"] = std::move(**trigger);
    if (message_ts) e.fields["message_ts"] = std::move(*message_ts);
    if (*response_url && (*response_url)->rfind("https://", 0) == 0)
        e.fields["response_url"] = std::move(**response_url);
    return e;
}

// The answer in one view state entry: plain_text_input → value; static_select and
// radio_buttons → selected_option.value; nullopt when the person left it empty.
Result<std::optional<std::string>> state_answer(const dom::object& entry, std::string_view where) {
    auto value = opt_string(entry, "value", where, kMaxValue);
    if (!value) return value.error();
    if (*value) return value;
    auto option = opt_object(entry, "selected_option", where);
    if (!option) return option.error();
    if (*option) return opt_string(**option, "value", where, kMaxValue);
    return std::optional<std::string>();
}

// The answers of a submitted view (`view.state.values`), by "block_id.action_id".
Result<std::map<std::string, std::string>> view_answers(const dom::object& view,
                                                        std::string_view where) {
    std::map<std::string, std::string> fields;
    auto state = opt_object(view, "state", "`view` of the " + std::string(where));
    if (!state) return state.error();
    if (!*state) return fields;
    std::string swhere = "`view.state` of the " + std::string(where);
    auto values = opt_object(**state, "values", swhere);
    if (!values) return values.error();
    if (!*values) return fields;
    for (auto [block_id, block_value] : **values) {
        if (block_id.size() > kMaxId) return too_long("block_id", swhere, block_id.size(), kMaxId);
        dom::object block;
        if (block_value.get_object().get(block)) {
            return bad("Each block in `view.state.values` of the " + std::string(where) +
                       " should be an object.");
        }
        for (auto [action_id, entry_value] : block) {
            if (action_id.size() > kMaxId)
                return too_long("action_id", swhere, action_id.size(), kMaxId);
            dom::object entry;
            if (entry_value.get_object().get(entry)) {
                return bad("Each answer in `view.state.values` of the " + std::string(where) +
                           " should be an object.");
            }
            auto answer = state_answer(entry, swhere);
            if (!answer) return answer.error();
            if (!*answer) continue;
            std::string block_name(block_id);
            RB_TRY(check_text(block_name + "." + std::string(action_id), swhere, **answer));
            if (fields.size() >= kMaxAnswers) {
                return bad("The " + std::string(where) + " has more than " +
                           std::to_string(kMaxAnswers) + " answers.");
            }
            fields[block_name + "." + strip_action_suffix(action_id)] = std::move(**answer);
        }
    }
    return fields;
}

Result<Event> decode_view_submission(const dom::object& root, const std::string& key) {
    constexpr std::string_view where = "Slack view_submission payload";
    auto user = interaction_user(root, where);
    if (!user) return user.error();
    auto team = interaction_team(root, where, user->team_id);
    if (!team) return team.error();
    auto view = req_object(root, "view", where);
    if (!view) return view.error();
    auto metadata =
        opt_string(*view, "private_metadata", "`view` of the " + std::string(where), kMaxValue);
    if (!metadata) return metadata.error();
    auto fields = view_answers(*view, where);
    if (!fields) return fields.error();

    // A modal belongs to no channel; the adapter answers the person directly.
    Event e = slack_event(key, EventKind::submission, *team, user->id, std::move(user->name), "");
    e.value = metadata->value_or("");
    e.fields = std::move(*fields);
    return e;
}

}  // namespace

Result<SocketFrame> decode_socket_frame(std::string_view json) {
    constexpr std::string_view where = "Slack Socket Mode message";
    auto root = open(json, where);
    if (!root) return root.error();
    SocketFrame f;
    auto type = req_string(*root, "type", where, kMaxId);
    if (!type) return type.error();
    f.type = std::move(*type);
    if (f.type == "hello") return f;
    if (f.type == "disconnect") {
        auto reason = opt_string(*root, "reason", where, kMaxId);
        if (!reason) return reason.error();
        f.reason = reason->value_or("");
        return f;
    }
    // Envelopes of a type releasebot does not know are still acknowledged (Slack would
    // redeliver them otherwise), so their envelope id is read when there is one.
    bool known = f.type == "events_api" || f.type == "slash_commands" || f.type == "interactive";
    auto id = opt_string(*root, "envelope_id", where, kMaxId);
    if (!id) return id.error();
    if (known && (!*id || (*id)->empty())) {
        return bad("The " + std::string(where) + " of type " + f.type +
                   " has no `envelope_id` to acknowledge.");
    }
    f.envelope_id = id->value_or("");

    if (auto payload = find(*root, "payload")) {
        if (!payload->is_object()) return wrong_type("payload", where, "an object", *payload);
        auto raw = payload_text(json, where);
        if (!raw) return raw.error();
        f.payload = std::move(*raw);
    } else if (known) {
        return bad("The " + std::string(where) + " of type " + f.type + " has no `payload`.");
    }

    if (auto accepts = find(*root, "accepts_response_payload")) {
        if (accepts->get_bool().get(f.accepts_response_payload))
            return wrong_type("accepts_response_payload", where, "true or false", *accepts);
    }
    if (auto retry = find(*root, "retry_attempt")) {
        std::int64_t n = 0;
        auto e = retry->get_int64().get(n);
        if (e == simdjson::INCORRECT_TYPE)
            return wrong_type("retry_attempt", where, "a whole number", *retry);
        if (e || n < 0 || n > 1000) {
            return bad("`retry_attempt` in the " + std::string(where) + " is out of range.");
        }
        f.retry_attempt = static_cast<int>(n);
    }
    return f;
}

Result<Event> decode_slash_command_json(std::string_view json, const std::string& idempotency_key) {
    constexpr std::string_view where = "Slack slash command payload";
    auto root = open(json, where);
    if (!root) return root.error();
    SlashFields f;
    auto team = req_id(*root, "team_id", where);
    if (!team) return team.error();
    f.team_id = std::move(*team);
    auto user = req_id(*root, "user_id", where);
    if (!user) return user.error();
    f.user_id = std::move(*user);
    auto name = opt_string(*root, "user_name", where, kMaxId);
    if (!name) return name.error();
    f.user_name = name->value_or("");
    RB_TRY(check_text("user_name", where, f.user_name));
    auto channel = req_id(*root, "channel_id", where);
    if (!channel) return channel.error();
    f.channel_id = std::move(*channel);
    auto command = req_string(*root, "command", where, kMaxId);
    if (!command) return command.error();
    f.command = std::move(*command);
    auto text = opt_string(*root, "text", where, kMaxText);
    if (!text) return text.error();
    f.text = text->value_or("");
    return slash_event(std::move(f), idempotency_key);
}

Result<Event> decode_slash_command_form(std::string_view body, const std::string& idempotency_key) {
    constexpr std::string_view where = "Slack slash command form";
    auto form = http::form_fields(body);
    if (!form) return form.error();
    auto get = [&](const std::string& key) -> std::string {
        auto it = form->find(key);
        return it == form->end() ? std::string() : it->second;
    };
    auto id = [&](const std::string& key) -> Result<std::string> {
        std::string v = get(key);
        if (v.empty()) return bad("The " + std::string(where) + " has no `" + key + "`.");
        RB_TRY(check_id(key, where, v));
        return v;
    };
    SlashFields f;
    auto team = id("team_id");
    if (!team) return team.error();
    f.team_id = std::move(*team);
    auto user = id("user_id");
    if (!user) return user.error();
    f.user_id = std::move(*user);
    auto channel = id("channel_id");
    if (!channel) return channel.error();
    f.channel_id = std::move(*channel);
    f.user_name = get("user_name");
    if (f.user_name.size() > kMaxId)
        return too_long("user_name", where, f.user_name.size(), kMaxId);
    RB_TRY(check_text("user_name", where, f.user_name));
    f.command = get("command");
    if (f.command.empty()) return bad("The " + std::string(where) + " has no `command`.");
    if (f.command.size() > kMaxId) return too_long("command", where, f.command.size(), kMaxId);
    f.text = get("text");
    if (f.text.size() > kMaxText) return too_long("text", where, f.text.size(), kMaxText);
    return slash_event(std::move(f), idempotency_key);
}

Result<std::optional<Event>> decode_event_callback(std::string_view json) {
    constexpr std::string_view where = "Slack event callback";
    auto root = open(json, where);
    if (!root) return root.error();
    auto type = req_string(*root, "type", where, kMaxId);
    if (!type) return type.error();
    // The caller answers the challenge (decode_url_verification); there is nothing to run.
    if (*type == "url_verification") {
        return bad(
            "A url_verification request needs a string `challenge` of at most 255 "
            "characters; this one has none that releasebot can answer.");
    }
    // app_rate_limited and other notices about the app itself carry no command.
    if (*type != "event_callback") return std::optional<Event>();

    auto event_id = req_id(*root, "event_id", where);
    if (!event_id) return event_id.error();
    auto team = opt_id(*root, "team_id", where);
    if (!team) return team.error();
    auto event = req_object(*root, "event", where);
    if (!event) return event.error();
    std::string ewhere = "`event` of the " + std::string(where);
    auto etype = req_string(*event, "type", ewhere, kMaxId);
    if (!etype) return etype.error();

    if (*etype != "app_mention" && *etype != "message") return std::optional<Event>();
    if (*etype == "message") {
        // Only direct messages are commands; in channels people address the bot by mention.
        auto channel_type = opt_string(*event, "channel_type", ewhere, kMaxId);
        if (!channel_type) return channel_type.error();
        if (channel_type->value_or("") != "im") return std::optional<Event>();
        // Edits, deletions, joins and file shares are not new commands.
        if (find(*event, "subtype")) return std::optional<Event>();
    }
    // The bot's own messages (and other bots') must never be read back as commands.
    if (find(*event, "bot_id")) return std::optional<Event>();

    auto user = req_id(*event, "user", ewhere);
    if (!user) return user.error();
    auto channel = req_id(*event, "channel", ewhere);
    if (!channel) return channel.error();
    auto text = opt_string(*event, "text", ewhere, kMaxText);
    if (!text) return text.error();
    auto thread = opt_id(*event, "thread_ts", ewhere);
    if (!thread) return thread.error();
    if (!*team) {
        auto inner = opt_id(*event, "team", ewhere);
        if (!inner) return inner.error();
        team = std::move(inner);
    }
    if (!*team) return bad("The " + std::string(where) + " has no `team_id`.");

    std::string command = unescape_entities(strip_leading_mention(text->value_or("")));
    RB_TRY(check_text("text", ewhere, command));

    Event e = slack_event(event_key(*event_id), EventKind::command, **team, std::move(*user), "",
                          std::move(*channel));
    e.conversation.thread = std::move(*thread);
    e.text = std::move(command);
    return std::optional<Event>(std::move(e));
}

std::optional<std::string> decode_url_verification(std::string_view json) {
    constexpr std::string_view where = "Slack url_verification request";
    auto root = open(json, where);
    if (!root) return std::nullopt;
    auto type = opt_string(*root, "type", where, kMaxId);
    if (!type || !*type || **type != "url_verification") return std::nullopt;
    auto challenge = opt_string(*root, "challenge", where, kMaxId);
    if (!challenge || !*challenge) return std::nullopt;
    return std::move(**challenge);
}

Result<Event> decode_interactive(std::string_view json, const std::string& idempotency_key) {
    constexpr std::string_view where = "Slack interactivity payload";
    auto root = open(json, where);
    if (!root) return root.error();
    auto type = req_string(*root, "type", where, kMaxId);
    if (!type) return type.error();
    std::string key = idempotency_key;
    if (key.empty()) {
        auto trigger = req_id(*root, "trigger_id", where);
        if (!trigger) return trigger.error();
        key = "slack:trigger:" + *trigger;
    }
    if (*type == "block_actions") return decode_block_actions(*root, key);
    if (*type == "view_submission") return decode_view_submission(*root, key);
    return bad("releasebot does not act on Slack " +
               (is_slack_id(*type) ? "`" + *type + "`" : std::string("these")) +
               " interactions; only buttons (block_actions) and survey forms (view_submission).");
}

}  // namespace releasebot::slack
