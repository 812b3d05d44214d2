// Tests of `audit <release> [csv|json]`: the table in the reader's zone, RFC 4180 CSV with
// exact quoting, and JSON that parses back with Boost.JSON.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "support/test_env.hpp"

using Catch::Matchers::Contains;
using releasebot::AuditEntry;
using releasebot::UserId;
using releasebot::test::TestEnv;
using releasebot::test::utc;

namespace {

constexpr const char* kPlanWeb =
    "release plan web-2026.12 \"Web December\" at 2026-12-10 14:00 for 2h program web";

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
    env.say("alice", kPlanWeb);
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
    env.say("alice", kPlanWeb);
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
    env.say("alice", kPlanWeb);
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
    env.say("alice", kPlanWeb);
    env.db().exec("DELETE FROM audit_log");
    CHECK_THAT(env.say("alice", "audit web-2026.12"), Contains("Nothing recorded yet."));
    CHECK(fenced(env.say("alice", "audit web-2026.12 csv")) == "at_utc,actor,action,detail\r\n");
    CHECK(fenced(env.say("alice", "audit web-2026.12 json")) == "[]\n");
}
