// Seeding the scenarios' databases (see seed.hpp): commands through releasebot's Pipeline in
// one transaction, and SQL copies for the bulk.
#include "bench/seed.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>

#include "bench/common.hpp"
#include "bench/scenarios.hpp"
#include "bot/runtime/event.hpp"
#include "bot/runtime/pipeline.hpp"
#include "commands/clock.hpp"
#include "storage/database.hpp"

namespace releasebot::bench {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono;

// Runs commands as the workspace's people through the pipeline, all in one transaction that
// commit() ends (durability is not the point while seeding: synchronous=OFF).
class Seeder {
  public:
    Seeder(const fs::path& path, const Workspace& ws)
        : db_(path.string()), pipeline_(db_, clock_), ws_(ws) {
        db_.exec("PRAGMA synchronous=OFF");
        db_.exec("BEGIN IMMEDIATE");
        // Keys unique across seedings of one file (seed_retro runs on seed_releases' output).
        prefix_ = "seed:" + std::to_string(::getpid()) + "-" +
                  std::to_string(steady_clock::now().time_since_epoch().count()) + ":";
    }
    ~Seeder() {
        if (!committed_) {
            try {
                db_.exec("ROLLBACK");
            } catch (...) {
            }
        }
    }
    Seeder(const Seeder&) = delete;
    Seeder& operator=(const Seeder&) = delete;

    // Runs `text` as `user` in `channel`; throws with the reply when the command is refused.
    Reply run(const std::string& user, const std::string& channel, const std::string& text) {
        Event e;
        e.idempotency_key = prefix_ + std::to_string(++n_);
        e.actor = Actor{ws_.platform, ws_.tenant, UserId(user), user, std::string("UTC")};
        e.conversation =
            ConversationRef{ws_.platform, ws_.tenant, channel, std::nullopt, std::nullopt};
        e.kind = EventKind::command;
        e.text = text;
        Outcome outcome = pipeline_.handle(e);
        if (outcome.reply.is_error) {
            throw std::runtime_error("seeding `" + text + "` was refused: " + outcome.reply.text);
        }
        return outcome.reply;
    }

    Database& db() { return db_; }

    // Marks every queued message sent and commits.
    void commit() {
        db_.exec(
            "UPDATE outbox SET status = 'sent', sent_at = created_at WHERE status = 'pending'");
        db_.exec("COMMIT");
        committed_ = true;
    }

  private:
    Database db_;
    SystemClock clock_;
    Pipeline pipeline_;
    Workspace ws_;
    std::string prefix_;
    long n_ = 0;
    bool committed_ = false;
};

std::string home_channel(const Workspace& ws, int i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%05d", i % std::max(1, ws.channels));
    if (ws.platform == "teams") return "19:" + ws.channel_prefix + buf + "@thread.tacv2";
    return ws.channel_prefix + buf;
}

// 14:00 UTC, 30 days from today plus `day` days: always ahead, whatever day the bench runs.
std::string window_text(int day) {
    const year_month_day ymd{floor<days>(system_clock::now()) + days{30 + day}};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u 14:00", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buf;
}

std::int64_t scalar(Database& db, const std::string& sql) {
    auto st = db.prepare(sql);
    if (!st.step() || st.is_null(0)) return 0;
    return st.get_int(0);
}

// INSERT INTO `table` SELECT … FROM `table` WHERE `where`: every column as it is, except those
// in `overrides` (column → SQL expression); `id` is left out unless overridden (a new rowid).
void copy_rows(Database& db, const std::string& table, const std::string& where,
               const std::map<std::string, std::string>& overrides) {
    std::string columns, values;
    auto info = db.prepare("SELECT name FROM pragma_table_info(?)");
    info.bind(1, table);
    while (info.step()) {
        const std::string name = info.get_text(0);
        auto o = overrides.find(name);
        if (name == "id" && o == overrides.end()) continue;
        columns += (columns.empty() ? "" : ", ") + name;
        values += (values.empty() ? "" : ", ") + (o == overrides.end() ? name : o->second);
    }
    db.exec("INSERT INTO " + table + " (" + columns + ") SELECT " + values + " FROM " + table +
            " WHERE " + where);
}

}  // namespace

void ensure_template(const fs::path& path, const std::function<void(const fs::path&)>& make) {
    // The seeded windows are counted from the day the template was made, which a file beside
    // it records: a template made on another day (or under a clock set elsewhere) is made again.
    const fs::path made_on = path.string() + ".day";
    const std::string today =
        std::to_string(floor<days>(system_clock::now()).time_since_epoch().count());
    std::string recorded;
    if (std::ifstream in(made_on); in) std::getline(in, recorded);
    if (recorded != today) remove_database(path);
    if (fs::exists(path)) {
        // Made by an older build: brought to this build's schema once, here, so that no run
        // (cold start above all) measures a migration.
        Database db(path.string());
        db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
        return;
    }
    const fs::path part = path.string() + ".part";
    remove_database(part);
    make(part);
    {
        Database db(part.string());
        db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    remove_database(path);
    fs::rename(part, path);
    remove_database(part);
    std::ofstream(made_on) << today << '\n';
}

void prepare_database(const Options& options, const fs::path& from, const fs::path& to) {
    copy_database(from, to);
    if (options.db_sql.empty()) return;
    Database db(to.string());
    db.exec(options.db_sql);
}

Workspace teams_workspace() {
    Workspace ws;
    ws.platform = "teams";
    ws.tenant = "tenant-emulator";
    ws.manager = "29:bench-manager";
    ws.channel_prefix = "bench-home-";
    return ws;
}

std::string release_key(int i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "rel-%05d", i);
    return buf;
}

