// Network faults: the bot keeps running through what real networks do —
// half-open links whose peer went silent, websocket URLs that are refused, do not resolve or fail
// the TLS handshake, Web API bursts of 5xx, an API slow enough to time out after it took the
// message, an API that cannot be reached at all, and a Teams token endpoint outage — and catches
// up afterwards without losing or repeating anything.
//
// Everything runs against the Slack and Teams emulators over real TLS on loopback; the faults are
// the emulators' (`freeze`, `fault`) or real sockets (a closed port, a plain-HTTP server where
// TLS is expected, a name in the reserved `.invalid` domain).
#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <future>
#include <set>

#include "bot/runtime/outbox_sender.hpp"
#include "bot/runtime/pipeline.hpp"
#include "bot/runtime/reply_codec.hpp"
#include "integrations/http/http_server.hpp"
#include "integrations/slack/slack_port.hpp"
#include "integrations/slack/socket_mode.hpp"
#include "integrations/teams/connector.hpp"
#include "integrations/teams/teams_port.hpp"
#include "storage/database.hpp"
#include "storage/outbox_repo.hpp"
#include "support/eventually.hpp"
#include "support/plans.hpp"
#include "support/slack_emulator.hpp"
#include "support/teams_emulator.hpp"
#include "support/temp_dir.hpp"
#include "support/test_env.hpp"

namespace releasebot {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using test::eventually;
using test::SlackEmulator;
using test::TeamsEmulator;

// A TCP port on loopback where nothing listens (bound, then closed).
int closed_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    const int port = acceptor.local_endpoint().port();
    acceptor.close();
    return port;
}

// Slack's apps.connections.open as seen through a broken network: the first `bad` calls answer
// `bad_url` (a websocket URL that cannot work), the rest are passed to the emulator, whose
// answer holds a link URL that does. The HTTP server is releasebot's own, on loopback.
class FlakyLinkBroker {
  public:
    FlakyLinkBroker(SlackEmulator& emulator, int bad)
        : bad_(bad), emulator_api_(test::kSlackAppToken, emulated(emulator)) {
        server_.route("/api/apps.connections.open", [this](const HttpRequest&) {
            HttpResponse r;
            if (calls_.fetch_add(1) < bad_) {
                r.body = json::serialize(json::object{{"ok", true}, {"url", bad_url()}});
                return r;
            }
            std::lock_guard lock(mu_);  // one Web API client takes one call at a time
            r.body = emulator_api_.call("apps.connections.open", "{}").body;
            return r;
        });
        port_ = server_.start("127.0.0.1", 0);
    }
    ~FlakyLinkBroker() { server_.stop(); }

    std::string api_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api/"; }
    // TLS spoken to this plain-HTTP server fails in the handshake.
    std::string plain_http_as_wss() const {
        return "wss://127.0.0.1:" + std::to_string(port_) + "/link/";
    }
    void set_bad_url(std::string url) {
        std::lock_guard lock(mu_);
        bad_url_ = std::move(url);
    }
    int calls() const { return calls_.load(); }

  private:
    std::string bad_url() {
        std::lock_guard lock(mu_);
        return bad_url_;
    }
    const int bad_;
    std::atomic<int> calls_{0};
    std::mutex mu_;
    std::string bad_url_;
    slack::SlackWebApi emulator_api_;
    HttpServer server_;
    int port_ = 0;
};

// releasebot on Socket Mode (database file, pipeline, client on a thread of its own), with the
// app-token Web API at `app_api_url`.
class SocketBot {
  public:
    SocketBot(SlackEmulator& emulator, const std::string& app_api_url,
              slack::SocketModeOptions options)
        : path_(dir_.file("releasebot.db")),
          db_(path_),
          reader_(path_),
          clock_(test::default_start()),
          pipeline_(db_, clock_),
          api_(test::kSlackAppToken, slack::ApiOptions{app_api_url, emulator.ca_file(), 5000ms}) {
        options.ca_file = emulator.ca_file();
        client_ = std::make_unique<slack::SocketModeClient>(api_, pipeline_, options);
        stopped_ = std::async(std::launch::async, [this] { return client_->run(); });
    }
    ~SocketBot() {
        client_->stop();
        stopped_.wait();
    }
    slack::SocketModeClient& client() { return *client_; }
    std::int64_t count(const std::string& sql) {
        auto st = reader_.prepare(sql);
        return st.step() ? st.get_int(0) : -1;
    }
    // Still running (a fault must not stop the client).
    bool running() { return stopped_.wait_for(0ms) != std::future_status::ready; }

  private:
    test::TempDir dir_;
    std::string path_;
    Database db_;
    Database reader_;
    ManualClock clock_;
    Pipeline pipeline_;
    slack::SlackWebApi api_;
    std::unique_ptr<slack::SocketModeClient> client_;
    std::future<std::string> stopped_;
};

