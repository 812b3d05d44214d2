// A release's whole timeline on the manual clock, through the real Pipeline and Scheduler: the
// reminders before its window (in the workspace's zone, to the channel and to each owner of
// open work), snoozes, a move, custom offsets, the nag when a window passes, and catching up
// after the bot was down — each message once.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "bot/runtime/pipeline.hpp"
#include "bot/runtime/reply_codec.hpp"
#include "bot/runtime/scheduler.hpp"
#include "support/test_env.hpp"

using namespace releasebot;
using namespace releasebot::test;
using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;

namespace {

// A message the bot queued: to a channel ("#terminal") or a person ("@dana").
struct Message {
    std::string to;
    Reply reply;
};

// Every post in the outbox (status message edits left out), oldest first, whose fallback text
// contains `needle`.
std::vector<Message> messages(Database& db, const std::string& needle) {
    std::vector<Message> out;
    auto st = db.prepare("SELECT destination, payload FROM outbox WHERE kind = 'post' ORDER BY id");
    while (st.step()) {
        auto dest = decode_destination(st.get_text(0));
        auto reply = decode_reply(st.get_text(1));
        REQUIRE(dest.ok());
        REQUIRE(reply.ok());
        if (reply->text.find(needle) == std::string::npos) continue;
        out.push_back(
            {dest->user ? "@" + dest->user->value() : "#" + dest->channel->channel, *reply});
    }
    return out;
}

std::vector<Message> reminders(Database& db) {
    return messages(db, "⏰ web-2026.12");
}

std::vector<std::string> recipients(const std::vector<Message>& ms) {
    std::vector<std::string> out;
    for (const auto& m : ms) out.push_back(m.to);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<Message> to_channel(const std::vector<Message>& ms) {
    std::vector<Message> out;
    for (const auto& m : ms)
        if (m.to[0] == '#') out.push_back(m);
    return out;
}

std::vector<std::string> button_values(const Reply& r) {
    std::vector<std::string> out;
    for (const auto& b : r.blocks)
        for (const auto& button : b.buttons) out.push_back(button.value);
    return out;
}

std::string all_text(const Reply& r) {
    std::string out = r.text;
    for (const auto& b : r.blocks) {
        out += "\n" + b.text;
        for (const auto& it : b.items) out += "\n" + it.label + " | " + it.detail;
        for (const auto& row : b.rows)
            for (const auto& cell : row) out += "\n" + cell;
    }
    return out;
}

// A workspace in Berlin; web-2026.12 on Thu 10 Dec 2026 14:00–16:00 CET (13:00–15:00 UTC),
// owned by bob. Open work: dana owns control ops-ready and deploy step 1, the approvers (carol)
// own business-signoff, erin (in New York) owns deploy step 2, frank a backout step (not the
// active plan, so no nag).
void plan_release(TestEnv& env) {
    env.zone = "Europe/Berlin";
    REQUIRE_THAT(env.say("alice",
                         "release plan web-2026.12 \"Web December\" at 2026-12-10 14:00 for 2h "
                         "program web owner @bob"),
                 Contains("Planned web-2026.12"));
    REQUIRE_THAT(env.say("alice", "role grant @carol approver"), Contains("approver"));
    REQUIRE_THAT(env.say("alice", "control edit ops-ready owner @dana in web-2026.12"),
                 Contains("ops-ready"));
    REQUIRE_THAT(env.say("alice", "control edit business-signoff owner approver in web-2026.12"),
                 Contains("business-signoff"));
    REQUIRE_THAT(env.say("bob", "plan add web-2026.12 deploy \"Switch traffic\" owner @dana"),
                 Contains("Added deploy step 1"));
    REQUIRE_THAT(env.say("bob", "plan add web-2026.12 deploy \"Purge caches\" owner @erin"),
                 Contains("Added deploy step 2"));
    REQUIRE_THAT(env.say("bob", "plan add web-2026.12 backout \"Switch back\" owner @frank"),
                 Contains("Added backout step 1"));
    env.zone = "America/New_York";
    env.say("erin", "remind list web-2026.12");  // erin is seen with her zone
    env.zone = "Europe/Berlin";
}

// Ticks the seven controls, each as someone who may: bob the five nobody owns, dana her
// ops-ready, carol (an approver) business-signoff.
void tick_all(TestEnv& env) {
    // Controls 1, 2, 3 and 5 releasebot keeps itself; people tick the rest.
    for (int n : {4, 6, 7}) {
        const char* who = n == 6 ? "dana" : n == 7 ? "carol" : "bob";
        REQUIRE_THAT(env.say(who, "control tick web-2026.12 " + std::to_string(n)),
                     Contains("Ticked control"));
    }
}

void approve(TestEnv& env) {
    releasebot::test::add_components(env, "web-2026.12");
    tick_all(env);
    REQUIRE_THAT(env.say("alice", "release go web-2026.12"), Contains("is approved"));
}

// The database of a "restart" test, removed afterwards.
struct TempDb {
    std::string path = (std::filesystem::temp_directory_path() /
                        ("releasebot-timeline-" + std::to_string(getpid()) + ".db"))
                           .string();
    TempDb() { remove(); }
    ~TempDb() { remove(); }
    void remove() const {
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
    }
};

}  // namespace

TEST_CASE("reminders arrive at T-24h, T-1h and T-15m in the workspace's zone", "[timeline]") {
    TestEnv env;
    plan_release(env);
    Pipeline p(env.db(), env.clock());
    Scheduler s(env.db(), env.clock(), p);

    // T-24h is Wed 9 Dec 13:00 UTC.
    s.advance_to(env.clock(), utc("2026-12-09 12:59") + std::chrono::seconds(59));
    CHECK(reminders(env.db()).empty());
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='reminder.sent'") == 0);

    CHECK(s.advance_to(env.clock(), utc("2026-12-09 13:00")) == 1);
    auto first = reminders(env.db());
    auto channel = to_channel(first);
    REQUIRE(channel.size() == 1);
    const Reply& post = channel[0].reply;
    CHECK(channel[0].to == "#terminal");
    CHECK_THAT(post.text, StartsWith("⏰ web-2026.12 — Web December starts in 24h (Thu 10 Dec "
                                     "2026 14:00 CET)"));
    CHECK_THAT(post.text, Contains("4 blockers"));
    CHECK_THAT(post.text, !Contains("late"));
    CHECK_THAT(all_text(post), Contains("control tick web-2026.12 ops-ready"));
    // 24h from now is the start itself, so "tomorrow" is not offered.
    CHECK(button_values(post) == std::vector<std::string>{"remind snooze web-2026.12 30m",
                                                          "remind snooze web-2026.12 1h"});
    // One message per person with open work, listing each of their items.
    CHECK(recipients(first) == std::vector<std::string>{"#terminal", "@carol", "@dana", "@erin"});
    for (const auto& m : first) {
        std::string text = all_text(m.reply);
        if (m.to == "@dana") {
            CHECK_THAT(m.reply.text, Contains("You have 2 items open on it."));
            CHECK_THAT(text, Contains("Control 6 `ops-ready`"));
            CHECK_THAT(text, Contains("`control tick web-2026.12 ops-ready`"));
            CHECK_THAT(text, Contains("Deploy step 1: Switch traffic"));
            CHECK_THAT(text, Contains("`release step web-2026.12 1 done`"));
        }
        if (m.to == "@carol") {
            CHECK_THAT(m.reply.text, Contains("You have 1 item open on it."));
            CHECK_THAT(text, Contains("`control tick web-2026.12 business-signoff`"));
        }
        if (m.to == "@erin") {
            // Shown in erin's own zone.
            CHECK_THAT(m.reply.text, Contains("starts in 24h (Thu 10 Dec 2026 08:00 EST)"));
            CHECK_THAT(text, Contains("Deploy step 2: Purge caches"));
        }
    }
    CHECK(env.text("SELECT detail FROM audit_log WHERE action='reminder.sent'") ==
          "T-24h reminder to the release's channel and <@carol>, <@dana> and <@erin>");
    CHECK(env.text("SELECT actor FROM audit_log WHERE action='reminder.sent'") == "releasebot");

    SECTION("T-1h and T-15m follow, each once") {
        REQUIRE_THAT(env.say("dana", "control tick web-2026.12 ops-ready"),
                     Contains("Ticked control"));
        s.advance_to(env.clock(), utc("2026-12-10 11:59"));
        CHECK(reminders(env.db()).size() == 4);
        CHECK(s.advance_to(env.clock(), utc("2026-12-10 12:00")) == 1);
        auto now = reminders(env.db());
        std::vector<Message> latest(now.begin() + 4, now.end());
        REQUIRE(to_channel(latest).size() == 1);
        CHECK_THAT(to_channel(latest)[0].reply.text,
                   StartsWith("⏰ web-2026.12 — Web December starts in 1h (Thu 10 Dec 2026 "
                              "14:00 CET) 3 blockers."));
        // dana ticked her control: she hears about her step only.
        CHECK(recipients(latest) ==
              std::vector<std::string>{"#terminal", "@carol", "@dana", "@erin"});
        for (const auto& m : latest)
            if (m.to == "@dana") CHECK_THAT(m.reply.text, Contains("You have 1 item open"));

        CHECK(s.advance_to(env.clock(), utc("2026-12-10 12:45")) == 1);
        auto last = to_channel(reminders(env.db()));
        REQUIRE(last.size() == 3);
        CHECK_THAT(last[2].reply.text, Contains("starts in 15m (Thu 10 Dec 2026 14:00 CET)"));
        CHECK(button_values(last[2].reply).empty());  // any snooze would outlast the wait
        // Nothing more until the window ends.
        CHECK(s.advance_to(env.clock(), utc("2026-12-10 14:59")) == 0);
        CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='reminder.sent'") == 3);
    }
    SECTION("an approved release is reminded with nothing blocking it") {
        approve(env);
        s.advance_to(env.clock(), utc("2026-12-10 12:00"));
        auto posts = to_channel(reminders(env.db()));
        REQUIRE(posts.size() == 2);
        CHECK_THAT(posts[1].reply.text, EndsWith("(Thu 10 Dec 2026 14:00 CET) Approved, nothing "
                                                 "blocks it."));
        // With every control ticked, only the step owners hear.
        CHECK(recipients(reminders(env.db())) ==
              std::vector<std::string>{"#terminal", "#terminal", "@carol", "@dana", "@dana",
                                       "@erin", "@erin"});
    }
    SECTION("a cancelled release is reminded of nothing") {
        env.say("bob", "release cancel web-2026.12");
        REQUIRE_THAT(env.say("bob", "yes"), Contains("Cancelled"));
        CHECK(s.advance_to(env.clock(), utc("2026-12-11 00:00")) == 0);
        CHECK(reminders(env.db()).size() == 4);
        CHECK(messages(env.db(), "passed with no start").empty());
    }
}

TEST_CASE("a planned release with no blockers is reminded to go", "[timeline]") {
    TestEnv env;
    plan_release(env);
    releasebot::test::add_components(env, "web-2026.12");
    tick_all(env);
    Pipeline p(env.db(), env.clock());
    Scheduler s(env.db(), env.clock(), p);
    s.advance_to(env.clock(), utc("2026-12-09 13:00"));
    auto posts = to_channel(reminders(env.db()));
    REQUIRE(posts.size() == 1);
    CHECK_THAT(posts[0].reply.text, EndsWith("No blockers: ready for `release go web-2026.12`."));
}

TEST_CASE("a snoozed reminder comes back 30 minutes later", "[timeline]") {
    TestEnv env;
    plan_release(env);
    Pipeline p(env.db(), env.clock());
    Scheduler s(env.db(), env.clock(), p);
    s.advance_to(env.clock(), utc("2026-12-09 13:00"));
    auto first = to_channel(reminders(env.db()));
    REQUIRE(first.size() == 1);

    // The button on the reminder runs the text command.
    auto snooze = button_values(first[0].reply).at(0);
    auto pressed = env.press("dana", "command", snooze);
    CHECK_THAT(pressed.reply.text, Contains("comes back Wed 9 Dec 2026 14:30 CET (in 30m)"));
    s.invalidate();

    CHECK(s.advance_to(env.clock(), utc("2026-12-09 13:29")) == 0);
    CHECK(to_channel(reminders(env.db())).size() == 1);
    CHECK(s.advance_to(env.clock(), utc("2026-12-09 13:30")) == 1);
    auto again = to_channel(reminders(env.db()));
    REQUIRE(again.size() == 2);
    CHECK_THAT(again[1].reply.text, StartsWith("⏰ web-2026.12 — Web December starts in 23h 30m "
                                               "(Thu 10 Dec 2026 14:00 CET)"));
    CHECK(env.text("SELECT detail FROM audit_log WHERE action='reminder.sent' ORDER BY id DESC "
                   "LIMIT 1") ==
          "snoozed reminder to the release's channel and <@carol>, <@dana> and <@erin>");
}

TEST_CASE("a reminder snoozed until tomorrow comes back a day later", "[timeline]") {
    TestEnv env;
    plan_release(env);
    Pipeline p(env.db(), env.clock());
    Scheduler s(env.db(), env.clock(), p);
    env.clock().set(utc("2026-12-09 09:00"));  // 28 hours before the window
    CHECK_THAT(env.say("bob", "remind snooze web-2026.12 tomorrow"),
               Contains("comes back Thu 10 Dec 2026 10:00 CET (in 24h)"));
    // T-24h on the way, then the snoozed one.
    CHECK(s.advance_to(env.clock(), utc("2026-12-10 09:00")) == 2);
    CHECK_THAT(to_channel(reminders(env.db())).back().reply.text,
               Contains("starts in 4h (Thu 10 Dec 2026 14:00 CET)"));
}

TEST_CASE("release move moves the reminders", "[timeline]") {
    TestEnv env;
    plan_release(env);
    Pipeline p(env.db(), env.clock());
    Scheduler s(env.db(), env.clock(), p);
    s.advance_to(env.clock(), utc("2026-12-09 13:00"));
    REQUIRE(to_channel(reminders(env.db())).size() == 1);

    // Two hours later the same day: 16:00 CET is 15:00 UTC.
    REQUIRE_THAT(env.say("alice", "release move web-2026.12 to 2026-12-10 16:00"),
                 Contains("Moved"));
    s.invalidate();
    // The old T-1h and T-15m (12:00 and 12:45 UTC) fire nothing; the new T-24h (Wed 15:00
    // UTC) still lies ahead and does.
    CHECK(s.advance_to(env.clock(), utc("2026-12-10 13:59")) == 1);
    auto posts = to_channel(reminders(env.db()));
    REQUIRE(posts.size() == 2);
    CHECK_THAT(posts[1].reply.text, Contains("starts in 24h (Thu 10 Dec 2026 16:00 CET)"));
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='reminder.sent' AND "
                    "at=strftime('%s', '2026-12-09 15:00')") == 1);

    CHECK(s.advance_to(env.clock(), utc("2026-12-10 14:00")) == 1);
    CHECK_THAT(to_channel(reminders(env.db())).back().reply.text,
               Contains("starts in 1h (Thu 10 Dec 2026 16:00 CET)"));
    CHECK(s.advance_to(env.clock(), utc("2026-12-10 14:45")) == 1);
    CHECK_THAT(to_channel(reminders(env.db())).back().reply.text,
               Contains("starts in 15m (Thu 10 Dec 2026 16:00 CET)"));
    // The window check moved with it: nothing at the old end (15:00 UTC), a nag at the new.
    CHECK(s.advance_to(env.clock(), utc("2026-12-10 16:59")) == 0);
    CHECK(s.advance_to(env.clock(), utc("2026-12-10 17:00")) == 1);
    CHECK(messages(env.db(), "passed with no start").size() == 2);
}

