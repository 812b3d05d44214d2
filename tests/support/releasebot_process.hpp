// ReleasebotProcess: the real releasebot binary as a child process for the tests that run it,
// started with exactly the environment a test gives (plus PATH, HOME and the test clock's
// settings), its stdin on /dev/null and its output in files, and killed (SIGKILL) when the test
// is done with it.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "support/eventually.hpp"
#include "support/system_clock.hpp"

namespace releasebot::test {

class ReleasebotProcess {
  public:
    ReleasebotProcess() = default;
    ReleasebotProcess(const ReleasebotProcess&) = delete;
    ReleasebotProcess& operator=(const ReleasebotProcess&) = delete;
    ~ReleasebotProcess() { kill_now(); }

    // Starts `releasebot <args>` with stdout and stderr both appended to `log_path`, so a
    // restarted process adds to what the one before it wrote.
    void start(const std::vector<std::string>& args, std::vector<std::string> env,
               const std::string& log_path) {
        spawn(args, std::move(env), [&](posix_spawn_file_actions_t& actions) {
            posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(),
                                             O_WRONLY | O_CREAT | O_APPEND, 0600);
            posix_spawn_file_actions_adddup2(&actions, 1, 2);
        });
    }
    // Starts `releasebot <args>` with stdout written to `out_path` and stderr to `err_path`,
    // each file new.
    void start(const std::vector<std::string>& args, std::vector<std::string> env,
               const std::string& out_path, const std::string& err_path) {
        spawn(args, std::move(env), [&](posix_spawn_file_actions_t& actions) {
            posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(),
                                             O_WRONLY | O_CREAT | O_TRUNC, 0600);
            posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(),
                                             O_WRONLY | O_CREAT | O_TRUNC, 0600);
        });
    }

    pid_t pid() const { return pid_; }
    void signal(int number) { kill(pid_, number); }
    // The exit status, or -1 when it had not exited within `timeout` (it is killed then).
    int wait(std::chrono::milliseconds timeout) {
        return wait_for_exit(std::exchange(pid_, -1), timeout);
    }
    // SIGTERM, then the exit status (or -1 when it did not stop in time and was killed).
    int stop(std::chrono::milliseconds timeout) {
        signal(SIGTERM);
        return wait(timeout);
    }
    void kill_now() {
        if (pid_ <= 0) return;
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

  private:
    template <typename Redirect>
    void spawn(const std::vector<std::string>& args, std::vector<std::string> env,
               Redirect redirect) {
        env.push_back("PATH=/usr/local/bin:/usr/bin:/bin");
        env.push_back("HOME=/tmp");
        for (std::string& e : clock_environment()) env.push_back(std::move(e));
        std::vector<std::string> argv_s = {RELEASEBOT_BINARY};
        argv_s.insert(argv_s.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : argv_s) argv.push_back(a.data());
        argv.push_back(nullptr);
        std::vector<char*> envp;
        for (auto& e : env) envp.push_back(e.data());
        envp.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        redirect(actions);
        const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        REQUIRE(rc == 0);
    }

    pid_t pid_ = -1;
};

}  // namespace releasebot::test
