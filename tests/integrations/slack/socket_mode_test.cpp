// Tests of SocketModeClient (integrations/slack/socket_mode.cpp) and of `releasebot slack`,
// against the Slack emulator (tests/emulators/slack) over real TLS websockets on loopback.
//
// The bot side is a database file, the Pipeline on the client's thread, and the client running
// on a thread of its own; the test reads the database through a second connection, as an
// operator would, and reads what Slack saw through the emulator's record. Every wait is bounded.
#include "integrations/slack/socket_mode.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <future>
#include <set>
#include <thread>

#include "bot/runtime/metrics.hpp"
#include "integrations/slack/slack_decode.hpp"
#include "storage/database.hpp"
#include "support/emulator_process.hpp"
#include "support/eventually.hpp"
#include "support/metrics_sample.hpp"
#include "support/plans.hpp"
#include "support/releasebot_process.hpp"
#include "support/slack_emulator.hpp"
#include "support/system_clock.hpp"
#include "support/temp_dir.hpp"
#include "support/test_env.hpp"

extern char** environ;

namespace releasebot::slack {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using test::SlackEmulator;
using test::SlackEmulatorOptions;

using test::eventually;
using test::TempDir;

// releasebot on Socket Mode, running on its own thread until stop() or the end of the test.
class Bot {
  public:
    explicit Bot(SlackEmulator& emulator, SocketModeOptions options = {}, bool trust_ca = true,
                 bool start_now = true)
        : path_(dir_.file("releasebot.db")),
          db_(path_),
          reader_(path_),
          clock_(test::default_start()),
          pipeline_(db_, clock_),
          api_(test::kSlackAppToken, ApiOptions{emulator.api_url(), emulator.ca_file(), 5000ms}) {
        if (trust_ca) options.ca_file = emulator.ca_file();
        client_ = std::make_unique<SocketModeClient>(api_, pipeline_, options);
        if (start_now) start();
    }
    void start() {
        stopped_ = std::async(std::launch::async, [this] { return client_->run(); });
    }
    ~Bot() {
        client_->stop();
        if (stopped_.valid()) stopped_.wait();
    }

    SocketModeClient& client() { return *client_; }
    // run()'s message once it returned within `timeout`, else nullopt.
    std::optional<std::string> wait_stopped(std::chrono::milliseconds timeout) {
        if (!message_ && stopped_.wait_for(timeout) == std::future_status::ready) {
            message_ = stopped_.get();
        }
        return message_;
    }
    std::int64_t count(const std::string& sql) {
        auto st = reader_.prepare(sql);
        return st.step() ? st.get_int(0) : -1;
    }
    Database& reader() { return reader_; }
    ManualClock& clock() { return clock_; }

  private:
    TempDir dir_;
    std::string path_;
    Database db_;      // the client thread's connection
    Database reader_;  // the test thread's connection
    ManualClock clock_;
    Pipeline pipeline_;
    SlackWebApi api_;
    std::unique_ptr<SocketModeClient> client_;
    std::future<std::string> stopped_;
    std::optional<std::string> message_;
};

// The array `field` of the emulator's answer to GET `path`, by value.
json::array record(SlackEmulator& emulator, const std::string& path, const std::string& field) {
    json::value answer = json::parse(emulator.get(path));
    return answer.at(field).as_array();
}

json::array acks(SlackEmulator& emulator) {
    return record(emulator, "acks", "acks");
}

// Envelopes acknowledged at least once (an envelope acked twice counts once).
std::size_t acked_envelopes(SlackEmulator& emulator) {
    std::set<std::string> ids;
    for (const auto& a : acks(emulator)) {
        if (!a.at("unknown").as_bool()) ids.insert(std::string(a.at("envelope_id").as_string()));
    }
    return ids.size();
}

json::object ack_of(SlackEmulator& emulator, const std::string& envelope_id,
                    std::chrono::milliseconds timeout = 5000ms) {
    const std::string ack = emulator.wait_ack(envelope_id, timeout);
    REQUIRE_FALSE(ack.empty());
    return json::parse(ack).as_object();
}

}  // namespace

