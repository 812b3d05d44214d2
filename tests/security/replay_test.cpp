// Replays of signed Slack requests, on each of the three Slack endpoints: a
// captured request sent again inside the five-minute window acts once (its event id or trigger
// id is the idempotency key), sent again after the window is refused (401), and a signed body
// replayed at another endpoint, which the signature does not cover, is refused as not that
// endpoint's payload. Nothing the replays do changes the database.
#include <catch2/catch.hpp>
#include <string>

#include "support/db_snapshot.hpp"
#include "support/inbound_server.hpp"

using namespace releasebot;
using namespace releasebot::test;
using Catch::Matchers::Contains;

TEST_CASE("a captured Slack request replayed acts once, and not at all once stale",
          "[security][auth][slack]") {
    InboundServer s;
    struct Captured {
        std::string path, body, type;
    };
    const Captured slash{
        "/slack/commands",
        slash_command_body("T0AAA", "U0ALICE", "C0A",
                           "release plan web \"Web\" at 2026-12-10 14:00", "trig.plan"),
        kFormContentType};
    const Captured press{
        "/slack/interactive",
        button_press_body("T0AAA", "U0ALICE", "C0A", "control tick web 4", "trig.tick"),
        kFormContentType};
    const Captured mention{
        "/slack/events",
        mention_event_body("T0AAA", "U0ALICE", "C0A", "control tick web 6", "EvTick2"),
        "application/json"};
    for (const auto* c : {&slash, &press, &mention}) {
        INFO(c->path);
        REQUIRE(s.slack_post(c->path, c->body, c->type).status == 200);
    }
    REQUIRE(s.count("SELECT count(*) FROM release_controls WHERE status = 'done' AND done_by "
                    "<> 'releasebot'") == 2);
    const DbSnapshot acted = snapshot(s.db);

    SECTION("inside the window: each acts once") {
        for (int again = 0; again < 3; ++again) {
            for (const auto* c : {&slash, &press, &mention}) {
                INFO(c->path);
                CHECK(s.slack_post(c->path, c->body, c->type).status == 200);
            }
        }
        CHECK(snapshot_diff(acted, snapshot(s.db)) == "");
    }
    SECTION("after the window: refused") {
        s.slack_now = kSlackRequestTime + 5 * 60 + 1;
        for (const auto* c : {&slash, &press, &mention}) {
            INFO(c->path);
            auto r = s.slack_post(c->path, c->body, c->type);
            CHECK(r.status == 401);
            CHECK_THAT(r.body, Contains("minutes") || Contains("old"));
        }
        CHECK(snapshot_diff(acted, snapshot(s.db)) == "");
    }
    SECTION("at another endpoint: not that endpoint's payload") {
        const Captured elsewhere[] = {{"/slack/events", slash.body, "application/json"},
                                      {"/slack/interactive", mention.body, kFormContentType},
                                      {"/slack/commands", press.body, kFormContentType}};
        for (const auto& c : elsewhere) {
            INFO(c.path);
            auto r = s.slack_post(c.path, c.body, c.type);
            CHECK(r.status == 400);
        }
        CHECK(snapshot_diff(acted, snapshot(s.db)) == "");
    }
}
