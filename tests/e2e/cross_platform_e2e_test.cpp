// End to end across platforms: one release desk in Slack whose announcement
// reaches a Slack channel and a Microsoft Teams channel. Both emulators run: the Teams one plays
// the Bot Framework channel (it installs the bot in a team's channel through the real
// HttpServer, MessagesEndpoint and BotAuthenticator, so the conversation reference is stored), the
// Slack one plays the workspace the release is run from (Socket Mode and the Web API). One
// SQLite file, a connection per thread as `releasebot serve` has them, and one OutboxSender
// holding both SlackPort and TeamsPort.
//
// The Teams channel is added to the Slack workspace's audience by its conversation id and
// tenant only: its Bot Connector address comes from the stored installation, which is what an
// administrator has at hand (the id from the channel's link, not the serviceUrl).
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bot/runtime/outbox_sender.hpp"
#include "bot/runtime/pipeline.hpp"
#include "integrations/http/http_server.hpp"
#include "integrations/slack/slack_port.hpp"
#include "integrations/slack/socket_mode.hpp"
#include "integrations/slack/web_api.hpp"
#include "integrations/teams/bot_auth.hpp"
#include "integrations/teams/connector.hpp"
#include "integrations/teams/messages_endpoint.hpp"
#include "integrations/teams/teams_port.hpp"
#include "storage/database.hpp"
#include "storage/outbox_repo.hpp"
#include "support/slack_emulator.hpp"
#include "support/teams_emulator.hpp"
#include "support/temp_dir.hpp"
#include "support/test_env.hpp"

namespace releasebot {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using test::HttpReply;
using test::SlackEmulator;
using test::SlackEmulatorOptions;
using test::TeamsEmulator;
using test::TeamsUser;

constexpr const char* kAlice = "U1ALICE";
constexpr const char* kBob = "U1BOB";
constexpr const char* kReleaseChannel = "C1RELEASE";
constexpr const char* kNews = "C2NEWS";
const std::string kTeamsChannel = "19:stakeholders@thread.tacv2";
const TeamsUser kTeamsOwner{"29:tom", "Tom", "aad-tom"};
const std::string kKey = "web-2026.12";
const std::string kAnnouncement = "Web December ships Saturday";

// releasebot with both adapters, wired as `releasebot serve` wires them.
class Desk {
  public:
    Desk(SlackEmulator& slack, TeamsEmulator& teams)
        : slack_(slack),
          path_(dir_.file("releasebot.db")),
          slack_db_(path_),
          teams_db_(path_),
          worker_db_(path_),
          clock_(test::default_start()),
          sender_clock_(test::default_start()),
          slack_pipeline_(slack_db_, clock_),
          teams_pipeline_(teams_db_, clock_),
          auth_(teams.bot_auth_options()),
          receiver_(teams_pipeline_, teams_db_, &auth_, false),
          connector_(teams.connector_options()),
          teams_port_(connector_, worker_db_),
          app_api_(test::kSlackAppToken, slack_api_options(slack)),
          bot_api_(test::kSlackBotToken, slack_api_options(slack)),
          outbox_api_(test::kSlackBotToken, slack_api_options(slack)),
          users_(bot_api_),
          slack_port_(outbox_api_, 0ms),
          sender_(worker_db_, sender_clock_) {
        receiver_.mount(server_);
        teams_url_ =
            "http://127.0.0.1:" + std::to_string(server_.start("127.0.0.1", 0)) + "/api/messages";
        sender_.add_port(slack_port_);
        sender_.add_port(teams_port_);

        slack::SocketModeOptions options;
        options.ca_file = slack.ca_file();
        options.bot_api = &bot_api_;
        options.users = &users_;
        client_ = std::make_unique<slack::SocketModeClient>(app_api_, slack_pipeline_, options);
        stopped_ = std::async(std::launch::async, [this] { return client_->run(); });
        REQUIRE(slack.wait_connections(1, 10000ms));
    }
    ~Desk() {
        client_->stop();
        stopped_.wait();
        server_.stop();
    }

    // Teams posts an activity to the messaging endpoint, with a valid token.
    HttpReply teams_activity(TeamsEmulator& teams, const std::string& activity) {
        return teams.send(teams_url_, activity);
    }

    // A /release command typed in the release channel; returns the reply on its ack.
    std::string slash(const std::string& user, const std::string& text) {
        INFO("/release " << text);
        std::string ack = slack_.wait_ack(slack_.slash(user, kReleaseChannel, text), 15000ms);
        REQUIRE_FALSE(ack.empty());
        const json::value payload = json::parse(ack).at("payload");
        std::string reply;
        if (const auto* o = payload.if_object()) {
            if (const auto* t = o->if_contains("text"); t && t->is_string())
                reply = std::string(t->as_string());
        }
        deliver();
        return reply;
    }

    // Delivers every pending outbox row; a row held back by a platform's pace or a Retry-After
    // comes due on the sender's clock, moved on here when a round delivers nothing.
    void deliver() {
        OutboxRepo outbox(worker_db_);
        if (sender_clock_.now() < clock_.now()) sender_clock_.set(clock_.now());
        const auto deadline = std::chrono::steady_clock::now() + 15s;
        while (outbox.pending_count() > 0) {
            REQUIRE(std::chrono::steady_clock::now() < deadline);
            if (sender_.deliver_due() == 0) sender_clock_.advance(Seconds(1));
        }
        CHECK(count("SELECT count(*) FROM outbox WHERE status = 'failed'") == 0);
    }

    std::int64_t count(const std::string& sql) {
        auto st = worker_db_.prepare(sql);
        REQUIRE(st.step());
        return st.get_int(0);
    }
    std::string text(const std::string& sql) {
        auto st = worker_db_.prepare(sql);
        if (!st.step()) return "<no row>";
        return st.is_null(0) ? "<null>" : st.get_text(0);
    }

