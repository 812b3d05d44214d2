// Slack request signing (the Events API and interactivity over HTTP): every request carries
// X-Slack-Signature = "v0=" + hex HMAC-SHA256("v0:<X-Slack-Request-Timestamp>:<raw body>") under
// the app's signing secret. verify() runs once per inbound HTTP request, before any parsing, so
// it checks the cheap things first and compares digests in constant time (CRYPTO_memcmp) so the
// time taken says nothing about how much of a forged signature was right.
#include "integrations/slack/signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdint>

namespace releasebot::slack {

namespace {

// Slack's replay window: a request older (or newer) than this is refused even when signed.
constexpr long long kWindowSeconds = 300;
// "v0=" and 64 hex digits.
constexpr std::size_t kSignatureLength = 3 + 64;
// Unix seconds have 10 digits until the year 2286; anything much longer is not a timestamp.
constexpr std::size_t kMaxTimestampDigits = 12;

std::string hex(const unsigned char* data, std::size_t n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out += kDigits[data[i] >> 4];
        out += kDigits[data[i] & 0x0F];
    }
    return out;
}

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

char lower_hex(char c) {
    return (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

std::string sign(std::string_view secret, std::string_view timestamp, std::string_view body) {
    std::string base;
    base.reserve(3 + timestamp.size() + 1 + body.size());
    base.append("v0:").append(timestamp).append(":").append(body);

    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int len = 0;
    // HMAC() only fails on allocation failure or a bad digest; both are bugs, not input errors.
    if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(base.data()), base.size(), digest.data(),
             &len) == nullptr) {
        return {};
    }
    return "v0=" + hex(digest.data(), len);
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
    if (timestamp.size() > kMaxTimestampDigits) {
        return forbidden("The X-Slack-Request-Timestamp header is not a Unix time in seconds.");
    }
    long long ts = 0;
    for (char c : timestamp) {
        if (c < '0' || c > '9') {
            return forbidden("The X-Slack-Request-Timestamp header is not a Unix time in seconds.");
        }
        ts = ts * 10 + (c - '0');
    }
    long long skew = now_unix - ts;
    if (skew > kWindowSeconds || skew < -kWindowSeconds) {
        return forbidden("The request's timestamp is " + std::to_string(skew < 0 ? -skew : skew) +
                         " s " + (skew < 0 ? "in the future" : "old") +
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
    for (char c : signature.substr(3)) {
        if (!is_hex(c)) {
            return forbidden(
                "The X-Slack-Signature header is not a v0= signature (\"v0=\" "
                "followed by 64 hex digits).");
        }
        given += lower_hex(c);
    }
    std::string expected = sign(secret, timestamp, body);
    if (expected.size() != given.size() ||
        CRYPTO_memcmp(expected.data(), given.data(), expected.size()) != 0) {
        return forbidden(
            "The request's X-Slack-Signature does not match its body. Check that the "
            "signing secret is the one in the Slack app's Basic Information page.");
    }
    return ok_status();
}

}  // namespace releasebot::slack
