// The console REPL, `releasebot console`: the embedded default, so a newcomer sees the whole
// product with no chat account. Each typed line becomes a command Event of platform "console"
// (one workspace, tenant "local", channel "terminal") handled by the same Pipeline as Slack and
// Teams; the reply is printed as text, then the outbox is delivered to the terminal so channel
// posts and direct messages appear right after it. The session runs on a Worker the
// composition root built (bot/app/console.cpp), the same runtime `releasebot serve` runs,
// with a ConsolePort as its one chat port.
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "bot/runtime/worker.hpp"
#include "commands/clock.hpp"

namespace releasebot {

struct ConsoleOptions {
    std::string db_path = "./releasebot.db";
    std::string user;  // who types first; empty means default_console_user()
    std::string zone;  // IANA zone of the console users; empty means default_console_zone()
    // `--clock <when>`: start at this instant on a clock that only `clock advance` moves.
    std::string clock_start;
};

// $USER when it is a usable console name, else "me".
std::string default_console_user();
// $TZ when it names an IANA zone (a leading ':' allowed), else "UTC".
std::string default_console_zone();
// The console user name in `text` ("bob", "@bob"), or nullopt when it is not letters, digits,
// '.', '_' or '-'.
std::optional<std::string> console_user_name(std::string_view text);

// One console session over an open database: turns lines into events and prints what follows.
// Not thread-safe; one per terminal.
class ConsoleSession {
  public:
    // `worker` (which delivers to `out` through a ConsolePort), `clock` and `out` must outlive
    // the session. `zone` must be a valid IANA name. With a `manual` clock (the same object as
    // `clock`), `clock advance <duration>` moves time on and fires what falls due on the way.
    ConsoleSession(Worker& worker, const Clock& clock, std::string user, std::string zone,
                   std::ostream& out, ManualClock* manual = nullptr);

    enum class Next { more, quit };

    // Handles one input line: skips blanks and `#` comments, ends on `quit`/`exit`, switches
    // the typist on `as <user>`, and otherwise runs the line as a command and prints its reply
    // and any messages it queued. Storage faults are reported on `err` and leave the database
    // as it was; faults() counts them.
    Next handle_line(std::string_view line, std::ostream& err);

    // Fires due jobs and delivers due messages (the interactive console calls it every second
    // while waiting for input). Returns how many jobs fired.
    int tick(std::ostream& err);

    const std::string& user() const { return user_; }
    int faults() const { return faults_; }

  private:
    void run_command(const std::string& text, std::ostream& err);
    void clock_command(std::string_view args);
    void deliver(std::ostream& err);

    std::ostream& out_;
    Worker& worker_;
    const Clock& clock_;
    ManualClock* manual_;
    std::string user_;
    std::string zone_;
    std::string session_id_;
    int line_number_ = 0;
    int faults_ = 0;
};

// Runs `session` on the process's stdin/stdout: with line editing and history
// (~/.releasebot_history) when stdin is a terminal, else one command per line with no prompt.
// Returns the process exit status: 0 at end of input or `quit`, 1 when a command hit a storage
// fault. `db_path` is only shown in the greeting.
int run_terminal(ConsoleSession& session, const std::string& db_path);

}  // namespace releasebot
