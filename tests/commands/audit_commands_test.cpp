// Tests of `audit <release> [csv|json]`: the table in the reader's zone, RFC 4180 CSV with
// exact quoting, and JSON that parses back with Boost.JSON; and of `audit workspace`: the
// entries of no release, newest first and paged, `since`, and long details whole where stored.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <sstream>

#include "bot/app/export.hpp"
#include "integrations/console/text_renderer.hpp"
#include "support/plans.hpp"
#include "support/test_env.hpp"

using Catch::Matchers::Contains;
using releasebot::AuditEntry;
using releasebot::UserId;
using releasebot::test::kPlanWeb;
using releasebot::test::plan_web;
using releasebot::test::TestEnv;
using releasebot::test::utc;

namespace {

// Appends an entry whose detail holds everything CSV must quote.
void append_tricky_entry(TestEnv& env) {
    auto ws = env.store().workspaces.find("console", "local");
    auto rel = env.store().releases.find(ws->id, "web-2026.12");
    AuditEntry e;
    e.workspace = ws->id;
    e.release = rel->id;
    e.at = utc("2026-12-02 10:30");
    e.actor = UserId("bob");
    e.action = "control.tick";
    e.detail = "ticked ops-ready, note \"runbook v2\" by <@bob>";
    env.store().audit.append(e);
}

// The text between the first ``` fence line and the next.
std::string fenced(const std::string& out) {
    auto open = out.find("```\n");
    REQUIRE(open != std::string::npos);
    auto body = open + 4;
    auto close = out.find("```", body);
    REQUIRE(close != std::string::npos);
    return out.substr(body, close - body);
}

// Whether a line of `out` starts with `when` and then names `who`, whatever the padding.
bool has_row(const std::string& out, const std::string& when, const std::string& who) {
    std::size_t start = 0;
    while (start < out.size()) {
        std::size_t end = out.find('\n', start);
        std::string line = out.substr(start, end - start);
        if (line.rfind(when, 0) == 0 && line.find(" " + who + " ") != std::string::npos)
            return true;
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return false;
}

// The first line of `out` holding `needle`, or "" so that a check on it fails visibly.
std::string line_with(const std::string& out, const std::string& needle) {
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line))
        if (line.find(needle) != std::string::npos) return line;
    return "";
}

}  // namespace

TEST_CASE("audit shows a release's entries oldest first in the reader's zone", "[audit]") {
    TestEnv env;
    REQUIRE_THAT(env.say("alice", kPlanWeb), Contains("web-2026.12"));
    env.clock().advance(std::chrono::hours(1));
    env.say("bob", "plan add web-2026.12 deploy \"Switch traffic\" owner @dana takes 15m");
    std::int64_t n =
        env.count("SELECT COUNT(*) FROM audit_log WHERE release_id = (SELECT id FROM releases)");
    REQUIRE(n >= 2);

    SECTION("in UTC") {
        std::string out = env.say("carol", "audit web-2026.12");  // any member may read it
        CHECK_THAT(out, Contains("Audit log of web-2026.12 — Web December"));
        CHECK_THAT(out, Contains("When (UTC)"));
        CHECK(has_row(out, "2026-12-01 09:00", "@alice"));
        CHECK(has_row(out, "2026-12-01 10:00", "@bob"));
        CHECK(out.find("2026-12-01 09:00") < out.find("2026-12-01 10:00"));
        CHECK_THAT(out, Contains("Export it with `audit web-2026.12 csv`"));
    }
    SECTION("in Berlin") {
        env.zone = "Europe/Berlin";
        std::string out = env.say("carol", "audit WEB-2026.12");
        CHECK_THAT(out, Contains("When (Europe/Berlin)"));
        CHECK(has_row(out, "2026-12-01 10:00", "@alice"));
        CHECK(has_row(out, "2026-12-01 11:00", "@bob"));
    }
    SECTION("reading the log writes nothing to it") {
        env.say("carol", "audit web-2026.12");
        env.say("carol", "audit web-2026.12 json");
        CHECK(env.count("SELECT COUNT(*) FROM audit_log WHERE release_id = (SELECT id FROM "
                        "releases)") == n);
    }
}

