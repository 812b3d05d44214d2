// The console REPL: reads lines (libedit when a person is at the terminal, plain reads from a
// pipe), runs each through the Pipeline as a command Event, and prints replies and outbox
// messages as text. Workload: one person typing, or a script piped in; every line is its own
// small transaction, so a script that stops half-way leaves what it did committed.
#include "integrations/console/repl.hpp"

#include <sys/select.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <random>

// libedit's readline compatibility header needs FILE declared first.
#include <editline/readline.h>

#include "bot/runtime/event.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"
#include "integrations/console/text_renderer.hpp"

namespace releasebot {

namespace {

constexpr std::size_t kHistoryLines = 1000;

// Random, so two sessions on one database never share an idempotency key even when both
// start counting lines at 1.
std::string new_session_id() {
    std::random_device rd;
    std::uniform_int_distribution<unsigned> nibble(0, 15);
    std::string id;
    for (int i = 0; i < 16; ++i) id += "0123456789abcdef"[nibble(rd)];
    return id;
}

std::optional<std::string> history_path() {
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') return std::nullopt;
    return std::string(home) + "/.releasebot_history";
}

int run_piped(ConsoleSession& session) {
    std::string line;
    while (std::getline(std::cin, line)) {
        if (session.handle_line(line, std::cerr) == ConsoleSession::Next::quit) break;
    }
    return session.faults() == 0 ? 0 : 1;
}

// libedit's callback interface hands each finished line here; the loop below waits on stdin
// with a timeout so the scheduler can fire (and print) while the person is typing.
struct Interactive {
    ConsoleSession* session = nullptr;
    std::optional<std::string> history;
    bool done = false;
};
Interactive* g_interactive = nullptr;

void install_prompt() {
    std::string prompt = g_interactive->session->user() + "> ";
    rl_callback_handler_install(prompt.c_str(), [](char* raw) {
        Interactive& in = *g_interactive;
        if (raw == nullptr) {  // Ctrl-D
            std::cout << '\n';
            in.done = true;
            return;
        }
        std::string line(raw);
        std::free(raw);
        if (!trim(line).empty()) {
            add_history(line.c_str());
            // Saved after every line so a closed terminal or a kill keeps what was typed.
            if (in.history) write_history(in.history->c_str());
        }
        if (in.session->handle_line(line, std::cerr) == ConsoleSession::Next::quit) {
            in.done = true;
            return;
        }
        install_prompt();  // the user may have changed (`as bob`)
    });
}

int run_interactive(ConsoleSession& session, const std::string& db_path) {
    Interactive in;
    in.session = &session;
    in.history = history_path();
    g_interactive = &in;
    using_history();
    stifle_history(static_cast<int>(kHistoryLines));
    if (in.history) read_history(in.history->c_str());

    std::cout << "releasebot " RELEASEBOT_VERSION " console on " << db_path
              << ": type `help` for the commands, `as <user>` to type as someone else, `quit` "
                 "to leave.\n";
    install_prompt();
    while (!in.done) {
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(STDIN_FILENO, &fds);
        timeval timeout{1, 0};
        int ready = select(STDIN_FILENO + 1, &fds, nullptr, nullptr, &timeout);
        if (ready > 0) {
            rl_callback_read_char();
        } else if (ready == 0) {
            // Reminders and timed announcements due now appear above the prompt.
            if (session.tick(std::cerr) > 0) rl_forced_update_display();
        } else if (errno != EINTR) {
            break;
        }
    }
    rl_callback_handler_remove();
    g_interactive = nullptr;
    return session.faults() == 0 ? 0 : 1;
}

}  // namespace

std::optional<std::string> console_user_name(std::string_view text) {
    text = trim(text);
    if (!text.empty() && text.front() == '@') text.remove_prefix(1);
    if (text.empty()) return std::nullopt;
    for (char c : text) {
        bool ok =
            std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
        if (!ok) return std::nullopt;
    }
    return std::string(text);
}

std::string default_console_user() {
    const char* user = std::getenv("USER");
    if (user != nullptr) {
        if (auto name = console_user_name(user)) return *name;
    }
    return "me";
}

std::string default_console_zone() {
    const char* tz = std::getenv("TZ");
    if (tz == nullptr) return "UTC";
    std::string_view name(tz);
    // POSIX lets TZ be ":Area/City"; other POSIX forms ("CET-1CEST") are not IANA names.
    if (!name.empty() && name.front() == ':') name.remove_prefix(1);
    if (name.empty()) return "UTC";
    auto zone = canonical_zone(name);
    return zone ? *zone : "UTC";
}

ConsoleSession::ConsoleSession(Worker& worker, const Clock& clock, std::string user,
                               std::string zone, std::ostream& out, ManualClock* manual)
    : out_(out),
      worker_(worker),
      clock_(clock),
      manual_(manual),
      user_(std::move(user)),
      zone_(std::move(zone)),
      session_id_(new_session_id()) {}

ConsoleSession::Next ConsoleSession::handle_line(std::string_view raw, std::ostream& err) {
    ++line_number_;
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') return Next::more;

    std::size_t space = line.find_first_of(" \t");
    std::string first = lower(line.substr(0, space));
    std::string_view rest = space == std::string_view::npos ? "" : trim(line.substr(space));

    if ((first == "quit" || first == "exit") && rest.empty()) return Next::quit;
    if (first == "as") {
        std::optional<std::string> name;
        if (rest.find_first_of(" \t") == std::string_view::npos) name = console_user_name(rest);
        if (name) {
            user_ = *name;
            out_ << "Now typing as @" << user_ << ".\n\n";
        } else {
            out_ << "`as` needs one user name (letters, digits, '.', '_' or '-'): type `as bob` "
                    "to type as @bob.\n\n";
        }
        out_.flush();
        return Next::more;
    }
    if (first == "clock") {
        clock_command(rest);
        return Next::more;
    }
    run_command(std::string(line), err);
    return Next::more;
}

void ConsoleSession::clock_command(std::string_view args) {
    std::string a = lower(args);
    if (a.empty()) {
        out_ << "It is " << format_when(clock_.now(), zone_) << ".\n\n";
        out_.flush();
        return;
    }
    if (a.rfind("advance", 0) != 0) {
        out_ << "Type `clock` to see the time, or `clock advance <duration>` (like `clock advance "
                "2h`) when the console runs with --clock.\n\n";
        out_.flush();
        return;
    }
    if (manual_ == nullptr) {
        out_ << "The console is on the real clock. Start it with `--clock <when>` (for example "
                "`releasebot console --clock \"2026-12-09 09:00\"`) to move time with `clock "
                "advance`.\n\n";
        out_.flush();
        return;
    }
    auto d = parse_duration(trim(args.substr(7)));
    if (!d) {
        out_ << d.error().message << "\n\n";
        out_.flush();
        return;
    }
    const Instant target = manual_->now() + *d;
    int fired = 0;
    try {
        // Each job fires at its own moment, and what it queued is delivered before the next, so
        // the messages come out in the order they happened.
        fired = worker_.advance_to(*manual_, target);
    } catch (const std::exception& e) {
        ++faults_;
        std::cerr << "releasebot: the clock stopped early: " << e.what() << '\n';
    }
    out_ << "It is now " << format_when(manual_->now(), zone_) << " (" << fired
         << (fired == 1 ? " scheduled job" : " scheduled jobs") << " fired).\n\n";
    out_.flush();
}

int ConsoleSession::tick(std::ostream& err) {
    int fired = 0;
    try {
        fired = worker_.fire_due_jobs();
    } catch (const std::exception& e) {
        ++faults_;
        err << "releasebot: scheduled jobs could not run: " << e.what() << '\n';
    }
    deliver(err);
    return fired;
}

void ConsoleSession::deliver(std::ostream& err) {
    try {
        worker_.deliver_due();
    } catch (const std::exception& e) {
        ++faults_;
        err << "releasebot: messages could not be delivered: " << e.what() << '\n';
    }
    out_.flush();
}

void ConsoleSession::run_command(const std::string& text, std::ostream& err) {
    Event event;
    event.idempotency_key = "console:" + session_id_ + ":" + std::to_string(line_number_);
    event.actor = Actor{"console", "local", UserId(user_), user_, zone_};
    event.conversation =
        ConversationRef{"console", "local", "terminal", std::nullopt, std::nullopt};
    event.kind = EventKind::command;
    event.text = text;

    try {
        Outcome outcome = worker_.pipeline().handle(event);
        out_ << render_text(outcome.reply);
        out_.flush();
    } catch (const std::exception& e) {
        // The pipeline rolled the event back; the user must know it did not happen.
        ++faults_;
        err << "releasebot: `" << text << "` was not done: " << e.what() << '\n';
        err.flush();
        return;
    }
    // The command may have scheduled jobs, some due already (a timed message "now").
    worker_.jobs_may_have_changed();
    tick(err);
    out_ << '\n';
    out_.flush();
}

int run_terminal(ConsoleSession& session, const std::string& db_path) {
    if (isatty(STDIN_FILENO) != 0) return run_interactive(session, db_path);
    return run_piped(session);
}

}  // namespace releasebot
