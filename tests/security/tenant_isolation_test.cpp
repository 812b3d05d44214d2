// Tenant isolation: two Slack workspaces and two Teams tenants share one
// database, as one releasebot serving several teams does. Through the real receivers on a real
// HTTP listener — signed Slack requests whose team comes from the payload, Teams activities
// with valid JWTs from the Teams emulator whose tenant comes from the activity, signed CI
// webhooks, the calendar feed — one tenant can neither see nor change the other's releases,
// controls, communications, retrospectives, action items, freezes or audit log, whether it
// names them by key, by number, from a button, a survey form or a CI pipeline.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <set>
#include <sstream>
#include <string>

#include "bot/app/export.hpp"
#include "support/db_snapshot.hpp"
#include "support/inbound_server.hpp"

using namespace releasebot;
using namespace releasebot::test;
using Catch::Matchers::Contains;
namespace json = boost::json;

namespace {

// What a request refused by the pipeline may still write: its idempotency key (so a retry is a
// duplicate), the refusal in the outbox (for replies that cannot ride on the answer), and the
// Teams conversation reference of the conversation it came from.
const std::set<std::string> kBookkeeping = {"processed_events", "outbox", "teams_conversations"};

// The Slack workspace A: alice's releases `web` ("Web A") and `apionly`, freeze #1, audience,
// communication #1, action item #1, CI secret and calendar token. Workspace B: mallory, who is
// its manager, and her own `web` ("Web B").
void two_slack_workspaces(InboundServer& s) {
    s.slash("T0AAA", "U0ALICE", "C0A", "release plan web \"Web A\" at 2026-12-10 14:00");
    s.slash("T0AAA", "U0ALICE", "C0A", "release plan apionly \"API A\" at 2026-12-11 14:00");
    s.slash("T0AAA", "U0ALICE", "C0A",
            "freeze add 2027-01-10 00:00 to 2027-01-11 00:00 \"A freeze\"");
    s.slash("T0AAA", "U0ALICE", "C0A", "channel add stakeholders here");
    s.slash("T0AAA", "U0ALICE", "C0A", "comms draft apionly to stakeholders on done \"A news\"");
    s.slash("T0AAA", "U0ALICE", "C0A", "retro action add apionly \"A action\" owner <@U0ALICE>");
    s.slash("T0AAA", "U0ALICE", "C0A", "ci secret");
    s.slash("T0AAA", "U0ALICE", "C0A", "calendar link");

    s.slash("T0BBB", "U0MALLORY", "C0B", "release list");  // the first user: B's manager
    s.slash("T0BBB", "U0MALLORY", "C0B", "release plan web \"Web B\" at 2026-12-12 14:00");
    s.slash("T0BBB", "U0MALLORY", "C0B", "ci secret");
    s.slash("T0BBB", "U0MALLORY", "C0B", "calendar link");
    REQUIRE(s.count("SELECT count(*) FROM releases") == 3);
    REQUIRE(s.count("SELECT count(*) FROM communications") == 1);
    REQUIRE(s.count("SELECT count(*) FROM retro_actions") == 1);
    REQUIRE(s.count("SELECT count(*) FROM freezes") == 1);
}

// Teams activities come from the emulator's one tenant; another tenant is the same activity
// with its tenant ids replaced (the token does not name a tenant: the channel vouches for the
// activity as a whole, so this is what another tenant's activity looks like).
std::string in_tenant(const std::string& activity, const std::string& tenant) {
    json::object a = json::parse(activity).as_object();
    a["conversation"].as_object()["tenantId"] = tenant;
    if (auto* data = a.if_contains("channelData"); data && data->is_object())
        data->as_object()["tenant"] = json::object{{"id", tenant}};
    return json::serialize(a);
}

}  // namespace