TEST_CASE("A slash command over Socket Mode is acked with its reply after the release is stored",
          "[slack][socket]") {
    SlackEmulator emulator;
    Bot bot(emulator);
    REQUIRE(emulator.wait_connections(1, 5000ms));

    SECTION("a command that works answers in the channel") {
        const std::string id = emulator.slash("U1ALICE", "C1RELEASE", test::plan_command("web-1"));
        json::object ack = ack_of(emulator, id);
        REQUIRE(ack.at("payload").is_object());
        const json::object& payload = ack.at("payload").as_object();
        CHECK(std::string(payload.at("text").as_string()).find("web-1") != std::string::npos);
        CHECK(payload.at("response_type").as_string() == "in_channel");
        REQUIRE(payload.at("blocks").is_array());
        CHECK_FALSE(payload.at("blocks").as_array().empty());
        CHECK_FALSE(ack.contains("errors"));  // the emulator found the blocks valid
        CHECK(bot.count("SELECT COUNT(*) FROM releases WHERE key = 'web-1'") == 1);
        CHECK(eventually([&] { return bot.client().acked() == 1; }, 10000ms));
    }
    SECTION("a command that fails answers only the user and changes nothing") {
        const std::string id = emulator.slash("U1ALICE", "C1RELEASE", "plan");
        json::object ack = ack_of(emulator, id);
        REQUIRE(ack.at("payload").is_object());
        const json::object& payload = ack.at("payload").as_object();
        CHECK(payload.at("response_type").as_string() == "ephemeral");
        CHECK_FALSE(payload.at("text").as_string().empty());
        CHECK(bot.count("SELECT COUNT(*) FROM releases") == 0);
    }
    SECTION("a mention is acked without a payload and runs its command") {
        const std::string id =
            emulator.mention("U1ALICE", "C1RELEASE", "release " + test::plan_command("web-2"));
        json::object ack = ack_of(emulator, id);
        CHECK(ack.at("payload").is_null());
        CHECK(bot.count("SELECT COUNT(*) FROM releases WHERE key = 'web-2'") == 1);
    }
    SECTION("stop() ends run() with the reason") {
        bot.client().stop();
        auto message = bot.wait_stopped(5000ms);
        REQUIRE(message);
        CHECK(*message == "stopped");
        CHECK(emulator.wait_connections(0, 5000ms));
    }
}

TEST_CASE("Parallel Socket Mode links all serve envelopes", "[slack][socket]") {
    SlackEmulator emulator;
    SocketModeOptions options;
    options.connections = 3;
    Bot bot(emulator, options);
    REQUIRE(emulator.wait_connections(3, 5000ms));
    for (int i = 0; i < 9; ++i)
        emulator.slash("U1ALICE", "C1RELEASE", test::plan_command("p-" + std::to_string(i)));
    CHECK(eventually([&] { return acked_envelopes(emulator) == 9; }, 10000ms));
    CHECK(bot.count("SELECT COUNT(*) FROM releases") == 9);
    // The emulator spreads envelopes over the links: each link acknowledged some.
    std::set<std::string> links;
    for (const auto& a : acks(emulator)) links.insert(std::string(a.at("connection").as_string()));
    CHECK(links.size() == 3);
}

TEST_CASE("An envelope delivered again after its event committed does not act twice",
          "[slack][socket]") {
    SlackEmulator emulator;
    // With no link open the emulator queues the envelope: take its payload and commit it, as if
    // releasebot had handled it and then died before its ack left.
    const std::string id = emulator.slash("U1ALICE", "C1RELEASE", test::plan_command("web-1"));
    std::string payload;
    for (const auto& e : record(emulator, "envelopes", "envelopes")) {
        if (e.at("envelope_id").as_string() == id) payload = json::serialize(e.at("payload"));
    }
    REQUIRE_FALSE(payload.empty());

    Bot bot(emulator, {}, true, /*start_now=*/false);
    auto event = decode_slash_command_json(payload, id);
    REQUIRE(event);
    Pipeline before_the_crash(bot.reader(), bot.clock());
    CHECK_FALSE(before_the_crash.handle(*event).duplicate);
    const auto audited = bot.count("SELECT COUNT(*) FROM audit_log");
    bot.start();

    // Now the link comes up and Slack delivers the envelope: it is acknowledged, with nothing
    // to say and nothing done.
    json::object ack = ack_of(emulator, id);
    CHECK(ack.at("payload").is_null());
    CHECK(bot.count("SELECT COUNT(*) FROM releases WHERE key = 'web-1'") == 1);
    CHECK(bot.count("SELECT COUNT(*) FROM audit_log") == audited);
}

