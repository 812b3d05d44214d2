// The scenarios. Each runs the real bot and then the null bot
// (bench/null_bot.cpp: acknowledges at once, does nothing) through the same harness, and prints
// one result line per run on stdout (see bench/README.md for the fields). Progress and
// diagnostics go to stderr. Each returns false when a run broke: acks lost or duplicated where
// none may be, answers not stored, a process that crashed or would not start.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace releasebot::bench {

struct Options {
    std::filesystem::path work_dir;  // databases, logs, configuration files
    std::filesystem::path db_dir;    // where the bots' databases live (default: work_dir)
    std::filesystem::path bot;       // the releasebot binary
    std::filesystem::path null_bot;  // the releasebot_null_bot binary
    std::filesystem::path self;      // this binary (the scheduler runs in a child of it)
    std::string who = "both";        // bot, null or both
    bool smoke = false;              // tiny runs, seconds in all
    // SQL run on each bot database before the bot starts (what-if experiments, e.g. an index a
    // migration would add); empty: none.
    std::string db_sql;
    bool verbose = false;

    // The command storm and Teams inbound.
    std::vector<int> inflight{1, 16, 64};
    std::uint64_t ops = 30000;  // per run, at most
    double seconds = 5;         // per run, at most (new envelopes stop after this)
    std::uint64_t warmup = 500;
    int seed_releases = 1000;
    std::uint64_t refresh_every = 5000;
    // The retro burst.
    int retro_answers = 10000;
    // Announcement fan-out.
    int fanout_channels = 1000;
    // Scheduler.
    std::int64_t pending_reminders = 1000000;
    int due_jobs = 200;  // fired during the measurement, over `due_seconds`
    int due_seconds = 4;
    // Cold start.
    int cold_releases = 100000;
    int cold_trials = 5;
};

struct Usage;
class ChildProcess;

// Copies the template `from` to `to` for one run and applies options.db_sql to it.
void prepare_database(const Options& options, const std::filesystem::path& from,
                      const std::filesystem::path& to);

bool run_storm(const Options& options, bool refresh);
bool run_retro(const Options& options);
bool run_fanout(const Options& options);
bool run_teams(const Options& options);
bool run_scheduler(const Options& options);
bool run_coldstart(const Options& options);

// Stops a bot with SIGTERM (SIGKILL after 5 s); false, with its log on stderr, when it had
// died before or ended with an error. A bot that needed SIGKILL is reported, not failed.
bool stop_ok(ChildProcess& process, const std::string& what, Usage* usage = nullptr);

// The scheduler's measured loop, in a child process of its own (so its memory is its own):
// `releasebot_bench scheduler-loop --db FILE --mode tick|next_due|null …`.
int scheduler_loop_main(int argc, char** argv);

}  // namespace releasebot::bench
