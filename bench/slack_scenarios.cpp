// The Slack scenarios: command storm (with and without refresh_requested), retro burst,
// announcement fan-out and cold start. The bot under test is `releasebot slack` (or the null
// bot) as a child process; the Slack emulator (Node, tests/emulators/slack) is its Web API, and
// for the loads the C++ LinkServer plays the Socket Mode link (apps.connections.open points at
// it through the emulator's bench_link), so Node's single thread is not what is measured.
#include <signal.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "bench/common.hpp"
#include "bench/link_server.hpp"
#include "bench/scenarios.hpp"
#include "bench/seed.hpp"
#include "bench/workload.hpp"
#include "integrations/http/curl_client.hpp"
#include "storage/database.hpp"
#include "support/slack_emulator.hpp"

namespace releasebot::bench {

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr int kUsers = 50;
constexpr int kChannels = 100;

struct Target {
    std::string name;  // "releasebot" or "null"
    bool null = false;
};

std::vector<Target> targets(const Options& o) {
    std::vector<Target> out;
    if (o.who == "both" || o.who == "bot") out.push_back({"releasebot", false});
    if (o.who == "both" || o.who == "null") out.push_back({"null", true});
    return out;
}

std::string db_kind(const Options& o) {
    return o.db_dir.string().rfind("/dev/shm", 0) == 0 ? "tmpfs" : "disk";
}

void say(const std::string& s) {
    std::cerr << "bench: " << s << std::endl;
}

void print(const Line& line) {
    std::cout << line.text() << std::endl;
}

// The Slack emulator (the Web API) and, when `link`, the C++ Socket Mode link it points at.
struct SlackRig {
    test::SlackEmulator emulator;
    std::unique_ptr<LinkServer> link;

    SlackRig(const test::SlackEmulatorOptions& options, bool with_link) : emulator(options) {
        if (!with_link) return;
        const fs::path dir = fs::path(emulator.ca_file()).parent_path();
        link = std::make_unique<LinkServer>(emulator.ca_file(), (dir / "key.pem").string());
        emulator.post("bench_link", json::serialize(json::object{{"url", link->url()}}));
    }

    std::vector<std::string> env() const {
        return {"SLACK_BOT_TOKEN=" + std::string(test::kSlackBotToken),
                "SLACK_APP_TOKEN=" + std::string(test::kSlackAppToken),
                "SLACK_API_URL=" + emulator.api_url(), "SLACK_CA_FILE=" + emulator.ca_file()};
    }
};

test::SlackEmulatorOptions quiet_emulator() {
    test::SlackEmulatorOptions o;
    o.ping_interval_ms = 0;    // no pings in the measurements
    o.ack_timeout_ms = 60000;  // the link server counts lost acks; no redelivery
    return o;
}

std::unique_ptr<ChildProcess> start_slack_bot(const Options& o, const Target& t, const fs::path& db,
                                              const SlackRig& rig, const std::string& log_name) {
    std::vector<std::string> args;
    if (t.null) {
        args = {o.null_bot.string(), "slack"};
    } else {
        args = {o.bot.string(), "slack", "--db", db.string(), "--log-level", "warn"};
    }
    return std::make_unique<ChildProcess>(args, rig.env(), o.work_dir / (log_name + ".log"));
}

}  // namespace

bool stop_ok(ChildProcess& p, const std::string& what, Usage* usage) {
    const bool was_running = p.running();
    Usage u = p.stop(SIGTERM, std::chrono::milliseconds(5000));
    if (usage) *usage = u;
    if (u.killed) say(what + " did not stop within 5 s of SIGTERM; killed");
    if (!was_running || !u.clean(SIGTERM)) {
        say(what + " ended badly (" + (was_running ? "" : "before it was stopped; ") + "exit " +
            std::to_string(u.exit_code) + ", signal " + std::to_string(u.term_signal) + "):\n" +
            p.log_tail());
        return false;
    }
    return true;
}

