// The crash test: the real `releasebot slack` binary, under a steady stream of
// Slack commands from two emulated users, is killed with SIGKILL at random moments 50 times and
// started again on the same SQLite file each time. The Slack emulator redelivers every envelope
// the bot did not acknowledge, so the users' commands keep arriving across the crashes.
//
// Afterwards the database and what the emulator recorded must show that nothing acknowledged was
// lost and nothing was done twice: each acknowledged `release plan` made one release and one
// audit row, each acknowledged tick one audit row, each acknowledged draft one communication,
// each approved announcement exactly one message in the audience's channel, and each
// acknowledged survey answer is kept.
//
// The kill moments come from a seeded RNG; the seed is printed, and RELEASEBOT_CRASH_SEED=<seed>
// replays the same moments (the threads' interleaving still varies from run to run).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "storage/database.hpp"
#include "support/eventually.hpp"
#include "support/releasebot_process.hpp"
#include "support/slack_emulator.hpp"
#include "support/system_clock.hpp"
#include "support/temp_dir.hpp"

namespace releasebot {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using test::eventually;
using test::SlackEmulator;
using test::SlackEmulatorOptions;

constexpr const char* kAlice = "U1ALICE";  // the first user, so the workspace's manager
constexpr const char* kBob = "U1BOB";
constexpr const char* kChannel = "C1RELEASE";
constexpr const char* kNews = "C2NEWS";  // the `customers` audience
constexpr int kRounds = 50;
constexpr int kDrivers = 2;
// SlackPort's pace per conversation: the least time between two messages to one destination.
constexpr std::chrono::milliseconds kSlackPace{1000};

// `releasebot slack` on the emulator as a child process, killed (SIGKILL) when the test is done
// with it; every run appends its output to one log.
class BotProcess {
  public:
    BotProcess(const SlackEmulator& emulator, std::string db_path, std::string log_path)
        : env_{"SLACK_BOT_TOKEN=" + std::string(test::kSlackBotToken),
               "SLACK_APP_TOKEN=" + std::string(test::kSlackAppToken),
               "SLACK_API_URL=" + emulator.api_url(), "SLACK_CA_FILE=" + emulator.ca_file()},
          db_path_(std::move(db_path)),
          log_path_(std::move(log_path)) {}

    void start() { process_.start({"slack", "--db", db_path_}, env_, log_path_); }
    void kill_now() { process_.kill_now(); }
    // SIGTERM, then the exit status (or -1 when it did not stop in time and was killed).
    int stop(std::chrono::milliseconds timeout) { return process_.stop(timeout); }

  private:
    std::vector<std::string> env_;
    std::string db_path_;
    std::string log_path_;
    test::ReleasebotProcess process_;
};

// One command a user sent, and whether the bot acknowledged it.
struct Sent {
    std::string kind;  // plan, tick, step, draft, review, release.go/start/done, step.done, retro,
                       // answer
    std::string key;   // the release
    std::string arg;   // the slug, the announcement text, the answer
    std::string user;
    std::string envelope;
    bool acked = false;
};

std::string str(const json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : std::string();
}

// A fresh connection per query: the bot owns the file, the test only reads it.
std::int64_t count(const std::string& path, const std::string& sql,
                   const std::vector<std::string>& args = {}) {
    Database db(path);
    auto st = db.prepare(sql);
    for (std::size_t i = 0; i < args.size(); ++i) st.bind(static_cast<int>(i + 1), args[i]);
    return st.step() ? st.get_int(0) : 0;
}

std::string text(const std::string& path, const std::string& sql,
                 const std::vector<std::string>& args = {}) {
    Database db(path);
    auto st = db.prepare(sql);
    for (std::size_t i = 0; i < args.size(); ++i) st.bind(static_cast<int>(i + 1), args[i]);
    return st.step() && !st.is_null(0) ? st.get_text(0) : std::string();
}

std::uint64_t crash_seed() {
    if (const char* s = std::getenv("RELEASEBOT_CRASH_SEED"); s != nullptr && *s != '\0')
        return std::strtoull(s, nullptr, 10);
    return std::random_device{}();
}

// Users typing commands, one release after another, each waiting for the ack of the command
// before typing the next (a user sees whether Slack got it). While the bot is down, the
// emulator holds the envelopes and the wait covers the restart.
class Driver {
  public:
    Driver(SlackEmulator& emulator, std::string db_path, int id, std::uint64_t seed,
           std::atomic<bool>& stop, std::mutex& mutex, std::vector<Sent>& sent)
        : emulator_(emulator),
          db_path_(std::move(db_path)),
          id_(id),
          seed_(seed),
          stop_(stop),
          mutex_(mutex),
          sent_(sent) {}

    void run() {
        for (int n = 0; !stop_; ++n) chain(n);
    }