TEST_CASE("one Slack workspace can neither see nor change another's releases",
          "[security][tenant]") {
    InboundServer s;
    two_slack_workspaces(s);
    const WorkspaceId a = s.workspace("slack", "T0AAA");
    const WorkspaceId b = s.workspace("slack", "T0BBB");

    SECTION("B sees only its own releases, freezes, channels and audit log") {
        std::string shown = s.slash("T0BBB", "U0MALLORY", "C0B", "release show web");
        CHECK_THAT(shown, Contains("Web B"));
        CHECK_THAT(shown, !Contains("Web A"));
        std::string list = s.slash("T0BBB", "U0MALLORY", "C0B", "release list all");
        CHECK_THAT(list, Contains("Web B"));
        CHECK_THAT(list, !Contains("Web A"));
        CHECK_THAT(list, !Contains("apionly"));
        CHECK_THAT(s.slash("T0BBB", "U0MALLORY", "C0B", "release calendar"), !Contains("Web A"));
        CHECK_THAT(s.slash("T0BBB", "U0MALLORY", "C0B", "freeze list"), !Contains("A freeze"));
        CHECK_THAT(s.slash("T0BBB", "U0MALLORY", "C0B", "channel list"), !Contains("C0A"));
        CHECK_THAT(s.slash("T0BBB", "U0MALLORY", "C0B", "comms show 1"),
                   Contains("There is no communication #1 here"));
        CHECK_THAT(s.slash("T0BBB", "U0MALLORY", "C0B", "retro action list"),
                   !Contains("A action"));
        std::string audit = s.slash("T0BBB", "U0MALLORY", "C0B", "audit web csv");
        CHECK_THAT(audit, Contains("Web B"));
        CHECK_THAT(audit, !Contains("Web A"));
        CHECK_THAT(audit, !Contains("U0ALICE"));
        CHECK_THAT(s.slash("T0BBB", "U0MALLORY", "C0B", "audit apionly"),
                   Contains("There is no release `apionly` here"));
    }

    SECTION("B changes nothing of A's, by key, by number, from a button or a form") {
        const DbSnapshot before = snapshot(s.db, {"processed_events", "outbox"});
        const std::string a_outbox = s.outbox_to("C0A") + s.outbox_to("U0ALICE");
        const std::int64_t queued = s.count("SELECT count(*) FROM outbox");
        const std::int64_t a_mentions = s.count(
            "SELECT count(*) FROM outbox WHERE payload LIKE '%API A%' OR payload LIKE '%A news%'");
        const std::vector<std::string> attempts = {
            "release show apionly",
            "control tick apionly 4",
            "control waive apionly 1 \"mine now\"",
            "release go apionly",
            "release move apionly to 2026-12-20 10:00",
            "release cancel apionly",
            "release add apionly web/x@1.0",
            "plan add apionly deploy \"Take over\"",
            "remind apionly at -1h",
            "comms review 1 approve",
            "comms edit 1 \"Hijacked\"",
            "comms cancel 1",
            "comms send 1",
            "retro start apionly",
            "retro answer apionly 1 5",
            "retro action done 1",
            "freeze remove 1",
            "control check apionly 1 https://status.example.com/health",
        };
        for (const auto& text : attempts) {
            INFO("B types: " << text);
            std::string answer = s.slash("T0BBB", "U0MALLORY", "C0B", text);
            CHECK_THAT(answer, Contains("There is no") || Contains("no release"));
            CHECK(snapshot_diff(before, snapshot(s.db, {"processed_events", "outbox"})) == "");
        }
        for (const auto& text : attempts) {
            INFO("B presses a button for: " << text);
            CHECK(s.press("T0BBB", "U0MALLORY", "C0B", text).status == 200);
            CHECK(snapshot_diff(before, snapshot(s.db, kBookkeeping)) == "");
        }
        // The form's refusal is shown in the form itself (Slack keeps it open).
        const auto form = s.submit_survey("T0BBB", "U0MALLORY", "retro answer apionly");
        CHECK(form.status == 200);
        CHECK_THAT(form.body, Contains("\"response_action\":\"errors\""));
        CHECK_THAT(form.body, Contains("There is no"));
        CHECK(s.mention("T0BBB", "U0MALLORY", "C0B", "control tick apionly 4").status == 200);
        CHECK(snapshot_diff(before, snapshot(s.db, kBookkeeping)) == "");
        // One refusal per press and mention went back to mallory; nothing to A.
        CHECK(s.count("SELECT count(*) FROM outbox") ==
              queued + static_cast<std::int64_t>(attempts.size()) + 1);
        CHECK(s.outbox_to("C0A") + s.outbox_to("U0ALICE") == a_outbox);
        // Refusals name what was asked for, never what A has.
        CHECK(s.count("SELECT count(*) FROM outbox WHERE payload LIKE '%API A%' OR payload LIKE "
                      "'%A news%'") == a_mentions);
    }

    SECTION("the same key in both is two releases: B's changes never reach A's") {
        s.slash("T0BBB", "U0MALLORY", "C0B", "control tick web 4");
        s.slash("T0BBB", "U0MALLORY", "C0B", "release move web to 2026-12-13 14:00");
        s.slash("T0BBB", "U0MALLORY", "C0B", "release cancel web");
        s.slash("T0BBB", "U0MALLORY", "C0B", "yes");
        CHECK(s.count("SELECT count(*) FROM releases WHERE workspace_id = " +
                      std::to_string(b.value()) + " AND key = 'web' AND state = 'cancelled'") == 1);
        CHECK(
            s.count(
                "SELECT count(*) FROM releases WHERE workspace_id = " + std::to_string(a.value()) +
                " AND key = 'web' AND state = 'planned' AND "
                "window_start = " +
                std::to_string(test::utc("2026-12-10 14:00").time_since_epoch().count())) == 1);
        CHECK(s.count("SELECT count(*) FROM release_controls rc JOIN releases r ON r.id = "
                      "rc.release_id WHERE r.workspace_id = " +
                      std::to_string(a.value()) +
                      " AND rc.status <> 'open' AND rc.done_by <> 'releasebot'") == 0);
        CHECK(s.count("SELECT count(*) FROM audit_log WHERE workspace_id = " +
                      std::to_string(a.value()) + " AND actor = 'U0MALLORY'") == 0);
    }

    SECTION("a CI pipeline reaches only the workspace whose secret signed it") {
        const DbSnapshot before = snapshot(s.db, {"processed_events"});
        const std::string tick =
            R"({"action":"control.tick","release":"apionly","control":"package-integrity"})";
        // B's secret on A's URL, A's secret on B's URL: the signature does not match.
        CHECK(s.ci_post(a, s.secrets(b).webhook_secret, tick).status == 401);
        CHECK(s.ci_post(b, s.secrets(a).webhook_secret, tick).status == 401);
        // B's own URL and secret naming A's release: B has no such release.
        auto own = s.ci_post(b, s.secrets(b).webhook_secret, tick);
        CHECK(own.status == 422);
        CHECK_THAT(own.body, Contains("There is no release `apionly` here"));
        CHECK(snapshot_diff(before, snapshot(s.db, {"processed_events"})) == "");
        // The same request with A's own secret on A's URL ticks A's control: the refusals above
        // were the tenants' doing, not a malformed request.
        CHECK(s.ci_post(a, s.secrets(a).webhook_secret, tick).status == 200);
        CHECK(s.count("SELECT count(*) FROM release_controls WHERE status = 'done' AND done_by "
                      "<> 'releasebot'") == 1);
    }

    SECTION("each calendar feed and each export holds one workspace") {
        auto feed_a =
            http_call("GET", s.base + "/calendar.ics?token=" + s.secrets(a).calendar_token);
        auto feed_b =
            http_call("GET", s.base + "/calendar.ics?token=" + s.secrets(b).calendar_token);
        REQUIRE(feed_a.status == 200);
        REQUIRE(feed_b.status == 200);
        CHECK_THAT(feed_a.body, Contains("Web A"));
        CHECK_THAT(feed_a.body, !Contains("Web B"));
        CHECK_THAT(feed_b.body, Contains("Web B"));
        CHECK_THAT(feed_b.body, !Contains("Web A"));
        CHECK_THAT(feed_b.body, !Contains("API A"));
        CHECK_THAT(feed_b.body, !Contains("A freeze"));

        std::ostringstream out;
        auto exported = export_workspace(s.db, out, ExportOptions{"json", "slack:T0BBB"});
        REQUIRE(exported.ok());
        CHECK(exported->releases == 1);
        CHECK_THAT(out.str(), Contains("Web B"));
        for (const char* of_a : {"Web A", "API A", "A news", "A action", "A freeze", "U0ALICE"})
            CHECK_THAT(out.str(), !Contains(of_a));
    }
}

