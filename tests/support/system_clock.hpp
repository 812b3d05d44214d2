// For tests that run the real releasebot binary, which reads the system clock: dates computed
// from today, so a test passes on any day it runs, and the environment that carries a faked
// clock (libfaketime's LD_PRELOAD and FAKETIME settings) on to the child processes, so the
// binary and the test agree on what "now" is when the suite runs under `faketime`.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

extern char** environ;

namespace releasebot::test {

// The UTC date `days` days from today, as "YYYY-MM-DD": a window that is always ahead.
inline std::string days_from_today(int days) {
    using namespace std::chrono;
    const year_month_day ymd{floor<std::chrono::days>(system_clock::now()) +
                             std::chrono::days{days}};
    char out[16];
    std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return out;
}

// "YYYY-MM-DD HH:MM", `days` days from today at `time` ("14:00"), UTC.
inline std::string when_from_today(int days, const std::string& time = "14:00") {
    return days_from_today(days) + " " + time;
}

// The variables of this process's environment that set its clock (LD_PRELOAD and every
// FAKETIME* variable), as "NAME=value" entries for a child started with an environment of its
// own. Empty when the suite runs on the real clock.
inline std::vector<std::string> clock_environment() {
    std::vector<std::string> out;
    for (char** e = environ; e && *e; ++e) {
        const std::string entry = *e;
        if (entry.rfind("LD_PRELOAD=", 0) == 0 || entry.rfind("FAKETIME", 0) == 0 ||
            entry.rfind("DONT_FAKE_MONOTONIC=", 0) == 0) {
            out.push_back(entry);
        }
    }
    return out;
}

}  // namespace releasebot::test
