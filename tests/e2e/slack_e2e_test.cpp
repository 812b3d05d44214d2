// End to end through Slack's protocols: the console story of the first issue played by two Slack
// users, alice (the workspace's first user, so its manager) and bob, in #release of the local
// Slack (tests/emulators/slack), over Socket Mode and the Web API with the bot token. releasebot
// is assembled here as `releasebot slack` assembles it — the Socket Mode client with its own
// database connection on one thread; the scheduler, the outbox sender and SlackPort on another
// connection — on a temporary SQLite file, with a manual clock so that the reminders before the
// window fire when the story says so.
//
// The story: plan, an audience and the two plans typed as /release commands; the seven controls
// ticked with the buttons of the bot's status message; an announcement drafted by bob and
// approved by alice; go; the reminders T-24h, T-1h and T-15m; start, the step, done (the
// announcement goes out); the retrospective answered by both through its modal (Answer →
// views.open → submit); the results, and the CSV shared as a file.
//
// Then the same story twice more, once with Socket Mode links replaced and dropped while button
// presses are in flight, once with a storm of HTTP 429s on chat.postMessage and chat.update. Each
// must leave the same database (audit log, controls, answers, announcements) and the same
// messages in every channel, DM, ephemeral, modal and file as the clean run: nothing lost,
// nothing done or said twice.
#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "bot/runtime/outbox_sender.hpp"
#include "bot/runtime/pipeline.hpp"
#include "bot/runtime/scheduler.hpp"
#include "commands/clock.hpp"
#include "integrations/slack/slack_port.hpp"
#include "integrations/slack/socket_mode.hpp"
#include "integrations/slack/web_api.hpp"
#include "storage/database.hpp"
#include "storage/outbox_repo.hpp"
#include "support/eventually.hpp"
#include "support/slack_emulator.hpp"
#include "support/temp_dir.hpp"
#include "support/test_env.hpp"
#include "support/text_search.hpp"

namespace releasebot {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using test::contains;
using test::SlackEmulator;
using test::SlackEmulatorOptions;

constexpr const char* kAlice = "U1ALICE";
constexpr const char* kBob = "U1BOB";
constexpr const char* kChannel = "C1RELEASE";
constexpr const char* kNews = "C2NEWS";
constexpr const char* kKey = "web-2026.12";

enum class Fault { none, reconnect, rate_limits };

std::string str(const json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : std::string();
}

// What a run leaves behind, in forms that do not depend on timing: database rows, and what
// Slack shows (each conversation's messages as they read now, in any order), plus the replies
// that rode on slash command acks, in the order typed.
struct Effects {
    std::vector<std::string> database;
    std::multiset<std::string> shown;
    std::vector<std::string> slash_replies;
};

// releasebot wired as `releasebot slack` wires it, against `emulator`.
class SlackDesk {
  public:
    explicit SlackDesk(SlackEmulator& emulator)
        : emulator_(emulator),
          path_(dir_.file("releasebot.db")),
          db_(path_),
          worker_db_(path_),
          clock_(test::default_start()),
          sender_clock_(test::default_start()),
          pipeline_(db_, clock_),
          timers_(worker_db_, clock_),
          scheduler_(worker_db_, clock_, timers_),
          app_api_(test::kSlackAppToken, api_options()),
          bot_api_(test::kSlackBotToken, api_options()),
          outbox_api_(test::kSlackBotToken, api_options()),
          users_(bot_api_),
          port_(outbox_api_, 0ms),
          sender_(worker_db_, sender_clock_) {
        sender_.add_port(port_);
        slack::SocketModeOptions options;
        options.ca_file = emulator.ca_file();
        options.bot_api = &bot_api_;
        options.users = &users_;
        client_ = std::make_unique<slack::SocketModeClient>(app_api_, pipeline_, options);
        stopped_ = std::async(std::launch::async, [this] { return client_->run(); });
        REQUIRE(emulator.wait_connections(1, 10000ms));
    }
    ~SlackDesk() {
        client_->stop();
        stopped_.wait();
    }

