// Tests of `calendar link`, `ci secret` and `release verify` as people type them: who may see
// a secret, that it is shown only to them, that rotating asks first and stops the old value,
// and what `release verify` checks before it asks the worker to download anything.
#include <catch2/catch.hpp>
#include <regex>

#include "commands/public_links.hpp"
#include "support/plans.hpp"
#include "support/test_env.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using releasebot::Visibility;
using releasebot::test::plan_web;
using releasebot::test::TestEnv;

namespace {

std::string match(const std::string& text, const std::string& pattern) {
    std::smatch m;
    std::regex re(pattern);
    REQUIRE(std::regex_search(text, m, re));
    return m[1];
}

// Sets the public URL for one test and clears it after.
struct PublicUrl {
    explicit PublicUrl(const std::string& url) { releasebot::set_public_base_url(url); }
    ~PublicUrl() { releasebot::set_public_base_url(""); }
};

}  // namespace

TEST_CASE("calendar link shows the feed URL to a manager only, ephemerally", "[calendar][deploy]") {
    TestEnv env;
    plan_web(env);  // alice is the first user: manager

    SECTION("a manager gets a stable link") {
        PublicUrl url("https://releasebot.example.com/");
        auto first = env.run("alice", "calendar link");
        CHECK(first.reply.visibility == Visibility::ephemeral);
        std::string link = match(first.reply.text, "(https://\\S+)");
        CHECK_THAT(link, StartsWith("https://releasebot.example.com/calendar.ics?token=1."));
        CHECK(match(env.run("alice", "calendar link").reply.text, "(https://\\S+)") == link);
        // The audit log says who looked, never the token.
        std::string token = link.substr(link.find("token=") + 6);
        CHECK(env.count("SELECT COUNT(*) FROM audit_log WHERE action = 'calendar.link' AND "
                        "actor = 'alice'") == 2);
        CHECK(env.count("SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%" + token + "%'") == 0);
    }
    SECTION("without a public address the path is shown with a note") {
        std::string out = env.say("alice", "calendar link");
        CHECK_THAT(out, Contains("`/calendar.ics?token=1."));
        CHECK_THAT(out, Contains("http.public_url"));
    }
    SECTION("a member is told who can") {
        auto out = env.run("bob", "calendar link");
        CHECK(out.reply.is_error);
        CHECK_THAT(out.reply.text, StartsWith("Only a manager can use `calendar link`"));
        CHECK(env.count("SELECT COUNT(*) FROM workspace_secrets") == 0);
    }
}

TEST_CASE("ci secret shows the webhook URL and secret to a manager; rotate asks first",
          "[ci][deploy]") {
    TestEnv env;
    plan_web(env);
    auto shown = env.run("alice", "ci secret");
    CHECK(shown.reply.visibility == Visibility::ephemeral);
    std::string secret = match(shown.reply.text, "secret: ([0-9a-f]{64}) ");
    CHECK_THAT(shown.reply.text, Contains("/hooks/ci/1"));
    std::string out = env.say("alice", "ci secret");
    CHECK_THAT(out, Contains(secret));  // the same until rotated
    CHECK_THAT(out, Contains("X-Releasebot-Signature: sha256=$sig"));
    CHECK(env.count("SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%" + secret + "%'") == 0);

    SECTION("a member cannot see it") {
        auto refused = env.run("bob", "ci secret");
        CHECK(refused.reply.is_error);
        CHECK(refused.reply.text.find(secret) == std::string::npos);
        CHECK_THAT(refused.reply.text, Contains("role grant"));
    }
    SECTION("rotate shows a preview; no keeps the secret") {
        CHECK_THAT(env.say("alice", "ci secret rotate"), Contains("Please confirm"));
        CHECK_THAT(env.say("alice", "no"), Contains("Nothing changed"));
        CHECK(env.text("SELECT webhook_secret FROM workspace_secrets") == secret);
    }
    SECTION("rotate, confirmed, makes a new secret and records who did it") {
        env.clock().advance(std::chrono::minutes(5));
        env.say("alice", "ci secret rotate");
        auto done = env.run("alice", "yes");
        std::string fresh = match(done.reply.text, "secret: ([0-9a-f]{64}) ");
        CHECK(fresh != secret);
        CHECK(env.text("SELECT webhook_secret FROM workspace_secrets") == fresh);
        CHECK(env.count("SELECT COUNT(*) FROM audit_log WHERE action = 'ci.secret.rotate' AND "
                        "actor = 'alice'") == 1);
        // The calendar token is a separate secret and stays.
        CHECK(env.count("SELECT COUNT(*) FROM workspace_secrets WHERE calendar_rotated_at < "
                        "webhook_rotated_at") == 1);
    }
}

TEST_CASE("release verify checks what it can before downloading", "[verify][deploy]") {
    TestEnv env;
    plan_web(env);
    const std::string sha(64, 'a');

    SECTION("no components") {
        std::string out = env.say("bob", "release verify web-2026.12");
        CHECK_THAT(out, Contains("web-2026.12 has no components to verify"));
        CHECK_THAT(out, Contains("release add web-2026.12 <program>/<component>@<version> url"));
    }
    SECTION("a program without a component and a component without URL or checksum") {
        env.say("alice", "release add web-2026.12 api/server@2.0.1 sha256 " + sha);
        std::string out = env.say("bob", "release verify web-2026.12");
        CHECK_THAT(out, Contains("web-2026.12 cannot be verified yet:"));
        CHECK_THAT(out, Contains("program web has no component"));
        CHECK_THAT(out, Contains("api/server 2.0.1 has no artifact URL → `release add "
                                 "web-2026.12 api/server@2.0.1 url <artifact>`"));
        CHECK(env.count("SELECT COUNT(*) FROM verify_requests") == 0);
    }
    SECTION("everything in place: a request is recorded, once") {
        env.say("alice",
                "release add web-2026.12 web/frontend@1.4.2 url "
                "https://artifacts.example.com/frontend.tgz sha256 " +
                    sha);
        std::string out = env.say("bob", "release verify web-2026.12");
        CHECK_THAT(out, Contains("Checking 1 artifact of web-2026.12 against their SHA-256"));
        CHECK(env.count("SELECT COUNT(*) FROM verify_requests WHERE status = 'pending' AND "
                        "requested_by = 'bob'") == 1);
        CHECK(env.count("SELECT COUNT(*) FROM audit_log WHERE action = 'release.verify'") == 1);
        CHECK_THAT(env.say("carol", "release verify web-2026.12"),
                   Contains("Already checking the artifacts of web-2026.12 (asked by @bob"));
        CHECK(env.count("SELECT COUNT(*) FROM verify_requests") == 1);
    }
    SECTION("an unknown release") {
        CHECK_THAT(env.say("bob", "release verify web-2026.11"),
                   Contains("There is no release `web-2026.11` here."));
    }
}
