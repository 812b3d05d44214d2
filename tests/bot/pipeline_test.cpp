// The pipeline's promises: a redelivered event does nothing, a refused command changes nothing,
// and an event's effects, audit entries and outbox rows commit together.
#include "bot/runtime/pipeline.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "support/test_env.hpp"

using namespace releasebot;
using namespace releasebot::test;
using Catch::Matchers::Contains;

namespace {
Event command(const std::string& key, const std::string& user, const std::string& text) {
    Event e;
    e.idempotency_key = key;
    e.actor = Actor{"console", "local", UserId(user), user, std::nullopt};
    e.conversation = ConversationRef{"console", "local", "terminal", std::nullopt, std::nullopt};
    e.text = text;
    return e;
}
}  // namespace

TEST_CASE("a redelivered event is processed once", "[pipeline]") {
    Database db(":memory:");
    ManualClock clock(default_start());
    Pipeline pipeline(db, clock);
    auto first = pipeline.handle(command("slack:Ev1", "alice",
                                         "release plan x \"T\" at 2026-12-10 10:00 owner @bob"));
    CHECK_FALSE(first.duplicate);
    CHECK_THAT(first.reply.text, Contains("Planned x"));
    CHECK(first.outbound == 1);  // bob hears he owns it

    auto again = pipeline.handle(command("slack:Ev1", "alice",
                                         "release plan x \"T\" at 2026-12-10 10:00 owner @bob"));
    CHECK(again.duplicate);
    Store store(db);
    CHECK(store.releases.list(store.workspaces.find("console", "local")->id, ReleaseFilter::all,
                              clock.now())
              .size() == 1);
    // The replay queued nothing more: one DM to bob, one status message.
    auto st = db.prepare("SELECT count(*) FROM outbox");
    st.step();
    CHECK(st.get_int(0) == 2);
}

TEST_CASE("a refused command changes nothing but is still recorded as processed", "[pipeline]") {
    Database db(":memory:");
    ManualClock clock(default_start());
    Pipeline pipeline(db, clock);
    pipeline.handle(command("k1", "alice", "release plan x \"T\" at 2026-12-10 10:00"));
    auto count = [&](const char* sql) {
        auto st = db.prepare(sql);
        st.step();
        return st.get_int(0);
    };
    auto audit_before = count("SELECT count(*) FROM audit_log");
    auto refused = pipeline.handle(command("k2", "bob", "release go x"));
    CHECK(refused.reply.is_error);
    CHECK_THAT(refused.reply.text, Contains("Only a manager"));
    CHECK(count("SELECT count(*) FROM audit_log") == audit_before);
    // bob's first appearance is not recorded either: a refused command writes nothing.
    CHECK(count("SELECT count(*) FROM people WHERE user_id='bob'") == 0);
    CHECK(count("SELECT count(*) FROM processed_events WHERE key='k2'") == 1);
}

TEST_CASE("a command that changes nothing writes nothing, and a repeat of it is answered again",
          "[pipeline]") {
    Database db(":memory:");
    ManualClock clock(default_start());
    Pipeline pipeline(db, clock);
    auto count = [&](const char* sql) {
        auto st = db.prepare(sql);
        st.step();
        return st.get_int(0);
    };
    auto planned = pipeline.handle(command("k1", "alice", "release plan x \"T\" at 2026-12-10 10:00"));
    CHECK(planned.wrote);
    CHECK(count("SELECT count(*) FROM processed_events WHERE key='k1'") == 1);

    const auto changes = db.total_changes();
    auto shown = pipeline.handle(command("k2", "alice", "release show x"));
    CHECK_THAT(shown.reply.text, Contains("x — T"));
    CHECK_FALSE(shown.wrote);
    CHECK(count("SELECT count(*) FROM processed_events WHERE key='k2'") == 0);
    // The same delivery again (Slack redelivering it) shows it again: nothing to do twice.
    auto again = pipeline.handle(command("k2", "alice", "release show x"));
    CHECK_FALSE(again.duplicate);
    CHECK_THAT(again.reply.text, Contains("x — T"));
    CHECK(db.total_changes() - changes == 2);  // the two keys written and rolled back, no more

    SECTION("a person seen again within the hour is not rewritten; a new name is") {
        clock.advance(Seconds(60));
        pipeline.handle(command("k4", "alice", "release show x"));
        CHECK(count("SELECT count(*) FROM processed_events WHERE key='k4'") == 0);
        Event renamed = command("k5", "alice", "release show x");
        renamed.actor.display_name = "Alice Liddell";
        CHECK(pipeline.handle(renamed).wrote);
        CHECK(count("SELECT count(*) FROM people WHERE display_name='Alice Liddell'") == 1);
    }
}