    // A slash command; returns the text of the reply that rode on its ack ("" for none).
    std::string slash(const std::string& user, const std::string& text) {
        std::string ack = emulator_.wait_ack(emulator_.slash(user, kChannel, text), 15000ms);
        INFO("/release " << text);
        REQUIRE_FALSE(ack.empty());
        const json::value payload = json::parse(ack).at("payload");
        last_payload_ = payload;
        std::string reply = payload.is_object() ? str(payload.at("text")) : std::string();
        slash_replies_.push_back(reply);
        deliver();
        return reply;
    }

    // A mention of the bot in the channel; its answer goes through the outbox.
    void mention(const std::string& user, const std::string& text) {
        INFO("@releasebot " << text);
        REQUIRE_FALSE(emulator_.wait_ack(emulator_.mention(user, kChannel, text), 15000ms).empty());
        deliver();
    }

    // Sends an envelope with `send`, runs `meanwhile` (a fault) while it is in flight, then waits
    // for its ack and delivers what it queued.
    template <class Send, class Meanwhile>
    void in_flight(Send send, Meanwhile meanwhile) {
        const std::string id = send();
        meanwhile();
        REQUIRE_FALSE(emulator_.wait_ack(id, 15000ms).empty());
        deliver();
    }

    // Delivers every pending outbox row. A row waiting out a 429 comes due on the sender's own
    // clock, moved forward here by the Retry-After, so the story's clock — what the database
    // records — is the same in every run.
    void deliver() {
        OutboxRepo outbox(worker_db_);
        if (sender_clock_.now() < clock_.now()) sender_clock_.set(clock_.now());
        REQUIRE(test::eventually(
            [&] {
                if (sender_.deliver_due() == 0 && outbox.pending_count() > 0)
                    sender_clock_.advance(Seconds(1));
                return outbox.pending_count() == 0;
            },
            15s));
    }

    // Moves the story's clock to `until`, firing each scheduled job at its time.
    void advance_to(const std::string& until) {
        scheduler_.invalidate();
        scheduler_.advance_to(clock_, test::utc(until));
        deliver();
    }

    // The element of the bot's message in `channel` whose value is `value` (a tick button):
    // {message ts, action id}.
    std::pair<std::string, std::string> button(const std::string& channel,
                                               const std::string& value) {
        json::value history = json::parse(emulator_.get("history?channel=" + channel));
        for (const auto& m : history.at("messages").as_array()) {
            const auto* blocks = m.as_object().if_contains("blocks");
            if (blocks == nullptr) continue;
            for (const auto& b : blocks->as_array()) {
                const auto* acc = b.as_object().if_contains("accessory");
                if (acc != nullptr && str(acc->at("value")) == value)
                    return {str(m.at("ts")), str(acc->at("action_id"))};
            }
        }
        FAIL("no button with value " << value << " in " << channel);
        return {};
    }

    // The button whose action id starts with `action` in the reply that rode on the last slash
    // command's ack: {action id, value}.
    std::pair<std::string, std::string> reply_button(const std::string& action) {
        if (last_payload_.is_object()) {
            for (const auto& b : last_payload_.at("blocks").as_array()) {
                const auto* els = b.as_object().if_contains("elements");
                if (els == nullptr) continue;
                for (const auto& e : els->as_array()) {
                    const auto* id = e.as_object().if_contains("action_id");
                    if (id != nullptr && str(*id).rfind(action, 0) == 0)
                        return {str(*id), str(e.at("value"))};
                }
            }
        }
        FAIL("no " << action << " button in the last reply");
        return {};
    }

