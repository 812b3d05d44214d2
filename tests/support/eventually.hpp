// eventually(): polls a condition until it holds or a deadline passes, for tests that wait on
// another thread or process (an emulator, a worker) without asserting how long it took.
#pragma once

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

}  // namespace releasebot::test