TEST_CASE("Slack redelivering an envelope whose ack was late changes nothing", "[slack][socket]") {
    SlackEmulatorOptions emulator_options;
    emulator_options.ack_timeout_ms = 200;
    emulator_options.max_redeliveries = 2;
    SlackEmulator emulator(emulator_options);
    Bot bot(emulator);
    REQUIRE(emulator.wait_connections(1, 5000ms));

    std::string id;
    {
        // Another writer holds the database, so the first delivery waits in its transaction
        // while Slack's ack deadline passes and it delivers the envelope twice more. The lock is
        // held until the emulator says it did, not for a fixed time: on a loaded machine its
        // timers fire late, and a fixed wait would release the lock before the last delivery.
        Transaction busy(bot.reader());
        id = emulator.slash("U1ALICE", "C1RELEASE", test::plan_command("web-1"));
        auto attempts = [&] {
            json::value answer = json::parse(emulator.get("envelopes"));
            for (const auto& e : answer.at("envelopes").as_array())
                if (e.at("envelope_id").as_string() == id) return e.at("attempts").as_int64();
            return std::int64_t{0};
        };
        // (Within the database's 5 s busy timeout, after which the first delivery would fail.)
        CHECK(eventually([&] { return attempts() == 3; }, 4000ms));
        busy.rollback();
    }
    auto acks_of_id = [&] {
        int n = 0;
        for (const auto& a : acks(emulator)) n += a.at("envelope_id").as_string() == id;
        return n;
    };
    REQUIRE(eventually([&] { return acks_of_id() == 3; }, 10000ms));
    CHECK(bot.count("SELECT COUNT(*) FROM releases WHERE key = 'web-1'") == 1);
    int with_reply = 0;
    for (const auto& a : acks(emulator)) {
        if (a.at("envelope_id").as_string() == id && a.at("payload").is_object()) ++with_reply;
    }
    CHECK(with_reply == 1);  // only the delivery that acted answered
}

TEST_CASE("A disconnect mid-stream loses no ack and repeats no effect", "[slack][socket]") {
    const std::string reason = GENERATE(as<std::string>{}, "refresh_requested", "warning");
    CAPTURE(reason);
    SlackEmulatorOptions emulator_options;
    // Generous, so that an envelope acked late is not mistaken for one that was lost.
    emulator_options.ack_timeout_ms = 15000;
    SlackEmulator emulator(emulator_options);
    Bot bot(emulator);
    REQUIRE(emulator.wait_connections(1, 5000ms));

    constexpr int kCommands = 200;
    for (int i = 1; i <= kCommands; ++i) {
        emulator.slash("U1ALICE", "C1RELEASE", test::plan_command("r-" + std::to_string(i)));
        if (i == kCommands / 2) emulator.disconnect(reason);
    }
    REQUIRE(eventually([&] { return acked_envelopes(emulator) == kCommands; }, 30000ms));
    CHECK(acks(emulator).size() == kCommands);  // no envelope acknowledged twice
    CHECK(bot.count("SELECT COUNT(*) FROM releases") == kCommands);

    // Every envelope was acknowledged at its first delivery: none had to be sent again.
    int redelivered = 0;
    for (const auto& e : record(emulator, "envelopes", "envelopes")) {
        if (e.at("attempts").as_int64() != 1) ++redelivered;
    }
    CHECK(redelivered == 0);

    // The new link came up before the old one went, and releasebot closed the old one itself.
    CHECK(eventually([&] { return bot.client().reconnects() == 1; }, 5000ms));
    auto closed_old = [&]() -> std::optional<json::object> {
        for (const auto& c : record(emulator, "connections?all=1", "connections")) {
            if (c.at("disconnect_reason") == json::value(reason) && !c.at("close_code").is_null())
                return c.as_object();
        }
        return std::nullopt;
    };
    REQUIRE(eventually([&] { return closed_old().has_value(); }, 5000ms));
    json::object old = *closed_old();
    CHECK(old.at("close_code").as_int64() == 1000);  // a normal close from the bot
    CHECK_FALSE(old.at("dropped").as_bool());
    bool opened_before_close = false;
    for (const auto& c : record(emulator, "connections?all=1", "connections")) {
        if (c.at("id") != old.at("id") &&
            c.at("opened_at").as_int64() <= old.at("closed_at").as_int64())
            opened_before_close = true;
    }
    CHECK(opened_before_close);
    CHECK(emulator.wait_connections(1, 10000ms));
}

