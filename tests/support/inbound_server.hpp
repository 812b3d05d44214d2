// InboundServer: releasebot's inbound HTTP listener as `releasebot serve` builds it — the Slack
// receiver (Events API, slash commands, interactivity), the Teams receiver, the CI webhook and
// the calendar feed on one HttpServer over one SQLite file and one Pipeline — with helpers that
// speak each path the way its platform does (signed Slack requests, signed CI deliveries), for
// tests that attack those paths.
#pragma once

#include <curl/curl.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "bot/runtime/log.hpp"
#include "bot/runtime/pipeline.hpp"
#include "commands/clock.hpp"
#include "integrations/calendar/calendar.hpp"
#include "integrations/ci/ci_webhook.hpp"
#include "integrations/http/http_server.hpp"
#include "integrations/slack/events_http.hpp"
#include "integrations/slack/signature.hpp"
#include "integrations/teams/bot_auth.hpp"
#include "integrations/teams/messages_endpoint.hpp"
#include "storage/database.hpp"
#include "storage/workspace_repo.hpp"
#include "storage/workspace_secret_repo.hpp"
#include "support/loopback_http.hpp"
#include "support/slack_requests.hpp"
#include "support/teams_emulator.hpp"
#include "support/temp_dir.hpp"
#include "support/test_env.hpp"

namespace releasebot::test {

// With `emulator`, /api/messages checks the JWTs of that Teams channel; without, it takes
// unauthenticated activities, as it does on a loopback listener with no app id.
struct InboundServer {
    TempDir dir;
    Database db{dir.file("releasebot.db")};
    ManualClock clock{default_start()};
    Pipeline pipeline{db, clock};
    slack::SlackHttpReceiver slack{pipeline, kSlackSigningSecret, [this] { return slack_now; }};
    ci::CiWebhook ci{pipeline, db, [] { return kSlackRequestTime; }};
    CalendarFeed calendar{db, [this] { return clock.now(); }};
    HttpServer http;
    std::unique_ptr<teams::BotAuthenticator> auth;
    std::unique_ptr<teams::MessagesEndpoint> teams;
    std::string base;
    int ids = 0;  // makes each request's trigger, event or delivery id unique
    // The Slack receiver's clock (Unix seconds) for the signature window; tests move it.
    long long slack_now = kSlackRequestTime;

    explicit InboundServer(TeamsEmulator* emulator = nullptr) {
        slack.mount(http);
        ci.mount(http);
        calendar.mount(http);
        if (emulator)
            auth = std::make_unique<teams::BotAuthenticator>(emulator->bot_auth_options());
        // Without an emulator the receiver warns that it takes unauthenticated activities; the
        // tests know, so the warning is kept out of their output.
        if (!emulator) log::set_sink([](const std::string&) {});
        teams = std::make_unique<teams::MessagesEndpoint>(pipeline, db, auth.get(), !emulator);
        log::set_sink({});
        teams->mount(http);
        base = "http://127.0.0.1:" + std::to_string(http.start("127.0.0.1", 0));
    }
    ~InboundServer() { http.stop(); }

    HttpResult slack_post(const std::string& path, const std::string& body,
                          const std::string& type) {
        return post_signed_as_slack(base + path, body, type);
    }
    // A slash command typed by `user` of `team` in `channel`; the answer's text and blocks.
    std::string slash(const std::string& team, const std::string& user, const std::string& channel,
                      const std::string& text) {
        auto r = slack_post(
            "/slack/commands",
            slash_command_body(team, user, channel, text, "trig." + std::to_string(++ids)),
            kFormContentType);
        INFO(team << " " << user << ": " << text << " → " << r.status << " " << r.body);
        REQUIRE(r.status == 200);
        return r.body;
    }
    // A button press whose value is `command`, by `user` of `team`.
    HttpResult press(const std::string& team, const std::string& user, const std::string& channel,
                     const std::string& command) {
        return slack_post(
            "/slack/interactive",
            button_press_body(team, user, channel, command, "trig." + std::to_string(++ids)),
            kFormContentType);
    }
    // The survey form submitted: `metadata` is the command it answers ("retro answer <key>").
    HttpResult submit_survey(const std::string& team, const std::string& user,
                             const std::string& metadata) {
        boost::json::object payload{
            {"type", "view_submission"},
            {"team", {{"id", team}, {"domain", "t"}}},
            {"user", {{"id", user}, {"username", user}, {"name", user}, {"team_id", team}}},
            {"api_app_id", "A0001"},
            {"trigger_id", "trig." + std::to_string(++ids)},
            {"view",
             {{"id", "V0SURVEY"},
              {"team_id", team},
              {"type", "modal"},
              {"private_metadata", metadata},
              {"callback_id", "survey"},
              {"state",
               {{"values",
                 {{"q1", {{"answer", {{"type", "plain_text_input"}, {"value", "5"}}}}}}}}}}}};
        return slack_post("/slack/interactive",
                          "payload=" + url_escape(boost::json::serialize(payload)),
                          kFormContentType);
    }
    // An @mention over the Events API.
    HttpResult mention(const std::string& team, const std::string& user, const std::string& channel,
                       const std::string& text) {
        return slack_post(
            "/slack/events",
            mention_event_body(team, user, channel, text, "Ev" + std::to_string(++ids)),
            "application/json");
    }
    HttpResult ci_post(WorkspaceId path_ws, const std::string& secret, const std::string& body) {
        std::string ts = std::to_string(kSlackRequestTime);
        std::string delivery = "d" + std::to_string(++ids);
        return http_call("POST", base + "/hooks/ci/" + std::to_string(path_ws.value()),
                         {"Content-Type: application/json", "X-Releasebot-Timestamp: " + ts,
                          "X-Releasebot-Delivery: " + delivery,
                          "X-Releasebot-Signature: " + ci::sign(secret, ts, delivery, body)},
                         body);
    }

    WorkspaceId workspace(const std::string& platform, const std::string& tenant) {
        auto ws = WorkspaceRepo(db).find(platform, tenant);
        REQUIRE(ws);
        return ws->id;
    }
    WorkspaceSecrets secrets(WorkspaceId ws) {
        auto s = WorkspaceSecretRepo(db).get(ws);
        REQUIRE(s);
        return *s;
    }
    std::int64_t count(const std::string& sql) {
        auto st = db.prepare(sql);
        REQUIRE(st.step());
        return st.get_int(0);
    }
    // Everything queued for `channel` (replies that could not ride on an answer).
    std::string outbox_to(const std::string& channel) {
        std::string all;
        auto st = db.prepare("SELECT destination || ' ' || payload FROM outbox ORDER BY id");
        while (st.step()) {
            std::string row = st.get_text(0);
            if (row.find(channel) != std::string::npos) all += row + "\n";
        }
        return all;
    }
};

}  // namespace releasebot::test
