// Request signing shared by the inbound webhooks (Slack's v0 signatures, releasebot's CI
// webhook): HMAC-SHA256 as lower-case hex, hex normalization of a received signature, and a
// comparison whose time does not depend on where two digests differ, so a forger learns nothing
// from how long a refusal took. OpenSSL stays inside hmac.cpp.
#pragma once

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

}  // namespace releasebot::http