    // The survey DM'd to `user` and its Answer button: {message ts, action id}.
    std::pair<std::string, std::string> answer_button(const std::string& dm) {
        json::value history = json::parse(emulator_.get("history?channel=" + dm));
        for (const auto& m : history.at("messages").as_array()) {
            const auto* blocks = m.as_object().if_contains("blocks");
            if (blocks == nullptr) continue;
            for (const auto& b : blocks->as_array()) {
                const auto* els = b.as_object().if_contains("elements");
                if (els == nullptr) continue;
                for (const auto& e : els->as_array()) {
                    const auto* id = e.as_object().if_contains("action_id");
                    if (id != nullptr && str(*id).rfind("survey.open", 0) == 0)
                        return {str(m.at("ts")), str(*id)};
                }
            }
        }
        FAIL("no survey in " << dm);
        return {};
    }

    Effects effects() {
        Effects out;
        auto rows = [&](int columns, const std::string& sql) {
            auto st = worker_db_.prepare(sql);
            while (st.step()) {
                std::string row;
                for (int i = 0; i < columns; ++i)
                    row += (i ? " | " : "") + (st.is_null(i) ? "<null>" : st.get_text(i));
                out.database.push_back(row);
            }
        };
        rows(5,
             "SELECT coalesce(r.key, '-'), a.at, a.actor, a.action, a.detail FROM audit_log a "
             "LEFT JOIN releases r ON r.id = a.release_id ORDER BY a.id");
        rows(5, "SELECT key, state, window_start, started_at, finished_at FROM releases");
        rows(4, "SELECT slug, status, done_by, done_at FROM release_controls ORDER BY position");
        rows(4, "SELECT author, status, reviewer, sent_at FROM communications ORDER BY id");
        rows(3,
             "SELECT position, respondent, value FROM retro_answers ORDER BY position, "
             "respondent");
        rows(3, "SELECT user_id, display_name, time_zone FROM people ORDER BY user_id");
        rows(3, "SELECT kind, due_at, status FROM scheduled_jobs ORDER BY id");
        rows(1, "SELECT count(*) FROM outbox WHERE status != 'sent'");

        for (const char* channel : {kChannel, kNews, "D1ALICE", "D1BOB"}) {
            json::value history =
                json::parse(emulator_.get(std::string("history?channel=") + channel));
            for (const auto& m : history.at("messages").as_array()) {
                const auto* blocks = m.as_object().if_contains("blocks");
                out.shown.insert(std::string(channel) + ": " + str(m.at("text")) + " " +
                                 (blocks ? json::serialize(*blocks) : std::string()));
            }
        }
        json::value all = json::parse(emulator_.get("messages"));
        for (const auto& m : all.at("messages").as_array()) {
            const std::string kind = str(m.at("kind"));
            if (kind == "ephemeral") {
                out.shown.insert("ephemeral to " + str(m.at("user")) + " in " +
                                 str(m.at("channel")) + ": " + str(m.at("text")));
            } else if (kind == "upload") {
                for (const auto& f : m.at("files").as_array())
                    out.shown.insert("file in " + str(m.at("channel")) + ": " +
                                     str(f.at("filename")) + "\n" + str(f.at("content")));
            } else if (kind == "view") {
                out.shown.insert("modal for " + str(m.at("user")) + ": " +
                                 str(m.at("private_metadata")) + " " +
                                 json::serialize(m.at("blocks")));
            }
        }
        out.slash_replies = slash_replies_;
        return out;
    }

    std::string text(const std::string& sql) {
        auto st = worker_db_.prepare(sql);
        if (!st.step()) return "<no row>";
        return st.is_null(0) ? "<null>" : st.get_text(0);
    }

  private:
    slack::ApiOptions api_options() const {
        return slack::ApiOptions{emulator_.api_url(), emulator_.ca_file(), 10000ms};
    }