namespace {

// The hello of the bot's first link after `since`; nullopt when it did not come within 30 s or
// the bot died first.
std::optional<SteadyClock::time_point> wait_connected(LinkServer& link, ChildProcess& bot,
                                                      SteadyClock::time_point since) {
    const auto deadline = SteadyClock::now() + 30s;
    while (SteadyClock::now() < deadline) {
        if (auto hello = link.wait_link(50ms, since)) return hello;
        if (!bot.running()) return std::nullopt;
    }
    return std::nullopt;
}

// The templates are seeded once per work directory and copied for each run.
fs::path template_db(const Options& o, const std::string& name) {
    return o.work_dir / ("template-" + name + ".db");
}

fs::path storm_template(const Options& o) {
    const fs::path t = template_db(o, "storm-" + std::to_string(o.seed_releases));
    ensure_template(t, [&](const fs::path& p) {
        const auto start = SteadyClock::now();
        seed_releases(p, Workspace{}, o.seed_releases);
        say("seeded " + std::to_string(o.seed_releases) + " releases in " +
            std::to_string(static_cast<int>(ms_between(start, SteadyClock::now()))) + " ms");
    });
    return t;
}

std::int64_t count(const fs::path& db, const std::string& sql) {
    Database d(db.string());
    auto st = d.prepare(sql);
    return st.step() ? st.get_int(0) : 0;
}

}  // namespace

// ---- command storm --------------------------------------------------------------------------

bool run_storm(const Options& o, bool refresh) {
    const fs::path tmpl = storm_template(o);
    SlackRig rig(quiet_emulator(), true);
    bool ok = true;
    const std::string bench = refresh ? "command_storm_refresh" : "command_storm";
    for (const Target& t : targets(o)) {
        for (int inflight : o.inflight) {
            const fs::path db = o.db_dir / "storm.db";
            prepare_database(o, tmpl, db);
            const auto launched = SteadyClock::now();
            auto bot = start_slack_bot(o, t, db, rig,
                                       bench + "-" + t.name + "-" + std::to_string(inflight));
            if (!wait_connected(*rig.link, *bot, launched)) {
                say(t.name + " did not connect:\n" + bot->log_tail());
                return false;
            }
            StormSource source(o.seed_releases, t.name.substr(0, 1) + std::to_string(inflight),
                               kUsers, kChannels);
            LoadSpec warm;
            warm.total = o.warmup;
            warm.inflight = inflight;
            source.begin(warm.total);
            LoadResult w = rig.link->run(source, warm);

            LoadSpec spec;
            spec.total = o.ops;
            spec.inflight = inflight;
            spec.max_duration = std::chrono::milliseconds(static_cast<long>(o.seconds * 1000));
            if (refresh) {
                // Every `refresh_every` envelopes, unless the bot is too slow to reach that many
                // in the run (a database on disk): then often enough for four refreshes at the
                // pace of the warm-up. The line says which interval was used.
                const double expected = w.ops_per_s() * o.seconds;
                spec.refresh_every = std::min<std::uint64_t>(
                    o.refresh_every,
                    std::max<std::uint64_t>(50, static_cast<std::uint64_t>(expected / 4)));
            }
            source.begin(spec.total);
            const double cpu0 = bot->cpu_seconds();
            LoadResult r = rig.link->run(source, spec);
            const double cpu = bot->cpu_seconds() - cpu0;
            const long peak = bot->peak_rss_kb();
            Usage u;
            const bool stopped = stop_ok(*bot, t.name, &u);
            if (o.verbose) say(source.samples());

            Line line(bench);
            line.add("bot", t.name).add("inflight", inflight).add("ops", r.acked);
            line.add("ops_per_s", r.ops_per_s(), 0);
            line.add("p50_ms", r.latency.percentile(50), 3)
                .add("p99_ms", r.latency.percentile(99), 3);
            line.add("max_ms", r.latency.max(), 3).add("peak_rss_kb", peak).add("cpu_s", cpu, 2);
            line.add("lost", r.lost + w.lost).add("dup", r.dup + w.dup);
            if (refresh) {
                line.add("refresh_every", spec.refresh_every).add("refreshes", r.refreshes);
                line.add("links", r.links_used);
            }
            line.add("refused", source.refused())
                .add("stop_ms", u.stop_ms, 0)
                .add("db", db_kind(o));
            print(line);
            if (!stopped || w.lost + r.lost > 0 || w.dup + r.dup > 0 || r.acked == 0 ||
                source.refused() > 0) {
                if (source.refused() > 0) say(source.samples());
                ok = false;
            }
        }
    }
    return ok;
}

