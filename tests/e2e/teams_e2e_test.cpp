// End to end on Microsoft Teams, in process: the Teams emulator plays the Bot Framework channel
// and two Teams users; releasebot listens on 127.0.0.1 with the real HttpServer, MessagesEndpoint
// and BotAuthenticator (keys from the emulator's OpenID metadata), runs the real pipeline on a
// SQLite file, and answers through the outbox, the TeamsPort and the ConnectorClient (tokens
// from the emulator's token endpoint, over TLS). The story: a release planned in a Teams
// channel, its controls ticked from the status card (Action.Execute and Action.Submit) and by
// typing, communications approved by the other person, the release run to done, the
// announcement posted, a retrospective answered through survey cards (one of them in a 1:1 chat
// the bot had to create) and its results shown. Duplicates and forged tokens change nothing.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <thread>

#include "bot/runtime/log.hpp"
#include "bot/runtime/outbox_sender.hpp"
#include "bot/runtime/pipeline.hpp"
#include "integrations/http/http_server.hpp"
#include "integrations/slack/slack_port.hpp"
#include "integrations/slack/web_api.hpp"
#include "integrations/teams/bot_auth.hpp"
#include "integrations/teams/connector.hpp"
#include "integrations/teams/messages_endpoint.hpp"
#include "integrations/teams/teams_port.hpp"
#include "storage/database.hpp"
#include "support/loopback_http.hpp"
#include "support/slack_emulator.hpp"
#include "support/teams_emulator.hpp"
#include "support/temp_dir.hpp"
#include "support/test_env.hpp"

using namespace releasebot;
using namespace releasebot::teams;
using releasebot::test::HttpReply;
using releasebot::test::TeamsEmulator;
using releasebot::test::TeamsToken;
using releasebot::test::TeamsUser;
namespace json = boost::json;

namespace {

const TeamsUser alice{"29:alice", "Alice", "aad-alice"};
const TeamsUser bob{"29:bob", "Bob", "aad-bob"};
const std::string kChannel = "19:releases@thread.tacv2";
const std::string kAlicePersonal = "a:1alice-personal";
const std::string kKey = "web-2026.12";

// The bot, wired as `releasebot serve` wires it for Teams, around one emulator.
struct Bot {
    TeamsEmulator& teams;
    releasebot::test::TempDir dir;
    std::string db_path = dir.file("releasebot.db");
    // One connection for the HTTP thread (receiver and pipeline), one for the delivering thread.
    Database inbound{db_path};
    Database outbound{db_path};
    ManualClock clock{releasebot::test::default_start()};
    Pipeline pipeline{inbound, clock};
    BotAuthenticator auth;
    MessagesEndpoint receiver{pipeline, inbound, &auth, false};
    HttpServer server;
    ConnectorClient connector;
    TeamsPort port{connector, outbound};
    OutboxSender sender{outbound, clock};
    std::string url;

    explicit Bot(TeamsEmulator& t)
        : teams(t), auth(t.bot_auth_options()), connector(t.connector_options()) {
        receiver.mount(server);
        url = "http://127.0.0.1:" + std::to_string(server.start("127.0.0.1", 0)) + "/api/messages";
        sender.add_port(port);
    }
    ~Bot() { server.stop(); }

    HttpReply send(const std::string& activity, TeamsToken kind = TeamsToken::valid) {
        return teams.send(url, activity, kind);
    }
    // A user types to the bot in the channel; the answer must be a 200.
    void say(const TeamsUser& who, const std::string& text,
             const std::string& conversation = kChannel, const std::string& type = "channel") {
        HttpReply r = send(teams.message(who, conversation, text, type, type != "personal"));
        INFO(text << " → " << r.status << " " << r.body << r.error);
        REQUIRE(r.status == 200);
    }

    // Delivers everything due (the per-conversation pace makes it take a few rounds).
    void drain() {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline) {
            sender.deliver_due();
            if (count("SELECT count(*) FROM outbox WHERE status = 'pending' AND not_before <= " +
                      std::to_string(clock.now().time_since_epoch().count())) == 0)
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        CHECK(count("SELECT count(*) FROM outbox WHERE status = 'failed'") == 0);
    }