TEST_CASE("the first user of a workspace is its manager; workspaces are apart", "[pipeline]") {
    TestEnv env;
    env.say("alice", "help");
    CHECK(env.text("SELECT role FROM roles WHERE user_id='alice'") == "manager");
    CHECK(env.count("SELECT count(*) FROM roles") == 1);
    env.say("bob", "help");
    CHECK(env.count("SELECT count(*) FROM roles") == 1);
    CHECK(env.count("SELECT count(*) FROM control_templates") == 7);

    Event other = command("k", "zed", "release list");
    other.actor.tenant = "T999";
    other.actor.platform = "slack";
    Pipeline p(env.db(), env.clock());
    p.handle(other);
    CHECK(env.count("SELECT count(*) FROM workspaces") == 2);
    CHECK(env.count("SELECT count(*) FROM control_templates") == 14);
    CHECK(env.count("SELECT count(*) FROM roles WHERE role='manager'") == 2);
}

TEST_CASE("a mention or a button press is answered through the outbox", "[pipeline]") {
    TestEnv env;
    Pipeline p(env.db(), env.clock());
    Event e = command("slack:event:Ev1", "alice", "release list");
    e.reply_in_outbox = true;
    auto out = p.handle(e);
    CHECK(out.outbound == 1);
    CHECK(env.count("SELECT count(*) FROM outbox WHERE idempotency_key = 'slack:event:Ev1#reply' "
                    "AND payload LIKE '%No upcoming releases%'") == 1);
    // A refused one is answered too, privately, and still changes nothing else.
    Event bad = command("slack:event:Ev2", "alice", "release go nope");
    bad.reply_in_outbox = true;
    p.handle(bad);
    CHECK(env.count("SELECT count(*) FROM outbox WHERE idempotency_key = 'slack:event:Ev2#reply' "
                    "AND destination LIKE '%alice%'") == 1);
}

TEST_CASE("a survey form submission records each answer", "[pipeline][retro]") {
    TestEnv env;
    env.say("alice", "release plan w \"W\" at 2026-12-10 14:00");
    env.say("alice", "plan add w deploy \"Go\" owner @bob");
    env.say("alice", "plan add w backout \"Back\"");
    env.say("alice", "release add w web/app@1.0.0");
    test::tick_open_controls(env, "w", "alice");
    env.say("alice", "release go w");
    env.clock().advance(std::chrono::hours(24 * 9 + 5));
    env.say("alice", "release start w");
    env.say("bob", "release step w 1 done");
    env.say("alice", "release done w");
    REQUIRE_THAT(env.say("alice", "retro start w"), Contains("Started"));
    Pipeline p(env.db(), env.clock());
    Event e = command("slack:view:V1", "bob", "");
    e.kind = EventKind::submission;
    e.value = "retro answer w";
    e.fields = {{"q1.answer", "4"}, {"q2.answer", "Clear runbook"}, {"q3.answer", ""}};
    auto out = p.handle(e);
    CHECK_THAT(out.reply.text, Contains("2 answers recorded"));
    CHECK(env.count("SELECT count(*) FROM retro_answers") == 2);
}

TEST_CASE("committed events survive reopening the database file", "[pipeline]") {
    auto path = std::filesystem::temp_directory_path() /
                ("rb-pipeline-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path);
    {
        TestEnv env(path.string());
        env.say("alice", "release plan x \"T\" at 2026-12-10 10:00");
    }
    {
        TestEnv env(path.string());
        CHECK_THAT(env.say("alice", "release show x"), Contains("x — T"));
        CHECK(env.text("PRAGMA journal_mode") == "wal");
    }
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + ext);
}
