// Slack request signing: `v0=` + hex HMAC-SHA256 of "v0:<timestamp>:<raw body>" under the
// signing secret, accepted within five minutes of now, compared in constant time.
#pragma once

#include <string>
#include <string_view>

#include "commands/result.hpp"

namespace releasebot::slack {

// "v0=…" for the given inputs.
std::string sign(std::string_view secret, std::string_view timestamp, std::string_view body);

// Ok when `signature` is the valid signature of `body` at `timestamp` (decimal seconds) and the
// timestamp is within 300 s of `now_unix`; otherwise an Error saying which check failed (never
// echoing the secret or the expected signature).
Status verify(std::string_view secret, std::string_view timestamp, std::string_view body,
              std::string_view signature, long long now_unix);

}  // namespace releasebot::slack