TEST_CASE("audit csv is RFC 4180 with ISO 8601 UTC times", "[audit]") {
    TestEnv env;
    env.zone = "Europe/Berlin";  // exports stay in UTC whatever the reader's zone
    plan_web(env);
    append_tricky_entry(env);

    std::string csv = fenced(env.say("alice", "audit web-2026.12 csv"));
    CHECK(csv.rfind("at_utc,actor,action,detail\r\n", 0) == 0);
    CHECK_THAT(csv, Contains("\r\n2026-12-01T09:00:00Z,alice,release.plan,"));
    CHECK_THAT(csv, Contains("\r\n2026-12-02T10:30:00Z,bob,control.tick,"
                             "\"ticked ops-ready, note \"\"runbook v2\"\" by @bob\"\r\n"));
    // The tricky entry is the newest: it is the last record.
    CHECK(csv.size() >= 2);
    CHECK(csv.substr(csv.size() - 2) == "\r\n");
    CHECK(csv.find("by @bob\"\r\n") == csv.size() - std::string("by @bob\"\r\n").size());
    // Every record ends with CRLF: as many line ends as header + entries.
    std::int64_t entries =
        env.count("SELECT COUNT(*) FROM audit_log WHERE release_id = (SELECT id FROM releases)");
    std::size_t crlf = 0;
    for (std::size_t i = csv.find("\r\n"); i != std::string::npos; i = csv.find("\r\n", i + 2))
        ++crlf;
    CHECK(static_cast<std::int64_t>(crlf) == entries + 1);
}

TEST_CASE("audit json parses back with one object per entry", "[audit]") {
    TestEnv env;
    plan_web(env);
    env.say("bob", "plan add web-2026.12 backout \"Switch traffic back\"");
    append_tricky_entry(env);

    std::string out = env.say("alice", "audit web-2026.12 json");
    CHECK_THAT(out, Contains("Audit log of web-2026.12 as JSON"));
    boost::json::value v = boost::json::parse(fenced(out));
    REQUIRE(v.is_array());
    const auto& arr = v.as_array();
    CHECK(static_cast<std::int64_t>(arr.size()) ==
          env.count("SELECT COUNT(*) FROM audit_log WHERE release_id = (SELECT id FROM releases)"));
    REQUIRE(arr.size() >= 3);
    const auto& first = arr.front().as_object();
    CHECK(first.at("at").as_string() == "2026-12-01T09:00:00Z");
    CHECK(first.at("actor").as_string() == "alice");
    CHECK(first.at("action").as_string() == "release.plan");
    const auto& last = arr.back().as_object();
    CHECK(last.size() == 4);
    CHECK(last.at("at").as_string() == "2026-12-02T10:30:00Z");
    CHECK(last.at("actor").as_string() == "bob");
    CHECK(last.at("action").as_string() == "control.tick");
    CHECK(last.at("detail").as_string() == "ticked ops-ready, note \"runbook v2\" by @bob");
}

TEST_CASE("audit of an unknown release says what to type", "[audit]") {
    TestEnv env;
    plan_web(env);
    CHECK(env.say("bob", "audit web-2026.11") ==
          "There is no release `web-2026.11` here. Did you mean `web-2026.12`? Type `release "
          "list` to see the releases.\n");
    CHECK(env.say("bob", "audit nothing-like-it csv") ==
          "There is no release `nothing-like-it` here. Type `release list` to see the "
          "releases.\n");
    CHECK_THAT(env.say("bob", "audit"), Contains("`audit` needs <release>."));
}

TEST_CASE("audit of a release with no entries of its own", "[audit]") {
    TestEnv env;
    plan_web(env);
    env.db().exec("DELETE FROM audit_log");
    CHECK_THAT(env.say("alice", "audit web-2026.12"), Contains("Nothing recorded yet."));
    CHECK(fenced(env.say("alice", "audit web-2026.12 csv")) == "at_utc,actor,action,detail\r\n");
    CHECK(fenced(env.say("alice", "audit web-2026.12 json")) == "[]\n");
}

