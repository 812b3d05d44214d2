// JSON forms of outbox payloads and destinations, written with Boost.JSON (never by hand, so
// every string is escaped). A row may outlive the binary that wrote it, so decoding accepts
// missing optional members and unknown extra ones, and turns anything it cannot read into an
// Error naming what was wrong; the sender marks such a row failed instead of crashing.
#include "bot/runtime/reply_codec.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <exception>
#include <limits>
#include <stdexcept>
#include <utility>

namespace releasebot {

namespace json = boost::json;

namespace {

template <class E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

constexpr NameTable<Block::Kind, 9> kBlockKinds{{
    {Block::Kind::header, "header"},
    {Block::Kind::section, "section"},
    {Block::Kind::fields, "fields"},
    {Block::Kind::checklist, "checklist"},
    {Block::Kind::table, "table"},
    {Block::Kind::buttons, "buttons"},
    {Block::Kind::context, "context"},
    {Block::Kind::divider, "divider"},
    {Block::Kind::survey, "survey"},
}};

// The question kinds a survey block may carry; anything else is refused when decoding, since a
// renderer could not draw it.
constexpr std::array<std::string_view, 3> kQuestionKinds{"rating", "text", "choice"};

constexpr NameTable<ItemState, 6> kItemStates{{
    {ItemState::open, "open"},
    {ItemState::done, "done"},
    {ItemState::waived, "waived"},
    {ItemState::skipped, "skipped"},
    {ItemState::failed, "failed"},
    {ItemState::current, "current"},
}};

constexpr NameTable<Button::Style, 3> kButtonStyles{{
    {Button::Style::plain, "plain"},
    {Button::Style::primary, "primary"},
    {Button::Style::danger, "danger"},
}};

constexpr NameTable<Visibility, 3> kVisibilities{{
    {Visibility::channel, "channel"},
    {Visibility::ephemeral, "ephemeral"},
    {Visibility::direct, "direct"},
}};

template <class E, std::size_t N>
json::string_view name_of(const NameTable<E, N>& table, E value) {
    for (const auto& [e, name] : table) {
        if (e == value) return {name.data(), name.size()};
    }
    throw std::logic_error("reply_codec: an enumerator has no JSON name");
}

// --- encoding -------------------------------------------------------------------------------

json::string_view sv(const std::string& s) {
    return {s.data(), s.size()};
}

json::array string_array(const std::vector<std::string>& items) {
    json::array a;
    a.reserve(items.size());
    for (const auto& s : items) a.emplace_back(sv(s));
    return a;
}

// Empty members are left out: most blocks use one or two of them, and a payload is stored for
// every message the bot says.
json::object encode_block(const Block& b) {
    json::object o;
    o["kind"] = name_of(kBlockKinds, b.kind);
    if (!b.text.empty()) o["text"] = sv(b.text);
    if (!b.fields.empty()) {
        json::array fields;
        for (const auto& [label, value] : b.fields)
            fields.push_back(json::array{sv(label), sv(value)});
        o["fields"] = std::move(fields);
    }
    if (!b.items.empty()) {
        json::array items;
        for (const auto& item : b.items) {
            json::object i;
            i["label"] = sv(item.label);
            i["state"] = name_of(kItemStates, item.state);
            if (!item.detail.empty()) i["detail"] = sv(item.detail);
            if (!item.action_id.empty()) i["action_id"] = sv(item.action_id);
            if (!item.value.empty()) i["value"] = sv(item.value);
            items.push_back(std::move(i));
        }
        o["items"] = std::move(items);
    }
    if (!b.columns.empty()) o["columns"] = string_array(b.columns);
    if (!b.rows.empty()) {
        json::array rows;
        for (const auto& row : b.rows) rows.push_back(string_array(row));
        o["rows"] = std::move(rows);
    }
    if (!b.buttons.empty()) {
        json::array buttons;
        for (const auto& button : b.buttons) {
            json::object j;
            j["label"] = sv(button.label);
            j["action_id"] = sv(button.action_id);
            if (!button.value.empty()) j["value"] = sv(button.value);
            j["style"] = name_of(kButtonStyles, button.style);
            buttons.push_back(std::move(j));
        }
        o["buttons"] = std::move(buttons);
    }
    if (!b.questions.empty()) {
        json::array questions;
        for (const auto& q : b.questions) {
            json::object j;
            j["number"] = q.number;
            j["kind"] = sv(q.kind);
            j["prompt"] = sv(q.prompt);
            if (!q.choices.empty()) j["choices"] = string_array(q.choices);
            if (!q.answer_command.empty()) j["answer_command"] = sv(q.answer_command);
            questions.push_back(std::move(j));
        }
        o["questions"] = std::move(questions);
    }
    return o;
}

json::object encode_conversation(const ConversationRef& c) {
    json::object o;
    o["platform"] = sv(c.platform);
    o["tenant"] = sv(c.tenant);
    o["channel"] = sv(c.channel);
    if (c.thread) o["thread"] = sv(*c.thread);
    if (c.service_url) o["service_url"] = sv(*c.service_url);
    return o;
}

// --- decoding -------------------------------------------------------------------------------

// Walks a parsed document and keeps the first problem it meets, with the path to it
// ("blocks[2].items[0].state"), so a decoder reads as a description of the shape and checks
// for failure once at the end.
class Decoder {
  public:
    bool failed() const { return !error_.empty(); }
    const std::string& error() const { return error_; }

