// Clock: where the domain reads "now". The bot uses the system clock; tests and the console's
// `clock advance` use a ManualClock, so a week of timeline runs in milliseconds.
#pragma once

#include <chrono>
#include <mutex>

#include "storage/records.hpp"

namespace releasebot {

class Clock {
public:
    virtual ~Clock() = default;
    virtual Instant now() const = 0;
};

class SystemClock final : public Clock {
public:
    Instant now() const override {
        return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    }
};

class ManualClock final : public Clock {
public:
    explicit ManualClock(Instant start) : now_(start) {}
    Instant now() const override {
        std::lock_guard lock(mu_);
        return now_;
    }
    void set(Instant t) {
        std::lock_guard lock(mu_);
        now_ = t;
    }
    void advance(Seconds d) {
        std::lock_guard lock(mu_);
        now_ += d;
    }

private:
    mutable std::mutex mu_;
    Instant now_;
};

}  // namespace releasebot