TEST_CASE("audit workspace lists freezes and role grants newest first with who", "[audit]") {
    TestEnv env;
    plan_web(env);
    REQUIRE_THAT(env.say("alice", "freeze add 2026-12-24 00:00 to 2026-12-27 00:00 \"Holidays\""),
                 Contains("Holidays"));
    env.clock().advance(std::chrono::hours(1));
    REQUIRE_THAT(env.say("alice", "role grant @carol approver"), !Contains("rror"));
    const auto entries = env.count("SELECT count(*) FROM audit_log");

    // Any member reads it; reading writes nothing.
    std::string out = env.say("bob", "audit workspace");
    CHECK(env.count("SELECT count(*) FROM audit_log") == entries);
    CHECK_THAT(out, Contains("Workspace audit log"));
    CHECK_THAT(out, Contains("When (UTC)"));
    CHECK(has_row(out, "2026-12-01 10:00", "@alice"));
    CHECK_THAT(line_with(out, "@carol: member → approver"), Contains("2026-12-01 10:00"));
    CHECK_THAT(line_with(out, "@carol: member → approver"), Contains("role.grant"));
    CHECK_THAT(line_with(out, "freeze.add"), Contains("2026-12-01 09:00"));
    CHECK_THAT(line_with(out, "freeze.add"), Contains("@alice"));
    CHECK_THAT(line_with(out, "freeze.add"), Contains("Holidays"));
    // Newest first; what belongs to a release stays in `audit <release>`.
    CHECK(out.find("→ approver") < out.find("freeze.add"));
    CHECK_THAT(out, !Contains("release.plan"));
    CHECK_THAT(out, Contains("Entries 1–3 of 3, newest first."));
    CHECK_THAT(out, Contains("Changes to a release are in `audit <release>`."));

    SECTION("in the reader's zone") {
        env.zone = "Europe/Berlin";
        std::string berlin = env.say("bob", "audit workspace");
        CHECK_THAT(berlin, Contains("When (Europe/Berlin)"));
        CHECK_THAT(line_with(berlin, "freeze.add"), Contains("2026-12-01 10:00"));
    }
    SECTION("the release's own log does not hold them") {
        CHECK_THAT(env.say("bob", "audit web-2026.12"), !Contains("freeze.add"));
    }
}

TEST_CASE("audit workspace since a time or for a while back", "[audit]") {
    TestEnv env;
    REQUIRE_THAT(env.say("alice", "freeze add 2026-12-24 00:00 to 2026-12-27 00:00 \"Holidays\""),
                 Contains("Holidays"));
    env.clock().advance(std::chrono::hours(2));
    REQUIRE_THAT(env.say("alice", "role grant @carol approver"), !Contains("rror"));
    env.clock().advance(std::chrono::minutes(30));  // 11:30

    const std::string since = GENERATE(as<std::string>{}, "since 2026-12-01 10:00", "since 1h",
                                       "since 2026-12-01T11:00+01:00");
    CAPTURE(since);
    std::string out = env.say("bob", "audit workspace " + since);
    CHECK_THAT(out, Contains("Workspace audit log since 2026-12-01 1"));
    CHECK_THAT(out, Contains("role.grant"));
    CHECK_THAT(out, !Contains("freeze.add"));
    CHECK_THAT(out, Contains("Entries 1–1 of 1, newest first."));
    std::string csv = fenced(env.say("bob", "audit workspace " + since + " csv"));
    CHECK_THAT(csv, Contains("role.grant"));
    CHECK_THAT(csv, !Contains("freeze.add"));

    CHECK_THAT(env.say("bob", "audit workspace since 2026-12-01 11:15"),
               Contains("Nothing recorded since 2026-12-01 11:15 (UTC)."));
}

TEST_CASE("audit workspace refuses a bad since or page and changes nothing", "[audit]") {
    TestEnv env;
    REQUIRE_THAT(env.say("alice", "role grant @carol approver"), !Contains("rror"));
    REQUIRE_THAT(env.say("bob", "audit workspace"), Contains("role.grant"));
    const auto entries = env.count("SELECT count(*) FROM audit_log");
    const auto keys = env.count("SELECT count(*) FROM processed_events");

    auto refused = env.run("bob", "audit workspace since tomorrow 09:00");
    CHECK(refused.reply.is_error);
    CHECK_THAT(releasebot::render_text(refused.reply),
               Contains("`since tomorrow 09:00` is Wed 2 Dec 2026 09:00 UTC, which has not come "
                        "yet"));
    CHECK_THAT(releasebot::render_text(refused.reply), Contains("`audit workspace since 7d`"));

    std::string garbled = env.say("bob", "audit workspace since last blue moon");
    CHECK_THAT(garbled, Contains("last blue moon"));
    CHECK_THAT(garbled, Contains("`audit workspace since 7d`"));

    CHECK_THAT(env.say("bob", "audit workspace page 2"),
               Contains("there is no page 2. Type `audit workspace` to see them."));
    CHECK_THAT(env.say("bob", "audit workspace page 3 csv"),
               Contains("`page` is for the list in chat; a csv export holds every entry."));
    CHECK_THAT(env.say("bob", "audit workspace since"), Contains("`since` needs <when>"));
    CHECK(env.count("SELECT count(*) FROM audit_log") == entries);
    CHECK(env.count("SELECT count(*) FROM processed_events") == keys);
}