  private:
    bool send(Sent s, const std::string& command, const std::string& text) {
        s.envelope = emulator_.slash(s.user, kChannel, text, command);
        s.acked = !emulator_.wait_ack(s.envelope, 60000ms).empty();
        const bool acked = s.acked;
        std::lock_guard<std::mutex> lock(mutex_);
        sent_.push_back(std::move(s));
        return acked;
    }

    // One release from plan to retrospective: 16 commands, each a change of state that shows
    // in the database once and only once.
    void chain(int n) {
        const std::string key = "crash-" + std::to_string(id_) + "-" + std::to_string(n);
        const std::string when =
            test::when_from_today(30 + n % 28, std::to_string(8 + 3 * id_) + ":00");
        if (!send({"plan", key, "", kAlice, "", false}, "/release",
                  "plan " + key + " \"Crash " + key + "\" at " + when + " for 2h"))
            return;
        int i = 0;
        // The controls people tick; releasebot ticks the others as the plans, the component
        // and the announcement arrive.
        for (const char* slug : {"package-integrity", "ops-ready", "business-signoff"}) {
            send({"tick", key, slug, i++ % 2 == 0 ? kAlice : kBob, "", false}, "/control",
                 "tick " + key + " " + slug);
        }
        send({"component", key, "web/app", kAlice, "", false}, "/release",
             "add " + key + " web/app@1.0.0");
        for (const char* plan : {"deploy", "backout"}) {
            const std::string step = std::string(plan) + " step of " + key;
            send({"step", key, step, kAlice, "", false}, "/plan",
                 "add " + key + " " + plan + " \"" + step + "\" takes 20m");
        }

        const std::string news =
            "Crash announcement " + key + " (seed " + std::to_string(seed_) + ")";
        if (send({"draft", key, news, kBob, "", false}, "/comms",
                 "draft " + key + " to customers now \"" + news + "\"")) {
            const std::string id =
                text(db_path_, "SELECT id FROM communications WHERE body = ?", {news});
            if (!id.empty())
                send({"review", key, news, kAlice, "", false}, "/comms",
                     "review " + id + " approve");
        }

        send({"release.go", key, "", kAlice, "", false}, "/release", "go " + key);
        send({"release.start", key, "", kAlice, "", false}, "/release", "start " + key + " override \"Crash drill\"");
        send({"step.done", key, "", kAlice, "", false}, "/release", "step " + key + " 1 done");
        send({"release.done", key, "", kAlice, "", false}, "/release", "done " + key);
        if (send({"retro", key, "", kAlice, "", false}, "/retro",
                 "start " + key + " with <@U1ALICE> <@U1BOB>")) {
            for (const char* user : {kAlice, kBob}) {
                const std::string answer = "Went well for " + std::string(user) + " in " + key;
                send({"answer", key, answer, user, "", false}, "/retro",
                     "answer " + key + " 2 \"" + answer + "\"");
            }
        }
    }

    SlackEmulator& emulator_;
    std::string db_path_;
    int id_;
    std::uint64_t seed_;
    std::atomic<bool>& stop_;
    std::mutex& mutex_;
    std::vector<Sent>& sent_;
};

}  // namespace

