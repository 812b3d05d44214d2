// Request signing shared by the inbound webhooks (Slack's v0 signatures, releasebot's CI
// webhook): HMAC-SHA256 as lower-case hex, hex normalization of a received signature, a
// comparison whose time does not depend on where two digests differ, so a forger learns nothing
// from how long a refusal took, and the replay window a signed timestamp must fall in. OpenSSL
// stays inside hmac.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace releasebot::http {

// The HMAC-SHA256 of `message` under `key`, as 64 lower-case hex digits. Empty only when OpenSSL
// fails (allocation), which callers treat as "does not verify".
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// Appends `digits` to `out` with A-F lower-cased; returns false (leaving `out` partly appended)
// when a character is not a hex digit.
bool append_lower_hex(std::string_view digits, std::string& out);

// Whether `a` and `b` are equal, in time that depends only on their lengths.
bool equal_constant_time(std::string_view a, std::string_view b);

// How long ago a request was signed: `now_unix` minus its timestamp header, negative when the
// timestamp lies ahead. nullopt when the header is not a Unix time in seconds (decimal digits
// only, at most 12 of them: 10 last until the year 2286).
std::optional<long long> signed_age(std::string_view timestamp, long long now_unix);

// Empty when a request signed `age` seconds ago is inside the replay window (300 s either way);
// otherwise the start of the refusal: "The request's timestamp is 301 s old" or "… is 12 s in
// the future".
std::string outside_replay_window(long long age);

}  // namespace releasebot::http