std::string bench_user(int i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "U0BENCH%05d", i);
    return buf;
}

std::string teams_user(int i) {
    return "29:bench-" + std::to_string(i);
}

std::string fanout_channel(int i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "C0FAN%05d", i);
    return buf;
}

void seed_releases(const fs::path& path, const Workspace& ws, int releases) {
    remove_database(path);
    Seeder seeder(path, ws);
    for (int i = 0; i < releases; ++i) {
        seeder.run(ws.manager, home_channel(ws, i),
                   "release plan " + release_key(i) + " \"Seeded release " + std::to_string(i) +
                       "\" at " + window_text(i % 700) + " for 2h");
    }
    seeder.commit();
}

void grow_releases(const fs::path& path, int total) {
    Database db(path.string());
    db.exec("PRAGMA synchronous=OFF");
    const std::int64_t span = scalar(db, "SELECT max(id) FROM releases");
    const std::int64_t seeded = scalar(db, "SELECT count(*) FROM releases");
    if (seeded == 0 || seeded != span) {
        throw std::runtime_error("grow_releases needs a database fresh from seed_releases");
    }
    const std::int64_t copies = (total + seeded - 1) / seeded - 1;
    db.exec("BEGIN IMMEDIATE");
    for (std::int64_t c = 1; c <= copies; ++c) {
        const std::string cs = std::to_string(c);
        const std::string shift = cs + " * " + std::to_string(span);
        const std::string src = "release_id <= " + std::to_string(span);
        copy_rows(db, "releases", "id <= " + std::to_string(span),
                  {{"id", "id + " + shift},
                   {"key", "key || '-c" + cs + "'"},
                   {"window_start", "window_start + " + cs + " * 3600"}});
        copy_rows(db, "release_controls", src, {{"release_id", "release_id + " + shift}});
        copy_rows(
            db, "scheduled_jobs", src + " AND status = 'pending'",
            {{"release_id", "release_id + " + shift}, {"due_at", "due_at + " + cs + " * 3600"}});
        copy_rows(db, "audit_log", src, {{"release_id", "release_id + " + shift}});
    }
    // Past the wanted total (when it is not a multiple of what was seeded): dropped again.
    db.exec("DELETE FROM releases WHERE id > " + std::to_string(total));
    db.exec("COMMIT");
}

std::string seed_retro(const fs::path& path, const Workspace& ws, int participants) {
    const std::string key = release_key(0);
    {
        Database db(path.string());
        db.exec(
            "UPDATE releases SET state = 'deployed', started_at = created_at, "
            "finished_at = created_at WHERE key = '" +
            key + "'");
    }
    Seeder seeder(path, ws);
    seeder.run(ws.manager, home_channel(ws, 0),
               "retro start " + key + " with <@" + bench_user(0) + "> closes in 7d");
    for (int i = 0; i < participants; ++i) {
        // A cached statement, reset each time its handle goes.
        seeder.db()
            .prepare(
                "INSERT OR IGNORE INTO retro_participants (retro_id, user_id) SELECT r.id, ? "
                "FROM retros r JOIN releases rel ON rel.id = r.release_id WHERE rel.key = ?")
            .bind(1, bench_user(i))
            .bind(2, key)
            .run();
    }
    seeder.commit();
    return key;
}

int seed_fanout(const fs::path& path, const Workspace& ws, int channels, const std::string& text) {
    Seeder seeder(path, ws);
    for (int i = 0; i < channels; ++i) {
        seeder.run(ws.manager, home_channel(ws, 0),
                   "channel add fanout slack:" + fanout_channel(i));
    }
    // Drafted by someone else: the manager may then approve it (no self-approval).
    seeder.run(bench_user(1), home_channel(ws, 0),
               "comms draft " + release_key(0) + " to fanout now \"" + text + "\"");
    const int id = static_cast<int>(scalar(seeder.db(), "SELECT max(id) FROM communications"));
    seeder.commit();
    return id;
}

void seed_far_reminders(const fs::path& path, std::int64_t count) {
    Database db(path.string());
    db.exec("PRAGMA synchronous=OFF");
    const std::int64_t first = scalar(db, "SELECT min(id) FROM releases");
    const std::int64_t n = scalar(db, "SELECT count(*) FROM releases");
    const std::int64_t ws = scalar(db, "SELECT min(id) FROM workspaces");
    if (n == 0) throw std::runtime_error("seed_far_reminders needs seeded releases");
    const std::int64_t now = duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
    const std::int64_t far = now + duration_cast<seconds>(days{3 * 365}).count();
    db.exec("BEGIN IMMEDIATE");
    auto st = db.prepare(
        "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < ? - 1) "
        "INSERT INTO scheduled_jobs (workspace_id, release_id, kind, due_at, payload, status, "
        "created_at) SELECT ?, ? + i % ?, 'reminder', ? + i * 97, '-3600', 'pending', ? FROM c");
    st.bind_all(count, ws, first, n, far, now);
    st.run();
    db.exec("COMMIT");
}

}  // namespace releasebot::bench
