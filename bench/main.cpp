// releasebot_bench: the benchmark driver. `releasebot_bench <scenario>… [options]`
// runs the scenarios named (or `all`), each against releasebot and the null bot, and prints one
// result line per run on stdout; bench/run builds everything and calls it. Exit status 1 when a
// scenario broke (lost or duplicated acks, answers not stored, a crash), 2 for bad usage.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <set>

#include "bench/common.hpp"
#include "bench/scenarios.hpp"
#include "bench/seed.hpp"
#include "storage/database.hpp"

namespace {

namespace fs = std::filesystem;
using releasebot::bench::Options;

const std::vector<std::string> kScenarios = {"storm", "refresh",   "retro",    "fanout",
                                             "teams", "scheduler", "coldstart"};

// What one durable commit costs where the bots' databases live, measured as the bot commits
// (releasebot's Database: WAL, synchronous=FULL): on a disk each commit waits for an fsync, whose
// latency on a shared virtual disk changes from minute to minute, so every scenario is preceded
// by this line to read its figures against.
void storage_probe(const Options& o) {
    const fs::path path = o.db_dir / "storage-probe.db";
    releasebot::bench::remove_database(path);
    constexpr int kCommits = 100;
    double ms = 0;
    {
        releasebot::Database db(path.string());
        db.exec("CREATE TABLE probe (n INTEGER)");
        const auto start = releasebot::bench::SteadyClock::now();
        for (int i = 0; i < kCommits; ++i) {
            releasebot::Transaction tx(db);
            db.prepare("INSERT INTO probe (n) VALUES (?)").bind(1, i).run();
            tx.commit();
        }
        ms = releasebot::bench::ms_between(start, releasebot::bench::SteadyClock::now()) / kCommits;
    }
    releasebot::bench::remove_database(path);
    releasebot::bench::Line line("storage_probe");
    line.add("db", o.db_dir.string().rfind("/dev/shm", 0) == 0 ? "tmpfs" : "disk");
    line.add("commit_ms", ms, 3).add("commits_per_s", ms > 0 ? 1000.0 / ms : 0.0, 0);
    std::cout << line.text() << std::endl;
}

// Tiny runs: every scenario in seconds, to keep them working (bench_smoke in CTest).
void make_smoke(Options& o) {
    o.inflight = {1, 16};
    o.ops = 300;
    o.seconds = 2;
    o.warmup = 20;
    o.seed_releases = 40;
    o.refresh_every = 100;
    o.retro_answers = 200;
    o.fanout_channels = 20;
    o.pending_reminders = 2000;
    o.due_jobs = 10;
    o.due_seconds = 1;
    o.cold_releases = 400;
    o.cold_trials = 1;
}

}  // namespace