TEST_CASE("audit workspace pages to fit one chat message", "[audit]") {
    TestEnv env;
    env.say("alice", "role grant @carol approver");
    env.db().exec("DELETE FROM audit_log");
    auto ws = env.store().workspaces.find("console", "local");
    for (int i = 1; i <= 45; ++i) {
        AuditEntry e;
        e.workspace = ws->id;
        e.at = utc("2026-11-01 09:00") + std::chrono::hours(i);
        e.actor = UserId("alice");
        e.action = "freeze.add";
        e.detail = "freeze #" + std::to_string(i);
        env.store().audit.append(e);
    }
    std::string first = env.say("bob", "audit workspace");
    CHECK_THAT(first, Contains("freeze #45\n"));
    CHECK_THAT(first, Contains("freeze #26\n"));
    CHECK_THAT(first, !Contains("freeze #25\n"));
    CHECK_THAT(first,
               Contains("Entries 1–20 of 45, newest first. Older: `audit workspace page 2`."));

    std::string last = env.say("bob", "audit workspace page 3");
    CHECK_THAT(last, Contains("freeze #5\n"));
    CHECK_THAT(last, Contains("freeze #1\n"));
    CHECK_THAT(last, !Contains("freeze #6\n"));
    CHECK_THAT(last, Contains("Entries 41–45 of 45, newest first."));
    CHECK_THAT(last, !Contains("Older:"));

    std::string since = env.say("bob", "audit workspace since 2026-11-01 12:00 page 2");
    CHECK_THAT(since, Contains("Entries 21–40 of 43, newest first."));
    CHECK_THAT(since, Contains("Older: `audit workspace since 2026-11-01 12:00 page 3`."));
    CHECK_THAT(env.say("bob", "audit workspace page 4"),
               Contains("45 entries, 3 pages of 20; there is no page 4. Type `audit workspace "
                        "page 3` for the oldest."));
}

TEST_CASE("a long audit detail is kept whole and shortened only on screen", "[audit]") {
    TestEnv env;
    std::string reason = "Year-end freeze agreed with finance:";
    for (int i = 1; i <= 12; ++i) reason += " clause " + std::to_string(i) + " applies,";
    reason += " ends with the last word SENTINEL";
    REQUIRE(reason.size() > 150);
    REQUIRE_THAT(
        env.say("alice", "freeze add 2026-12-24 00:00 to 2026-12-27 00:00 \"" + reason + "\""),
        Contains("SENTINEL"));

    // Whole in the database.
    CHECK(env.text("SELECT detail FROM audit_log WHERE action = 'freeze.add'")
              .ends_with(": " + reason));
    // Cut with an ellipsis in chat.
    std::string out = env.say("bob", "audit workspace");
    std::string row = line_with(out, "freeze.add");
    CHECK_THAT(row, Contains("Year-end"));
    CHECK_THAT(row, Contains("…"));
    CHECK_THAT(row, !Contains("SENTINEL"));
    CHECK_THAT(out, Contains("`audit workspace csv` or `json` has them whole"));
    // Whole in both exports and in the workspace export.
    CHECK_THAT(fenced(env.say("bob", "audit workspace csv")), Contains(reason));
    auto arr = boost::json::parse(fenced(env.say("bob", "audit workspace json"))).as_array();
    REQUIRE(arr.size() == 2);
    CHECK(arr.at(0).as_object().at("action").as_string() == "role.grant");  // oldest first
    CHECK(std::string(arr.at(1).as_object().at("detail").as_string()).ends_with(reason));
    std::ostringstream exported;
    REQUIRE(releasebot::export_workspace(env.db(), exported, {}).ok());
    CHECK_THAT(exported.str(), Contains(reason));
}

TEST_CASE("a shortened detail never splits a mention", "[audit]") {
    TestEnv env;
    env.say("alice", "role grant @carol approver");
    auto ws = env.store().workspaces.find("console", "local");
    AuditEntry e;
    e.workspace = ws->id;
    e.at = env.clock().now();
    e.actor = UserId("alice");
    e.action = "channel.add";
    e.detail = std::string(70, 'x') + " for <@U0123456789ABCDEF>, then much more text after it";
    env.store().audit.append(e);
    std::string row = line_with(env.say("bob", "audit workspace"), "channel.add");
    CHECK_THAT(row, Contains(std::string(70, 'x') + " for…"));
    CHECK_THAT(row, !Contains("<@U0123"));
    CHECK_THAT(row, !Contains("@U0123"));
}