    void fail(const std::string& path, const std::string& problem) {
        if (error_.empty()) error_ = path.empty() ? problem : path + ": " + problem;
    }

    const json::object* object(const json::value& v, const std::string& path) {
        if (const auto* o = v.if_object()) return o;
        fail(path, "expected an object");
        return nullptr;
    }

    // An optional array member; nullptr when it is absent or not an array (the latter is
    // recorded as the error).
    const json::array* array(const json::object& o, std::string_view key, const std::string& path) {
        const json::value* v = o.if_contains(json::string_view(key.data(), key.size()));
        if (!v) return nullptr;
        if (const auto* a = v->if_array()) return a;
        fail(join(path, key), "expected an array");
        return nullptr;
    }

    const json::array* array(const json::value& v, const std::string& path) {
        if (const auto* a = v.if_array()) return a;
        fail(path, "expected an array");
        return nullptr;
    }

    void string(const json::object& o, std::string_view key, const std::string& path,
                std::string& out, bool required = false) {
        const json::value* v = o.if_contains(json::string_view(key.data(), key.size()));
        if (!v) {
            if (required) fail(join(path, key), "missing");
            return;
        }
        string(*v, join(path, key), out);
    }

    void string(const json::value& v, const std::string& path, std::string& out) {
        if (const auto* s = v.if_string()) {
            out.assign(s->data(), s->size());
        } else {
            fail(path, "expected a string");
        }
    }

    void optional_string(const json::object& o, std::string_view key, const std::string& path,
                         std::optional<std::string>& out) {
        if (!o.if_contains(json::string_view(key.data(), key.size()))) return;
        std::string s;
        string(o, key, path, s);
        out = std::move(s);
    }

    void boolean(const json::object& o, std::string_view key, const std::string& path, bool& out) {
        const json::value* v = o.if_contains(json::string_view(key.data(), key.size()));
        if (!v) return;
        if (const bool* b = v->if_bool()) {
            out = *b;
        } else {
            fail(join(path, key), "expected true or false");
        }
    }

    template <class E, std::size_t N>
    void name(const json::object& o, std::string_view key, const std::string& path,
              const NameTable<E, N>& table, E& out, bool required = false) {
        std::string text;
        const bool present = o.if_contains(json::string_view(key.data(), key.size())) != nullptr;
        string(o, key, path, text, required);
        if (!present || failed()) return;
        for (const auto& [e, n] : table) {
            if (n == text) {
                out = e;
                return;
            }
        }
        fail(join(path, key), "unknown value \"" + text + "\"");
    }

    static std::string join(const std::string& path, std::string_view key) {
        return path.empty() ? std::string(key) : path + "." + std::string(key);
    }
    static std::string index(const std::string& path, std::size_t i) {
        return path + "[" + std::to_string(i) + "]";
    }

