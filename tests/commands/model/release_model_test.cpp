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
    f.controls = {control(1, "business-signoff", ControlStatus::done),
                  control(2, "ops-ready", ControlStatus::waived)};
    f.steps = {step(PlanKind::deploy, 1, "Deploy"), step(PlanKind::backout, 1, "Roll back")};
    return f;
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
         "Control 1 `business-signoff`", "control tick web-1 business-signoff"},
        // One releasebot keeps is not a blocker of its own: the check it stands for is.
        {"an open control releasebot keeps, whose plan is missing",
         [](ReleaseFacts& f) {
             f.controls.push_back(control(3, "deployment-plan", ControlStatus::open));
             f.steps.erase(f.steps.begin());
         },
         "no deployment plan", "plan add web-1 deploy"},
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
TEST_CASE("every change is accepted in exactly the states of the lifecycle, and leads on",
          "[model][lifecycle]") {
    using S = ReleaseState;
    const S all[] = {S::planned,    S::approved,       S::deploying, S::deployed,
                     S::backed_out, S::backout_failed, S::cancelled};
    struct Row {
        Change change;
        const char* command;
        std::vector<S> accepted;
    };
    const Row table[] = {
        {Change::edit, "release add", {S::planned, S::approved}},
        {Change::rename,
         "release edit",
         {S::planned, S::approved, S::deploying, S::deployed, S::backed_out, S::backout_failed}},
        {Change::reassign, "plan assign", {S::planned, S::approved, S::deploying}},
        {Change::tick, "control tick", {S::planned, S::approved, S::deploying}},
        {Change::approve, "release go", {S::planned}},
        {Change::unapprove, "release go", {S::approved}},
        {Change::start, "release start", {S::approved}},
        {Change::step, "release step", {S::deploying}},
        {Change::backout, "release backout", {S::deploying}},
        {Change::finish, "release done", {S::deploying}},
        {Change::cancel, "release cancel", {S::planned, S::approved}},
        {Change::move, "release move", {S::planned, S::approved}},
        {Change::announce, "comms draft", {S::planned, S::approved, S::deploying}},
        {Change::remind, "remind", {S::planned, S::approved}},
    };
    for (const Row& row : table) {
        for (const S state : all) {
            Release r;
            r.key = "web-1";
            r.state = state;
            const bool ok =
                std::find(row.accepted.begin(), row.accepted.end(), state) != row.accepted.end();
            INFO(row.command << " in state " << to_string(state));
            auto no = refusal(r, row.change, row.command);
            CHECK(no.has_value() == !ok);
            if (no) {
                CHECK_THAT(*no, Catch::StartsWith("web-1 is " + to_string(state) + "; `" +
                                                  row.command + "` needs it to be "));
                CHECK_THAT(*no, Catch::EndsWith("Type `release show web-1` to see where it "
                                                "stands."));
            }
        }
    }
    Release r;
    r.key = "web-1";
    r.state = S::planned;
    CHECK(*refusal(r, Change::start, "release start") ==
          "web-1 is planned; `release start` needs it to be approved. Type `release show web-1` "
          "to see where it stands.");
    r.state = S::deployed;
    CHECK_THAT(*refusal(r, Change::move, "release move"),
               Catch::Contains("needs it to be planned or approved."));
    CHECK_THAT(*refusal(r, Change::step, "release step"),
               Catch::Contains("needs it to be deploying (after `release start`)."));

    SECTION("where each accepted change leads") {
        r.state = S::planned;
        CHECK(after(r, Change::approve) == S::approved);
        CHECK(after(r, Change::edit) == S::planned);
        CHECK(after(r, Change::cancel) == S::cancelled);
        r.state = S::approved;
        CHECK(after(r, Change::unapprove) == S::planned);
        CHECK(after(r, Change::start) == S::deploying);
        CHECK(after(r, Change::move) == S::approved);
        r.state = S::deploying;
        r.active_plan = PlanKind::deploy;
        CHECK(after(r, Change::step) == S::deploying);
        CHECK(after(r, Change::finish) == S::deployed);
        CHECK(after(r, Change::backout) == S::deploying);
        r.active_plan = PlanKind::backout;
        CHECK(after(r, Change::finish) == S::backed_out);
        CHECK(after(r, Change::finish, true) == S::backout_failed);
    }
    SECTION("a random walk of accepted changes stays in the lifecycle and ends for good") {
        std::mt19937 random(20261207);
        const Change changes[] = {
            Change::edit,   Change::rename,   Change::reassign, Change::tick,   Change::approve,
            Change::unapprove, Change::start, Change::step,     Change::backout, Change::finish,
            Change::cancel, Change::move,     Change::announce, Change::remind};
        for (int walk = 0; walk < 200; ++walk) {
            Release w;
            w.key = "walk";
            w.state = S::planned;
            for (int i = 0; i < 30; ++i) {
                const Change c = changes[random() % std::size(changes)];
                if (refusal(w, c, "x")) continue;
                const S before = w.state;
                if (c == Change::backout) w.active_plan = PlanKind::backout;
                if (c == Change::start) w.active_plan = PlanKind::deploy;
                w.state = after(w, c, random() % 2 == 0);
                // Only these lead anywhere else; the others keep the state.
                const bool moves = c == Change::approve || c == Change::unapprove ||
                                   c == Change::start || c == Change::finish || c == Change::cancel;
                if (!moves) CHECK(w.state == before);
                // Once finished, only a rename is still accepted; once cancelled, nothing.
                if (w.state != S::planned && w.state != S::approved && w.state != S::deploying)
                    for (const Change other : changes)
                        CHECK(refusal(w, other, "x").has_value() ==
                              (other != Change::rename || w.state == S::cancelled));
            }
        }
    }
}