    std::int64_t count(const std::string& sql) {
        auto st = outbound.prepare(sql);
        REQUIRE(st.step());
        return st.get_int(0);
    }
    std::string text(const std::string& sql) {
        auto st = outbound.prepare(sql);
        REQUIRE(st.step());
        return st.get_text(0);
    }
};

json::array sent(TeamsEmulator& teams, const std::string& conversation = "") {
    return json::parse(teams.sent(conversation)).as_object().at("activities").as_array();
}

// Everything the bot said in `conversation`, as one string to search.
std::string said(TeamsEmulator& teams, const std::string& conversation) {
    return json::serialize(sent(teams, conversation));
}

// The data of the first Action.Execute in `v` whose data.value satisfies `want`.
std::optional<json::object> find_action(const json::value& v,
                                        const std::function<bool(const std::string&)>& want) {
    if (const auto* o = v.if_object()) {
        const auto* type = o->if_contains("type");
        if (type && type->is_string() && type->as_string() == "Action.Execute") {
            const auto& data = o->at("data").as_object();
            if (const auto* value = data.if_contains("value");
                value && value->is_string() && want(std::string(value->as_string())))
                return data;
        }
        for (const auto& kv : *o)
            if (auto found = find_action(kv.value(), want)) return found;
    } else if (const auto* a = v.if_array()) {
        for (const auto& e : *a)
            if (auto found = find_action(e, want)) return found;
    }
    return std::nullopt;
}

// The last card the bot sent or updated in `conversation` with an action matching `want`.
std::optional<json::object> card_action(TeamsEmulator& teams, const std::string& conversation,
                                        const std::function<bool(const std::string&)>& want) {
    json::array rows = sent(teams, conversation);
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
        if (auto found = find_action(it->at("activity"), want)) return found;
    }
    return std::nullopt;
}

// Starting the emulator (RSA keys, a certificate, Node) costs more than a whole story, so the
// tests of this file share one, reset (nothing sent, no faults) before each.
TeamsEmulator& emulator() {
    static TeamsEmulator teams;
    teams.reset();
    return teams;
}

bool starts(const std::string& s, const std::string& prefix) {
    return s.rfind(prefix, 0) == 0;
}

}  // namespace