TEST_CASE("A burst of envelopes shares commits and each is acked once with its own reply",
          "[slack][socket]") {
    // All 300 arrive at once; Slack's 3 s before a redelivery is counted per envelope, which
    // the sanitizer build (several times slower) cannot meet for the last of them on a busy
    // machine. Redeliveries are tested on their own; here every envelope gets its time.
    SlackEmulatorOptions emulator_options;
    emulator_options.ack_timeout_ms = 10000;
    SlackEmulator emulator(emulator_options);
    // Typed while releasebot was away: Slack holds them and sends them all once a link opens.
    constexpr int kCommands = 300;
    std::vector<std::string> ids;
    for (int i = 1; i <= kCommands; ++i)
        ids.push_back(
            emulator.slash("U1ALICE", "C1RELEASE", test::plan_command("b-" + std::to_string(i))));
    metrics::reset();
    Bot bot(emulator, {}, true, /*start_now=*/false);
    {
        // The database is busy a moment (another writer holds it) while they arrive, so they
        // are all waiting when the first one is stored.
        Transaction busy(bot.reader());
        bot.start();
        REQUIRE(eventually(
            [&] {
                for (const auto& e : record(emulator, "envelopes", "envelopes"))
                    if (e.at("attempts").as_int64() == 0) return false;
                return true;
            },
            5000ms));
        std::this_thread::sleep_for(200ms);
    }
    REQUIRE(eventually([&] { return acked_envelopes(emulator) == kCommands; }, 30000ms));
    CHECK(acks(emulator).size() == kCommands);
    CHECK(bot.count("SELECT COUNT(*) FROM releases") == kCommands);
    // Each ack carries the answer to its own command, not to a neighbour in its group.
    for (int i : {1, kCommands / 2, kCommands}) {
        json::object ack = ack_of(emulator, ids[static_cast<std::size_t>(i - 1)]);
        const std::string text(ack.at("payload").at("text").as_string());
        CHECK(text.find("b-" + std::to_string(i) + " ") != std::string::npos);
    }
    // The envelopes queued while one group was stored went in together: fewer commits than
    // commands (the operator sees this in /metrics).
    CHECK(test::metric_sample(metrics::prometheus_text(), "releasebot_event_groups_total") >= 1);
    CHECK(test::metric_sample(metrics::prometheus_text(), "releasebot_grouped_events_total") >= 2);
}

TEST_CASE(
    "An event the database refuses holds back none of its group, and is done once Slack "
    "delivers it again",
    "[slack][socket]") {
    // Slack's own 3 s before a redelivery: a second, as this once had, is less than the
    // sanitizer build may take for one of a hundred plans on a busy machine.
    SlackEmulatorOptions emulator_options;
    emulator_options.ack_timeout_ms = 3000;
    emulator_options.max_redeliveries = 20;
    SlackEmulator emulator(emulator_options);
    Bot bot(emulator);
    REQUIRE(emulator.wait_connections(1, 5000ms));
    // A storage fault on one release only, as a full disk or an I/O error would be for a while.
    bot.reader().exec(
        "CREATE TRIGGER refuse_one BEFORE INSERT ON releases WHEN NEW.key = 'g-50' "
        "BEGIN SELECT RAISE(ABORT, 'simulated storage fault'); END");

    constexpr int kCommands = 100;
    std::string refused_id;
    for (int i = 1; i <= kCommands; ++i) {
        auto id =
            emulator.slash("U1ALICE", "C1RELEASE", test::plan_command("g-" + std::to_string(i)));
        if (i == 50) refused_id = id;
    }
    REQUIRE(eventually([&] { return acked_envelopes(emulator) == kCommands - 1; }, 30000ms));
    CHECK(bot.count("SELECT COUNT(*) FROM releases") == kCommands - 1);
    CHECK(emulator.wait_ack(refused_id, 100ms).empty());  // not acknowledged: not stored

    // The fault passes; Slack's next delivery of that envelope is stored and acknowledged.
    bot.reader().exec("DROP TRIGGER refuse_one");
    REQUIRE(eventually([&] { return acked_envelopes(emulator) == kCommands; }, 15000ms));
    CHECK(bot.count("SELECT COUNT(*) FROM releases") == kCommands);
    CHECK(bot.count("SELECT COUNT(*) FROM releases WHERE key = 'g-50'") == 1);
    CHECK(acks(emulator).size() == kCommands);  // none acknowledged twice
}