TEST_CASE("a release's own offsets replace the defaults", "[timeline]") {
    TestEnv env;
    plan_release(env);
    REQUIRE_THAT(env.say("bob", "remind web-2026.12 at -2d,-30m"),
                 Contains("Reminders for web-2026.12 at T-2d and T-30m."));
    Pipeline p(env.db(), env.clock());
    Scheduler s(env.db(), env.clock(), p);

    CHECK(s.advance_to(env.clock(), utc("2026-12-08 13:00")) == 1);
    CHECK_THAT(to_channel(reminders(env.db())).back().reply.text,
               Contains("starts in 2d (Thu 10 Dec 2026 14:00 CET)"));
    // Not at the default T-24h, T-1h or T-15m.
    CHECK(s.advance_to(env.clock(), utc("2026-12-10 12:29")) == 0);
    CHECK(s.advance_to(env.clock(), utc("2026-12-10 12:30")) == 1);
    CHECK_THAT(to_channel(reminders(env.db())).back().reply.text,
               Contains("starts in 30m (Thu 10 Dec 2026 14:00 CET)"));
    CHECK(s.advance_to(env.clock(), utc("2026-12-10 14:59")) == 0);
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='reminder.sent'") == 2);
}

TEST_CASE("a window that passes with no result nags the owner", "[timeline]") {
    TestEnv env;
    plan_release(env);
    Pipeline p(env.db(), env.clock());
    Scheduler s(env.db(), env.clock(), p);

    SECTION("never started: the owner and the channel hear") {
        s.advance_to(env.clock(), utc("2026-12-10 14:59"));
        CHECK(messages(env.db(), "passed").empty());
        CHECK(s.advance_to(env.clock(), utc("2026-12-10 15:00")) == 1);
        auto nags = messages(env.db(), "The window of web-2026.12 passed with no start.");
        CHECK(recipients(nags) == std::vector<std::string>{"#terminal", "@bob"});
        for (const auto& m : nags) {
            CHECK_THAT(m.reply.text, Contains("`release move web-2026.12 to <when>`"));
            CHECK_THAT(m.reply.text, Contains("`release cancel web-2026.12`"));
            CHECK_THAT(all_text(m.reply), Contains("Thu 10 Dec 2026 14:00 CET – 16:00"));
        }
        CHECK(env.text("SELECT detail FROM audit_log WHERE action='window.passed'") ==
              "no start; told <@bob> and the release's channel");
    }
    SECTION("still deploying: the owner hears") {
        approve(env);
        s.advance_to(env.clock(), utc("2026-12-10 13:00"));
        REQUIRE_THAT(env.say("alice", "release start web-2026.12"), Contains("is deploying"));
        s.invalidate();
        CHECK(s.advance_to(env.clock(), utc("2026-12-10 15:00")) == 1);
        auto nags = messages(env.db(), "still deploying");
        REQUIRE(recipients(nags) == std::vector<std::string>{"@bob"});
        CHECK(nags[0].reply.text ==
              "web-2026.12 is still deploying after its window ended at Thu 10 Dec 2026 16:00 "
              "CET; close it with `release done web-2026.12`, or `release backout web-2026.12` "
              "if it went wrong.");
        CHECK(env.text("SELECT detail FROM audit_log WHERE action='window.passed'") ==
              "still deploying; told <@bob>");
    }
    SECTION("closed in time: nothing") {
        approve(env);
        s.advance_to(env.clock(), utc("2026-12-10 13:00"));
        REQUIRE_THAT(env.say("alice", "release start web-2026.12"), Contains("is deploying"));
        env.say("dana", "release step web-2026.12 1 done");
        env.say("erin", "release step web-2026.12 2 done");
        REQUIRE_THAT(env.say("bob", "release done web-2026.12"), Contains("is deployed"));
        s.invalidate();
        s.advance_to(env.clock(), utc("2026-12-11 00:00"));
        CHECK(messages(env.db(), "still deploying").empty());
        CHECK(messages(env.db(), "passed with no start").empty());
        CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='window.passed'") == 0);
    }
}