TEST_CASE("a release runs from plan to retrospective results in Teams", "[teams][e2e]") {
    TeamsEmulator& teams = emulator();
    Bot bot(teams);

    // The bot is added to the team's channel and installed by Alice for herself.
    REQUIRE(bot.send(teams.installed_by(alice, TeamsEmulator::bot_user(), kChannel, "channel"))
                .status == 200);
    REQUIRE(bot.send(teams.installed_by(alice, TeamsEmulator::bot_user(), kAlicePersonal)).status ==
            200);
    CHECK(bot.count("SELECT count(*) FROM teams_conversations") == 2);

    // --- Plan, in the channel.
    bot.say(alice, "release plan " + kKey + " \"Web December\" at 2026-12-05 14:00 for 2h");
    bot.drain();
    {
        std::string channel = said(teams, kChannel);
        INFO(channel);
        CHECK(channel.find("Planned " + kKey) != std::string::npos);
        // The status card is there, with a tick action for every open control people tick,
        // and none for those releasebot keeps.
        for (const char* slug : {"package-integrity", "ops-ready", "business-signoff"}) {
            CHECK(card_action(teams, kChannel, [&](const std::string& v) {
                return v == "control tick " + kKey + " " + slug;
            }));
        }
        CHECK_FALSE(card_action(teams, kChannel, [&](const std::string& v) {
            return v == "control tick " + kKey + " deployment-plan";
        }));
    }

    // --- Bob ticks control 4 from the card with Action.Execute: the answer is in the response.
    auto tick1 = card_action(teams, kChannel, [](const std::string& v) {
        return v == "control tick " + kKey + " package-integrity";
    });
    REQUIRE(tick1);
    HttpReply invoke = bot.send(teams.execute(
        bob, kChannel, std::string(tick1->at("action_id").as_string()), json::serialize(*tick1)));
    REQUIRE(invoke.status == 200);
    {
        json::object answer = json::parse(invoke.body).as_object();
        CHECK(answer.at("statusCode").as_int64() == 200);
        CHECK(std::string(answer.at("value").as_string()).find("Ticked control") !=
              std::string::npos);
    }
    // --- and control 6 with Action.Submit (an older client): a message carrying the data.
    auto tick2 = card_action(teams, kChannel, [](const std::string& v) {
        return v == "control tick " + kKey + " ops-ready";
    });
    REQUIRE(tick2);
    REQUIRE(bot.send(teams.submit(bob, kChannel, json::serialize(*tick2))).status == 200);
    CHECK(bot.text("SELECT status || ' ' || done_by FROM release_controls WHERE position = 4") ==
          "done 29:bob");
    CHECK(bot.text("SELECT status || ' ' || done_by FROM release_controls WHERE position = 6") ==
          "done 29:bob");
    // The last by typing; the plans and a component tick the controls releasebot keeps.
    bot.say(bob, "control tick " + kKey + " 7");
    bot.say(bob, "release add " + kKey + " web/app@1.0.0");
    bot.say(bob, "plan add " + kKey + " deploy \"Deploy web\" takes 30m");
    bot.say(bob, "plan add " + kKey + " backout \"Roll back web\" takes 10m");
    CHECK(bot.count("SELECT count(*) FROM release_controls WHERE status = 'done'") == 7);

    // --- Communications: Bob drafts the announcement, Alice (not the author) approves it.
    bot.say(alice, "channel add stakeholders here");
    bot.say(bob, "comms draft " + kKey + " to stakeholders on done \"Web December is live\"");
    REQUIRE(bot.count("SELECT count(*) FROM communications") == 1);
    std::string comms_id = bot.text("SELECT id FROM communications");
    bot.say(bob, "comms review " + comms_id + " approve");  // the author may not
    CHECK(bot.text("SELECT status FROM communications") != "approved");
    bot.say(alice, "comms review " + comms_id + " approve");
    CHECK(bot.text("SELECT status FROM communications") == "approved");

    // --- Go, start, the one step, done.
    bot.say(alice, "release add " + kKey + " web/frontend@4.2.0");
    bot.say(alice, "release go " + kKey);
    CHECK(bot.text("SELECT state FROM releases") == "approved");
    bot.say(alice, "release start " + kKey + " override \"Ahead of the window\"");
    bot.say(alice, "release step " + kKey + " 1 done");
    bot.say(alice, "release done " + kKey);
    CHECK(bot.text("SELECT state FROM releases") == "deployed");
    bot.drain();
    CHECK(said(teams, kChannel).find("Web December is live") != std::string::npos);
    {
        // The status message was edited in place (PUT of the first status activity), not
        // posted again with every change.
        json::array rows = sent(teams, kChannel);
        std::string status_id;
        int updates = 0;
        int status_posts = 0;
        for (const auto& r : rows) {
            std::string body = json::serialize(r.at("activity"));
            if (body.find("Blockers") == std::string::npos &&
                body.find("deployed") == std::string::npos)
                continue;
            if (r.at("method").as_string() == "PUT") {
                ++updates;
                CHECK(std::string(r.at("id").as_string()) == status_id);
            } else if (status_id.empty() && body.find("Blockers") != std::string::npos) {
                status_id = std::string(r.at("id").as_string());
                ++status_posts;
            }
        }
        CHECK(status_posts == 1);
        CHECK(updates >= 1);
        // The latest version shows the ticks.
        std::string latest;
        for (const auto& r : rows)
            if (r.at("method").as_string() == "PUT") latest = json::serialize(r.at("activity"));
        CHECK(latest.find("✅ 4. package-integrity") != std::string::npos);
    }

    // --- Retrospective: everyone asked, alice who started it too, gets the survey in a 1:1
    // chat the bot creates for them; the channel sees no form.
    bot.say(alice, "retro start " + kKey);
    bot.drain();
    json::array created = json::parse(teams.created_conversations()).as_array();
    REQUIRE_FALSE(created.empty());
    const auto chat_of = [&](const std::string& user) {
        return bot.text("SELECT conversation_id FROM teams_conversations WHERE user_id = '" + user +
                        "' AND conversation_type = 'personal'");
    };
    const std::string bob_chat = chat_of(bob.id);
    const std::string alice_chat = chat_of(alice.id);
    REQUIRE(bob_chat != "<no row>");
    REQUIRE(alice_chat != "<no row>");
    CHECK(bot.text("SELECT user_id FROM teams_conversations WHERE conversation_id = '" + bob_chat +
                   "'") == bob.id);
    auto is_survey = [](const std::string& v) { return v == "retro answer " + kKey; };
    auto bob_form = card_action(teams, bob_chat, is_survey);
    REQUIRE(bob_form);

    // Bob answers with Action.Execute: his answers ride in the data; the card is replaced.
    json::object bob_data = *bob_form;
    bob_data["q1.answer"] = "4";
    bob_data["q2.answer"] = "Clear runbook";
    HttpReply bob_answer = bot.send(
        teams.execute(bob, bob_chat, "survey.submit", json::serialize(bob_data), "personal"));
    REQUIRE(bob_answer.status == 200);
    {
        json::object answer = json::parse(bob_answer.body).as_object();
        CHECK(answer.at("statusCode").as_int64() == 200);
        CHECK(answer.at("type").as_string() == "application/vnd.microsoft.card.adaptive");
        CHECK(json::serialize(answer.at("value")).find("2 answers recorded") != std::string::npos);
    }

    // Alice answers on the form in her chat, with Action.Submit.
    CHECK_FALSE(card_action(teams, kChannel, is_survey));
    auto alice_form = card_action(teams, alice_chat, is_survey);
    REQUIRE(alice_form);
    json::object alice_data = *alice_form;
    alice_data["q1.answer"] = "5";
    alice_data["q3.answer"] = "DNS took an hour";
    REQUIRE(
        bot.send(teams.submit(alice, alice_chat, json::serialize(alice_data), "personal")).status ==
        200);
    CHECK(bot.count("SELECT count(*) FROM retro_answers") == 4);

    bot.say(alice, "retro close " + kKey);
    bot.drain();
    {
        std::string channel = said(teams, kChannel);
        INFO(channel);
        CHECK(channel.find("Average **4.5** from 2") != std::string::npos);
        CHECK(channel.find("\"fontType\":\"Monospace\"") != std::string::npos);
        CHECK(channel.find("Clear runbook") != std::string::npos);
        CHECK(channel.find("DNS took an hour") != std::string::npos);
        // People are Teams mentions by name, not raw ids.
        CHECK(channel.find("<at>Bob</at>") != std::string::npos);
        CHECK(channel.find("<@29:bob>") == std::string::npos);
    }
    // Thanks to Alice went to her own chat (the one she installed), not to the channel.
    CHECK(said(teams, kAlicePersonal).find("answers recorded") != std::string::npos);
    CHECK(bot.count("SELECT count(*) FROM outbox WHERE status != 'sent'") == 0);
}