TEST_CASE("one Teams tenant can neither see nor change another's releases", "[security][tenant]") {
    test::TeamsEmulator teams;
    InboundServer s(&teams);
    const std::string url = s.base + "/api/messages";
    const test::TeamsUser alice{"29:alice", "Alice", "aad-alice"};
    const test::TeamsUser mallory{"29:mallory", "Mallory", "aad-mallory"};
    const std::string a_channel = "19:releases-a@thread.tacv2";
    const std::string b_channel = "19:releases-b@thread.tacv2";
    // Tenant B's id is the Slack team id of a Slack workspace here: platforms keep them apart.
    const std::string tenant_b = "T0AAA";
    auto send = [&](const std::string& activity) {
        auto r = teams.send(url, activity);
        INFO(activity << "\n→ " << r.status << " " << r.body << r.error);
        REQUIRE(r.status == 200);
        return r.body;
    };
    auto as_b = [&](const std::string& activity) { return send(in_tenant(activity, tenant_b)); };

    send(teams.message(alice, a_channel, "release plan tweb \"Teams A\" at 2026-12-10 14:00"));
    s.slash("T0AAA", "U0ALICE", "C0A", "release plan sweb \"Slack A\" at 2026-12-11 14:00");
    as_b(teams.message(mallory, b_channel, "release plan bweb \"Teams B\" at 2026-12-12 14:00"));
    REQUIRE(s.count("SELECT count(*) FROM workspaces WHERE platform = 'teams'") == 2);
    REQUIRE(s.count("SELECT count(*) FROM releases") == 3);

    const DbSnapshot before = snapshot(s.db, kBookkeeping);
    for (const char* text : {"release show tweb", "release show sweb", "control tick tweb 4",
                             "control tick sweb 4", "release go tweb", "plan add tweb deploy \"x\"",
                             "comms review 1 approve", "retro answer tweb 1 5"}) {
        INFO("tenant B types: " << text);
        as_b(teams.message(mallory, b_channel, text));
        CHECK(snapshot_diff(before, snapshot(s.db, kBookkeeping)) == "");
    }
    // A card button (Action.Execute) and a card form (Action.Submit) naming A's release.
    std::string pressed = as_b(
        teams.execute(mallory, b_channel, "command",
                      R"({"action_id":"command","value":"control tick tweb package-integrity"})"));
    CHECK_THAT(pressed, Contains("There is no release tweb here"));
    as_b(teams.submit(mallory, b_channel,
                      R"({"action_id":"command","value":"release cancel tweb"})"));
    as_b(teams.execute(
        mallory, b_channel, "survey.submit",
        R"({"action_id":"survey.submit","value":"retro answer tweb","q1.answer":"5"})"));
    CHECK(snapshot_diff(before, snapshot(s.db, kBookkeeping)) == "");

    // What tenant B was told went to tenant B's conversation only, and gave nothing of A's away.
    CHECK_THAT(s.outbox_to(b_channel), Contains("There is no release `tweb` here"));
    CHECK_THAT(s.outbox_to(b_channel), Contains("There is no release `sweb` here"));
    CHECK_THAT(s.outbox_to(b_channel), !Contains("Teams A"));
    as_b(teams.message(mallory, b_channel, "release list all"));
    const std::string told_b = s.outbox_to(b_channel);
    CHECK_THAT(told_b, Contains("Teams B"));
    CHECK_THAT(told_b, !Contains("Slack A"));
    CHECK_THAT(told_b, !Contains("Teams A"));
}
