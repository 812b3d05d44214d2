// Teams inbound: activities with valid signed JWTs POSTed to /api/messages of `releasebot
// serve` at 1, 16 and 64 concurrent connections. The Teams emulator (Node,
// tests/emulators/teams) is the Bot Framework side the bot trusts: its OpenID metadata and key
// set (fetched once by the bot), its token endpoint and Connector (where the replies go), and
// the channel token, signed by it for the emulator's service URL. As in Teams, one token is
// reused on every activity for its hour of validity; the bot checks it fully (signature,
// issuer, audience, expiry, serviceurl, endorsement) and caches what it verified.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "bench/common.hpp"
#include "bench/http_load.hpp"
#include "bench/scenarios.hpp"
#include "bench/seed.hpp"
#include "bench/workload.hpp"
#include "integrations/http/curl_client.hpp"
#include "storage/database.hpp"
#include "support/teams_emulator.hpp"

namespace releasebot::bench {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

void say(const std::string& s) {
    std::cerr << "bench: " << s << std::endl;
}

std::string conversation(int i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "19:bench-home-%05d@thread.tacv2", i);
    return buf;
}

// `releasebot serve` for Teams alone, on 127.0.0.1:`port`.
fs::path write_config(const Options& o, const test::TeamsEmulator& emu, const fs::path& db,
                      int port) {
    const fs::path path = o.work_dir / "teams-bench.toml";
    std::ofstream out(path);
    out << "[database]\npath = \"" << db.string() << "\"\n\n"
        << "[http]\nlisten = \"127.0.0.1:" << port << "\"\n\n"
        << "[log]\nlevel = \"warn\"\n\n"
        << "[teams]\napp_id = \"" << test::kTeamsAppId << "\"\n"
        << "app_password = \"" << test::kTeamsAppPassword << "\"\n"
        << "token_url = \"" << emu.token_url() << "\"\n"
        << "openid_metadata_url = \"" << emu.metadata_url() << "\"\n"
        << "token_issuer = \"" << test::kTeamsIssuer << "\"\n"
        << "ca_file = \"" << emu.ca_file() << "\"\n";
    out.close();
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
    return path;
}