TEST_CASE("Teams: a duplicated activity does nothing twice", "[teams][e2e]") {
    TeamsEmulator& teams = emulator();
    Bot bot(teams);
    std::string activity =
        teams.message(alice, kChannel, "release plan " + kKey + " \"Web\" at 2026-12-05 14:00");
    REQUIRE(bot.send(activity).status == 200);
    std::int64_t outbox = bot.count("SELECT count(*) FROM outbox");
    REQUIRE(bot.send(activity).status == 200);  // Teams retried: same id
    CHECK(bot.count("SELECT count(*) FROM releases") == 1);
    CHECK(bot.count("SELECT count(*) FROM outbox") == outbox);
    CHECK(bot.count("SELECT count(*) FROM audit_log WHERE action LIKE 'release.plan%'") == 1);
    bot.drain();
    int planned = 0;
    for (const auto& r : sent(teams, kChannel)) {
        if (json::serialize(r).find("Planned " + kKey) != std::string::npos) ++planned;
    }
    CHECK(planned == 1);

    SECTION("an invoke retried is answered without acting again") {
        auto tick = card_action(teams, kChannel, [](const std::string& v) {
            return starts(v, "control tick " + kKey + " business-signoff");
        });
        REQUIRE(tick);
        std::string invoke = teams.execute(bob, kChannel, "command", json::serialize(*tick));
        REQUIRE(bot.send(invoke).status == 200);
        std::int64_t audit = bot.count("SELECT count(*) FROM audit_log");
        HttpReply again = bot.send(invoke);
        CHECK(again.status == 200);
        CHECK(again.body.find("Already done") != std::string::npos);
        CHECK(bot.count("SELECT count(*) FROM audit_log") == audit);
    }
}