TEST_CASE("A dropped socket reconnects and goes on", "[slack][socket]") {
    SlackEmulator emulator;
    Bot bot(emulator);
    REQUIRE(emulator.wait_connections(1, 5000ms));
    ack_of(emulator, emulator.slash("U1ALICE", "C1RELEASE", test::plan_command("before")));

    emulator.drop();
    // Sent while the bot is away: the emulator keeps it until a link is back.
    const std::string id = emulator.slash("U1ALICE", "C1RELEASE", test::plan_command("after"));
    json::object ack = ack_of(emulator, id);
    CHECK(ack.at("payload").is_object());
    CHECK(bot.count("SELECT COUNT(*) FROM releases") == 2);
    CHECK(bot.client().reconnects() == 1);

    SECTION("and again after a second drop, backing off between attempts") {
        emulator.fault("link", 503, 2);  // the next two websocket upgrades are refused
        emulator.drop();
        const auto dropped_at = std::chrono::steady_clock::now();
        ack_of(emulator, emulator.slash("U1ALICE", "C1RELEASE", test::plan_command("later")),
               10000ms);
        // Waits of about 0.5 s, 1 s and 2 s (±20%) before the attempt that works.
        CHECK(std::chrono::steady_clock::now() - dropped_at > 2500ms);
        CHECK(bot.count("SELECT COUNT(*) FROM releases") == 3);
        CHECK(bot.client().reconnects() == 2);
    }
}

TEST_CASE("too_many_websockets closes the link, then reconnects after a backoff",
          "[slack][socket]") {
    SlackEmulator emulator;
    Bot bot(emulator);
    REQUIRE(emulator.wait_connections(1, 5000ms));
    emulator.disconnect("too_many_websockets");
    const std::string id = emulator.slash("U1ALICE", "C1RELEASE", test::plan_command("web-1"));
    json::object ack = ack_of(emulator, id);
    CHECK(ack.at("payload").is_object());
    CHECK(bot.client().reconnects() == 1);
    auto all = record(emulator, "connections?all=1", "connections");
    REQUIRE(all.size() == 2);
    CHECK(all[0].at("close_code") == 1000);
    // Break before make here: the new link opened only after the old one closed.
    CHECK(all[1].at("opened_at").as_int64() >= all[0].at("closed_at").as_int64());
}

TEST_CASE("link_disabled stops the client with a message saying why", "[slack][socket]") {
    SlackEmulator emulator;
    Bot bot(emulator);
    REQUIRE(emulator.wait_connections(1, 5000ms));
    emulator.disconnect("link_disabled");
    auto message = bot.wait_stopped(5000ms);
    REQUIRE(message);
    CHECK(message->find("link_disabled") != std::string::npos);
    CHECK(message->find("Socket Mode") != std::string::npos);
    CHECK(emulator.wait_connections(0, 5000ms));
}

TEST_CASE("An app token Slack refuses stops the client with a message saying why",
          "[slack][socket]") {
    SlackEmulator emulator;
    TempDir dir;
    Database db(dir.file("releasebot.db"));
    ManualClock clock(test::default_start());
    Pipeline pipeline(db, clock);
    SlackWebApi api("xapp-wrong", ApiOptions{emulator.api_url(), emulator.ca_file(), 5000ms});
    SocketModeClient client(api, pipeline, SocketModeOptions{1, emulator.ca_file(), {}});
    auto stopped = std::async(std::launch::async, [&] { return client.run(); });
    if (stopped.wait_for(5000ms) != std::future_status::ready) {
        client.stop();
        FAIL("run() did not return after invalid_auth");
    }
    std::string message = stopped.get();
    CHECK(message.find("invalid_auth") != std::string::npos);
    CHECK(message.find("xapp-wrong") == std::string::npos);
}