namespace {

// `releasebot_bench seed --db FILE [--releases N] [--grow TOTAL] [--teams]`: the storm's
// database on its own (N releases of 7 controls planned through the pipeline, then copied in SQL
// up to TOTAL), e.g. to try `releasebot console --db FILE` or a profiler on it.
int seed_main(int argc, char** argv) {
    std::string db;
    int releases = 1000, grow = 0;
    bool teams = false;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--teams") {
            teams = true;
        } else if (i + 1 < argc && a == "--db") {
            db = argv[++i];
        } else if (i + 1 < argc && a == "--releases") {
            releases = std::stoi(argv[++i]);
        } else if (i + 1 < argc && a == "--grow") {
            grow = std::stoi(argv[++i]);
        } else {
            std::cerr << "usage: releasebot_bench seed --db FILE [--releases N] [--grow TOTAL] "
                         "[--teams]\n";
            return 2;
        }
    }
    if (db.empty()) {
        std::cerr << "releasebot_bench seed: --db FILE is required\n";
        return 2;
    }
    const auto start = releasebot::bench::SteadyClock::now();
    releasebot::bench::seed_releases(
        db, teams ? releasebot::bench::teams_workspace() : releasebot::bench::Workspace{},
        releases);
    if (grow > releases) releasebot::bench::grow_releases(db, grow);
    std::cerr << "seeded " << db << " in "
              << static_cast<int>(
                     releasebot::bench::ms_between(start, releasebot::bench::SteadyClock::now()))
              << " ms\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "scheduler-loop") {
        return releasebot::bench::scheduler_loop_main(argc, argv);
    }
    if (argc > 1 && std::string(argv[1]) == "seed") {
        try {
            return seed_main(argc, argv);
        } catch (const std::exception& e) {
            std::cerr << "releasebot_bench seed: " << e.what() << "\n";
            return 1;
        }
    }
    CLI::App app{"releasebot_bench: the benchmark scenarios (see bench/README.md)",
                 "releasebot_bench"};
    Options o;
    std::vector<std::string> scenarios;
    std::string work_dir, db_dir, bot, null_bot;
    app.add_option("scenario", scenarios,
                   "storm, refresh, retro, fanout, teams, scheduler, "
                   "coldstart, or all")
        ->required();
    app.add_option("--work-dir", work_dir, "Databases, logs and templates go here")->required();
    app.add_option("--db-dir", db_dir,
                   "Where the bots' databases live (default: --work-dir; "
                   "/dev/shm for tmpfs)");
    app.add_option("--bot", bot, "The releasebot binary")->required();
    app.add_option("--null-bot", null_bot, "The releasebot_null_bot binary")->required();
    app.add_option("--who", o.who, "bot, null or both")
        ->check(CLI::IsMember({"bot", "null", "both"}));
    app.add_flag("--smoke", o.smoke, "Tiny runs: seconds in all");
    app.add_flag("--verbose", o.verbose, "Sample replies and more on stderr");
    app.add_option("--inflight", o.inflight, "In flight / concurrent, for storm and teams");
    app.add_option("--ops", o.ops, "Envelopes or activities per run, at most");
    app.add_option("--seconds", o.seconds, "Seconds per run, at most");
    app.add_option("--refresh-every", o.refresh_every, "Envelopes between refresh_requested");
    app.add_option("--retro-answers", o.retro_answers, "Answers in the retro burst");
    app.add_option("--fanout-channels", o.fanout_channels, "Channels of the fan-out");
    app.add_option("--pending", o.pending_reminders, "Pending reminders of the scheduler run");
    app.add_option("--cold-releases", o.cold_releases, "Stored releases at cold start");
    app.add_option("--cold-trials", o.cold_trials, "Launches per bot at cold start");
    app.add_option("--db-sql", o.db_sql,
                   "SQL run on each bot database before the bot starts (what-if experiments, "
                   "e.g. an index a migration would add)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (o.smoke) {
        // Smoke sizes, unless given explicitly.
        Options defaults;
        Options smoke = o;
        make_smoke(smoke);
        auto keep = [&](auto Options::*field) {
            if (o.*field == defaults.*field) o.*field = smoke.*field;
        };
        keep(&Options::inflight);
        keep(&Options::ops);
        keep(&Options::seconds);
        keep(&Options::warmup);
        keep(&Options::seed_releases);
        keep(&Options::refresh_every);
        keep(&Options::retro_answers);
        keep(&Options::fanout_channels);
        keep(&Options::pending_reminders);
        keep(&Options::due_jobs);
        keep(&Options::due_seconds);
        keep(&Options::cold_releases);
        keep(&Options::cold_trials);
    }
    o.work_dir = fs::absolute(work_dir);
    o.db_dir = db_dir.empty() ? o.work_dir : fs::absolute(db_dir);
    o.bot = fs::absolute(bot);
    o.null_bot = fs::absolute(null_bot);
    o.self = fs::canonical("/proc/self/exe");
    fs::create_directories(o.work_dir);
    fs::create_directories(o.db_dir);

    std::set<std::string> wanted(scenarios.begin(), scenarios.end());
    if (wanted.count("all")) wanted.insert(kScenarios.begin(), kScenarios.end());
    for (const auto& s : wanted) {
        if (s != "all" && std::find(kScenarios.begin(), kScenarios.end(), s) == kScenarios.end()) {
            std::cerr << "releasebot_bench: no scenario `" << s
                      << "`; the scenarios are storm, "
                         "refresh, retro, fanout, teams, scheduler, coldstart and all\n";
            return 2;
        }
    }
    std::cerr << "bench: " << releasebot::bench::machine_load() << std::endl;
    bool ok = true;
    for (const auto& s : kScenarios) {
        if (!wanted.count(s)) continue;
        bool passed = false;
        try {
            storage_probe(o);
            if (s == "storm") passed = releasebot::bench::run_storm(o, false);
            if (s == "refresh") passed = releasebot::bench::run_storm(o, true);
            if (s == "retro") passed = releasebot::bench::run_retro(o);
            if (s == "fanout") passed = releasebot::bench::run_fanout(o);
            if (s == "teams") passed = releasebot::bench::run_teams(o);
            if (s == "scheduler") passed = releasebot::bench::run_scheduler(o);
            if (s == "coldstart") passed = releasebot::bench::run_coldstart(o);
        } catch (const std::exception& e) {
            std::cerr << "bench: " << s << " failed: " << e.what() << std::endl;
            passed = false;
        }
        if (!passed) std::cerr << "bench: " << s << ": FAILED" << std::endl;
        ok = ok && passed;
    }
    std::cerr << "bench: " << releasebot::bench::machine_load() << std::endl;
    return ok ? 0 : 1;
}