TEST_CASE("Teams: every forged or broken token is a 401 and changes nothing", "[teams][e2e]") {
    TeamsEmulator& teams = emulator();
    Bot bot(teams);
    for (TeamsToken kind :
         {TeamsToken::none, TeamsToken::expired, TeamsToken::no_exp, TeamsToken::not_yet_valid,
          TeamsToken::wrong_audience, TeamsToken::wrong_issuer, TeamsToken::wrong_service_url,
          TeamsToken::forged, TeamsToken::unknown_kid, TeamsToken::alg_none,
          TeamsToken::hs256_public_key, TeamsToken::not_endorsed}) {
        CAPTURE(static_cast<int>(kind));
        std::vector<std::string> logged;
        log::set_sink([&](const std::string& line) { logged.push_back(line); });
        HttpReply r = bot.send(teams.message(alice, "19:elsewhere@thread.tacv2",
                                             "release plan evil \"x\" at 2026-12-05 14:00"),
                               kind);
        HttpReply install = bot.send(
            teams.installed_by(alice, TeamsEmulator::bot_user(), "a:1forged", "personal"), kind);
        log::set_sink({});

        CHECK(r.status == 401);
        CHECK(install.status == 401);
        CHECK(bot.count("SELECT count(*) FROM releases") == 0);
        CHECK(bot.count("SELECT count(*) FROM processed_events") == 0);
        CHECK(bot.count("SELECT count(*) FROM teams_conversations") == 0);
        CHECK(bot.count("SELECT count(*) FROM outbox") == 0);
        // Why is logged; the token never is (its signature part would show).
        CHECK(logged.size() >= 2);
        for (const auto& line : logged) {
            CHECK(line.find("eyJ") == std::string::npos);
            CHECK(line.find("Bearer ") == std::string::npos);
        }
    }
    // A value the request carries cannot start a log line of its own.
    {
        std::vector<std::string> logged;
        log::set_sink([&](const std::string& line) { logged.push_back(line); });
        json::object forged =
            json::parse(teams.message(alice, "19:elsewhere@thread.tacv2", "help")).as_object();
        forged["serviceUrl"] = "https://x.example/\n2026-12-01T09:00:00.000Z info  teams: all good";
        CHECK(bot.send(json::serialize(forged), TeamsToken::forged).status == 401);
        log::set_sink({});
        REQUIRE(logged.size() == 1);
        CHECK(logged[0].find('\n') == std::string::npos);
        CHECK_THAT(logged[0], Catch::Contains("https://x.example/\\n2026-12-01T09:00:00.000Z"));
    }
    // A 401 names the scheme it wants.
    const test::HttpResult bare =
        test::http_call("POST", bot.url, {"Content-Type: application/json"},
                        teams.message(alice, "19:elsewhere@thread.tacv2", "help"));
    CHECK(bare.status == 401);
    CHECK(bare.headers.count("www-authenticate") == 1);
    CHECK(bare.headers.at("www-authenticate") == "Bearer");
    // The same requests with a valid token are accepted: the 401s were the tokens' doing.
    CHECK(bot.send(teams.installed_by(alice, TeamsEmulator::bot_user(), "a:1forged", "personal"))
              .status == 200);
    CHECK(bot.count("SELECT count(*) FROM teams_conversations") == 1);
}

