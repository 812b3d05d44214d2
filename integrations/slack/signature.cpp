// Slack request signing (the Events API and interactivity over HTTP): every request carries
// X-Slack-Signature = "v0=" + hex HMAC-SHA256("v0:<X-Slack-Request-Timestamp>:<raw body>") under
// the app's signing secret. verify() runs once per inbound HTTP request, before any parsing, so
// it checks the cheap things first and compares digests in constant time (CRYPTO_memcmp) so the
// time taken says nothing about how much of a forged signature was right.
#include "integrations/slack/signature.hpp"

#include <cstdint>

#include "integrations/http/hmac.hpp"

namespace releasebot::slack {

namespace {

// "v0=" and 64 hex digits.
constexpr std::size_t kSignatureLength = 3 + 64;

}  // namespace

std::string sign(std::string_view secret, std::string_view timestamp, std::string_view body) {
    std::string base;
    base.reserve(3 + timestamp.size() + 1 + body.size());
    base.append("v0:").append(timestamp).append(":").append(body);

    std::string digest = http::hmac_sha256_hex(secret, base);
    if (digest.empty()) return {};
    return "v0=" + digest;
}

Status verify(std::string_view secret, std::string_view timestamp, std::string_view body,
              std::string_view signature, long long now_unix) {
    if (secret.empty()) {
        return Error{ErrorKind::internal,
                     "No Slack signing secret is configured, so no request can be verified. Set "
                     "SLACK_SIGNING_SECRET (Basic Information → App Credentials in the Slack app "
                     "settings)."};
    }
    if (timestamp.empty()) {
        return forbidden(
            "The request has no X-Slack-Request-Timestamp header; Slack sends one "
            "with every request.");
    }
    const auto age = http::signed_age(timestamp, now_unix);
    if (!age) {
        return forbidden("The X-Slack-Request-Timestamp header is not a Unix time in seconds.");
    }
    if (std::string late = http::outside_replay_window(*age); !late.empty()) {
        return forbidden(late +
                         "; Slack requests are accepted within 300 s. Check the server's clock, "
                         "or this is a replayed request.");
    }
    if (signature.empty()) {
        return forbidden("The request has no X-Slack-Signature header; Slack signs every request.");
    }
    if (signature.size() != kSignatureLength || signature.substr(0, 3) != "v0=") {
        return forbidden(
            "The X-Slack-Signature header is not a v0= signature (\"v0=\" followed by "
            "64 hex digits).");
    }
    std::string given;
    given.reserve(kSignatureLength);
    given.append("v0=");
    if (!http::append_lower_hex(signature.substr(3), given)) {
        return forbidden(
            "The X-Slack-Signature header is not a v0= signature (\"v0=\" "
            "followed by 64 hex digits).");
    }
    std::string expected = sign(secret, timestamp, body);
    if (!http::equal_constant_time(expected, given)) {
        return forbidden(
            "The request's X-Slack-Signature does not match its body. Check that the "
            "signing secret is the one in the Slack app's Basic Information page.");
    }
    return ok_status();
}

}  // namespace releasebot::slack
