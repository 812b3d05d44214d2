// Tests for Slack request signing (integrations/slack/signature.cpp): Slack's documented example,
// the five-minute replay window at its edges, and every way a header can be missing or garbled —
// none of which may leak the signing secret or the expected signature into the error.
#include "integrations/slack/signature.hpp"

#include <catch2/catch.hpp>
#include <cctype>
#include <string>

using namespace releasebot;
using namespace releasebot::slack;

namespace {

// Slack's documented example (api.slack.com "Verifying requests from Slack").
const std::string kSecret = "8f742231b10e8888abcd99yyyzzz85a5";
const std::string kTimestamp = "1531420618";
const long long kNow = 1531420618;
const std::string kBody =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&"
    "channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&"
    "response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%"
    "2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121."
    "803a0bc887a14d10d2c447fce8b6703c";
const std::string kSignature =
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

void require_no_secrets(const Status& s) {
    REQUIRE_FALSE(s.ok());
    const std::string& m = s.error().message;
    CHECK_FALSE(m.empty());
    CHECK(m.find(kSecret) == std::string::npos);
    CHECK(m.find(kSignature.substr(3)) == std::string::npos);
    CHECK(m.find(kSignature.substr(3, 16)) == std::string::npos);
}

}  // namespace

TEST_CASE("sign reproduces Slack's documented example", "[slack][signature]") {
    CHECK(sign(kSecret, kTimestamp, kBody) == kSignature);
    // Any change to secret, timestamp or body changes the signature.
    CHECK(sign(kSecret + "x", kTimestamp, kBody) != kSignature);
    CHECK(sign(kSecret, "1531420619", kBody) != kSignature);
    CHECK(sign(kSecret, kTimestamp, kBody + " ") != kSignature);
}

TEST_CASE("verify accepts the documented request", "[slack][signature]") {
    CHECK(verify(kSecret, kTimestamp, kBody, kSignature, kNow).ok());

    SECTION("hex digits in upper case are the same signature") {
        std::string upper = "v0=";
        for (char c : kSignature.substr(3))
            upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        CHECK(verify(kSecret, kTimestamp, kBody, upper, kNow).ok());
    }
}

TEST_CASE("verify enforces the five-minute window in both directions", "[slack][signature]") {
    auto [offset, accepted] = GENERATE(table<long long, bool>({
        {0, true},
        {299, true},
        {300, true},    // the edge itself is inside the window
        {301, false},   // one second later it is a replay
        {-300, true},   // a sender clock running ahead, at the edge
        {-301, false},  // further ahead than Slack allows
        {86400, false},
        {-86400, false},
    }));
    CAPTURE(offset);
    Status s = verify(kSecret, kTimestamp, kBody, kSignature, kNow + offset);
    CHECK(s.ok() == accepted);
    if (!accepted) {
        require_no_secrets(s);
        CHECK(s.error().kind == ErrorKind::forbidden);
        CHECK(s.error().message.find("300 s") != std::string::npos);
        CHECK(s.error().message.find(offset > 0 ? "old" : "in the future") != std::string::npos);
    }
}

TEST_CASE("verify refuses forged, missing and garbled values", "[slack][signature]") {
    std::string flipped = kSignature;
    flipped.back() = flipped.back() == '3' ? '4' : '3';

    auto [timestamp, body, signature, expect] =
        GENERATE_REF(table<std::string, std::string, std::string, std::string>({
            {kTimestamp, kBody, flipped, "does not match"},
            {kTimestamp, kBody + "&extra=1", kSignature, "does not match"},
            {kTimestamp, kBody.substr(1), kSignature, "does not match"},
            {"", kBody, kSignature, "no X-Slack-Request-Timestamp"},
            {"15314206l8", kBody, kSignature, "not a Unix time"},
            {"-1531420618", kBody, kSignature, "not a Unix time"},
            {"1531420618.5", kBody, kSignature, "not a Unix time"},
            {"99999999999999999999999", kBody, kSignature, "not a Unix time"},
            {kTimestamp, kBody, "", "no X-Slack-Signature"},
            {kTimestamp, kBody, "v1=" + kSignature.substr(3), "not a v0= signature"},
            {kTimestamp, kBody, kSignature.substr(3), "not a v0= signature"},
            {kTimestamp, kBody, kSignature + "0", "not a v0= signature"},
            {kTimestamp, kBody, kSignature.substr(0, 66), "not a v0= signature"},
            {kTimestamp, kBody, "v0=" + std::string(64, 'g'), "not a v0= signature"},
            {kTimestamp, kBody, "v0=" + std::string(64, '0'), "does not match"},
        }));
    CAPTURE(timestamp, signature);
    Status s = verify(kSecret, timestamp, body, signature, kNow);
    require_no_secrets(s);
    CHECK(s.error().kind == ErrorKind::forbidden);
    CHECK(s.error().message.find(expect) != std::string::npos);
}

TEST_CASE("verify with a different secret fails without naming either secret",
          "[slack][signature]") {
    Status s = verify("another-secret-0123456789", kTimestamp, kBody, kSignature, kNow);
    require_no_secrets(s);
    CHECK(s.error().message.find("another-secret") == std::string::npos);
    // The signature the other secret would give is not revealed either.
    std::string other = sign("another-secret-0123456789", kTimestamp, kBody);
    CHECK(s.error().message.find(other.substr(3, 16)) == std::string::npos);
}

TEST_CASE("verify without a configured secret says how to configure it", "[slack][signature]") {
    Status s = verify("", kTimestamp, kBody, kSignature, kNow);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message.find("SLACK_SIGNING_SECRET") != std::string::npos);
}