  private:
    static slack::ApiOptions slack_api_options(SlackEmulator& s) {
        return slack::ApiOptions{s.api_url(), s.ca_file(), 10000ms};
    }

    SlackEmulator& slack_;
    test::TempDir dir_;
    std::string path_;
    Database slack_db_;   // the Socket Mode client's thread
    Database teams_db_;   // the HTTP server's thread
    Database worker_db_;  // the outbox sender's thread
    ManualClock clock_;
    ManualClock sender_clock_;
    Pipeline slack_pipeline_;
    Pipeline teams_pipeline_;
    teams::BotAuthenticator auth_;
    teams::MessagesEndpoint receiver_;
    HttpServer server_;
    teams::ConnectorClient connector_;
    teams::TeamsPort teams_port_;
    slack::SlackWebApi app_api_;
    slack::SlackWebApi bot_api_;
    slack::SlackWebApi outbox_api_;
    slack::SlackUserDirectory users_;
    slack::SlackPort slack_port_;
    OutboxSender sender_;
    std::string teams_url_;
    std::unique_ptr<slack::SocketModeClient> client_;
    std::future<std::string> stopped_;
};

// How many of the bot's messages in the Slack channel `channel` show `text`.
int slack_posts_of(SlackEmulator& slack, const std::string& channel, const std::string& text) {
    int n = 0;
    json::value all = json::parse(slack.get("messages?channel=" + channel));
    for (const auto& m : all.at("messages").as_array()) {
        if (json::serialize(m).find(text) != std::string::npos) ++n;
    }
    return n;
}

// What the bot sent to Teams, in any conversation, that shows `text`.
std::vector<json::object> teams_posts_of(TeamsEmulator& teams, const std::string& text) {
    std::vector<json::object> out;
    json::value sent = json::parse(teams.sent());
    for (const auto& row : sent.at("activities").as_array()) {
        if (json::serialize(row.at("activity")).find(text) != std::string::npos)
            out.push_back(row.as_object());
    }
    return out;
}

}  // namespace

TEST_CASE("an announcement approved in Slack reaches a Slack channel and a Teams channel",
          "[e2e][slack][teams]") {
    SlackEmulatorOptions options;
    options.rate_per_second = 0;
    options.ping_interval_ms = 0;
    SlackEmulator slack(options);
    slack.users(kAlice, "alice", "UTC");
    slack.users(kBob, "bob", "UTC");
    TeamsEmulator teams;
    Desk desk(slack, teams);

    // The bot is added to the stakeholders' Teams channel: Teams says so, and the bot keeps
    // the conversation's reference (its serviceUrl) for posting there later.
    REQUIRE(desk.teams_activity(teams, teams.installed_by(kTeamsOwner, TeamsEmulator::bot_user(),
                                                          kTeamsChannel, "channel"))
                .status == 200);
    REQUIRE(desk.count("SELECT count(*) FROM teams_conversations WHERE conversation_id = '" +
                       kTeamsChannel + "'") == 1);

    // In Slack: alice (the workspace's first user, so its manager) plans the release, makes bob
    // an approver and gathers one audience from both platforms.
    CHECK(desk.slash(kAlice, "plan " + kKey + " \"Web December\" at 2026-12-05 14:00 for 2h")
              .find("Planned " + kKey) != std::string::npos);
    desk.slash(kAlice, "role grant <@" + std::string(kBob) + "> approver");
    desk.slash(kAlice, "channel add stakeholders slack:" + std::string(kNews));
    std::string added = desk.slash(kAlice, "channel add stakeholders teams:" + kTeamsChannel +
                                               " tenant " + test::kTeamsTenantId);
    CHECK(added.find("now 2 channels") != std::string::npos);

    // alice drafts; nothing goes out before someone else approves.
    desk.slash(kAlice, "comms draft " + kKey + " to stakeholders now \"" + kAnnouncement + "\"");
    REQUIRE(desk.text("SELECT status FROM communications") == "draft");
    desk.slash(kAlice, "comms review 1 approve");  // her own: refused
    CHECK(desk.text("SELECT status FROM communications") == "draft");
    CHECK(slack_posts_of(slack, kNews, kAnnouncement) == 0);
    CHECK(teams_posts_of(teams, kAnnouncement).empty());

    // bob approves it in Slack; the outbox delivers it to both platforms.
    desk.slash(kBob, "comms review 1 approve");
    CHECK(desk.text("SELECT reviewer FROM communications") == kBob);
    desk.deliver();

    {
        INFO(slack.get("messages?channel=" + std::string(kNews)));
        CHECK(slack_posts_of(slack, kNews, kAnnouncement) == 1);
    }
    {
        // Once, posted to the Teams channel itself (not as a reply in a thread), and nowhere
        // else in Teams.
        auto posts = teams_posts_of(teams, kAnnouncement);
        INFO(teams.sent());
        REQUIRE(posts.size() == 1);
        CHECK(posts[0].at("conversation").as_string() == kTeamsChannel);
        CHECK(posts[0].at("kind").as_string() == "send");
    }
    CHECK(desk.text("SELECT status FROM communications") == "sent");
    CHECK(desk.count("SELECT count(*) FROM outbox WHERE status != 'sent'") == 0);

    SECTION("nothing is sent twice: a second delivery round and a repeated approval add nothing") {
        desk.deliver();
        desk.slash(kBob, "comms review 1 approve");
        desk.deliver();
        CHECK(slack_posts_of(slack, kNews, kAnnouncement) == 1);
        CHECK(teams_posts_of(teams, kAnnouncement).size() == 1);
    }
}

}  // namespace releasebot