TEST_CASE("Teams: a proactive message reaches a user the bot never spoke with", "[teams][e2e]") {
    TeamsEmulator& teams = emulator();
    Bot bot(teams);
    // The bot knows the tenant only from the channel it was added to.
    REQUIRE(bot.send(teams.installed_by(alice, TeamsEmulator::bot_user(), kChannel, "channel"))
                .status == 200);
    Delivery d = bot.port.direct(releasebot::test::kTeamsTenantId, UserId(bob.id),
                                 Reply::plain("Reminder: web-2026.12 starts in 1 hour."));
    INFO(d.error);
    REQUIRE(d.ok);
    json::array created = json::parse(teams.created_conversations()).as_array();
    REQUIRE(created.size() == 1);
    std::string chat(created[0].at("id").as_string());
    CHECK(said(teams, chat).find("starts in 1 hour") != std::string::npos);

    SECTION("the chat is remembered and reused") {
        REQUIRE(bot.port
                    .direct(releasebot::test::kTeamsTenantId, UserId(bob.id),
                            Reply::plain("Second reminder."))
                    .ok);
        CHECK(json::parse(teams.created_conversations()).as_array().size() == 1);
        CHECK(said(teams, chat).find("Second reminder.") != std::string::npos);
    }
    SECTION("a tenant the bot was never installed in is a permanent failure, in words") {
        Delivery nowhere = bot.port.direct("other-tenant", UserId(bob.id), Reply::plain("Hello?"));
        CHECK_FALSE(nowhere.ok);
        CHECK(nowhere.permanent);
        CHECK(nowhere.error.find("installed") != std::string::npos);
    }
    SECTION("a status message that can no longer be edited is posted anew") {
        ConversationRef channel{"teams", releasebot::test::kTeamsTenantId, kChannel, std::nullopt,
                                std::nullopt};
        Delivery first = bot.port.post(channel, Reply::plain("Status v1"));
        REQUIRE(first.ok);
        Delivery edited = bot.port.update(channel, first.message_ref, Reply::plain("Status v2"));
        REQUIRE(edited.ok);
        CHECK(edited.message_ref == first.message_ref);
        teams.fault("connector", 404, 1);  // deleted in Teams meanwhile
        Delivery reposted = bot.port.update(channel, first.message_ref, Reply::plain("Status v3"));
        REQUIRE(reposted.ok);
        CHECK(reposted.message_ref != first.message_ref);
        std::string channel_log = said(teams, kChannel);
        CHECK(channel_log.find("Status v2") != std::string::npos);
        CHECK(channel_log.find("Status v3") != std::string::npos);
    }
    SECTION("a rate limit comes back as retry-after, a 403 as permanent") {
        teams.fault("connector", 429, 1, 9);
        Delivery limited = bot.port.post(ConversationRef{"teams", releasebot::test::kTeamsTenantId,
                                                         kChannel, std::nullopt, std::nullopt},
                                         Reply::plain("x"));
        CHECK_FALSE(limited.ok);
        CHECK_FALSE(limited.permanent);
        REQUIRE(limited.retry_after);
        CHECK(limited.retry_after->count() == 9);
        teams.fault("connector", 403, 1);
        Delivery refused = bot.port.post(ConversationRef{"teams", releasebot::test::kTeamsTenantId,
                                                         kChannel, std::nullopt, std::nullopt},
                                         Reply::plain("x"));
        CHECK(refused.permanent);
    }
}

TEST_CASE("Teams: one announcement reaches a Teams channel and a Slack channel", "[teams][e2e]") {
    TeamsEmulator& teams = emulator();
    releasebot::test::SlackEmulator slack;
    Bot bot(teams);
    slack::ApiOptions api;
    api.base_url = slack.api_url();
    api.ca_file = slack.ca_file();
    slack::SlackWebApi web(releasebot::test::kSlackBotToken, api);
    slack::SlackPort slack_port(web);
    bot.sender.add_port(slack_port);

    bot.say(alice, "release plan " + kKey + " \"Web December\" at 2026-12-05 14:00");
    bot.say(alice, "role grant @" + bob.id + " approver");
    bot.say(alice, "channel add everyone here");
    bot.say(alice, "channel add everyone slack:C0ANNOUNCE");
    bot.say(alice, "comms draft " + kKey + " to everyone now \"Web December ships Saturday\"");
    std::string id = bot.text("SELECT id FROM communications");
    bot.say(bob, "comms review " + id + " approve");
    CHECK(bot.text("SELECT status FROM communications") != "draft");
    bot.drain();

    CHECK(said(teams, kChannel).find("Web December ships Saturday") != std::string::npos);
    json::array messages =
        json::parse(slack.get("messages?channel=C0ANNOUNCE")).as_object().at("messages").as_array();
    bool found = false;
    for (const auto& m : messages)
        found =
            found || json::serialize(m).find("Web December ships Saturday") != std::string::npos;
    CHECK(found);
}