// ---- retro burst ----------------------------------------------------------------------------

bool run_retro(const Options& o) {
    const int respondents = std::max(1, o.retro_answers / 5);
    const fs::path tmpl = template_db(o, "retro-" + std::to_string(respondents));
    ensure_template(tmpl, [&](const fs::path& p) {
        seed_releases(p, Workspace{}, 10);
        seed_retro(p, Workspace{}, respondents);
    });
    const std::string key = release_key(0);
    SlackRig rig(quiet_emulator(), true);
    bool ok = true;
    for (const Target& t : targets(o)) {
        const fs::path db = o.db_dir / "retro.db";
        prepare_database(o, tmpl, db);
        const auto launched = SteadyClock::now();
        auto bot = start_slack_bot(o, t, db, rig, "retro-" + t.name);
        if (!wait_connected(*rig.link, *bot, launched)) {
            say(t.name + " did not connect:\n" + bot->log_tail());
            return false;
        }
        // Each respondent has been seen before (users.info cached), as people who took part in
        // a release have.
        std::vector<std::string> users;
        for (int i = 0; i < respondents; ++i) users.push_back(bench_user(i));
        TextSource warm_source(users, "C0RETRO", "show " + key);
        LoadSpec warm;
        warm.total = static_cast<std::uint64_t>(respondents);
        warm.inflight = 16;
        LoadResult w = rig.link->run(warm_source, warm);

        RetroSource source(key);
        LoadSpec spec;
        spec.total = static_cast<std::uint64_t>(o.retro_answers);
        spec.inflight = 0;  // the burst: everything at once
        spec.stall = 10s;
        const double cpu0 = bot->cpu_seconds();
        LoadResult r = rig.link->run(source, spec);
        const double cpu = bot->cpu_seconds() - cpu0;
        const long peak = bot->peak_rss_kb();
        Usage u;
        const bool stopped = stop_ok(*bot, t.name, &u);
        std::int64_t stored = 0;
        if (!t.null) stored = count(db, "SELECT count(*) FROM retro_answers");

        Line line("retro_burst");
        line.add("bot", t.name).add("answers", r.acked).add("seconds", r.seconds, 3);
        line.add("answers_per_s", r.ops_per_s(), 0);
        line.add("p50_ms", r.latency.percentile(50), 1).add("p99_ms", r.latency.percentile(99), 1);
        line.add("max_ms", r.latency.max(), 1)
            .add("stored", t.null ? std::string("-") : std::to_string(stored));
        line.add("peak_rss_kb", peak).add("cpu_s", cpu, 2).add("lost", r.lost + w.lost);
        line.add("dup", r.dup + w.dup).add("stop_ms", u.stop_ms, 0).add("db", db_kind(o));
        print(line);
        if (!stopped || r.lost + w.lost > 0 || r.dup + w.dup > 0 ||
            (!t.null && stored != o.retro_answers))
            ok = false;
    }
    return ok;
}

// ---- announcement fan-out -------------------------------------------------------------------

