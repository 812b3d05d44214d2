// The release model on plain values: no database, no clock, no platform. The gate's blockers,
// the approval snapshot and what withdraws it, the start window and restated components; then
// properties over a seeded random walk of changes.
#include "commands/model/release_model.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <stdexcept>

#include "commands/time_parse.hpp"

namespace releasebot::model {
namespace {

Instant at(const std::string& text) {
    auto t = parse_when(text, "UTC", Instant{});
    if (!t.ok()) throw std::invalid_argument("bad test time " + text);
    return *t;
}

const Instant kNow = at("2026-12-01 09:00");

ReleaseControl control(int position, const std::string& slug, ControlStatus status) {
    ReleaseControl c;
    c.position = position;
    c.slug = slug;
    c.title = slug;
    c.status = status;
    return c;
}

PlanStep step(PlanKind plan, int position, const std::string& title) {
    PlanStep s;
    s.plan = plan;
    s.position = position;
    s.title = title;
    return s;
}

Component component(const std::string& program, const std::string& name,
                    const std::string& version) {
    Component c;
    c.program = program;
    c.name = name;
    c.version = version;
    return c;
}

// A release that passes the gate: one program with its component, both plans, every control
// ticked, its window ahead.
ReleaseFacts ready() {
    ReleaseFacts f;
    f.release.key = "web-1";
    f.release.state = ReleaseState::planned;
    f.release.window_start = at("2026-12-05 14:00");
    f.release.duration = std::chrono::hours(2);
    f.release.programs = {"web"};
    f.components = {component("web", "frontend", "4.2.0")};
    f.controls = {control(1, "deployment-plan", ControlStatus::done),
                  control(2, "ops-ready", ControlStatus::waived)};
    f.steps = {step(PlanKind::deploy, 1, "Deploy"), step(PlanKind::backout, 1, "Roll back")};
    return f;
}

bool names(const std::vector<Blocker>& bs, const std::string& what) {
    for (const auto& b : bs)
        if (b.what.find(what) != std::string::npos) return true;
    return false;
}

bool names(const std::vector<std::string>& reasons, const std::string& what) {
    for (const auto& r : reasons)
        if (r.find(what) != std::string::npos) return true;
    return false;
}

TEST_CASE("the gate passes a release that is ready and names each thing that blocks one",
          "[model][gate]") {
    CHECK(blockers(ready(), kNow, "UTC").empty());

    struct Case {
        const char* what;
        void (*change)(ReleaseFacts&);
        const char* blocker;
        const char* next_step;
    };
    const Case cases[] = {
        {"an open mandatory control",
         [](ReleaseFacts& f) { f.controls[0].status = ControlStatus::open; },
         "Control 1 `deployment-plan`", "control tick web-1 deployment-plan"},
        {"no deployment plan", [](ReleaseFacts& f) { f.steps.erase(f.steps.begin()); },
         "no deployment plan", "plan add web-1 deploy"},
        {"no backout plan", [](ReleaseFacts& f) { f.steps.pop_back(); }, "no backout plan",
         "plan add web-1 backout"},
        {"no components at all", [](ReleaseFacts& f) { f.components.clear(); }, "Nothing ships",
         "release add web-1"},
        {"a program without its component",
         [](ReleaseFacts& f) { f.release.programs.push_back("api"); },
         "Program api has no component", "release add web-1 api/"},
        {"an artifact URL without a checksum",
         [](ReleaseFacts& f) { f.components[0].artifact_url = "https://a.example/f.tgz"; },
         "artifact URL but no SHA-256", "sha256 <hex>"},
        {"a held communication",
         [](ReleaseFacts& f) {
             f.held.push_back({7, {"stakeholders"}, false});
         },
         "Communication #7 to stakeholders is waiting for review", "comms review 7 approve"},
        {"a freeze over the window",
         [](ReleaseFacts& f) { f.freeze = "\"Audit week\" (freeze #2)"; },
         "overlaps the freeze \"Audit week\"", "override"},
        {"a window that has closed",
         [](ReleaseFacts& f) { f.release.window_start = at("2026-11-30 08:00"); }, "has passed",
         "release move web-1"},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        ReleaseFacts f = ready();
        c.change(f);
        auto bs = blockers(f, kNow, "UTC");
        REQUIRE(bs.size() == 1);
        CHECK_THAT(bs[0].what, Catch::Contains(c.blocker));
        CHECK_THAT(bs[0].next_step, Catch::Contains(c.next_step));
    }

    SECTION("a freeze a manager overrode does not block") {
        ReleaseFacts f = ready();
        f.freeze = "\"Audit week\" (freeze #2)";
        f.release.freeze_override = "Security fix";
        CHECK(blockers(f, kNow, "UTC").empty());
    }
    SECTION("an optional open control does not block") {
        ReleaseFacts f = ready();
        f.controls[1].mandatory = false;
        f.controls[1].status = ControlStatus::open;
        CHECK(blockers(f, kNow, "UTC").empty());
    }
    SECTION("a window that is open can still be approved") {
        ReleaseFacts f = ready();
        f.release.window_start = at("2026-12-01 08:30");
        CHECK(blockers(f, kNow, "UTC").empty());
    }
}

TEST_CASE("an approval covers exactly what was approved", "[model][approval]") {
    ReleaseFacts approved = ready();
    approved.release.state = ReleaseState::approved;
    const std::string snapshot = approval_snapshot(approved);
    CHECK_FALSE(approval_check(approved, snapshot, kNow, "UTC"));

    struct Case {
        const char* what;
        void (*change)(ReleaseFacts&);
        const char* reason;
    };
    const Case cases[] = {
        {"a component added",
         [](ReleaseFacts& f) { f.components.push_back(component("web", "assets", "1.0")); },
         "component web/assets 1.0 was added"},
        {"a version changed", [](ReleaseFacts& f) { f.components[0].version = "4.3.0"; },
         "component web/frontend: 4.2.0 → 4.3.0"},
        {"a checksum changed",
         [](ReleaseFacts& f) { f.components[0].sha256 = std::string(64, 'a'); },
         "component web/frontend"},
        {"a program added without a component",
         [](ReleaseFacts& f) { f.release.programs.push_back("mobile"); }, "programs"},
        {"the window moved",
         [](ReleaseFacts& f) { f.release.window_start += std::chrono::hours(24); }, "window"},
        {"the environment changed", [](ReleaseFacts& f) { f.release.env = "staging"; }, "env"},
        {"a step renamed", [](ReleaseFacts& f) { f.steps[0].title = "Deploy everything"; },
         "step deploy 1"},
        {"a step added",
         [](ReleaseFacts& f) { f.steps.push_back(step(PlanKind::deploy, 2, "Smoke test")); },
         "step deploy 2"},
        {"a control unticked", [](ReleaseFacts& f) { f.controls[1].status = ControlStatus::open; },
         "control ops-ready: waived → open"},
        {"a freeze added over the window",
         [](ReleaseFacts& f) { f.freeze = "\"Audit week\" (freeze #2)"; }, "Audit week"},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        ReleaseFacts f = approved;
        c.change(f);
        auto w = approval_check(f, snapshot, kNow, "UTC");
        REQUIRE(w);
        CHECK(names(w->reasons, c.reason));
    }

    SECTION("an approval recorded before snapshots holds while the gate is clear") {
        CHECK_FALSE(approval_check(approved, "", kNow, "UTC"));
        ReleaseFacts f = approved;
        f.components.clear();
        CHECK(approval_check(f, "", kNow, "UTC"));
    }
    SECTION("a release that is not approved has nothing to withdraw") {
        ReleaseFacts f = ready();
        f.components.clear();
        CHECK_FALSE(approval_check(f, snapshot, kNow, "UTC"));
    }
}

TEST_CASE("a release starts from a short lead before its window until it closes",
          "[model][start]") {
    Release r = ready().release;  // 2026-12-05 14:00 for 2h
    CHECK(start_refusal(r, at("2026-12-05 13:45"), "UTC") == std::nullopt);
    CHECK(start_refusal(r, at("2026-12-05 15:59"), "UTC") == std::nullopt);
    auto early = start_refusal(r, at("2026-11-19 14:00"), "UTC");
    REQUIRE(early);
    CHECK_THAT(*early, Catch::Contains("opens Sat 5 Dec 2026 14:00 UTC"));
    CHECK_THAT(*early, Catch::Contains("from 13:45"));
    CHECK_THAT(*early, Catch::Contains("release start web-1 override \"<reason>\""));
    auto late = start_refusal(r, at("2026-12-05 16:00"), "UTC");
    REQUIRE(late);
    CHECK_THAT(*late, Catch::Contains("closed"));
    CHECK(start_refusal(r, at("2026-12-05 13:00"), "UTC", std::chrono::hours(1)) == std::nullopt);
}

TEST_CASE("a new version drops the old artifact's URL and checksum unless it names new ones",
          "[model][component]") {
    Component old = component("api", "gateway", "2.9.1");
    old.artifact_url = "https://a.example/gateway-2.9.1.tgz";
    old.sha256 = std::string(64, 'b');

    SECTION("a bump without url") {
        auto u = restate_component(old, component("api", "gateway", "2.9.2"));
        CHECK_FALSE(u.component.artifact_url);
        CHECK_FALSE(u.component.sha256);
        REQUIRE(u.dropped);
        CHECK(*u.dropped == "The artifact URL and SHA-256 of 2.9.1 were dropped");
        CHECK(verification_stale(old, u.component));
    }
    SECTION("a bump with a new url keeps no old checksum") {
        Component given = component("api", "gateway", "2.9.2");
        given.artifact_url = "https://a.example/gateway-2.9.2.tgz";
        auto u = restate_component(old, given);
        CHECK(u.component.artifact_url == given.artifact_url);
        CHECK_FALSE(u.component.sha256);
        CHECK(u.dropped == "The SHA-256 of 2.9.1 was dropped");
    }
    SECTION("the same version keeps what it does not restate") {
        Component given = component("api", "gateway", "2.9.1");
        auto u = restate_component(old, given);
        CHECK(u.component.artifact_url == old.artifact_url);
        CHECK(u.component.sha256 == old.sha256);
        CHECK_FALSE(u.dropped);
        CHECK_FALSE(verification_stale(old, u.component));
    }
    SECTION("the same version at a new url keeps no old checksum") {
        Component given = component("api", "gateway", "2.9.1");
        given.artifact_url = "https://mirror.example/gateway-2.9.1.tgz";
        auto u = restate_component(old, given);
        CHECK_FALSE(u.component.sha256);
        CHECK(verification_stale(old, u.component));
    }
}

TEST_CASE("two windows of one program in one environment collide", "[model][collision]") {
    Release mine = ready().release;  // web, 2026-12-05 14:00 for 2h, no env
    mine.id = ReleaseId(1);
    Release other = mine;
    other.id = ReleaseId(2);
    other.key = "web-2";
    other.window_start += std::chrono::hours(1);

    CHECK(collision(mine, {other}).has_value());
    CHECK(collision(mine, {other})->key == "web-2");
    SECTION("a window that ends as the other starts does not") {
        other.window_start = mine.window_end();
        CHECK_FALSE(collision(mine, {other}));
    }
    SECTION("another environment does not") {
        other.env = "staging";
        CHECK_FALSE(collision(mine, {other}));
    }
    SECTION("another program does not, a shared one in any case does") {
        other.programs = {"api"};
        CHECK_FALSE(collision(mine, {other}));
        other.programs = {"api", "WEB"};
        CHECK(collision(mine, {other}));
    }
    SECTION("a cancelled or finished release does not") {
        other.state = ReleaseState::cancelled;
        CHECK_FALSE(collision(mine, {other}));
        other.state = ReleaseState::deployed;
        CHECK_FALSE(collision(mine, {other}));
    }
    SECTION("the release itself does not") {
        CHECK_FALSE(collision(mine, {mine}));
    }
}

// Properties over random sequences of changes: after any change to a gate input the release is
// not approved; an approved release never has a blocker; a re-approval covers the new state.
TEST_CASE("a random walk of changes never leaves an approval that does not hold",
          "[model][approval][property]") {
    const auto seed = GENERATE(1u, 7u, 42u, 2026u);
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };

    ReleaseFacts f = ready();
    std::string snapshot;
    int approvals = 0, withdrawals = 0;
    for (int i = 0; i < 3000; ++i) {
        INFO("seed " << seed << ", step " << i);
        const std::string before = approval_snapshot(f);
        const bool was_approved = f.release.state == ReleaseState::approved;
        switch (pick(11)) {
            case 0: {
                // `release add`: a component is one per program and name.
                Component c = component(pick(2) ? "web" : "api", "c" + std::to_string(pick(4)),
                                        std::to_string(pick(5)) + ".0");
                auto same = std::find_if(
                    f.components.begin(), f.components.end(),
                    [&](const Component& o) { return o.program == c.program && o.name == c.name; });
                if (same == f.components.end())
                    f.components.push_back(c);
                else
                    *same = c;
                break;
            }
            case 1:
                if (!f.components.empty())
                    f.components[pick(static_cast<int>(f.components.size()))].version =
                        std::to_string(pick(5)) + ".1";
                break;
            case 2:
                if (!f.components.empty()) f.components.erase(f.components.begin());
                break;
            case 3: {
                auto& c = f.controls[pick(static_cast<int>(f.controls.size()))];
                c.status = static_cast<ControlStatus>(pick(3));
                break;
            }
            case 4:
                if (pick(2) || f.steps.empty())
                    f.steps.push_back(step(pick(2) ? PlanKind::deploy : PlanKind::backout,
                                           static_cast<int>(f.steps.size()) + 1, "s"));
                else
                    f.steps.pop_back();
                break;
            case 5:
                f.freeze = pick(3) == 0 ? std::optional<std::string>("\"F\"") : std::nullopt;
                break;
            case 6:
                // Moved, but kept ahead of now (a window in the past is a blocker of its own).
                f.release.window_start =
                    std::max(kNow + std::chrono::hours(1),
                             f.release.window_start + std::chrono::hours(pick(3) - 1));
                break;
            case 7:
                if (f.release.programs.size() < 2)
                    f.release.programs.push_back("api");
                else
                    f.release.programs.pop_back();
                break;
            case 9:
            case 10:
                // Someone does the work the gate asks for.
                for (auto& c : f.controls)
                    if (c.status == ControlStatus::open) c.status = ControlStatus::done;
                for (PlanKind k : {PlanKind::deploy, PlanKind::backout})
                    if (std::none_of(f.steps.begin(), f.steps.end(),
                                     [&](const PlanStep& st) { return st.plan == k; }))
                        f.steps.push_back(step(k, static_cast<int>(f.steps.size()) + 1, "s"));
                for (const std::string p : {"web", "api"})
                    if (std::none_of(f.components.begin(), f.components.end(),
                                     [&](const Component& c) { return c.program == p; }))
                        f.components.push_back(component(p, "c0", "1.0"));
                f.freeze.reset();
                break;
            case 8:
                // `release go`: approves only through a clear gate.
                if (f.release.state == ReleaseState::planned && blockers(f, kNow, "UTC").empty()) {
                    f.release.state = ReleaseState::approved;
                    snapshot = approval_snapshot(f);
                    ++approvals;
                }
                break;
        }
        // What the settling after every event does.
        if (auto w = approval_check(f, snapshot, kNow, "UTC")) {
            REQUIRE_FALSE(w->reasons.empty());
            f.release.state = ReleaseState::planned;
            snapshot.clear();
            ++withdrawals;
        }
        if (f.release.state == ReleaseState::approved) {
            REQUIRE(blockers(f, kNow, "UTC").empty());
            REQUIRE(approval_snapshot(f) == snapshot);
        }
        // "After any change to a gate input, the release is not approved."
        if (was_approved && approval_snapshot(f) != before)
            REQUIRE(f.release.state == ReleaseState::planned);
    }
    // The walk really went through both: approvals and withdrawals.
    CHECK(approvals > 10);
    CHECK(withdrawals > 10);
}

}  // namespace
}  // namespace releasebot::model