TEST_CASE("TLS verification is real: without the emulator's CA the websocket is refused",
          "[slack][socket]") {
    SlackEmulator emulator;
    Bot bot(emulator, SocketModeOptions{}, /*trust_ca=*/false);
    // apps.connections.open (curl, which trusts the CA here) answers, then the TLS handshake
    // of the websocket fails on the certificate, again and again with backoff.
    CHECK(eventually(
        [&] {
            return json::parse(emulator.get("calls?method=apps.connections.open"))
                       .at("calls")
                       .as_array()
                       .size() >= 2;
        },
        5000ms));
    auto links = json::parse(emulator.get("connections?all=1"));
    CHECK(links.at("total_opened").as_int64() == 0);
    bot.client().stop();
    auto message = bot.wait_stopped(5000ms);
    REQUIRE(message);
    CHECK(*message == "stopped");
}

// ---- releasebot slack ----------------------------------------------------------------------

TEST_CASE("releasebot slack names a missing token and never prints one", "[slack][socket]") {
    TempDir dir;
    test::ReleasebotProcess p;
    using Env = std::vector<std::string>;
    auto [env, missing] = GENERATE(table<Env, std::string>({
        {Env{}, "SLACK_BOT_TOKEN"},
        {Env{"SLACK_BOT_TOKEN=xoxb-very-secret"}, "SLACK_APP_TOKEN"},
        {Env{"SLACK_BOT_TOKEN=xoxb-very-secret", "SLACK_APP_TOKEN="}, "SLACK_APP_TOKEN"},
        {Env{"SLACK_BOT_TOKEN=xoxb-very-secret", "SLACK_APP_TOKEN=xoxb-very-secret"},
         "SLACK_APP_TOKEN"},
    }));
    p.start({"slack", "--db", dir.file("r.db")}, env, dir.file("err"));
    CHECK(p.wait(5000ms) == 2);
    const std::string err = test::read_text(dir.file("err"));
    CHECK(err.find(missing) != std::string::npos);
    CHECK(err.find("very-secret") == std::string::npos);
    CHECK_FALSE(fs::exists(dir.file("r.db")));  // nothing was started
}

TEST_CASE("releasebot slack serves Slack and stops cleanly on SIGTERM", "[slack][socket]") {
    SlackEmulator emulator;
    TempDir dir;
    test::ReleasebotProcess p;
    p.start({"slack", "--db", dir.file("r.db")},
            {"SLACK_BOT_TOKEN=" + std::string(test::kSlackBotToken),
             "SLACK_APP_TOKEN=" + std::string(test::kSlackAppToken),
             "SLACK_API_URL=" + emulator.api_url(), "SLACK_CA_FILE=" + emulator.ca_file()},
            dir.file("err"));
    REQUIRE(emulator.wait_connections(1, 10000ms));

    json::object ack = ack_of(emulator, emulator.slash("U1ALICE", "C1RELEASE",
                                                     "plan web-1 \"Web\" at " + test::when_from_today(5)));
    REQUIRE(ack.at("payload").is_object());
    CHECK(std::string(ack.at("payload").at("text").as_string()).find("web-1") != std::string::npos);

    // The delivery thread posts the release's status message, then edits it in place.
    auto in_channel = [&](const std::string& kind) {
        return record(emulator, "messages?channel=C1RELEASE&kind=" + kind, "messages");
    };
    REQUIRE(eventually([&] { return in_channel("postMessage").size() == 1; }, 5000ms));
    const std::string ts(in_channel("postMessage")[0].at("ts").as_string());
    ack_of(emulator, emulator.slash("U1ALICE", "C1RELEASE", "move web-1 to " + test::when_from_today(6)));
    REQUIRE(eventually([&] { return !in_channel("update").empty(); }, 5000ms));
    CHECK(in_channel("update").back().at("ts").as_string() == ts);
    CHECK(in_channel("postMessage").size() == 1);

    CHECK(p.stop(5000ms) == 0);
    const std::string err = test::read_text(dir.file("err"));
    CHECK(err.find(test::kSlackBotToken) == std::string::npos);
    CHECK(err.find(test::kSlackAppToken) == std::string::npos);
    CHECK(emulator.wait_connections(0, 5000ms));
    Database db(dir.file("r.db"));
    auto st = db.prepare("SELECT COUNT(*) FROM releases WHERE key = 'web-1'");
    REQUIRE(st.step());
    CHECK(st.get_int(0) == 1);
}

}  // namespace releasebot::slack