namespace {

struct FanoutOutcome {
    double seconds = 0;
    double first = 0;   // to the first post
    int delivered = 0;  // fan-out channels with the message
    int dup = 0;        // extra copies
    int limited = 0;    // 429 answers on the way
};

// What the emulator recorded for the fan-out channels since `since_ms` (its wall clock).
FanoutOutcome fanout_outcome(test::SlackEmulator& emulator, long long since_ms,
                             const std::string& text) {
    FanoutOutcome out;
    const json::value all = json::parse(emulator.get("messages?kind=postMessage"));
    std::map<std::string, int> per_channel;
    long long last = since_ms;
    long long first = 0;
    for (const auto& m : all.at("messages").as_array()) {
        const std::string channel(m.at("channel").as_string());
        if (channel.rfind("C0FAN", 0) != 0) continue;
        const auto* t = m.as_object().if_contains("text");
        if (t == nullptr || !t->is_string() ||
            std::string(t->as_string()).find(text) == std::string::npos)
            continue;
        ++per_channel[channel];
        const long long at = m.at("at").to_number<long long>();
        last = std::max(last, at);
        first = first == 0 ? at : std::min(first, at);
    }
    for (const auto& [channel, n] : per_channel) {
        ++out.delivered;
        out.dup += n - 1;
    }
    const json::value calls = json::parse(emulator.get("calls?method=chat.postMessage"));
    for (const auto& c : calls.at("calls").as_array())
        out.limited += c.at("status").as_int64() == 429;
    out.seconds = static_cast<double>(last - since_ms) / 1000.0;
    out.first = first == 0 ? 0 : static_cast<double>(first - since_ms) / 1000.0;
    return out;
}

long long wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

int ok_posts(test::SlackEmulator& emulator) {
    const json::value calls = json::parse(emulator.get("calls?method=chat.postMessage"));
    int n = 0;
    for (const auto& c : calls.at("calls").as_array()) n += c.at("status").as_int64() == 200;
    return n;
}

// The null sender: the same messages posted one after another over one kept-alive connection,
// as fast as the emulator's limits let through (a 429 puts the channel back after Retry-After).
// What the limits and the harness allow: the ideal the bot is compared with.
FanoutOutcome null_fanout(test::SlackEmulator& emulator, int channels, const std::string& text) {
    http::CurlClient curl(10000ms, emulator.ca_file());
    const std::vector<std::string> headers = {
        "Authorization: Bearer " + std::string(test::kSlackBotToken),
        "Content-Type: application/json; charset=utf-8"};
    const long long start = wall_ms();
    std::deque<std::pair<int, SteadyClock::time_point>> queue;
    for (int i = 0; i < channels; ++i) queue.emplace_back(i, SteadyClock::now());
    while (!queue.empty()) {
        auto [i, not_before] = queue.front();
        queue.pop_front();
        if (SteadyClock::now() < not_before) std::this_thread::sleep_until(not_before);
        json::object body{
            {"channel", fanout_channel(i)},
            {"text", text},
            {"blocks", json::array{json::object{
                           {"type", "section"},
                           {"text", json::object{{"type", "mrkdwn"}, {"text", text}}}}}}};
        auto reply = curl.perform("POST", emulator.api_url() + "chat.postMessage",
                                  json::serialize(body), headers);
        if (reply.status == 429) {
            queue.emplace_back(i, SteadyClock::now() + http::parse_retry_after(reply.retry_after));
        } else if (reply.status != 200) {
            queue.emplace_back(i, SteadyClock::now() + 100ms);
        }
    }
    return fanout_outcome(emulator, start, text);
}

}  // namespace

bool run_fanout(const Options& o) {
    const std::string text = "Fan-out announcement: web 4.2 is live";
    const fs::path tmpl = template_db(o, "fanout-" + std::to_string(o.fanout_channels));
    ensure_template(tmpl, [&](const fs::path& p) {
        seed_releases(p, Workspace{}, 10);
        seed_fanout(p, Workspace{}, o.fanout_channels, text);
    });
    bool ok = true;
    std::optional<double> ideal;
    // The null sender first, so the bot's line can say how far it is from it.
    std::vector<Target> ts = targets(o);
    std::stable_sort(ts.begin(), ts.end(),
                     [](const Target& a, const Target& b) { return a.null > b.null; });
    for (const Target& t : ts) {
        // The emulator's default limits: chat.postMessage 1 a second per channel, bursts of 3.
        test::SlackEmulatorOptions eo;
        eo.ping_interval_ms = 0;
        SlackRig rig(eo, false);
        FanoutOutcome f;
        long peak = 0;
        double cpu = 0;
        bool stopped = true;
        if (t.null) {
            // Twice, the faster kept: the ideal should not carry one run's noise.
            f = null_fanout(rig.emulator, o.fanout_channels, text);
            rig.emulator.reset();
            FanoutOutcome again = null_fanout(rig.emulator, o.fanout_channels, text);
            if (again.seconds < f.seconds) f = again;
            ideal = f.seconds;
        } else {
            const fs::path db = o.db_dir / "fanout.db";
            prepare_database(o, tmpl, db);
            auto bot = start_slack_bot(o, t, db, rig, "fanout-" + t.name);
            if (!rig.emulator.wait_connections(1, 20000ms)) {
                say("releasebot did not connect:\n" + bot->log_tail());
                return false;
            }
            const int before = ok_posts(rig.emulator);
            const int comms = static_cast<int>(count(db, "SELECT max(id) FROM communications"));
            const double cpu0 = bot->cpu_seconds();
            const long long start = wall_ms();
            const std::string ack = rig.emulator.wait_ack(
                rig.emulator.slash(Workspace{}.manager, "C0HOME00000",
                                   "comms review " + std::to_string(comms) + " approve"),
                10000ms);
            if (ack.empty()) say("the approval was not acknowledged");
            const auto deadline = SteadyClock::now() + (o.smoke ? 30s : 120s);
            while (SteadyClock::now() < deadline &&
                   ok_posts(rig.emulator) - before < o.fanout_channels)
                std::this_thread::sleep_for(20ms);
            // Anything more (a duplicate) would come within the outbox's next ticks.
            std::this_thread::sleep_for(500ms);
            cpu = bot->cpu_seconds() - cpu0;
            peak = bot->peak_rss_kb();
            f = fanout_outcome(rig.emulator, start, text);
            stopped = stop_ok(*bot, t.name);
        }
        Line line("fanout");
        line.add("bot", t.name).add("channels", o.fanout_channels).add("delivered", f.delivered);
        line.add("seconds", f.seconds, 3).add("first_s", f.first, 3);
        line.add("ideal_s", ideal ? *ideal : 0.0, 3);
        line.add("vs_ideal", ideal && *ideal > 0 ? f.seconds / *ideal : 1.0, 2);
        line.add("rate_limited", f.limited).add("lost", o.fanout_channels - f.delivered);
        line.add("dup", f.dup).add("peak_rss_kb", t.null ? std::string("-") : std::to_string(peak));
        line.add("cpu_s", cpu, 2).add("db", t.null ? std::string("-") : db_kind(o));
        print(line);
        if (!stopped || f.delivered != o.fanout_channels || f.dup > 0) ok = false;
    }
    return ok;
}