TEST_CASE("a step moves only along the corrections a team makes", "[model][step]") {
    using St = StepStatus;
    const St all[] = {St::pending, St::done, St::skipped, St::failed};
    // from → the statuses it may be marked to.
    const std::vector<std::pair<St, std::vector<St>>> table = {
        {St::pending, {St::done, St::skipped, St::failed}},
        {St::done, {St::failed}},
        {St::failed, {St::done, St::pending}},
        {St::skipped, {}},
    };
    const UserId bob("bob");
    for (const auto& [from, allowed] : table) {
        for (const St to : all) {
            INFO(to_string(from) << " → " << to_string(to));
            PlanStep s = step(PlanKind::deploy, 2, "Switch traffic");
            s.status = from;
            if (from != St::pending) {
                s.done_by = UserId("carol");
                s.done_at = at("2026-12-05 14:00");
            }
            auto marked = mark_step(s, to, std::string("note"), bob, kNow);
            const bool ok = std::find(allowed.begin(), allowed.end(), to) != allowed.end();
            REQUIRE(marked.has_value() == ok);
            if (!marked) continue;
            CHECK(marked->status == to);
            CHECK(marked->title == "Switch traffic");
            CHECK(marked->position == 2);
            CHECK(marked->note == "note");
            if (to == St::pending) {
                CHECK_FALSE(marked->done_by);
                CHECK_FALSE(marked->done_at);
            } else {
                CHECK(marked->done_by == bob);
                CHECK(marked->done_at == kNow);
            }
        }
    }
}

TEST_CASE("the controls the gate already checks keep themselves", "[model][kept]") {
    ReleaseFacts f = ready();
    f.controls = {control(1, "deployment-plan", ControlStatus::open),
                  control(2, "backout-plan", ControlStatus::open),
                  control(3, "components-versioned", ControlStatus::open),
                  control(4, "package-integrity", ControlStatus::open),
                  control(5, "comms-approved", ControlStatus::waived)};
    CHECK(is_kept_control("backout-plan"));
    CHECK_FALSE(is_kept_control("package-integrity"));

    SECTION("what holds is ticked, with why; others are left to people") {
        auto changed = settle_kept_controls(f, kNow);
        REQUIRE(changed.size() == 3);
        for (const auto& [c, why] : changed) {
            CHECK(c.status == ControlStatus::done);
            CHECK(c.done_at == kNow);
            CHECK(c.done_by == UserId("releasebot"));
            CHECK(c.note == "kept by releasebot: " + why);
        }
        CHECK(changed[0].why == "the deploy plan has steps");
        CHECK(changed[2].why == "every program has its component, each with a version");
        // The waived one stays waived whatever happens.
        CHECK(std::none_of(changed.begin(), changed.end(), [](const KeptChange& k) {
            return k.control.slug == "comms-approved";
        }));
    }
    SECTION("what stops holding opens again, and says what to do") {
        f.controls[1].status = ControlStatus::done;
        f.controls[2].status = ControlStatus::done;
        f.steps = {step(PlanKind::deploy, 1, "Deploy")};
        f.release.programs = {"web", "api"};
        auto changed = settle_kept_controls(f, kNow);
        REQUIRE(changed.size() == 3);  // deployment-plan ticked; the other two reopened
        CHECK(changed[0].control.slug == "deployment-plan");
        CHECK(changed[1].control.slug == "backout-plan");
        CHECK(changed[1].control.status == ControlStatus::open);
        CHECK(changed[1].why == "the backout plan has no step yet");
        CHECK(changed[2].control.status == ControlStatus::open);
        CHECK(changed[2].why == "program api has no component");
        auto kept = kept_controls(f);
        auto versioned = std::find_if(kept.begin(), kept.end(), [](const KeptControl& k) {
            return k.slug == "components-versioned";
        });
        REQUIRE(versioned != kept.end());
        CHECK(versioned->why == "program api has no component");
        CHECK(versioned->fix == "release add web-1 api/<component>@<version>");
    }
    SECTION("an announcement waiting for review holds comms-approved open") {
        f.controls[4].status = ControlStatus::open;
        f.held.push_back({7, {"stakeholders"}, false});
        auto kept = kept_controls(f);
        CHECK_FALSE(kept.back().holds);
        CHECK(kept.back().why == "announcement #7 waits for review");
        CHECK(kept.back().fix == "comms review 7 approve");
    }
    SECTION("settling twice changes nothing the second time") {
        for (auto& k : settle_kept_controls(f, kNow))
            for (auto& mine : f.controls)
                if (mine.slug == k.control.slug) mine = k.control;
        CHECK(settle_kept_controls(f, kNow).empty());
    }
}

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
