// The release plans tests start from: the standard web release of December 2026 as people type
// it, and the short plan command the Slack tests send to a bot over Socket Mode.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "support/test_env.hpp"

namespace releasebot::test {

// web-2026.12, "Web December": a two-hour window at 14:00 UTC on Thu 10 Dec 2026 (the test clock
// starts Tue 1 Dec 09:00 UTC), for the program web.
inline constexpr const char* kPlanWeb =
    "release plan web-2026.12 \"Web December\" at 2026-12-10 14:00 for 2h program web";

// alice plans web-2026.12 (kPlanWeb) and, when she is the first to speak, becomes the
// workspace's manager. The test stops unless the plan is made.
inline void plan_web(TestEnv& env) {
    REQUIRE_THAT(env.say("alice", kPlanWeb), Catch::Matchers::Contains("Planned web-2026.12"));
}

// "plan <key> \"Release <key>\" at 2026-12-05 14:00": a plan as a Slack user types it to
// /release (or, after "release ", in a mention).
inline std::string plan_command(const std::string& key) {
    return "plan " + key + " \"Release " + key + "\" at 2026-12-05 14:00";
}

}  // namespace releasebot::test
