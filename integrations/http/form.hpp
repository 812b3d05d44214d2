// Reading what arrives URL-encoded, with Boost.URL: a form body (application/x-www-form-urlencoded:
// Slack's slash commands and interactivity) and the query of a request target.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "commands/result.hpp"

namespace releasebot::http {

// The largest form body read.
constexpr std::size_t kMaxFormBody = std::size_t{1} << 20;

// A form body's fields, %-escapes and '+' decoded; the first of a repeated field wins and
// fields without a name are dropped. An Error says what is wrong: too long, a bad %-escape (and
// at which byte), a field that is not UTF-8 once decoded.
Result<std::map<std::string, std::string>> form_fields(std::string_view body);

// The decoded value of the query parameter `name` of a request target ("/calendar.ics?token=…"),
// or "" when it is absent or the target is not a valid origin-form target.
std::string query_value(std::string_view target, std::string_view name);

}  // namespace releasebot::http
