// eventually(): polls a condition until it holds or a deadline passes, for tests that wait on
// another thread or process (an emulator, a worker) without asserting how long it took; and
// wait_for_exit(), the same for a child process's exit.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

namespace releasebot::test {

// True as soon as `condition()` is; false once `timeout` has passed without it. Polls every
// 20 ms, so a condition that needs a lock held briefly by the code under test is fine.
template <class F>
bool eventually(F condition, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

// How child `pid` ended, once it has within `timeout`: its exit code, or 128 + the signal that
// ended it (as a shell reports it). -1 when it was still running; it is killed (SIGKILL) and
// reaped then, so the caller owns no process either way.
inline int wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
    int status = 0;
    if (!eventually([&] { return waitpid(pid, &status, WNOHANG) != 0; }, timeout)) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace releasebot::test