// ---- cold start -----------------------------------------------------------------------------

bool run_coldstart(const Options& o) {
    const fs::path tmpl = template_db(o, "cold-" + std::to_string(o.cold_releases));
    ensure_template(tmpl, [&](const fs::path& p) {
        const auto start = SteadyClock::now();
        seed_releases(p, Workspace{}, std::min(o.cold_releases, 1000));
        grow_releases(p, o.cold_releases);
        say("seeded " + std::to_string(o.cold_releases) + " releases in " +
            std::to_string(static_cast<int>(ms_between(start, SteadyClock::now()))) + " ms");
    });
    SlackRig rig(quiet_emulator(), true);
    bool ok = true;
    for (const Target& t : targets(o)) {
        Latencies connected, first_ack;
        long idle_rss = 0, peak = 0;
        for (int trial = 0; trial < o.cold_trials; ++trial) {
            const fs::path db = o.db_dir / "cold.db";
            if (!t.null) prepare_database(o, tmpl, db);
            auto bot =
                start_slack_bot(o, t, db, rig, "cold-" + t.name + "-" + std::to_string(trial));
            const auto launched = bot->started();
            auto hello = wait_connected(*rig.link, *bot, launched);
            if (!hello) {
                say(t.name + " did not connect:\n" + bot->log_tail());
                return false;
            }
            connected.add(ms_between(launched, *hello));
            TextSource one({bench_user(0)}, "C0HOME00000", "show " + release_key(1));
            LoadSpec spec;
            spec.total = 1;
            LoadResult r = rig.link->run(one, spec);
            first_ack.add(ms_between(launched, SteadyClock::now()));
            if (r.acked != 1) ok = false;
            if (trial == o.cold_trials - 1) {
                std::this_thread::sleep_for(o.smoke ? 200ms : 1000ms);
                idle_rss = bot->rss_kb();
                peak = bot->peak_rss_kb();
            }
            if (!stop_ok(*bot, t.name)) ok = false;
        }
        Line line("cold_start");
        line.add("bot", t.name).add("releases", o.cold_releases).add("trials", o.cold_trials);
        line.add("connected_ms_p50", connected.percentile(50), 1);
        line.add("connected_ms_max", connected.max(), 1);
        line.add("first_ack_ms_p50", first_ack.percentile(50), 1);
        line.add("idle_rss_kb", idle_rss).add("peak_rss_kb", peak).add("db", db_kind(o));
        print(line);
    }
    return ok;
}

}  // namespace releasebot::bench
