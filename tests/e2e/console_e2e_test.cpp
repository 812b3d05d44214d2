// End to end through the real binary: a whole release piped into `releasebot console`, checked
// in what it prints and in the SQLite file it leaves behind. The story runs in several console
// sessions on one database file, so each act's output can be read on its own and the state
// between acts checked in the database; it also proves that sessions share one workspace.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "storage/database.hpp"
#include "support/text_search.hpp"

namespace releasebot {
namespace {

namespace fs = std::filesystem;
using test::contains;

struct Run {
    int status = -1;
    std::string out;
    std::string err;
};

fs::path temp_path(const std::string& stem) {
    static std::atomic<int> counter{0};
    return fs::temp_directory_path() / ("releasebot-e2e-" + std::to_string(getpid()) + "-" +
                                        std::to_string(++counter) + "-" + stem);
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Runs the releasebot binary with `args`, `input` on stdin (a file, so stdin is not a
// terminal), and returns its exit status and what it printed.
Run releasebot(const std::vector<std::string>& args, const std::string& input = {}) {
    fs::path in = temp_path("stdin");
    fs::path out = temp_path("stdout");
    fs::path err = temp_path("stderr");
    std::ofstream(in, std::ios::binary) << input;

    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int fd_in = open(in.c_str(), O_RDONLY);
        int fd_out = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fd_err = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd_in < 0 || fd_out < 0 || fd_err < 0) _exit(126);
        dup2(fd_in, STDIN_FILENO);
        dup2(fd_out, STDOUT_FILENO);
        dup2(fd_err, STDERR_FILENO);
        std::vector<char*> argv;
        std::string name = "releasebot";
        argv.push_back(name.data());
        std::vector<std::string> copy = args;
        for (auto& a : copy) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(RELEASEBOT_BINARY, argv.data());
        _exit(127);
    }
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    Run r;
    r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    r.out = slurp(out);
    r.err = slurp(err);
    fs::remove(in);
    fs::remove(out);
    fs::remove(err);
    return r;
}

std::string join_lines(const std::vector<std::string>& lines) {
    std::string s;
    for (const auto& l : lines) s += l + "\n";
    return s;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool contains_nocase(const std::string& haystack, const std::string& needle) {
    return contains(lower(haystack), lower(needle));
}

// The text between the first `from` and the next `to` after it (to the end when absent).
std::string between(const std::string& s, const std::string& from, const std::string& to) {
    std::size_t b = s.find(from);
    if (b == std::string::npos) return {};
    b += from.size();
    std::size_t e = s.find(to, b);
    return s.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

// A database file that is removed, with its WAL companions, at the end of the test.
struct TempDb {
    fs::path path = temp_path("releasebot.db");
    ~TempDb() {
        for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
            std::error_code ec;
            fs::remove(path.string() + suffix, ec);
        }
    }
};

// A console session on `db` as `user`, in UTC so the times in the script mean what they say.
Run console(const TempDb& db, const std::string& user, const std::vector<std::string>& script) {
    Run r = releasebot({"console", "--db", db.path.string(), "--as", user, "--tz", "UTC"},
                       join_lines(script));
    INFO("script:\n" << join_lines(script) << "stdout:\n" << r.out << "stderr:\n" << r.err);
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    return r;
}

std::int64_t count(Database& db, const std::string& sql) {
    auto st = db.prepare(sql);
    REQUIRE(st.step());
    return st.get_int(0);
}

std::string text(Database& db, const std::string& sql) {
    auto st = db.prepare(sql);
    REQUIRE(st.step());
    return st.is_null(0) ? std::string("<null>") : st.get_text(0);
}

std::string release_state(const TempDb& db, const std::string& key) {
    Database d(db.path.string());
    return text(d, "SELECT state FROM releases WHERE key = '" + key + "'");
}

// The console uses the system clock, so the story is planned next January, always ahead.
std::string next_year() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    return std::to_string(tm.tm_year + 1900 + 1);
}

constexpr const char* kGatewaySha =
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

}  // namespace

TEST_CASE("a whole release piped through releasebot console", "[e2e]") {
    TempDb db;
    const std::string y = next_year();
    const std::string key = "web-2026.12";

    // Act 1: alice, the first user and so the manager, plans across two programs; a freeze
    // refuses a second plan inside it.
    Run plan = console(
        db, "alice",
        {
            "# Planning the December web release",
            "",
            "release plan " + key + " \"Web and API December\" at " + y +
                "-01-12 14:00 for 2h program web program api",
            "release add " + key + " web/frontend@4.2.0",
            "release add " + key + " api/gateway@2.9.1 sha256 " + kGatewaySha,
            "freeze add " + y + "-01-19 00:00 to " + y + "-01-20 00:00 \"Audit week\"",
            "release plan hotfix-1 \"Hotfix\" at " + y + "-01-19 10:00",
            "plan add " + key + " deploy \"Deploy api/gateway 2.9.1\" takes 20m",
            "plan add " + key + " deploy \"Deploy web/frontend 4.2.0\" owner @bob takes 15m",
            "plan add " + key + " backout \"Roll back web/frontend to 4.1.3\" takes 10m",
            "plan add " + key + " backout \"Roll back api/gateway to 2.9.0\" takes 10m",
            "release show " + key,
        });
    INFO("act 1 output:\n" << plan.out);
    CHECK(contains(plan.out, key));
    CHECK(contains(plan.out, "Web and API December"));
    CHECK(contains_nocase(plan.out, "Audit week"));  // the refusal names the freeze
    CHECK(contains(plan.out, "web/frontend"));
    CHECK(contains(plan.out, "4.2.0"));
    CHECK(contains(plan.out, "api/gateway"));
    CHECK(contains(plan.out, "2.9.1"));
    CHECK(contains(plan.out, "[ ]"));  // `release show` lists the open controls
    {
        Database d(db.path.string());
        CHECK(count(d, "SELECT count(*) FROM releases") == 1);
        CHECK(count(d, "SELECT count(*) FROM releases WHERE key = 'hotfix-1'") == 0);
        CHECK(text(d, "SELECT state FROM releases WHERE key = '" + key + "'") == "planned");
        CHECK(count(d, "SELECT count(*) FROM release_programs") == 2);
        CHECK(count(d, "SELECT count(*) FROM components") == 2);
        CHECK(text(d, "SELECT sha256 FROM components WHERE name = 'gateway'") == kGatewaySha);
        CHECK(text(d, "SELECT version FROM components WHERE name = 'frontend'") == "4.2.0");
        CHECK(count(d, "SELECT count(*) FROM freezes WHERE reason = 'Audit week'") == 1);
        CHECK(count(d, "SELECT count(*) FROM plan_steps WHERE plan = 'deploy'") == 2);
        CHECK(count(d, "SELECT count(*) FROM plan_steps WHERE plan = 'backout'") == 2);
        CHECK(text(d, "SELECT owner FROM plan_steps WHERE plan = 'deploy' AND position = 2") ==
              "user:bob");
        CHECK(text(d, "SELECT role FROM roles WHERE user_id = 'alice'") == "manager");
        CHECK(count(d, "SELECT count(*) FROM release_controls") == 7);
    }

    // Act 2: go/no-go answers with the blockers and approves nothing.
    Run blocked = console(db, "alice", {"release go " + key});
    INFO("act 2 output:\n" << blocked.out);
    CHECK(contains_nocase(blocked.out, "block"));
    CHECK((contains(blocked.out, "business-signoff") ||
           contains_nocase(blocked.out, "Business sign-off")));
    CHECK(release_state(db, key) == "planned");

    // Act 3: two people tick the controls (releasebot has ticked the plans, the components and
    // the announcements itself), bob may not approve, alice waives the last one.
    Run controls =
        console(db, "alice",
                {
                    "control tick " + key + " deployment-plan",
                    "control tick " + key + " ops-ready evidence https://wiki.example.com/" + key,
                    "as @bob",
                    "control tick " + key + " package-integrity \"checksums match\"",
                    "release go " + key,
                    "as alice",
                    "control waive " + key + " business-signoff \"Signed off by email\"",
                    "yes",
                });
    INFO("act 3 output:\n" << controls.out);
    CHECK(contains(controls.out, "Now typing as @bob."));
    // Nobody ticks a control releasebot keeps; it says it has.
    CHECK(contains(controls.out, "Nobody needs to tick control 1 `deployment-plan`"));
    CHECK(contains(controls.out, "Now typing as @alice."));
    // bob's `release go` is refused: only a manager may approve.
    CHECK(contains_nocase(between(controls.out, "Now typing as @bob.", "Now typing as @alice."),
                          "manager"));
    // The waiver shows a preview that asks for `yes` before anything changes.
    CHECK(contains_nocase(between(controls.out, "Now typing as @alice.\n\n", "\n\n"), "yes"));

    Run list = console(db, "alice", {"control list " + key});
    INFO("control list output:\n" << list.out);
    CHECK(contains(list.out, "business-signoff"));
    CHECK(contains(list.out, "[~]"));  // waived
    CHECK(contains(list.out, "[x]"));  // ticked
    CHECK_FALSE(contains(list.out, "[ ]"));
    {
        Database d(db.path.string());
        auto status_of = [&](const std::string& slug) {
            return text(d,
                        "SELECT status || ' ' || coalesce(done_by, '') FROM release_controls "
                        "WHERE slug = '" +
                            slug + "'");
        };
        CHECK(status_of("deployment-plan") == "done releasebot");
        CHECK(status_of("backout-plan") == "done releasebot");
        CHECK(status_of("components-versioned") == "done releasebot");
        CHECK(status_of("package-integrity") == "done bob");
        CHECK(status_of("comms-approved") == "done releasebot");
        CHECK(status_of("ops-ready") == "done alice");
        CHECK(status_of("business-signoff") == "waived alice");
        CHECK(text(d, "SELECT note FROM release_controls WHERE slug = 'business-signoff'") ==
              "Signed off by email");
        CHECK(text(d,
                   "SELECT evidence_url FROM release_controls WHERE slug = "
                   "'ops-ready'") == "https://wiki.example.com/" + key);
        CHECK(text(d, "SELECT state FROM releases WHERE key = '" + key + "'") == "planned");
        CHECK(count(d, "SELECT count(*) FROM roles WHERE user_id = 'bob' AND role = 'manager'") ==
              0);
    }

    // Act 4: go is clear.
    Run go = console(db, "alice", {"release go " + key});
    INFO("act 4 output:\n" << go.out);
    CHECK(contains_nocase(go.out, "approved"));
    CHECK(release_state(db, key) == "approved");

    // Act 5: the window is walked step by step, and the release is done. A `quit` ends the
    // session before the last line, which must not run.
    Run deploy = console(db, "alice",
                         {
                             "release start " + key + " override \"Rehearsal ahead of the window\"",
                             "release step " + key + " 1 done",
                             "release step " + key + " 2 done \"frontend healthy\"",
                             "release done " + key,
                             "audit " + key,
                             "quit",
                             "release plan after-quit \"Never\" at " + y + "-02-01 10:00",
                         });
    INFO("act 5 output:\n" << deploy.out);
    CHECK(contains_nocase(deploy.out, "deploying"));
    CHECK(contains_nocase(deploy.out, "deployed"));
    CHECK(contains(deploy.out, "bob"));  // the audit log names who ticked
    {
        Database d(db.path.string());
        CHECK(text(d, "SELECT state FROM releases WHERE key = '" + key + "'") == "deployed");
        CHECK(count(d,
                    "SELECT count(*) FROM releases WHERE started_at IS NOT NULL AND "
                    "finished_at IS NOT NULL") == 1);
        CHECK(count(d,
                    "SELECT count(*) FROM plan_steps WHERE plan = 'deploy' AND status = "
                    "'done'") == 2);
        CHECK(count(d,
                    "SELECT count(*) FROM plan_steps WHERE plan = 'backout' AND status = "
                    "'pending'") == 2);
        CHECK(count(d, "SELECT count(*) FROM releases WHERE key = 'after-quit'") == 0);
        CHECK(count(d, "SELECT count(*) FROM releases WHERE key = 'hotfix-1'") == 0);
        // One entry at least for each change: plan, 2 components, 4 steps, 6 ticks, the
        // waiver, go, start, 2 steps walked, done.
        CHECK(count(d, "SELECT count(*) FROM audit_log WHERE release_id IS NOT NULL") >= 19);
        CHECK(count(d, "SELECT count(*) FROM audit_log WHERE actor = 'bob'") >= 1);
        // Everything the release queued for channels and people was delivered to the terminal.
        CHECK(count(d, "SELECT count(*) FROM outbox WHERE status != 'sent'") == 0);
    }
}

// The suite also runs under libfaketime with the clock more than a year ahead: the binary it
// starts must read the same clock as the test, and a window "in 2h" lands two hours from the
// test's now, whatever day that is.
TEST_CASE("the console plans on the clock it runs on, whatever the day", "[e2e]") {
    TempDb db;
    const std::int64_t before = std::time(nullptr);
    Run r = console(db, "alice", {"release plan soon-1 \"Soon\" at in 2h"});
    CHECK(contains(r.out, "soon-1"));
    Database d(db.path.string());
    const std::int64_t start = count(d, "SELECT window_start FROM releases WHERE key = 'soon-1'");
    CHECK(start >= before + 2 * 3600 - 60);
    CHECK(start <= std::time(nullptr) + 2 * 3600 + 60);
}

TEST_CASE("the console reports a database it cannot open and exits 1", "[e2e]") {
    fs::path missing = temp_path("no-such-dir") / "releasebot.db";
    Run r = releasebot({"console", "--db", missing.string(), "--as", "alice"}, "help\n");
    INFO("stdout:\n" << r.out << "stderr:\n" << r.err);
    CHECK(r.status == 1);
    CHECK(contains(r.err, missing.string()));
    CHECK(r.out.empty());
}

TEST_CASE("the console skips comments and blank lines and switches users", "[e2e]") {
    TempDb db;
    Run r = console(db, "alice", {"# a comment", "   ", "as", "as bob carol", "as @bob", "exit"});
    CHECK(r.out ==
          "`as` needs one user name (letters, digits, '.', '_' or '-'): type `as bob` to type as "
          "@bob.\n\n"
          "`as` needs one user name (letters, digits, '.', '_' or '-'): type `as bob` to type as "
          "@bob.\n\n"
          "Now typing as @bob.\n\n");
}

TEST_CASE("releasebot --version, --help and bad options", "[e2e]") {
    SECTION("--version prints the version") {
        Run r = releasebot({"--version"});
        CHECK(r.status == 0);
        CHECK(r.out == "releasebot 0.1.0\n");
    }
    SECTION("--help lists the console subcommand") {
        Run r = releasebot({"--help"});
        CHECK(r.status == 0);
        CHECK(contains(r.out, "console"));
    }
    SECTION("console --help lists its options") {
        Run r = releasebot({"console", "--help"});
        CHECK(r.status == 0);
        CHECK(contains(r.out, "--db"));
        CHECK(contains(r.out, "--as"));
        CHECK(contains(r.out, "--tz"));
    }
    SECTION("an unknown option is refused") {
        Run r = releasebot({"console", "--colour"});
        CHECK(r.status != 0);
        CHECK(contains(r.err, "--colour"));
    }
    SECTION("an unknown zone is refused") {
        TempDb db;
        Run r = releasebot({"console", "--db", db.path.string(), "--tz", "Mars/Olympus"});
        CHECK(r.status != 0);
        CHECK(contains(r.err, "Mars/Olympus"));
    }
}

}  // namespace releasebot
