// Scheduler: a million pending reminders far in the future, and a few hundred falling due
// during the measurement; how late each fires, and whether memory grows with what is pending.
//
// This one is a micro-bench: the measured loop runs releasebot's own Scheduler and Pipeline
// (linked from releasebot_core) on the real system clock, in a child process of its own so its
// memory is measured alone. Modes:
//   next_due  what `releasebot serve`'s worker does: sleep until the start of the second
//             Scheduler::next_due() names (at most 1 s, its idle wake), then run_due();
//   tick      what the worker did before: run_due() every 200 ms (a fixed sigtimedwait tick),
//             kept for comparison;
//   null      no scheduler and no database: sleep until each due instant (the OS timer's own
//             lateness, the ceiling of any loop).
// Lateness of a job = the moment its timer event committed − its due instant. The pipeline's
// clock records when each event starts; the next event's start (or the end of run_due) is when
// it committed. Jobs fire in (due_at, id) order, which is how they are matched to due times.
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "bench/common.hpp"
#include "bench/scenarios.hpp"
#include "bench/seed.hpp"
#include "bot/runtime/pipeline.hpp"
#include "bot/runtime/scheduler.hpp"
#include "commands/clock.hpp"
#include "storage/database.hpp"

namespace releasebot::bench {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono;
using WallClock = std::chrono::system_clock;

// The system clock, noting the wall time of every reading: the pipeline reads it once per event,
// at its start.
class RecordingClock final : public Clock {
  public:
    Instant now() const override {
        const auto t = WallClock::now();
        reads_.push_back(t);
        return time_point_cast<seconds>(t);
    }
    std::vector<WallClock::time_point>& reads() const { return reads_; }

  private:
    mutable std::vector<WallClock::time_point> reads_;
};

std::int64_t scalar(Database& db, const std::string& sql) {
    auto st = db.prepare(sql);
    return st.step() && !st.is_null(0) ? st.get_int(0) : 0;
}

double cpu_self() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

long self_status_kb(const char* field) {
    const std::string status = read_file("/proc/self/status");
    const std::size_t at = status.find(std::string(field) + ":");
    return at == std::string::npos
               ? 0
               : std::strtol(status.c_str() + at + std::strlen(field) + 1, nullptr, 10);
}

}  // namespace

int scheduler_loop_main(int argc, char** argv) {
    std::string db_path, mode = "tick", db_kind = "disk";
    int due_jobs = 200, due_seconds = 4;
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--db") db_path = v;
        if (k == "--mode") mode = v;
        if (k == "--due-jobs") due_jobs = std::stoi(v);
        if (k == "--due-seconds") due_seconds = std::stoi(v);
        if (k == "--db-kind") db_kind = v;
    }
    const double cpu0 = cpu_self();
    Database db(db_path);
    const std::int64_t pending_far =
        scalar(db, "SELECT count(*) FROM scheduled_jobs WHERE status = 'pending'");

    // The jobs that fall due during the measurement: whole seconds from 2 s ahead on, spread
    // evenly, reminders of the seeded releases.
    const auto first_due = time_point_cast<seconds>(WallClock::now()) + seconds(2);
    std::vector<std::pair<WallClock::time_point, std::int64_t>> due;  // (due, id)
    {
        const std::int64_t ws = scalar(db, "SELECT min(id) FROM workspaces");
        const std::int64_t rel = scalar(db, "SELECT min(id) FROM releases");
        const std::int64_t now_s =
            time_point_cast<seconds>(WallClock::now()).time_since_epoch().count();
        Transaction tx(db);
        for (int j = 0; j < due_jobs; ++j) {
            const auto at = first_due + seconds(j * due_seconds / std::max(1, due_jobs));
            db.prepare(
                  "INSERT INTO scheduled_jobs (workspace_id, release_id, kind, due_at, payload, "
                  "status, created_at) VALUES (?, ?, 'reminder', ?, '-3600', 'pending', ?)")
                .bind_all(ws, rel + j % 10,
                          static_cast<std::int64_t>(at.time_since_epoch().count()), now_s)
                .run();
            due.emplace_back(at, db.last_insert_id());
        }
        tx.commit();
    }
    std::sort(due.begin(), due.end());

    Latencies lateness;
    const auto give_up = first_due + seconds(due_seconds + 30);
    std::size_t fired = 0;
    if (mode == "null") {
        for (const auto& [at, id] : due) {
            std::this_thread::sleep_until(at);
            lateness.add(duration<double, std::milli>(WallClock::now() - at).count());
            ++fired;
        }
    } else {
        SystemClock clock;
        RecordingClock pipeline_clock;
        Pipeline pipeline(db, pipeline_clock);
        Scheduler scheduler(db, clock, pipeline);
        std::vector<WallClock::time_point> completed;
        while (completed.size() < due.size() && WallClock::now() < give_up) {
            if (mode == "next_due") {
                auto wake = WallClock::now() + seconds(1);
                if (auto next = scheduler.next_due())
                    wake = std::min<WallClock::time_point>(wake, *next);
                std::this_thread::sleep_until(wake);
            } else {
                std::this_thread::sleep_for(milliseconds(200));
            }
            auto& reads = pipeline_clock.reads();
            reads.clear();
            scheduler.run_due();
            const auto end = WallClock::now();
            for (std::size_t i = 0; i < reads.size(); ++i)
                completed.push_back(i + 1 < reads.size() ? reads[i + 1] : end);
        }
        fired = completed.size();
        for (std::size_t i = 0; i < std::min(completed.size(), due.size()); ++i)
            lateness.add(duration<double, std::milli>(completed[i] - due[i].first).count());
    }
    Line line("scheduler");
    line.add("bot", mode == "null" ? "null" : "releasebot").add("mode", mode);
    line.add("pending", static_cast<long long>(pending_far))
        .add("fired", static_cast<long long>(fired));
    line.add("p50_ms", lateness.percentile(50), 2).add("p99_ms", lateness.percentile(99), 2);
    line.add("max_ms", lateness.max(), 2).add("peak_rss_kb", self_status_kb("VmHWM"));
    line.add("cpu_s", cpu_self() - cpu0, 2).add("db", db_kind);
    std::cout << line.text() << std::endl;
    return fired == due.size() ? 0 : 1;
}