TEST_CASE("releasebot killed 50 times under load loses and doubles nothing acknowledged",
          "[reliability][crash]") {
    const std::uint64_t seed = crash_seed();
    std::cout << "crash test seed: " << seed << " (replay with RELEASEBOT_CRASH_SEED=" << seed
              << ")" << std::endl;
    INFO("seed " << seed << " (replay with RELEASEBOT_CRASH_SEED=" << seed << ")");
    std::mt19937_64 rng(seed);

    SlackEmulatorOptions options;
    // A short redelivery window keeps the test fast; many redeliveries keep an envelope alive
    // across a slow restart on a loaded machine (attempts count only while a link is open).
    options.ack_timeout_ms = 400;
    options.max_redeliveries = 100;
    options.rate_per_second = 0;
    options.ping_interval_ms = 0;
    SlackEmulator emulator(options);
    emulator.users(kAlice, "alice", "UTC");
    emulator.users(kBob, "bob", "UTC");

    test::TempDir dir;
    const std::string db_path = dir.file("releasebot.db");
    BotProcess bot(emulator, db_path, dir.file("releasebot.log"));

    // Set-up before the crashes: alice's first command makes her the workspace's manager, and
    // names the audience the announcements go to.
    bot.start();
    REQUIRE(emulator.wait_connections(1, 15000ms));
    REQUIRE_FALSE(
        emulator
            .wait_ack(emulator.slash(kAlice, kChannel, "add customers slack:" + std::string(kNews),
                                     "/channel"),
                      15000ms)
            .empty());

    std::atomic<bool> stop{false};
    std::mutex mutex;
    std::vector<Sent> sent;
    std::vector<std::unique_ptr<Driver>> drivers;
    std::vector<std::thread> threads;
    for (int i = 0; i < kDrivers; ++i) {
        drivers.push_back(std::make_unique<Driver>(emulator, db_path, i, seed, stop, mutex, sent));
        threads.emplace_back([d = drivers.back().get()] { d->run(); });
    }
    struct Joiner {
        std::atomic<bool>& stop;
        std::vector<std::thread>& threads;
        ~Joiner() {
            stop = true;
            for (auto& t : threads)
                if (t.joinable()) t.join();
        }
    } joiner{stop, threads};

    std::uniform_int_distribution<int> load_ms(50, 400);
    std::vector<std::int64_t> kills;  // when, in ms since the epoch as the emulator records it
    const auto started = std::chrono::steady_clock::now();
    for (int round = 0; round < kRounds; ++round) {
        INFO("round " << round);
        if (round > 0) {
            bot.start();
            REQUIRE(emulator.wait_connections(1, 15000ms));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(load_ms(rng)));
        kills.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
        bot.kill_now();
        REQUIRE(emulator.wait_connections(0, 15000ms));
    }

    // The last start: it must catch up on every held envelope and the whole outbox.
    bot.start();
    REQUIRE(emulator.wait_connections(1, 15000ms));
    stop = true;
    for (auto& t : threads) t.join();
    // The bot paces each conversation at Slack's one message a second (SlackPort), and the load
    // gives one conversation (bob's DM) more than that, so the last start inherits a queue of
    // up to a few dozen messages there. The outbox is drained when the last of them is due:
    // for each destination, its pending rows one pace apart from when the first may go (a row
    // waiting for a retry from its not_before), plus a margin for a loaded machine.
    const auto drain_time = [&] {
        Database db(db_path);
        auto st = db.prepare(
            "SELECT destination, count(*), max(not_before) - CAST(strftime('%s', 'now') AS "
            "INTEGER) FROM outbox WHERE status = 'pending' GROUP BY destination");
        std::chrono::milliseconds longest{0};
        while (st.step()) {
            const auto queued = kSlackPace * st.get_int(1);
            const auto waiting = std::chrono::seconds(std::max<std::int64_t>(st.get_int(2), 0));
            longest = std::max(longest,
                               std::max<std::chrono::milliseconds>(queued, waiting + kSlackPace));
        }
        return longest;
    }();
    std::cout << "crash test: outbox due to drain within " << drain_time.count() << " ms"
              << std::endl;
    const bool drained = eventually(
        [&] { return count(db_path, "SELECT count(*) FROM outbox WHERE status = 'pending'") == 0; },
        drain_time + 20000ms);
    if (!drained) {
        // What is still waiting, and why: the attempts, when it may go next, the last error.
        Database db(db_path);
        auto st = db.prepare(
            "SELECT id, kind, attempts, not_before - CAST(strftime('%s', 'now') AS INTEGER), "
            "coalesce(last_error, ''), destination FROM outbox WHERE status = 'pending' ORDER BY "
            "id");
        while (st.step())
            std::cout << "crash test: pending outbox row " << st.get_int(0) << " ("
                      << st.get_text(1) << "), " << st.get_int(2) << " attempt(s), due in "
                      << st.get_int(3) << " s, last error \"" << st.get_text(4) << "\", to "
                      << st.get_text(5) << std::endl;
    }
    CHECK(drained);
    CHECK(count(db_path, "SELECT count(*) FROM outbox WHERE status = 'failed'") == 0);
    CHECK(bot.stop(10000ms) == 0);
    std::cout << "crash test: " << kRounds << " kills, " << sent.size() << " commands in "
              << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                  started)
                     .count()
              << " s" << std::endl;

    // What Slack shows in the audience's channel: each announcement text, how often.
    std::map<std::string, int> posted;
    const json::value news =
        json::parse(emulator.get("messages?channel=" + std::string(kNews) + "&kind=postMessage"));
    for (const auto& m : news.at("messages").as_array()) ++posted[str(m.at("text"))];
    auto shown = [&](const std::string& body) {
        int n = 0;
        for (const auto& [t, times] : posted)
            if (t.find(body) != std::string::npos) n += times;
        return n;
    };

    int acked = 0;
    int plans = 0;
    int announcements = 0;
    for (const auto& s : sent) {
        INFO(s.kind << " " << s.key << " " << s.arg << " by " << s.user << " (envelope "
                    << s.envelope << (s.acked ? ", acked" : ", never acked") << ")");
        acked += s.acked;
        const std::string release = "(SELECT id FROM releases WHERE key = '" + s.key + "')";
        if (s.kind == "plan") {
            const auto releases =
                count(db_path, "SELECT count(*) FROM releases WHERE key = ?", {s.key});
            const auto audit = count(db_path,
                                     "SELECT count(*) FROM audit_log WHERE action = "
                                     "'release.plan' AND release_id = " +
                                         release);
            plans += releases == 1;
            if (s.acked) {
                CHECK(releases == 1);
                CHECK(audit == 1);
            } else {
                CHECK(audit <= 1);
            }
        } else if (s.kind == "tick") {
            const auto audit =
                count(db_path,
                      "SELECT count(*) FROM audit_log WHERE action = 'control.tick' AND "
                      "release_id = " +
                          release + " AND detail LIKE ?",
                      {"%`" + s.arg + "`%"});
            if (s.acked) {
                CHECK(audit == 1);
            } else {
                CHECK(audit <= 1);
            }
        } else if (s.kind == "step") {
            const auto rows = count(
                db_path,
                "SELECT count(*) FROM plan_steps WHERE release_id = " + release + " AND title = ?",
                {s.arg});
            if (s.acked) {
                CHECK(rows == 1);
            } else {
                CHECK(rows <= 1);
            }
        } else if (s.kind.rfind("release.", 0) == 0 || s.kind == "step.done") {
            const auto audit = count(
                db_path,
                "SELECT count(*) FROM audit_log WHERE release_id = " + release + " AND action = ?",
                {s.kind});
            if (s.acked) {
                CHECK(audit == 1);
            } else {
                CHECK(audit <= 1);
            }
        } else if (s.kind == "draft") {
            const auto rows =
                count(db_path, "SELECT count(*) FROM communications WHERE body = ?", {s.arg});
            if (s.acked) {
                CHECK(rows == 1);
            } else {
                CHECK(rows <= 1);
            }
        } else if (s.kind == "review") {
            const std::string status =
                text(db_path, "SELECT status FROM communications WHERE body = ?", {s.arg});
            if (s.acked) {
                CHECK(status == "sent");
                // Exactly once, across the kills (the outbox looks before it posts again).
                CHECK(shown(s.arg) == 1);
                ++announcements;
            }
        } else if (s.kind == "retro") {
            if (s.acked)
                CHECK(count(db_path, "SELECT count(*) FROM retros WHERE release_id = " + release) ==
                      1);
        } else if (s.kind == "answer") {
            const auto kept = count(db_path,
                                    "SELECT count(*) FROM retro_answers a JOIN retros r ON "
                                    "r.id = a.retro_id WHERE r.release_id = " +
                                        release + " AND a.position = 2 AND a.value = ?",
                                    {s.arg});
            if (s.acked) CHECK(kept == 1);
        }
    }
    // Whatever was sent, acked or not: no message twice in any conversation (announcements,
    // status messages, survey DMs all carry their release's key, so each text is unique). A kill
    // after Slack took chat.postMessage but before the row was marked sent leaves the row in
    // flight; the restarted sender finds the message by its metadata and does not post it again.
    std::map<std::pair<std::string, std::string>, std::vector<std::int64_t>> texts;
    const json::value all = json::parse(emulator.get("messages?kind=postMessage"));
    for (const auto& m : all.at("messages").as_array())
        texts[{str(m.at("channel")), str(m.at("text"))}].push_back(
            m.at("at").to_number<std::int64_t>());
    int repeated = 0;
    for (const auto& [where, at] : texts) {
        if (at.size() == 1) continue;
        ++repeated;
        // A request the bot wrote just before its kill may reach the emulator's clock a little
        // after it, so kills shortly before the first post count too.
        int kills_between = 0;
        for (auto k : kills) kills_between += k > at.front() - 200 && k < at.back();
        std::cout << "crash test: posted " << at.size() << " times in " << where.first << " ("
                  << at.back() - at.front() << " ms apart, " << kills_between
                  << " kill(s) from 200 ms before the first): " << where.second.substr(0, 120)
                  << std::endl;
        INFO("posted " << at.size() << " times in " << where.first << ", " << kills_between
                       << " kill(s) around: " << where.second);
        CHECK(at.size() == 1);
    }

    // The kills did land while commands were in flight: envelopes the bot never acknowledged
    // on their first delivery (a kill before the ack) were delivered again.
    int redelivered = 0;
    const json::value envelopes = json::parse(emulator.get("envelopes"));
    for (const auto& e : envelopes.at("envelopes").as_array())
        redelivered += e.at("attempts").as_int64() > 1;
    std::cout << "crash test: " << redelivered << " envelopes redelivered, " << texts.size()
              << " distinct messages posted, " << repeated << " posted more than once" << std::endl;
    CHECK(redelivered >= 1);
    std::cout << "crash test: " << acked << " of " << sent.size() << " commands acked, " << plans
              << " releases, " << announcements << " announcements" << std::endl;
    // The load did reach the bot between the kills.
    CHECK(plans >= kDrivers);
    CHECK(announcements >= 1);
}

}  // namespace releasebot