json::array emulator_list(SlackEmulator& emulator, const std::string& path,
                          const std::string& field) {
    return json::parse(emulator.get(path)).at(field).as_array();
}

// The texts Slack shows in `channel`, sorted (the order of retried rows is not the point here).
std::multiset<std::string> texts_in(SlackEmulator& emulator, const std::string& channel) {
    std::multiset<std::string> out;
    for (const auto& m :
         emulator_list(emulator, "messages?kind=postMessage&channel=" + channel, "messages"))
        out.emplace(m.at("text").as_string());
    return out;
}

OutboxRow row_for(const std::string& platform, const std::string& key, const Destination& where,
                  const std::string& text, Instant now) {
    OutboxRow row;
    row.idempotency_key = key;
    row.platform = platform;
    row.destination = encode_destination(where);
    row.payload = encode_reply(Reply::plain(text));
    row.not_before = now;
    row.created_at = now;
    return row;
}

// Drains the outbox as the bot's sender loop does, moving the manual clock past each retry
// delay; true once nothing is pending. The bound only ends a hung test.
bool drain(OutboxSender& sender, OutboxRepo& outbox, ManualClock& clock) {
    return eventually(
        [&] {
            sender.deliver_due();
            clock.advance(Seconds(120));
            return outbox.pending_count() == 0;
        },
        60000ms);
}

}  // namespace

TEST_CASE("A half-open Socket Mode link is noticed and replaced, and what came meanwhile arrives",
          "[reliability][network][slack]") {
    SlackEmulator emulator;
    slack::SocketModeOptions options;
    options.idle_timeout = 1500ms;
    SocketBot bot(emulator, emulator.api_url(), options);
    REQUIRE(emulator.wait_connections(1, 10000ms));
    REQUIRE_FALSE(
        emulator
            .wait_ack(emulator.slash("U1ALICE", "C1RELEASE", test::plan_command("before")), 5000ms)
            .empty());

    // The link goes silent with TCP up: no pongs to the bot's pings, nothing read, nothing sent.
    // The emulator itself would only give up on it after a minute.
    emulator.post("freeze", R"({"for_ms":60000})");
    const std::string during = emulator.slash("U1ALICE", "C1RELEASE", test::plan_command("during"));
    CHECK_FALSE(emulator.wait_ack(during, 30000ms).empty());
    CHECK(bot.client().reconnects() >= 1);
    CHECK(bot.count("SELECT COUNT(*) FROM releases WHERE key = 'during'") == 1);
    CHECK(bot.count("SELECT COUNT(*) FROM releases") == 2);
    CHECK(emulator_list(emulator, "connections?all=1", "connections").size() >= 2);
}

TEST_CASE("Websocket URLs that fail are retried with backoff until one works",
          "[reliability][network][slack]") {
    SlackEmulator emulator;
    FlakyLinkBroker broker(emulator, 2);

    SECTION("connection refused") {
        broker.set_bad_url("wss://127.0.0.1:" + std::to_string(closed_port()) + "/link/");
    }
    SECTION("a name that does not resolve") {
        broker.set_bad_url("wss://releasebot-network-fault.invalid/link/");
    }
    SECTION("a TLS handshake that fails") {
        broker.set_bad_url(broker.plain_http_as_wss());
    }

    // A command typed while the bot cannot connect waits at Slack and is done once connected.
    const std::string id = emulator.slash("U1ALICE", "C1RELEASE", test::plan_command("web-1"));
    SocketBot bot(emulator, broker.api_url(), {});
    CHECK_FALSE(emulator.wait_ack(id, 30000ms).empty());
    CHECK(broker.calls() >= 3);  // two bad URLs, then the emulator's
    CHECK(bot.running());
    CHECK(bot.count("SELECT COUNT(*) FROM releases WHERE key = 'web-1'") == 1);
    CHECK(emulator_list(emulator, "connections?all=1", "connections").size() == 1);
}