bool run_scheduler(const Options& o) {
    const fs::path small =
        o.work_dir / ("template-sched-" + std::to_string(o.seed_releases) + ".db");
    const fs::path big = o.work_dir / ("template-sched-" + std::to_string(o.seed_releases) + "-" +
                                       std::to_string(o.pending_reminders) + ".db");
    ensure_template(small,
                    [&](const fs::path& p) { seed_releases(p, Workspace{}, o.seed_releases); });
    ensure_template(big, [&](const fs::path& p) {
        const auto start = SteadyClock::now();
        copy_database(small, p);
        seed_far_reminders(p, o.pending_reminders);
        std::cerr << "bench: seeded " << o.pending_reminders << " reminders in "
                  << static_cast<int>(ms_between(start, SteadyClock::now())) << " ms" << std::endl;
    });
    const std::string kind = o.db_dir.string().rfind("/dev/shm", 0) == 0 ? "tmpfs" : "disk";
    struct Run {
        std::string mode;
        fs::path tmpl;
    };
    std::vector<Run> runs;
    if (o.who != "null") {
        runs.push_back({"next_due", big});
        runs.push_back({"tick", big});
        runs.push_back({"next_due", small});  // the same with only the seeded releases' jobs
    }
    if (o.who != "bot") runs.push_back({"null", small});
    bool ok = true;
    int n = 0;
    for (const Run& r : runs) {
        const fs::path db = o.db_dir / "sched.db";
        prepare_database(o, r.tmpl, db);
        const fs::path log =
            o.work_dir / ("scheduler-" + std::to_string(n++) + "-" + r.mode + ".log");
        ChildProcess child({o.self.string(), "scheduler-loop", "--db", db.string(), "--mode",
                            r.mode, "--due-jobs", std::to_string(o.due_jobs), "--due-seconds",
                            std::to_string(o.due_seconds), "--db-kind", kind},
                           {}, log);
        while (child.running()) std::this_thread::sleep_for(milliseconds(20));
        Usage u = child.stop(SIGTERM);
        const std::string out = read_file(log);
        std::size_t at = out.find("bench=scheduler");
        if (at != std::string::npos) {
            std::cout << out.substr(at, out.find('\n', at) - at) << std::endl;
        }
        if (!u.exited || u.exit_code != 0) {
            std::cerr << "bench: the scheduler loop failed:\n" << out << std::endl;
            ok = false;
        }
    }
    return ok;
}

}  // namespace releasebot::bench