TEST_CASE("after a restart, overdue jobs fire once, marked late", "[timeline]") {
    TempDb file;
    {
        TestEnv env(file.path);
        plan_release(env);
    }
    // The bot was down from the planning until 10 minutes before the window: T-24h (Wed 13:00
    // UTC), T-1h (Thu 12:00) and T-15m (Thu 12:45) are all overdue.
    Database db(file.path);
    ManualClock clock(utc("2026-12-10 12:50"));
    {
        Pipeline p(db, clock);
        Scheduler s(db, clock, p);
        CHECK(s.next_due() == utc("2026-12-09 13:00"));
        CHECK(s.run_due() == 3);
        auto posts = to_channel(reminders(db));
        REQUIRE(posts.size() == 3);
        const char* due[] = {"Wed 9 Dec 2026 14:00 CET", "Thu 10 Dec 2026 13:00 CET",
                             "Thu 10 Dec 2026 13:45 CET"};
        for (int i = 0; i < 3; ++i) {
            CHECK_THAT(posts[i].reply.text,
                       StartsWith("⏰ web-2026.12 — Web December starts in 10m (Thu 10 Dec 2026 "
                                  "14:00 CET) (late: the bot was down when this was due at " +
                                  std::string(due[i]) + ")"));
        }
        CHECK(reminders(db).size() == 12);  // and three messages to each of three owners
        CHECK(s.run_due() == 0);
        CHECK(s.next_due() == utc("2026-12-10 15:00"));  // the window check
    }
    auto rows = [&] {
        auto st = db.prepare("SELECT count(*), count(DISTINCT idempotency_key) FROM outbox");
        st.step();
        return std::make_pair(st.get_int(0), st.get_int(1));
    };
    auto before = rows();
    CHECK(before.first == before.second);
    {
        // Another restart, and a timer event delivered again: nothing new.
        Pipeline p(db, clock);
        Scheduler s(db, clock, p);
        CHECK(s.run_due() == 0);
        Event again;
        again.kind = EventKind::timer;
        again.idempotency_key = "job:1";
        again.value = "1";
        CHECK(p.handle(again).duplicate);
    }
    CHECK(rows() == before);
    auto st = db.prepare(
        "SELECT count(*) FROM scheduled_jobs WHERE kind='reminder' AND status='fired' AND "
        "fired_at=strftime('%s', '2026-12-10 12:50')");
    st.step();
    CHECK(st.get_int(0) == 3);
}

TEST_CASE("a week of timeline runs in well under a second", "[timeline]") {
    TestEnv env;
    env.zone = "Europe/Berlin";
    for (int day = 2; day <= 7; ++day) {
        std::string key = "web-2026.12." + std::to_string(day);
        REQUIRE_THAT(env.say("alice", "release plan " + key + " \"Day " + std::to_string(day) +
                                          "\" at 2026-12-0" + std::to_string(day) +
                                          " 14:00 for 2h owner @bob"),
                     Contains("Planned"));
    }
    Pipeline p(env.db(), env.clock());
    Scheduler s(env.db(), env.clock(), p);
    auto started = std::chrono::steady_clock::now();
    int fired = 0;
    // Like a console user typing `clock advance 1h` for a week.
    for (int hour = 1; hour <= 7 * 24; ++hour)
        fired += s.advance_to(env.clock(), utc("2026-12-01 09:00") + std::chrono::hours(hour));
    auto took = std::chrono::steady_clock::now() - started;
    CHECK(fired == 6 * 4);  // three reminders and a window check each
    CHECK(env.count("SELECT count(*) FROM scheduled_jobs WHERE status='pending'") == 0);
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='window.passed'") == 6);
    CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(took).count() < 1000);
}
