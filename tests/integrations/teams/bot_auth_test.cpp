// BotAuthenticator against the Teams emulator over HTTPS: the channel's real key documents,
// tokens signed the way the Bot Framework signs them, and every broken token of TeamsToken
// rejected for its own reason. Time moves only through the authenticator's injected clock.
#include "integrations/teams/bot_auth.hpp"

#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <ctime>
#include <latch>
#include <thread>
#include <vector>

#include "support/teams_emulator.hpp"

namespace json = boost::json;
using releasebot::teams::BotAuthenticator;
using releasebot::teams::BotAuthOptions;
using releasebot::test::kTeamsAppId;
using releasebot::test::TeamsEmulator;
using releasebot::test::TeamsToken;

namespace {

// The authenticator's clock: real time plus a shift the test controls.
struct ShiftedClock {
    std::shared_ptr<std::atomic<long long>> shift = std::make_shared<std::atomic<long long>>(0);
    void advance(long long seconds) { *shift += seconds; }
};

BotAuthOptions options_for(TeamsEmulator& teams, const ShiftedClock& clock = {}) {
    BotAuthOptions o = teams.bot_auth_options();
    o.now_unix = [shift = clock.shift] {
        return static_cast<long long>(std::time(nullptr)) + shift->load();
    };
    return o;
}

std::string bearer(const std::string& token) {
    return token.empty() ? "" : "Bearer " + token;
}

struct Case {
    TeamsToken kind;
    const char* name;
    const char* reason;  // what the error must say
};

}  // namespace

TEST_CASE("BotAuthenticator accepts the channel's token and rejects each broken one for its reason",
          "[teams][auth]") {
    TeamsEmulator teams;
    BotAuthenticator auth(options_for(teams));
    const std::string service_url = teams.service_url();

    const auto valid = auth.authenticate(bearer(teams.token()), "msteams", service_url);
    REQUIRE(valid.ok());
    CHECK(valid->app_id == kTeamsAppId);
    CHECK(valid->service_url == service_url);

    const std::vector<Case> cases = {
        {TeamsToken::none, "none", "no Authorization header"},
        {TeamsToken::expired, "expired", "the token expired at"},
        {TeamsToken::no_exp, "no_exp", "no expiry (exp claim)"},
        {TeamsToken::not_yet_valid, "not_yet_valid", "not valid before"},
        {TeamsToken::wrong_audience, "wrong_audience", "not this bot's app id"},
        {TeamsToken::wrong_issuer, "wrong_issuer",
         "issued by \"https://api.botframework.example\""},
        {TeamsToken::wrong_service_url, "wrong_service_url", "is not the activity's serviceUrl"},
        {TeamsToken::forged, "forged", "signature does not verify"},
        {TeamsToken::unknown_kid, "unknown_kid", "does not publish"},
        {TeamsToken::alg_none, "alg_none", "signed with \"none\"; only RS256, RS384 and RS512"},
        {TeamsToken::hs256_public_key, "hs256_public_key", "signed with \"HS256\"; only RS256"},
        {TeamsToken::not_endorsed, "not_endorsed", "not endorsed for channel \"msteams\""},
    };
    for (const Case& c : cases) {
        INFO("token kind: " << c.name);
        const std::string token = teams.token(c.kind);
        const auto result = auth.authenticate(bearer(token), "msteams", service_url);
        REQUIRE_FALSE(result.ok());
        CHECK_THAT(result.error().message, Catch::Contains(c.reason));
        if (!token.empty()) {
            // Neither the token nor its signature may leak into a log line or a 401 body.
            CHECK_THAT(result.error().message, !Catch::Contains(token));
            const std::string signature = token.substr(token.rfind('.') + 1);
            if (!signature.empty()) {
                CHECK_THAT(result.error().message, !Catch::Contains(signature));
            }
        }
    }
    // A valid token is still valid afterwards (no failure poisoned the key cache).
    CHECK(auth.authenticate(bearer(teams.token()), "msteams", service_url).ok());
}

