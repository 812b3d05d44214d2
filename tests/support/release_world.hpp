// Building blocks of a world of releases for a test to act on: commands that must succeed while
// the world is set up, and releases brought to a given point of their life (approved, deploying,
// deployed) by their owner "own" and the manager "mgr", through the real pipeline.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "integrations/console/text_renderer.hpp"
#include "support/test_env.hpp"

namespace releasebot::test {

// Runs `text` as `user`; the test stops unless it succeeds and its answer contains `expect`.
inline void must(TestEnv& env, const std::string& user, const std::string& text,
                 const std::string& expect = "") {
    auto out = env.run(user, text);
    INFO(user << ": " << text << "\n→ " << render_text(out.reply));
    REQUIRE_FALSE(out.reply.is_error);
    REQUIRE_THAT(render_text(out.reply), Catch::Matchers::Contains(expect));
}

enum class Stage { ready, approved, deploying, deployed };

// Plans `key` at `when` as "own", ticks its seven default controls and gives it
// `deploy_steps` deploy steps and one backout step; then, as far as `stage` asks, "mgr"
// approves and starts it, and "own" marks its first deploy step done and closes it.
inline void release_at(TestEnv& env, const std::string& key, const std::string& when, Stage stage,
                       int deploy_steps = 1) {
    must(env, "own", "release plan " + key + " \"" + key + "\" at " + when, "Planned");
    must(env, "own", "release add " + key + " web/app@1.0.0", "Added");
    tick_open_controls(env, key, "own");
    for (int n = 1; n <= deploy_steps; ++n)
        must(env, "own", "plan add " + key + " deploy \"Deploy " + std::to_string(n) + "\"",
             "Added deploy step");
    must(env, "own", "plan add " + key + " backout \"Roll back\"", "Added backout step");
    if (stage == Stage::ready) return;
    must(env, "mgr", "release go " + key, "approved");
    if (stage == Stage::approved) return;
    must(env, "mgr", "release start " + key + " override \"Ahead of the window\"", "deploying");
    must(env, "own", "release step " + key + " 1 done", "done");
    if (stage == Stage::deploying) return;
    must(env, "own", "release done " + key, "deployed");
}

}  // namespace releasebot::test
