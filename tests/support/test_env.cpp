#include "support/test_env.hpp"

#include <ctime>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "commands/model/release_model.hpp"
#include "integrations/console/text_renderer.hpp"

namespace releasebot::test {

namespace {
// Event keys unique across every TestEnv of the process, since two environments may share a
// database file (a "restart").
int next_event_number() {
    static int n = 0;
    return ++n;
}
}  // namespace

Instant utc(const std::string& text) {
    std::tm tm{};
    std::istringstream in(text);
    in >> std::get_time(&tm, "%Y-%m-%d %H:%M");
    if (in.fail()) throw std::invalid_argument("bad test time " + text);
    return Instant(std::chrono::seconds(timegm(&tm)));
}

Instant default_start() { return utc("2026-12-01 09:00"); }

TestEnv::TestEnv(const std::string& db_path, Instant start)
    : db_(std::make_unique<Database>(db_path)),
      store_(std::make_unique<Store>(*db_)),
      clock_(start),
      pipeline_(std::make_unique<Pipeline>(*db_, clock_)) {}

Outcome TestEnv::run(const std::string& user, const std::string& text) {
    Event e;
    e.idempotency_key = "test:" + std::to_string(next_event_number());
    e.actor = Actor{"console", "local", UserId(user), user, zone};
    e.conversation = ConversationRef{"console", "local", "terminal", std::nullopt, std::nullopt};
    e.kind = EventKind::command;
    e.text = text;
    return pipeline_->handle(e);
}

std::string TestEnv::say(const std::string& user, const std::string& text) {
    return render_text(run(user, text).reply);
}

Outcome TestEnv::press(const std::string& user, const std::string& action_id,
                       const std::string& value) {
    Event e;
    e.idempotency_key = "test:" + std::to_string(next_event_number());
    e.actor = Actor{"console", "local", UserId(user), user, zone};
    e.conversation = ConversationRef{"console", "local", "terminal", std::nullopt, std::nullopt};
    e.kind = EventKind::action;
    e.action_id = action_id;
    e.value = value;
    return pipeline_->handle(e);
}

std::int64_t TestEnv::count(const std::string& sql) {
    auto st = db_->prepare(sql);
    if (!st.step()) throw std::runtime_error("no row for " + sql);
    return st.get_int(0);
}

std::string TestEnv::text(const std::string& sql) {
    auto st = db_->prepare(sql);
    if (!st.step()) throw std::runtime_error("no row for " + sql);
    return st.get_text(0);
}

void add_components(TestEnv& env, const std::string& key, const std::string& user) {
    std::vector<std::string> programs;
    {
        auto st = env.db().prepare(
            "SELECT p.program FROM release_programs p JOIN releases r ON r.id = p.release_id "
            "WHERE r.key = ? ORDER BY p.program");
        st.bind(1, key);
        while (st.step()) programs.push_back(st.get_text(0));
    }
    if (programs.empty()) programs.push_back("web");
    for (const auto& p : programs) {
        REQUIRE_THAT(env.say(user, "release add " + key + " " + p + "/app@1.0.0"),
                     Catch::Matchers::Contains("app"));
    }
}

std::int64_t dms_to(TestEnv& env, const std::string& user, const std::string& needle) {
    return env.count("SELECT count(*) FROM outbox WHERE destination LIKE '%\"user\":\"" + user +
                     "\"%' AND instr(payload, '" + needle + "') > 0");
}

void tick_open_controls(TestEnv& env, const std::string& key, const std::string& user) {
    std::vector<std::string> slugs;
    {
        auto st = env.db().prepare(
            "SELECT c.slug FROM release_controls c JOIN releases r ON r.id = c.release_id "
            "WHERE r.key = ? AND c.status = 'open' ORDER BY c.position");
        st.bind(1, key);
        while (st.step()) slugs.push_back(st.get_text(0));
    }
    for (const auto& slug : slugs) {
        if (model::is_kept_control(slug)) continue;
        REQUIRE_THAT(env.say(user, "control tick " + key + " " + slug),
                     Catch::Matchers::Contains("Ticked control"));
    }
}

void approve_web_release(TestEnv& env) {
    using Catch::Matchers::Contains;
    // Something ships: a component for each of its programs (web when it names none).
    add_components(env, "web-2026.12", "bob");
    tick_open_controls(env, "web-2026.12", "bob");
    REQUIRE_THAT(env.say("bob", "plan add web-2026.12 deploy \"Deploy web\" takes 30m"),
                 Contains("Added deploy step 1"));
    REQUIRE_THAT(env.say("bob", "plan add web-2026.12 backout \"Roll back web\" takes 10m"),
                 Contains("Added backout step 1"));
    REQUIRE_THAT(env.say("alice", "release go web-2026.12"), Contains("is approved"));
}

std::string start_in_window(TestEnv& env, const std::string& user, const std::string& key) {
    std::int64_t opens = 0;
    {
        auto st = env.db().prepare("SELECT window_start FROM releases WHERE key = ?");
        st.bind(1, key);
        if (st.step()) opens = st.get_int(0);
    }
    const Instant lead = Instant(std::chrono::seconds(opens)) - std::chrono::minutes(10);
    if (opens != 0 && env.clock().now() < lead) env.clock().set(lead);
    return env.say(user, "release start " + key);
}

}  // namespace releasebot::test