TEST_CASE("BotAuthenticator checks the token against the activity it came with", "[teams][auth]") {
    TeamsEmulator teams;
    BotAuthenticator auth(options_for(teams));
    const std::string token = teams.token();
    const std::string service_url = teams.service_url();

    SECTION("an activity without serviceUrl is refused even with a valid token") {
        const auto r = auth.authenticate(bearer(token), "msteams", "");
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error().message, Catch::Contains("no serviceUrl"));
    }
    SECTION("a token accepted once is refused for another service URL or channel") {
        REQUIRE(auth.authenticate(bearer(token), "msteams", service_url).ok());
        const auto other_url =
            auth.authenticate(bearer(token), "msteams", "https://smba.trafficmanager.net/emea/");
        REQUIRE_FALSE(other_url.ok());
        CHECK_THAT(other_url.error().message, Catch::Contains("serviceurl claim"));
        const auto other_channel = auth.authenticate(bearer(token), "slack", service_url);
        REQUIRE_FALSE(other_channel.ok());
        CHECK_THAT(other_channel.error().message, Catch::Contains("not endorsed for channel"));
        CHECK(auth.authenticate(bearer(token), "msteams", service_url).ok());
    }
    SECTION("headers that are not a Bearer JWT") {
        const auto basic = auth.authenticate("Basic dXNlcjpwYXNz", "msteams", service_url);
        REQUIRE_FALSE(basic.ok());
        CHECK_THAT(basic.error().message, Catch::Contains("not \"Bearer <token>\""));
        const auto garbage = auth.authenticate("Bearer not-a-jwt", "msteams", service_url);
        REQUIRE_FALSE(garbage.ok());
        CHECK_THAT(garbage.error().message, Catch::Contains("not a JWT"));
        const auto tampered = auth.authenticate(bearer(token.substr(0, token.rfind('.')) + ".AAAA"),
                                                "msteams", service_url);
        REQUIRE_FALSE(tampered.ok());
        CHECK_THAT(tampered.error().message, Catch::Contains("signature does not verify"));
    }
    SECTION("the scheme is case-insensitive, as HTTP auth schemes are") {
        CHECK(auth.authenticate("bearer " + token, "msteams", service_url).ok());
    }
}

TEST_CASE("BotAuthenticator allows five minutes of clock skew", "[teams][auth]") {
    TeamsEmulator teams;
    ShiftedClock clock;
    BotAuthenticator auth(options_for(teams, clock));
    const std::string service_url = teams.service_url();

    SECTION("expiry") {
        const std::string token = teams.token();  // exp one hour from now
        clock.advance(3600 + 240);
        CHECK(auth.authenticate(bearer(token), "msteams", service_url).ok());
        clock.advance(120);  // now more than 5 minutes past exp
        const auto r = auth.authenticate(bearer(token), "msteams", service_url);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error().message, Catch::Contains("expired"));
    }
    SECTION("not before") {
        const std::string token = teams.token(TeamsToken::not_yet_valid);  // nbf in an hour
        REQUIRE_FALSE(auth.authenticate(bearer(token), "msteams", service_url).ok());
        clock.advance(3600 - 240);
        CHECK(auth.authenticate(bearer(token), "msteams", service_url).ok());
    }
}

TEST_CASE("BotAuthenticator fetches the channel's keys once and follows a rotation",
          "[teams][auth]") {
    TeamsEmulator teams;
    ShiftedClock clock;
    BotAuthenticator auth(options_for(teams, clock));
    const std::string service_url = teams.service_url();

    // The first key is published with n/e in standard base64 with padding, not base64url.
    const json::value jwks = json::parse(teams.get("jwks"));
    const std::string first_n(jwks.at("keys").at(0).at("n").as_string());
    CHECK(first_n.back() == '=');

    REQUIRE(auth.authenticate(bearer(teams.token()), "msteams", service_url).ok());
    CHECK(auth.metadata_fetches() == 1);
    CHECK(auth.key_fetches() == 1);
    // Another token from the same key needs no fetch.
    REQUIRE(auth.authenticate(bearer(teams.token(TeamsToken::valid, service_url)), "msteams",
                              service_url)
                .ok());
    CHECK(auth.key_fetches() == 1);

    SECTION("a rotated key (published in base64url) is picked up with one refetch") {
        teams.rotate_key();
        const auto r = auth.authenticate(bearer(teams.token()), "msteams", service_url);
        CHECK(r.ok());
        CHECK(auth.metadata_fetches() == 2);
        CHECK(auth.key_fetches() == 2);
        CHECK(teams.fetches("jwks") == 2);
    }
    SECTION("unknown kids cause one refetch, then at most one a minute") {
        REQUIRE_FALSE(
            auth.authenticate(bearer(teams.token(TeamsToken::unknown_kid)), "msteams", service_url)
                .ok());
        CHECK(auth.key_fetches() == 2);
        for (int i = 0; i < 5; ++i) {
            REQUIRE_FALSE(auth.authenticate(bearer(teams.token(TeamsToken::unknown_kid)), "msteams",
                                            service_url)
                              .ok());
        }
        CHECK(auth.key_fetches() == 2);
        // A real rotation inside that minute waits for it too…
        teams.rotate_key();
        const std::string rotated = teams.token();
        const auto early = auth.authenticate(bearer(rotated), "msteams", service_url);
        REQUIRE_FALSE(early.ok());
        CHECK_THAT(early.error().message, Catch::Contains("does not publish"));
        CHECK(auth.key_fetches() == 2);
        // …and is picked up once the minute has passed.
        clock.advance(61);
        CHECK(auth.authenticate(bearer(rotated), "msteams", service_url).ok());
        CHECK(auth.key_fetches() == 3);
    }
    SECTION("the key set is refreshed after 24 hours, and kept when the refresh fails") {
        const std::string token = teams.token();
        clock.advance(25 * 3600);
        teams.fault("jwks", 503);
        const auto r = auth.authenticate(bearer(token), "msteams", service_url);
        REQUIRE_FALSE(r.ok());
        // The old keys still verified the signature; the token itself is what is too old.
        CHECK_THAT(r.error().message, Catch::Contains("expired"));
        CHECK(auth.key_fetches() == 2);
        CHECK(teams.fetches("jwks") == 2);
    }
}