    SlackEmulator& emulator_;
    test::TempDir dir_;
    std::string path_;
    Database db_;         // the Socket Mode client's connection
    Database worker_db_;  // the scheduler's and the outbox sender's
    ManualClock clock_;
    ManualClock sender_clock_;
    Pipeline pipeline_;
    Pipeline timers_;
    Scheduler scheduler_;
    slack::SlackWebApi app_api_;
    slack::SlackWebApi bot_api_;
    slack::SlackWebApi outbox_api_;
    slack::SlackUserDirectory users_;
    slack::SlackPort port_;
    OutboxSender sender_;
    std::unique_ptr<slack::SocketModeClient> client_;
    std::future<std::string> stopped_;
    std::vector<std::string> slash_replies_;
    json::value last_payload_;
};

Effects play_story(Fault fault) {
    SlackEmulatorOptions options;
    options.rate_per_second = 0;  // 429s come only from the storm, so every run is the same
    options.ack_timeout_ms = 1500;
    options.ping_interval_ms = 0;
    SlackEmulator emulator(options);
    // Slack's 3 s for using a trigger_id is not under test here; a loaded machine must not make
    // the modal fail to open.
    emulator.post("config", R"({"trigger_ttl_ms":60000})");
    emulator.users(kAlice, "alice", "UTC");
    emulator.users(kBob, "bob", "UTC");
    SlackDesk desk(emulator);
    const std::string key = kKey;

    // Planning, by typing.
    std::string planned =
        desk.slash(kAlice, "plan " + key + " \"Web December\" at 2026-12-02 14:00 for 2h");
    CHECK(contains(planned, "Planned " + key));
    desk.slash(kAlice, "channel add customers slack:" + std::string(kNews));
    // `/release plan add …` would read as `release plan add`; the plan commands are mentioned.
    desk.mention(kAlice, "plan add " + key + " deploy \"Deploy web 4.2.0\" takes 20m");
    desk.mention(kAlice, "plan add " + key + " backout \"Roll back to web 4.1.3\" takes 10m");
    CHECK(desk.text("SELECT count(*) FROM plan_steps") == "2");

    // The announcement: bob drafts, bob may not approve his own, alice approves.
    desk.slash(kBob, "comms draft " + key + " to customers on done \"Web December is live\"");
    CHECK(desk.text("SELECT status FROM communications") == "draft");
    desk.slash(kAlice, "comms review 1 approve");
    CHECK(desk.text("SELECT status || ' by ' || reviewer FROM communications") ==
          "approved by U1ALICE");

    // The controls, ticked with the buttons of the status message, by both of them.
    if (fault == Fault::rate_limits) {
        emulator.fault("chat.postMessage", 429, 6, 1);
        emulator.fault("chat.update", 429, 4, 2);
    }
    // releasebot has ticked the plans and the announcements itself, and offers no button for
    // them or for the components; the three controls people tick have one.
    CHECK(desk.text("SELECT count(*) FROM release_controls WHERE status = 'done'") == "3");
    const char* slugs[] = {"package-integrity", "ops-ready", "business-signoff"};
    int n = 0;
    for (const char* slug : slugs) {
        const std::string who = n % 2 == 0 ? kAlice : kBob;
        auto [ts, action] = desk.button(kChannel, "control tick " + key + " " + slug);
        auto press = [&, ts = ts, action = action] {
            return emulator.action(who, kChannel, ts, action);
        };
        if (fault == Fault::reconnect && n == 1) {
            // Slack asks for a fresh link while the press is in flight (make before break).
            desk.in_flight(press, [&] { emulator.disconnect("refresh_requested"); });
        } else if (fault == Fault::reconnect && n == 2) {
            // The link dies without a close frame; the press is redelivered if it was not acked.
            desk.in_flight(press, [&] { emulator.drop(); });
        } else {
            desk.in_flight(press, [] {});
        }
        ++n;
    }
    CHECK(desk.text("SELECT count(*) FROM release_controls WHERE status = 'done'") == "6");

    // The component ticks components-versioned.
    desk.slash(kAlice, "release add " + key + " web/frontend@4.2.0");
    CHECK(desk.text("SELECT count(*) FROM release_controls WHERE status = 'done'") == "7");
    std::string go = desk.slash(kAlice, "release go " + key);
    INFO("release go: " << go);
    CHECK(contains(go, "approved"));

    // The reminders before the window.
    if (fault == Fault::reconnect) {
        REQUIRE(emulator.wait_connections(1, 10000ms));
        emulator.disconnect("warning");
    }
    desk.advance_to("2026-12-02 14:00");

    // The window: start, the step, done. The announcement goes out on done.
    if (fault == Fault::rate_limits) emulator.fault("chat.postMessage", 429, 5, 3);
    desk.slash(kAlice, "release start " + key);
    desk.advance_to("2026-12-02 14:20");
    desk.slash(kAlice, "release step " + key + " 1 done");
    desk.slash(kAlice, "release done " + key);

    // The retrospective, answered through its modal by both.
    desk.slash(kAlice, "retro start " + key + " with <@U1ALICE> <@U1BOB>");
    // Each of them got the survey by direct message, alice who started it too.
    auto answer = [&](const std::string& user, auto press, const std::string& rating,
                      const std::string& went_well) {
        desk.in_flight(press, [] {});
        desk.in_flight(
            [&] {
                return emulator.submit(user, {{"q1", {{"answer", rating}}},
                                              {"q2", {{"answer", went_well}}},
                                              {"q5", {{"answer", "2"}}}});
            },
            [] {});
    };
    auto [alice_ts, alice_action] = desk.answer_button("D1ALICE");
    answer(
        kAlice,
        [&, ts = alice_ts, action = alice_action] {
            return emulator.action(kAlice, "D1ALICE", ts, action);
        },
        "4", "The checklist buttons");
    auto [ts, bob_action] = desk.answer_button("D1BOB");
    answer(
        kBob,
        [&, ts = ts, bob_action = bob_action] {
            return emulator.action(kBob, "D1BOB", ts, bob_action);
        },
        "5", "Calm window");
    desk.slash(kAlice, "retro close " + key);
    std::string results = desk.slash(kBob, "retro results " + key);
    CHECK(contains(results, "2 of 2"));
    desk.slash(kBob, "retro results " + key + " csv");

    // The faults did happen.
    if (fault == Fault::rate_limits) {
        int limited = 0;
        const json::value calls = json::parse(emulator.get("calls"));
        for (const auto& call : calls.at("calls").as_array())
            limited += call.at("status").as_int64() == 429;
        CHECK(limited == 6 + 4 + 5);
    }
    if (fault == Fault::reconnect) {
        CHECK(json::parse(emulator.get("connections")).at("total_opened").as_int64() >= 4);
    }
    return desk.effects();
}

}  // namespace

