// Reading fields of untrusted JSON (what Slack and Teams send) from a simdjson DOM parse, each
// checked for presence, type and size, so a decoder reads a payload without ever throwing: every
// failure is an Error whose message names the field and where it was ("`text` in the Slack
// event callback should be a string, not a number."). Header-only; the decoders that include it
// link simdjson themselves.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

#include "commands/result.hpp"

namespace releasebot::checked_json {

namespace dom = simdjson::dom;

// The parser of this thread, shared by every decoder so that its buffers are allocated once.
// What a decode reads from it is valid until the next parse on the same thread, so a decoder
// copies out the strings it keeps before it returns.
inline dom::parser& thread_parser() {
    thread_local dom::parser parser;
    return parser;
}

// "an array", "a number", …: what `v` is, as an error message names it.
inline std::string type_name(const dom::element& v) {
    if (v.is_array()) return "an array";
    if (v.is_object()) return "an object";
    if (v.is_number()) return "a number";
    if (v.is_string()) return "a string";
    if (v.is_bool()) return "true or false";
    if (v.is_null()) return "null";
    return "something else";
}

// `key` in `obj`; nullopt when it is absent or null (which both platforms write for "none").
inline std::optional<dom::element> find(const dom::object& obj, std::string_view key) {
    dom::element v;
    if (obj[key].get(v) || v.is_null()) return std::nullopt;
    return v;
}

// "`key` in the <where> should be <want>, not <what v is>."
inline Error wrong_type(std::string_view key, std::string_view where, std::string_view want,
                        const dom::element& v) {
    return invalid("`" + std::string(key) + "` in the " + std::string(where) + " should be " +
                   std::string(want) + ", not " + type_name(v) + ".");
}

// "`key` in the <where> is <size> bytes; releasebot reads at most <max>."
inline Error too_long(std::string_view key, std::string_view where, std::size_t size,
                      std::size_t max) {
    return invalid("`" + std::string(key) + "` in the " + std::string(where) + " is " +
                   std::to_string(size) + " bytes; releasebot reads at most " +
                   std::to_string(max) + ".");
}

// The string at `key`, at most `max` bytes; nullopt when absent or null.
inline Result<std::optional<std::string>> opt_string(const dom::object& obj, std::string_view key,
                                                     std::string_view where, std::size_t max) {
    auto v = find(obj, key);
    if (!v) return std::optional<std::string>();
    std::string_view s;
    if (v->get_string().get(s)) return wrong_type(key, where, "a string", *v);
    if (s.size() > max) return too_long(key, where, s.size(), max);
    return std::optional<std::string>(std::string(s));
}

// The string at `key`, at most `max` bytes; an Error when it is absent, null or empty.
inline Result<std::string> req_string(const dom::object& obj, std::string_view key,
                                      std::string_view where, std::size_t max) {
    auto s = opt_string(obj, key, where, max);
    if (!s) return s.error();
    if (!*s || (*s)->empty()) {
        return invalid("The " + std::string(where) + " has no `" + std::string(key) + "`.");
    }
    return std::move(**s);
}

// The object at `key`; nullopt when absent or null.
inline Result<std::optional<dom::object>> opt_object(const dom::object& obj, std::string_view key,
                                                     std::string_view where) {
    auto v = find(obj, key);
    if (!v) return std::optional<dom::object>();
    dom::object o;
    if (v->get_object().get(o)) return wrong_type(key, where, "an object", *v);
    return std::optional<dom::object>(o);
}

// The object at `key`; an Error when it is absent or null.
inline Result<dom::object> req_object(const dom::object& obj, std::string_view key,
                                      std::string_view where) {
    auto o = opt_object(obj, key, where);
    if (!o) return o.error();
    if (!*o) return invalid("The " + std::string(where) + " has no `" + std::string(key) + "`.");
    return **o;
}

// True when `s` holds a control character other than tab, CR and LF: such characters have no
// place in a command, an id or a name, and would end up in the database and the audit log.
inline bool has_control(std::string_view s) {
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 && c != '\t' && c != '\n' && c != '\r') return true;
    }
    return false;
}

}  // namespace releasebot::checked_json