  private:
    std::string error_;
};

// One survey question, strictly: a positive number, a known kind, a prompt, and choices exactly
// when the kind is "choice".
void decode_question(Decoder& d, const json::value& v, const std::string& at, SurveyQuestion& q) {
    const json::object* o = d.object(v, at);
    if (!o) return;
    const json::value* number = o->if_contains("number");
    if (!number) {
        d.fail(Decoder::join(at, "number"), "missing");
    } else if (number->is_int64() && number->as_int64() >= 1 &&
               number->as_int64() <= std::numeric_limits<int>::max()) {
        q.number = static_cast<int>(number->as_int64());
    } else if (number->is_uint64() || number->is_int64()) {
        d.fail(Decoder::join(at, "number"), "expected a positive question number");
    } else {
        d.fail(Decoder::join(at, "number"), "expected a whole number");
    }
    d.string(*o, "kind", at, q.kind, true);
    if (!d.failed() &&
        std::find(kQuestionKinds.begin(), kQuestionKinds.end(), q.kind) == kQuestionKinds.end())
        d.fail(Decoder::join(at, "kind"), "unknown value \"" + q.kind + "\"");
    d.string(*o, "prompt", at, q.prompt, true);
    if (const auto* choices = d.array(*o, "choices", at)) {
        for (std::size_t i = 0; i < choices->size(); ++i) {
            d.string((*choices)[i], Decoder::index(Decoder::join(at, "choices"), i),
                     q.choices.emplace_back());
        }
    }
    if (!d.failed() && (q.kind == "choice") == q.choices.empty())
        d.fail(Decoder::join(at, "choices"), q.kind == "choice"
                                                 ? "a choice question needs its choices"
                                                 : "only a choice question has choices");
    d.string(*o, "answer_command", at, q.answer_command);
}

void decode_block(Decoder& d, const json::value& v, const std::string& path, Block& b) {
    const json::object* o = d.object(v, path);
    if (!o) return;
    d.name(*o, "kind", path, kBlockKinds, b.kind, true);
    d.string(*o, "text", path, b.text);
    if (const auto* fields = d.array(*o, "fields", path)) {
        for (std::size_t i = 0; i < fields->size(); ++i) {
            const std::string at = Decoder::index(Decoder::join(path, "fields"), i);
            const json::array* pair = d.array((*fields)[i], at);
            if (!pair) return;
            if (pair->size() != 2) {
                d.fail(at, "expected [label, value]");
                return;
            }
            auto& [label, value] = b.fields.emplace_back();
            d.string((*pair)[0], at + "[0]", label);
            d.string((*pair)[1], at + "[1]", value);
        }
    }
    if (const auto* items = d.array(*o, "items", path)) {
        for (std::size_t i = 0; i < items->size(); ++i) {
            const std::string at = Decoder::index(Decoder::join(path, "items"), i);
            const json::object* item = d.object((*items)[i], at);
            if (!item) return;
            ChecklistItem& c = b.items.emplace_back();
            d.string(*item, "label", at, c.label, true);
            d.name(*item, "state", at, kItemStates, c.state);
            d.string(*item, "detail", at, c.detail);
            d.string(*item, "action_id", at, c.action_id);
            d.string(*item, "value", at, c.value);
        }
    }
    if (const auto* columns = d.array(*o, "columns", path)) {
        for (std::size_t i = 0; i < columns->size(); ++i) {
            d.string((*columns)[i], Decoder::index(Decoder::join(path, "columns"), i),
                     b.columns.emplace_back());
        }
    }
    if (const auto* rows = d.array(*o, "rows", path)) {
        for (std::size_t i = 0; i < rows->size(); ++i) {
            const std::string at = Decoder::index(Decoder::join(path, "rows"), i);
            const json::array* row = d.array((*rows)[i], at);
            if (!row) return;
            auto& cells = b.rows.emplace_back();
            for (std::size_t j = 0; j < row->size(); ++j) {
                d.string((*row)[j], Decoder::index(at, j), cells.emplace_back());
            }
        }
    }
    if (const auto* buttons = d.array(*o, "buttons", path)) {
        for (std::size_t i = 0; i < buttons->size(); ++i) {
            const std::string at = Decoder::index(Decoder::join(path, "buttons"), i);
            const json::object* button = d.object((*buttons)[i], at);
            if (!button) return;
            Button& bt = b.buttons.emplace_back();
            d.string(*button, "label", at, bt.label, true);
            d.string(*button, "action_id", at, bt.action_id);
            d.string(*button, "value", at, bt.value);
            d.name(*button, "style", at, kButtonStyles, bt.style);
        }
    }
    if (const auto* questions = d.array(*o, "questions", path)) {
        for (std::size_t i = 0; i < questions->size() && !d.failed(); ++i) {
            decode_question(d, (*questions)[i], Decoder::index(Decoder::join(path, "questions"), i),
                            b.questions.emplace_back());
        }
    }
}

void decode_conversation(Decoder& d, const json::value& v, const std::string& path,
                         ConversationRef& c) {
    const json::object* o = d.object(v, path);
    if (!o) return;
    d.string(*o, "platform", path, c.platform, true);
    d.string(*o, "tenant", path, c.tenant, true);
    d.string(*o, "channel", path, c.channel, true);
    d.optional_string(*o, "thread", path, c.thread);
    d.optional_string(*o, "service_url", path, c.service_url);
}

Error unreadable(std::string_view what, const std::string& problem) {
    return Error{ErrorKind::internal,
                 "The stored " + std::string(what) + " could not be read (" + problem + ")."};
}

// Parses `text`, keeping what went in: a Reply may carry bytes that are not valid UTF-8 (typed
// into the console), and the encoder writes them through unchanged.
Result<json::value> parse(std::string_view text, std::string_view what) {
    json::parse_options options;
    options.allow_invalid_utf8 = true;
    boost::system::error_code ec;
    json::value v = json::parse(json::string_view(text.data(), text.size()), ec, {}, options);
    if (ec) return unreadable(what, "not JSON: " + ec.message());
    return v;
}

}  // namespace

std::string encode_reply(const Reply& reply) {
    json::object o;
    o["text"] = sv(reply.text);
    o["visibility"] = name_of(kVisibilities, reply.visibility);
    if (reply.is_error) o["is_error"] = true;
    json::array blocks;
    blocks.reserve(reply.blocks.size());
    for (const auto& b : reply.blocks) blocks.push_back(encode_block(b));
    o["blocks"] = std::move(blocks);
    if (reply.file) {
        o["file"] = json::object{{"filename", sv(reply.file->filename)},
                                 {"content", sv(reply.file->content)},
                                 {"mime", sv(reply.file->mime)}};
    }
    return json::serialize(o);
}

Result<Reply> decode_reply(std::string_view text) {
    // Boost.JSON reports syntax through error codes; the catch is for allocation failures on a
    // huge damaged row, which must not take the sender down either.
    try {
        auto parsed = parse(text, "message");
        if (!parsed) return parsed.error();
        Decoder d;
        Reply reply;
        if (const json::object* o = d.object(*parsed, "")) {
            d.string(*o, "text", "", reply.text, true);
            d.name(*o, "visibility", "", kVisibilities, reply.visibility);
            d.boolean(*o, "is_error", "", reply.is_error);
            if (const auto* blocks = d.array(*o, "blocks", "")) {
                reply.blocks.reserve(blocks->size());
                for (std::size_t i = 0; i < blocks->size() && !d.failed(); ++i) {
                    decode_block(d, (*blocks)[i], Decoder::index("blocks", i),
                                 reply.blocks.emplace_back());
                }
            }
            // Rows written before attachments existed have no "file": the reply has none.
            if (const json::value* file = o->if_contains("file")) {
                if (const json::object* f = d.object(*file, "file")) {
                    Attachment& a = reply.file.emplace();
                    d.string(*f, "filename", "file", a.filename, true);
                    d.string(*f, "content", "file", a.content, true);
                    d.string(*f, "mime", "file", a.mime);
                    if (!d.failed() && a.filename.empty()) d.fail("file.filename", "empty");
                }
            }
        }
        if (d.failed()) return unreadable("message", d.error());
        return reply;
    } catch (const std::exception& e) {
        return unreadable("message", e.what());
    }
}

Destination destination_of(const Outbound& o, const Actor& actor) {
    if (o.channel.has_value() == o.direct_to.has_value()) {
        throw std::invalid_argument(
            "destination_of: an Outbound needs exactly one of channel and direct_to");
    }
    if (o.ephemeral_to && !o.channel) {
        throw std::invalid_argument("destination_of: ephemeral_to needs a channel");
    }
    Destination d;
    if (o.channel) {
        d.platform = o.channel->platform;
        d.tenant = o.channel->tenant;
        d.channel = *o.channel;
        d.ephemeral_to = o.ephemeral_to;
    } else {
        d.platform = actor.platform;
        d.tenant = actor.tenant;
        d.user = *o.direct_to;
    }
    return d;
}

std::string encode_destination(const Destination& d) {
    json::object o;
    o["platform"] = sv(d.platform);
    o["tenant"] = sv(d.tenant);
    if (d.channel) o["channel"] = encode_conversation(*d.channel);
    if (d.user) o["user"] = sv(d.user->value());
    if (d.ephemeral_to) o["ephemeral_to"] = sv(d.ephemeral_to->value());
    return json::serialize(o);
}

Result<Destination> decode_destination(std::string_view text) {
    try {
        auto parsed = parse(text, "destination");
        if (!parsed) return parsed.error();
        Decoder d;
        Destination dest;
        if (const json::object* o = d.object(*parsed, "")) {
            d.string(*o, "platform", "", dest.platform, true);
            d.string(*o, "tenant", "", dest.tenant, true);
            if (const json::value* channel = o->if_contains("channel")) {
                decode_conversation(d, *channel, "channel", dest.channel.emplace());
            }
            std::optional<std::string> user;
            d.optional_string(*o, "user", "", user);
            if (user) dest.user = UserId(std::move(*user));
            // Absent in rows written before ephemeral messages went through the outbox.
            std::optional<std::string> ephemeral;
            d.optional_string(*o, "ephemeral_to", "", ephemeral);
            if (ephemeral) dest.ephemeral_to = UserId(std::move(*ephemeral));
            if (!d.failed() && dest.channel.has_value() == dest.user.has_value()) {
                d.fail("", "expected exactly one of channel and user");
            }
            if (!d.failed() && dest.ephemeral_to && !dest.channel) {
                d.fail("ephemeral_to", "an ephemeral message needs a channel");
            }
        }
        if (d.failed()) return unreadable("destination", d.error());
        return dest;
    } catch (const std::exception& e) {
        return unreadable("destination", e.what());
    }
}

}  // namespace releasebot