TEST_CASE("BotAuthenticator shares one key fetch among concurrent requests", "[teams][auth]") {
    TeamsEmulator teams;
    BotAuthenticator auth(options_for(teams));
    const std::string service_url = teams.service_url();
    constexpr int kThreads = 32;

    SECTION("a burst of first requests makes one metadata and one key-set fetch") {
        const std::string token = teams.token();
        std::latch start(kThreads);
        std::atomic<int> accepted{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < kThreads; ++i) {
            threads.emplace_back([&] {
                start.arrive_and_wait();
                if (auth.authenticate(bearer(token), "msteams", service_url).ok()) ++accepted;
            });
        }
        for (auto& t : threads) t.join();
        CHECK(accepted == kThreads);
        CHECK(auth.metadata_fetches() == 1);
        CHECK(auth.key_fetches() == 1);
        CHECK(teams.fetches("metadata") == 1);
        CHECK(teams.fetches("jwks") == 1);
    }
    SECTION("a burst of unknown kids makes one refetch") {
        REQUIRE(auth.authenticate(bearer(teams.token()), "msteams", service_url).ok());
        std::vector<std::string> tokens;
        for (int i = 0; i < kThreads; ++i) tokens.push_back(teams.token(TeamsToken::unknown_kid));
        std::latch start(kThreads);
        std::atomic<int> rejected{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < kThreads; ++i) {
            threads.emplace_back([&, i] {
                start.arrive_and_wait();
                if (!auth.authenticate(bearer(tokens[i]), "msteams", service_url).ok()) ++rejected;
            });
        }
        for (auto& t : threads) t.join();
        CHECK(rejected == kThreads);
        CHECK(auth.key_fetches() == 2);
    }
}

TEST_CASE("BotAuthenticator reports a key server outage and recovers from it", "[teams][auth]") {
    TeamsEmulator teams;
    BotAuthenticator auth(options_for(teams));
    const std::string service_url = teams.service_url();
    const std::string token = teams.token();

    SECTION("metadata, then the next request fetches again and succeeds") {
        teams.fault("metadata", 503);
        const auto r = auth.authenticate(bearer(token), "msteams", service_url);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error().message,
                   Catch::Contains("OpenID metadata") && Catch::Contains("answered HTTP 503"));
        CHECK(auth.authenticate(bearer(token), "msteams", service_url).ok());
        CHECK(auth.metadata_fetches() == 2);
    }
    SECTION("keys, then the next request fetches again and succeeds") {
        teams.fault("jwks", 500);
        const auto r = auth.authenticate(bearer(token), "msteams", service_url);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error().message,
                   Catch::Contains("signing key set") && Catch::Contains("answered HTTP 500"));
        CHECK(auth.authenticate(bearer(token), "msteams", service_url).ok());
        CHECK(auth.key_fetches() == 2);
    }
    SECTION("a certificate the CA file does not vouch for") {
        BotAuthOptions options = options_for(teams);
        options.ca_file.clear();  // the system CAs do not know the emulator's certificate
        BotAuthenticator strict(options);
        const auto r = strict.authenticate(bearer(token), "msteams", service_url);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error().message, Catch::Contains("cannot fetch the OpenID metadata"));
    }
}