// The clean run, played once and compared with each fault run.
const Effects& clean_run() {
    static const Effects clean = play_story(Fault::none);
    return clean;
}

TEST_CASE("a release from /release plan to retro results through Slack", "[slack][e2e]") {
    const Effects& clean = clean_run();
    const auto& db = clean.database;
    auto rows_like = [&](const std::string& prefix, const std::string& needle = "") {
        return std::count_if(db.begin(), db.end(), [&](const std::string& r) {
            return r.rfind(prefix, 0) == 0 && contains(r, needle);
        });
    };
    INFO("database:\n"
         << [&] {
                std::string s;
                for (const auto& r : db) s += r + "\n";
                return s;
            }());
    // The release ran its course, and everyone's part is on record.
    CHECK(rows_like("web-2026.12 | deployed") == 1);
    // Three controls ticked by the two of them, four by releasebot itself.
    CHECK(rows_like("", "| done | U1ALICE |") == 2);
    CHECK(rows_like("", "| done | U1BOB |") == 1);
    CHECK(rows_like("", "| done | releasebot |") == 4);
    CHECK(rows_like("U1BOB | sent | U1ALICE | ") == 1);  // drafted by bob, approved by alice
    CHECK(rows_like("1 | U1ALICE | 4") == 1);
    CHECK(rows_like("1 | U1BOB | 5") == 1);
    CHECK(rows_like("2 | U1BOB | Calm window") == 1);
    CHECK(rows_like("5 | U1ALICE | no") == 1);
    CHECK(rows_like("U1ALICE | alice | UTC") == 1);
    CHECK(db.back() == "0");  // nothing left in the outbox

    // What the channel, the audience and the DMs show.
    auto shown = [&](const std::string& prefix, const std::string& needle) {
        return std::count_if(clean.shown.begin(), clean.shown.end(), [&](const std::string& m) {
            return m.rfind(prefix, 0) == 0 && contains(m, needle);
        });
    };
    INFO("shown:\n"
         << [&] {
                std::string s;
                for (const auto& m : clean.shown) s += m.substr(0, 160) + "\n";
                return s;
            }());
    CHECK(shown("C2NEWS: ", "Web December is live") == 1);
    // Added as an audience, the channel heard from releasebot at once: it can post there.
    CHECK(shown("C2NEWS: ", "releasebot will post announcements to audience *customers* here") ==
          1);
    CHECK(shown("C1RELEASE: ", "⏰ web-2026.12") == 3);  // T-24h, T-1h, T-15m
    CHECK(shown("D1BOB: ", "How did web-2026.12 go?") == 1);
    CHECK(shown("modal for U1BOB: ", "retro answer web-2026.12") == 1);
    CHECK(shown("modal for U1ALICE: ", "retro answer web-2026.12") == 1);
    CHECK(shown("file in C1RELEASE: ", "retro-web-2026.12.csv\nquestion,kind,prompt") == 1);
    CHECK(shown("file in C1RELEASE: ", "Calm window") == 1);
}