// Waits until something answers HTTP on the port (the bot's /healthz, the null bot's anything).
bool wait_http(int port, std::chrono::milliseconds timeout) {
    http::CurlClient curl(1000ms, "");
    const auto deadline = SteadyClock::now() + timeout;
    while (SteadyClock::now() < deadline) {
        auto reply =
            curl.perform("GET", "http://127.0.0.1:" + std::to_string(port) + "/healthz", "", {});
        if (reply.status > 0) return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

}  // namespace

bool run_teams(const Options& o) {
    const fs::path tmpl =
        o.work_dir / ("template-teams-" + std::to_string(o.seed_releases) + ".db");
    ensure_template(
        tmpl, [&](const fs::path& p) { seed_releases(p, teams_workspace(), o.seed_releases); });
    test::TeamsEmulator emu;
    const std::string service_url = emu.service_url();
    const std::string authorization = "Bearer " + emu.token(test::TeamsToken::valid, service_url);
    bool ok = true;
    std::vector<std::pair<std::string, bool>> ts;
    if (o.who == "both" || o.who == "bot") ts.emplace_back("releasebot", false);
    if (o.who == "both" || o.who == "null") ts.emplace_back("null", true);
    for (const auto& [name, null] : ts) {
        for (int concurrency : o.inflight) {
            const fs::path db = o.db_dir / "teams.db";
            prepare_database(o, tmpl, db);
            const int port = free_port();
            std::vector<std::string> args;
            if (null) {
                args = {o.null_bot.string(), "teams", "--listen",
                        "127.0.0.1:" + std::to_string(port)};
            } else {
                args = {o.bot.string(), "serve",
                        "--config",     write_config(o, emu, db, port).string(),
                        "--log-level",  "warn"};
            }
            ChildProcess bot(
                args, {},
                o.work_dir / ("teams-" + name + "-" + std::to_string(concurrency) + ".log"));
            if (!wait_http(port, 20s)) {
                say(name + " did not listen:\n" + bot.log_tail());
                return false;
            }
            CommandMix mix(o.seed_releases, name.substr(0, 1) + std::to_string(concurrency));
            std::vector<CommandMix::Command> sent;
            std::uint64_t ticks = 0, plans = 0;  // answered 200
            std::uint64_t base = 0;  // activity ids go on across the warm-up and the load
            auto body = [&](std::uint64_t seq) {
                CommandMix::Command c = mix.next();
                sent.push_back(c);
                const std::uint64_t n = base + seq;
                return teams_message("bench-" + std::to_string(n), service_url, test::kTeamsAppId,
                                     teams_user(static_cast<int>(n % 50)),
                                     conversation(static_cast<int>(n % 100)),
                                     CommandMix::full_text(c));
            };
            // The answer is an empty 200 (the reply goes through the outbox), so a command's
            // success is read back from the database afterwards, not from the answer.
            auto answered = [&](std::uint64_t seq, int status, std::string_view) {
                if (status != 200) return;
                const CommandMix::Op op = sent[base + seq].op;
                ticks += op == CommandMix::Op::tick;
                plans += op == CommandMix::Op::plan;
            };
            HttpLoadSpec warm;
            warm.port = port;
            warm.authorization = authorization;
            warm.concurrency = concurrency;
            warm.total = o.warmup;
            HttpLoadResult w = run_http_load(warm, body, answered);
            base += w.sent;
            for (std::uint64_t i = 0; i < w.sent; ++i) {
                if (sent[i].op == CommandMix::Op::plan) mix.planned(sent[i].key);
            }

            HttpLoadSpec spec = warm;
            spec.total = o.ops;
            spec.max_duration = std::chrono::milliseconds(static_cast<long>(o.seconds * 1000));
            const double cpu0 = bot.cpu_seconds();
            HttpLoadResult r = run_http_load(spec, body, answered);
            const double cpu = bot.cpu_seconds() - cpu0;
            const long peak = bot.peak_rss_kb();
            Usage u;
            const bool clean = stop_ok(bot, name, &u);
            // Commands that were answered 200 but did not do their work (a refusal, which Teams
            // hears through the Connector): ticks not on record, plans without their release. The
            // controls releasebot ticks itself are not the commands' doing.
            std::int64_t refused = 0;
            if (!null) {
                Database d(db.string());
                auto scalar = [&d](const char* sql) {
                    auto st = d.prepare(sql);
                    return st.step() ? st.get_int(0) : 0;
                };
                refused = static_cast<std::int64_t>(ticks) -
                          scalar(
                              "SELECT count(*) FROM release_controls WHERE status = 'done' "
                              "AND done_by IS NOT 'releasebot'") +
                          static_cast<std::int64_t>(plans) -
                          (scalar("SELECT count(*) FROM releases") - o.seed_releases);
            }

            Line line("teams_inbound");
            line.add("bot", name).add("concurrency", concurrency).add("ops", r.ok);
            line.add("ops_per_s", r.ops_per_s(), 0);
            line.add("p50_ms", r.latency.percentile(50), 3)
                .add("p99_ms", r.latency.percentile(99), 3);
            line.add("max_ms", r.latency.max(), 3).add("peak_rss_kb", peak).add("cpu_s", cpu, 2);
            line.add("stop_ms", u.stop_ms, 0)
                .add("failed", r.failed + w.failed)
                .add("refused", null ? std::string("-") : std::to_string(refused))
                .add("db", o.db_dir.string().rfind("/dev/shm", 0) == 0 ? "tmpfs" : "disk");
            std::cout << line.text() << std::endl;
            if (r.failed + w.failed > 0) say("first failure: " + r.first_failure + w.first_failure);
            if (!clean || r.failed + w.failed > 0 || r.ok == 0 || refused != 0) ok = false;
        }
    }
    return ok;
}

}  // namespace releasebot::bench
