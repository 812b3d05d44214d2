// How times are stored: INTEGER seconds since the Unix epoch, UTC. The conversions every
// repository uses, in one place.
#pragma once

#include <cstdint>
#include <optional>

#include "storage/records.hpp"

namespace releasebot {

inline std::int64_t seconds_of(Instant t) { return t.time_since_epoch().count(); }
inline std::optional<std::int64_t> seconds_of(const std::optional<Instant>& t) {
    if (!t) return std::nullopt;
    return seconds_of(*t);
}
inline Instant instant_of(std::int64_t s) { return Instant(Seconds(s)); }
inline std::optional<Instant> instant_of(const std::optional<std::int64_t>& s) {
    if (!s) return std::nullopt;
    return instant_of(*s);
}

}  // namespace releasebot