TEST_CASE("who adds a channel releasebot cannot post in hears so at once, and why",
          "[slack][e2e]") {
    SlackEmulator emulator;
    emulator.users(kAlice, "alice", "UTC");
    // A private channel releasebot was never invited to: Slack's chat.* calls there answer
    // channel_not_found.
    emulator.post("private_channel", R"({"channel":"C3SECRET","member":false})");
    SlackDesk desk(emulator);
    CHECK(contains(desk.slash(kAlice, "channel add insiders slack:C3SECRET"),
                   "Added slack:C3SECRET to audience *insiders*"));
    desk.slash(kAlice, "channel add customers slack:" + std::string(kNews));

    auto history = [&](const std::string& channel) {
        const json::value shown = json::parse(emulator.get("history?channel=" + channel));
        std::vector<std::string> texts;
        for (const auto& m : shown.at("messages").as_array())
            texts.push_back(json::serialize(m.at("blocks")));
        return texts;
    };

    // The public channel was greeted; the private one shows nothing; alice is told about the
    // private one only, with the platform's words and what to do.
    const auto news = history(kNews);
    REQUIRE(news.size() == 1);
    CHECK(contains(news[0], "releasebot will post announcements to audience *customers* here"));
    CHECK(history("C3SECRET").empty());
    const auto dms = history("D1ALICE");
    REQUIRE(dms.size() == 1);
    CHECK(contains(dms[0], "releasebot cannot post in slack:C3SECRET"));
    CHECK(contains(dms[0], "/invite @releasebot"));
    CHECK(contains(dms[0], "channel_not_found"));
    CHECK(desk.text("SELECT count(*) FROM outbox WHERE status = 'pending'") == "0");
    CHECK(desk.text("SELECT count(*) FROM outbox WHERE status = 'failed'") == "1");
}

TEST_CASE("Socket Mode links replaced and dropped mid-stream lose and repeat nothing",
          "[slack][e2e]") {
    const Effects& clean = clean_run();
    Effects faulty = play_story(Fault::reconnect);
    CHECK(faulty.database == clean.database);
    CHECK(faulty.shown == clean.shown);
    CHECK(faulty.slash_replies == clean.slash_replies);
}

TEST_CASE("a storm of 429s changes the pace of delivery and nothing else", "[slack][e2e]") {
    const Effects& clean = clean_run();
    Effects faulty = play_story(Fault::rate_limits);
    CHECK(faulty.database == clean.database);
    CHECK(faulty.shown == clean.shown);
    CHECK(faulty.slash_replies == clean.slash_replies);
}

}  // namespace releasebot