TEST_CASE("Web API faults delay messages but lose and repeat none",
          "[reliability][network][slack]") {
    SlackEmulator emulator;
    Database db(":memory:");
    // Real time: after a timeout the sender looks for the message with Slack's timestamps.
    ManualClock clock(std::chrono::floor<Seconds>(std::chrono::system_clock::now()));
    OutboxRepo outbox(db);
    OutboxSender sender(db, clock);
    const ConversationRef channel{"slack", test::kSlackTeamId, "C1RELEASE", std::nullopt,
                                  std::nullopt};
    const Destination to_channel{"slack", test::kSlackTeamId, channel, std::nullopt};
    auto enqueue = [&](const std::string& key, const std::string& text) {
        REQUIRE(outbox.enqueue(row_for("slack", key, to_channel, text, clock.now())));
    };

    SECTION("a burst of 5xx") {
        slack::SlackWebApi api(test::kSlackBotToken, emulated(emulator));
        slack::SlackPort port(api, 0ms);
        sender.add_port(port);
        emulator.fault("chat.postMessage", 503, 3);
        emulator.fault("chat.postMessage", 500, 2);
        enqueue("m1", "Window opens in 1 hour.");
        enqueue("m2", "Controls: 7 of 7 ticked.");
        enqueue("m3", "web-1 approved.");
        REQUIRE(drain(sender, outbox, clock));
        CHECK(texts_in(emulator, "C1RELEASE") ==
              std::multiset<std::string>{"Window opens in 1 hour.", "Controls: 7 of 7 ticked.",
                                         "web-1 approved."});
        CHECK(emulator_list(emulator, "calls?method=chat.postMessage", "calls").size() == 8);
    }
    SECTION("an API slow enough to time out after it took the message") {
        // Slack takes the message, but answers after the client gave up: the next attempt
        // finds it by its metadata instead of posting it again.
        slack::SlackWebApi api(test::kSlackBotToken, emulated(emulator, 1000ms));
        slack::SlackPort port(api, 0ms);
        sender.add_port(port);
        emulator.fault("chat.postMessage", 0, 1, 1, 2500);
        enqueue("slow", "Deploying web-1 now.");
        CHECK(sender.deliver_due() == 0);
        CHECK(outbox.pending_count() == 1);
        // The slow answer lands at Slack after the timeout.
        REQUIRE(eventually([&] { return texts_in(emulator, "C1RELEASE").size() == 1; }, 10000ms));
        REQUIRE(drain(sender, outbox, clock));
        CHECK(texts_in(emulator, "C1RELEASE") ==
              std::multiset<std::string>{"Deploying web-1 now."});
    }
    SECTION("an API that cannot be reached keeps the message until it can") {
        slack::SlackWebApi unreachable(
            test::kSlackBotToken,
            slack::ApiOptions{"https://127.0.0.1:" + std::to_string(closed_port()) + "/api/",
                              emulator.ca_file(), 2000ms});
        slack::SlackPort down(unreachable, 0ms);
        sender.add_port(down);
        enqueue("later", "Backout plan updated.");
        CHECK(sender.deliver_due() == 0);
        clock.advance(Seconds(3600));
        CHECK(sender.deliver_due() == 0);
        CHECK(outbox.pending_count() == 1);
        CHECK(outbox.due(clock.now() + Seconds(86400), 10).at(0).attempts == 2);

        // The network is back (a restarted process, the same database).
        slack::SlackWebApi api(test::kSlackBotToken, emulated(emulator));
        slack::SlackPort port(api, 0ms);
        OutboxSender restarted(db, clock);
        restarted.add_port(port);
        REQUIRE(drain(restarted, outbox, clock));
        CHECK(texts_in(emulator, "C1RELEASE") ==
              std::multiset<std::string>{"Backout plan updated."});
    }
}

TEST_CASE("A Teams token endpoint outage holds messages until it ends, then sends each once",
          "[reliability][network][teams]") {
    TeamsEmulator teams;
    Database db(":memory:");
    ManualClock clock(test::default_start());
    OutboxRepo outbox(db);
    OutboxSender sender(db, clock);
    teams::ConnectorOptions options = teams.connector_options();
    options.timeout = 5000ms;
    teams::ConnectorClient connector(options);
    teams::TeamsPort port(connector, db);
    sender.add_port(port);

    const std::string conversation = "19:releases@thread.tacv2";
    ConversationRef channel{"teams", test::kTeamsTenantId, conversation, std::nullopt,
                            teams.service_url()};
    const Destination to_channel{"teams", test::kTeamsTenantId, channel, std::nullopt};
    teams.fault("token", 503, 4);
    REQUIRE(
        outbox.enqueue(row_for("teams", "t1", to_channel, "Window opens in 1 hour.", clock.now())));
    REQUIRE(outbox.enqueue(row_for("teams", "t2", to_channel, "web-1 approved.", clock.now())));

    CHECK(sender.deliver_due() == 0);  // no token, nothing sent
    CHECK(outbox.pending_count() == 2);
    REQUIRE(drain(sender, outbox, clock));

    std::multiset<std::string> texts;
    const json::value sent = json::parse(teams.sent(conversation));
    for (const auto& a : sent.at("activities").as_array())
        texts.emplace(a.at("activity").at("text").as_string());
    CHECK(texts == std::multiset<std::string>{"Window opens in 1 hour.", "web-1 approved."});
    CHECK(sender.deliver_due() == 0);
}

}  // namespace releasebot
