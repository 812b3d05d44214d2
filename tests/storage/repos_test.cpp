// Tests for the repositories in storage/: each round-trips its records, keeps positions 1..n,
// filters and orders as its header promises, and treats keys case-insensitively.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "storage/database.hpp"
#include "storage/store.hpp"

namespace releasebot {
namespace {

using namespace std::chrono_literals;

// December 2026, UTC: day(5, 14) is 2026-12-05 14:00.
Instant day(int d, int hour = 0, int minute = 0) {
    return std::chrono::sys_days{std::chrono::year{2026} / std::chrono::December / d} +
           std::chrono::hours(hour) + std::chrono::minutes(minute);
}

struct Fixture {
    Database db{":memory:"};
    Store store{db};
    Workspace ws = store.workspaces.create("console", "local", "Local", "UTC", day(1));

    Release release(const std::string& key, Instant start, Seconds duration = 2h,
                    ReleaseState state = ReleaseState::planned,
                    std::vector<std::string> programs = {}) {
        Release r;
        r.workspace = ws.id;
        r.key = key;
        r.title = "Release " + key;
        r.state = state;
        r.window_start = start;
        r.duration = duration;
        r.time_zone = "UTC";
        r.owner = UserId("alice");
        r.created_by = UserId("alice");
        r.created_at = day(1);
        r.updated_at = day(1);
        r.programs = std::move(programs);
        r.id = store.releases.insert(r);
        return r;
    }

    std::vector<std::string> keys(const std::vector<Release>& releases) {
        std::vector<std::string> out;
        for (const auto& r : releases) out.push_back(r.key);
        return out;
    }
};

ControlTemplate control_template(WorkspaceId ws, const std::string& slug) {
    ControlTemplate t;
    t.workspace = ws;
    t.slug = slug;
    t.title = "Title of " + slug;
    t.description = "Why " + slug + " matters";
    return t;
}

std::vector<std::string> slugs(const std::vector<ReleaseControl>& controls) {
    std::vector<std::string> out;
    for (const auto& c : controls) out.push_back(c.slug);
    return out;
}

std::vector<int> positions(const std::vector<ReleaseControl>& controls) {
    std::vector<int> out;
    for (const auto& c : controls) out.push_back(c.position);
    return out;
}

OutboxRow outbox_row(const std::string& key, Instant not_before) {
    OutboxRow row;
    row.idempotency_key = key;
    row.platform = "slack";
    row.destination = R"({"channel":"C1"})";
    row.payload = "payload of " + key;
    row.not_before = not_before;
    row.created_at = day(1);
    return row;
}

ScheduledJob job(WorkspaceId ws, std::optional<ReleaseId> r, const std::string& kind, Instant due) {
    ScheduledJob j;
    j.workspace = ws;
    j.release = r;
    j.kind = kind;
    j.due_at = due;
    j.payload = kind + " payload";
    return j;
}

}  // namespace

TEST_CASE("stored enum names round-trip and unknown text is refused", "[storage]") {
    CHECK(to_string(ReleaseState::backed_out) == "backed-out");
    for (auto s : {ReleaseState::planned, ReleaseState::approved, ReleaseState::deploying,
                   ReleaseState::deployed, ReleaseState::backed_out, ReleaseState::cancelled}) {
        CHECK(parse_release_state(to_string(s)) == s);
    }
    for (auto r : {Role::member, Role::approver, Role::manager})
        CHECK(parse_role(to_string(r)) == r);
    for (auto k : {PlanKind::deploy, PlanKind::backout}) CHECK(parse_plan_kind(to_string(k)) == k);
    for (auto s : {ControlStatus::open, ControlStatus::done, ControlStatus::waived}) {
        CHECK(parse_control_status(to_string(s)) == s);
    }
    for (auto s :
         {StepStatus::pending, StepStatus::done, StepStatus::skipped, StepStatus::failed}) {
        CHECK(parse_step_status(to_string(s)) == s);
    }
    CHECK(parse_release_state("backed_out") == std::nullopt);
    CHECK(parse_role("admin") == std::nullopt);
    CHECK(parse_plan_kind("") == std::nullopt);
}

TEST_CASE("owners are stored as user:<id> or role:<name>", "[storage]") {
    auto [text, kind, name] = GENERATE(table<std::string, Owner::Kind, std::string>({
        {"user:alice", Owner::Kind::user, "alice"},
        {"role:approver", Owner::Kind::role, "approver"},
        {"user:U024BE7LH", Owner::Kind::user, "U024BE7LH"},
    }));
    auto owner = Owner::from_stored(text);
    REQUIRE(owner);
    CHECK(owner->kind == kind);
    CHECK(owner->name == name);
    CHECK(owner->stored() == text);

    CHECK(Owner::from_stored(std::nullopt) == std::nullopt);
    CHECK(Owner::from_stored(std::string("alice")) == std::nullopt);
    CHECK(Owner::from_stored(std::string("user:")) == std::nullopt);
}

TEST_CASE_METHOD(Fixture, "workspaces and people round-trip", "[storage]") {
    auto found = store.workspaces.find("console", "local");
    REQUIRE(found);
    CHECK(found->id == ws.id);
    CHECK(found->name == "Local");
    CHECK(found->created_at == day(1));
    CHECK(store.workspaces.find("slack", "local") == std::nullopt);

    store.workspaces.set_time_zone(ws.id, "Europe/Berlin");
    CHECK(store.workspaces.get(ws.id)->time_zone == "Europe/Berlin");
    CHECK(store.workspaces.get(WorkspaceId(ws.id.value() + 1)) == std::nullopt);

    store.workspaces.touch_person(ws.id, Person{UserId("bob"), "Bob", "Asia/Tokyo"}, day(2));
    SECTION("an event that says less keeps what an earlier one told") {
        store.workspaces.touch_person(ws.id, Person{UserId("bob"), "", std::nullopt}, day(3));
        auto bob = store.workspaces.person(ws.id, UserId("bob"));
        REQUIRE(bob);
        CHECK(bob->display_name == "Bob");
        CHECK(bob->time_zone == "Asia/Tokyo");
    }
    SECTION("an event that says more replaces it") {
        store.workspaces.touch_person(ws.id, Person{UserId("bob"), "Robert", "UTC"}, day(3));
        auto bob = store.workspaces.person(ws.id, UserId("bob"));
        REQUIRE(bob);
        CHECK(bob->display_name == "Robert");
        CHECK(bob->time_zone == "UTC");
    }
    CHECK(store.workspaces.person(ws.id, UserId("nobody")) == std::nullopt);
}

TEST_CASE_METHOD(Fixture, "role grants are replaced, listed by rank and revoked", "[storage]") {
    CHECK(store.roles.empty(ws.id));
    store.roles.grant(ws.id, RoleGrant{UserId("zoe"), Role::manager, UserId("zoe"), day(1)});
    store.roles.grant(ws.id, RoleGrant{UserId("carol"), Role::member, UserId("zoe"), day(2)});
    store.roles.grant(ws.id, RoleGrant{UserId("bob"), Role::approver, UserId("zoe"), day(2)});
    store.roles.grant(ws.id, RoleGrant{UserId("amy"), Role::manager, UserId("zoe"), day(3)});
    CHECK_FALSE(store.roles.empty(ws.id));

    auto list = store.roles.list(ws.id);
    std::vector<std::string> order;
    for (const auto& g : list) order.push_back(g.user.value());
    CHECK(order == std::vector<std::string>{"amy", "zoe", "bob", "carol"});
    CHECK(store.roles.count_with_role(ws.id, Role::manager) == 2);

    // A new grant replaces the old one.
    store.roles.grant(ws.id, RoleGrant{UserId("carol"), Role::approver, UserId("amy"), day(4)});
    auto carol = store.roles.find(ws.id, UserId("carol"));
    REQUIRE(carol);
    CHECK(carol->role == Role::approver);
    CHECK(carol->granted_by == UserId("amy"));
    CHECK(carol->granted_at == day(4));
    CHECK(store.roles.count_with_role(ws.id, Role::approver) == 2);

    CHECK(store.roles.revoke(ws.id, UserId("carol")));
    CHECK_FALSE(store.roles.revoke(ws.id, UserId("carol")));
    CHECK(store.roles.find(ws.id, UserId("carol")) == std::nullopt);
}

TEST_CASE_METHOD(Fixture, "releases round-trip with their programs", "[storage]") {
    Release r;
    r.workspace = ws.id;
    r.key = "web-2026.12";
    r.title = "December web release";
    r.state = ReleaseState::deploying;
    r.window_start = day(5, 14);
    r.duration = 90min;
    r.time_zone = "Europe/Berlin";
    r.env = "prod";
    r.owner = UserId("bob");
    r.freeze_override = "hotfix for the outage";
    r.active_plan = PlanKind::backout;
    r.state_reason = "smoke test failed";
    r.created_by = UserId("alice");
    r.created_at = day(1, 9);
    r.updated_at = day(2, 10);
    r.started_at = day(5, 14, 2);
    r.finished_at = std::nullopt;
    r.programs = {"web", "Billing", "api"};
    r.id = store.releases.insert(r);

    auto got = store.releases.get(r.id);
    REQUIRE(got);
    CHECK(got->workspace == ws.id);
    CHECK(got->key == "web-2026.12");
    CHECK(got->title == r.title);
    CHECK(got->state == ReleaseState::deploying);
    CHECK(got->window_start == day(5, 14));
    CHECK(got->duration == 90min);
    CHECK(got->window_end() == day(5, 15, 30));
    CHECK(got->time_zone == "Europe/Berlin");
    CHECK(got->env == "prod");
    CHECK(got->owner == UserId("bob"));
    CHECK(got->freeze_override == r.freeze_override);
    CHECK(got->active_plan == PlanKind::backout);
    CHECK(got->state_reason == r.state_reason);
    CHECK(got->created_by == UserId("alice"));
    CHECK(got->created_at == day(1, 9));
    CHECK(got->updated_at == day(2, 10));
    CHECK(got->started_at == day(5, 14, 2));
    CHECK(got->finished_at == std::nullopt);
    // Sorted without regard to case, spelled as given.
    CHECK(got->programs == std::vector<std::string>{"api", "Billing", "web"});

    SECTION("keys are found whatever their case, and unique whatever their case") {
        auto found = store.releases.find(ws.id, "WEB-2026.12");
        REQUIRE(found);
        CHECK(found->id == r.id);
        CHECK(found->key == "web-2026.12");
        CHECK(found->programs.size() == 3);
        CHECK(store.releases.find(ws.id, "web-2026.11") == std::nullopt);
        CHECK_THROWS_AS(release("Web-2026.12", day(6)), DatabaseError);
    }
    SECTION("a program already there under another spelling is not added twice") {
        store.releases.add_program(r.id, "WEB");
        store.releases.add_program(r.id, "mobile");
        CHECK(store.releases.get(r.id)->programs ==
              std::vector<std::string>{"api", "Billing", "mobile", "web"});
    }
    SECTION("update writes the mutable fields") {
        got->title = "Renamed";
        got->state = ReleaseState::deployed;
        got->window_start = day(6, 8);
        got->duration = 1h;
        got->env = std::nullopt;
        got->owner = UserId("carol");
        got->freeze_override = std::nullopt;
        got->active_plan = PlanKind::deploy;
        got->state_reason = std::nullopt;
        got->updated_at = day(6, 9);
        got->started_at = day(6, 8);
        got->finished_at = day(6, 9);
        store.releases.update(*got);

        auto after = store.releases.find(ws.id, "web-2026.12");
        REQUIRE(after);
        CHECK(after->title == "Renamed");
        CHECK(after->state == ReleaseState::deployed);
        CHECK(after->window_start == day(6, 8));
        CHECK(after->duration == 1h);
        CHECK(after->env == std::nullopt);
        CHECK(after->owner == UserId("carol"));
        CHECK(after->freeze_override == std::nullopt);
        CHECK(after->active_plan == PlanKind::deploy);
        CHECK(after->state_reason == std::nullopt);
        CHECK(after->updated_at == day(6, 9));
        CHECK(after->started_at == day(6, 8));
        CHECK(after->finished_at == day(6, 9));
        CHECK(after->created_at == day(1, 9));
    }
}

TEST_CASE_METHOD(Fixture, "release list: upcoming soonest first, past latest first", "[storage]") {
    const Instant now = day(10, 12);
    release("ended", day(3, 9), 2h, ReleaseState::planned, {"web"});
    release("next-week", day(17, 9), 2h, ReleaseState::approved, {"api"});
    release("tomorrow", day(11, 9), 2h, ReleaseState::planned, {"Web", "api"});
    release("cancelled", day(12, 9), 2h, ReleaseState::cancelled, {"web"});
    release("deployed-early", day(10, 11), 2h, ReleaseState::deployed);
    release("in-window", day(10, 11), 2h, ReleaseState::deploying);
    release("ends-now", day(10, 10), 2h);  // window end == now still counts as upcoming

    using Keys = std::vector<std::string>;
    CHECK(keys(store.releases.list(ws.id, ReleaseFilter::upcoming, now)) ==
          Keys{"ends-now", "in-window", "tomorrow", "next-week"});
    CHECK(keys(store.releases.list(ws.id, ReleaseFilter::past, now)) ==
          Keys{"cancelled", "deployed-early", "ended"});
    CHECK(keys(store.releases.list(ws.id, ReleaseFilter::all, now)) ==
          Keys{"ended", "ends-now", "deployed-early", "in-window", "tomorrow", "cancelled",
               "next-week"});

    SECTION("a program filter matches without regard to case") {
        CHECK(keys(store.releases.list(ws.id, ReleaseFilter::upcoming, now, "WEB")) ==
              Keys{"tomorrow"});
        CHECK(keys(store.releases.list(ws.id, ReleaseFilter::past, now, "web")) ==
              Keys{"cancelled", "ended"});
        CHECK(keys(store.releases.list(ws.id, ReleaseFilter::all, now, "api")) ==
              Keys{"tomorrow", "next-week"});
        CHECK(store.releases.list(ws.id, ReleaseFilter::all, now, "mobile").empty());
        // Listed releases carry their programs.
        auto web = store.releases.list(ws.id, ReleaseFilter::upcoming, now, "web");
        REQUIRE(web.size() == 1);
        CHECK(web[0].programs == std::vector<std::string>{"api", "Web"});
    }
    SECTION("another workspace's releases are not listed") {
        auto other = store.workspaces.create("slack", "T1", "Other", "UTC", day(1));
        CHECK(store.releases.list(other.id, ReleaseFilter::all, now).empty());
    }
}

TEST_CASE_METHOD(Fixture, "releases in a range overlap it and are not cancelled", "[storage]") {
    release("before", day(5, 8), 2h);  // ends exactly at the range's start
    release("overlaps-start", day(5, 9), 2h);
    release("inside", day(5, 12), 1h);
    release("cancelled", day(5, 12), 1h, ReleaseState::cancelled);
    release("after", day(5, 18), 1h);  // starts exactly at the range's end
    release("spans", day(4), 72h);
    CHECK(keys(store.releases.in_range(ws.id, day(5, 10), day(5, 18))) ==
          std::vector<std::string>{"spans", "overlaps-start", "inside"});
}

TEST_CASE_METHOD(Fixture, "components are upserted by program and name", "[storage]") {
    auto r = release("web-2026.12", day(5, 14));
    Component c;
    c.release = r.id;
    c.program = "web";
    c.name = "frontend";
    c.version = "4.2.0";
    c.artifact_url = "https://ci.example.com/frontend-4.2.0.tgz";
    c.sha256 = std::string(64, 'a');
    c.updated_by = UserId("alice");
    c.updated_at = day(2);
    CHECK(store.releases.upsert_component(c));

    Component api = c;
    api.program = "api";
    api.name = "gateway";
    api.artifact_url = std::nullopt;
    api.sha256 = std::nullopt;
    CHECK(store.releases.upsert_component(api));

    // A new version of the same component (in another case) replaces the old one, URL and
    // checksum included.
    Component bump = c;
    bump.program = "WEB";
    bump.name = "Frontend";
    bump.version = "4.2.1";
    bump.artifact_url = std::nullopt;
    bump.sha256 = std::nullopt;
    bump.updated_by = UserId("bob");
    bump.updated_at = day(3);
    CHECK_FALSE(store.releases.upsert_component(bump));

    auto all = store.releases.components(r.id);
    REQUIRE(all.size() == 2);
    CHECK(all[0].program == "api");
    CHECK(all[0].name == "gateway");
    CHECK(all[1].program == "web");
    CHECK(all[1].name == "frontend");
    CHECK(all[1].version == "4.2.1");
    CHECK(all[1].artifact_url == std::nullopt);
    CHECK(all[1].sha256 == std::nullopt);
    CHECK(all[1].updated_by == UserId("bob"));
    CHECK(all[1].updated_at == day(3));
}

TEST_CASE_METHOD(Fixture, "control templates keep their order and numbering", "[storage]") {
    for (const char* slug : {"deployment-plan", "backout-plan", "business-signoff"}) {
        store.controls.add_template(control_template(ws.id, slug));
    }
    auto all = store.controls.templates(ws.id);
    REQUIRE(all.size() == 3);
    CHECK(all[0].slug == "deployment-plan");
    CHECK(all[2].position == 3);
    CHECK(all[0].mandatory);
    CHECK(all[0].description == "Why deployment-plan matters");

    auto t = store.controls.find_template(ws.id, "BACKOUT-PLAN");
    REQUIRE(t);
    t->title = "Backout plan written and rehearsed";
    t->doc_url = "https://wiki.example.com/backout";
    t->mandatory = false;
    t->owner = Owner{Owner::Kind::role, "manager"};
    store.controls.update_template(*t);
    auto edited = store.controls.find_template(ws.id, "backout-plan");
    REQUIRE(edited);
    CHECK(edited->title == "Backout plan written and rehearsed");
    CHECK(edited->doc_url == "https://wiki.example.com/backout");
    CHECK_FALSE(edited->mandatory);
    REQUIRE(edited->owner);
    CHECK(edited->owner->stored() == "role:manager");

    store.controls.remove_template(all[0].id);
    auto rest = store.controls.templates(ws.id);
    REQUIRE(rest.size() == 2);
    CHECK(rest[0].slug == "backout-plan");
    CHECK(rest[0].position == 1);
    CHECK(rest[1].slug == "business-signoff");
    CHECK(rest[1].position == 2);
    CHECK(store.controls.find_template(ws.id, "deployment-plan") == std::nullopt);
}

TEST_CASE_METHOD(Fixture, "release controls are copied, ticked and renumbered", "[storage]") {
    for (const char* slug :
         {"deployment-plan", "backout-plan", "components-versioned", "business-signoff"}) {
        store.controls.add_template(control_template(ws.id, slug));
    }
    auto r = release("web-2026.12", day(5, 14));
    store.controls.copy_templates(ws.id, r.id);

    auto controls = store.controls.for_release(r.id);
    CHECK(slugs(controls) == std::vector<std::string>{"deployment-plan", "backout-plan",
                                                      "components-versioned", "business-signoff"});
    CHECK(positions(controls) == std::vector<int>{1, 2, 3, 4});
    for (const auto& c : controls) {
        CHECK(c.status == ControlStatus::open);
        CHECK(c.done_by == std::nullopt);
    }

    SECTION("copying again adds nothing") {
        store.controls.copy_templates(ws.id, r.id);
        CHECK(store.controls.for_release(r.id).size() == 4);
    }
    SECTION("a release's own control goes at the end") {
        ReleaseControl extra;
        extra.release = r.id;
        extra.slug = "load-test";
        extra.title = "Load test passed";
        extra.mandatory = false;
        extra.owner = Owner{Owner::Kind::user, "dave"};
        store.controls.add(extra);
        auto five = store.controls.at(r.id, 5);
        REQUIRE(five);
        CHECK(five->slug == "load-test");
        CHECK_FALSE(five->mandatory);
        CHECK(five->owner->stored() == "user:dave");
        // A release copy is independent of the template list.
        CHECK(store.controls.templates(ws.id).size() == 4);
    }
    SECTION("a tick round-trips") {
        auto c = store.controls.find(r.id, "Backout-Plan");
        REQUIRE(c);
        c->status = ControlStatus::done;
        c->done_by = UserId("bob");
        c->done_at = day(3, 10);
        c->evidence_url = "https://ci.example.com/run/7";
        c->note = "rehearsed on staging";
        store.controls.update(*c);
        auto ticked = store.controls.at(r.id, 2);
        REQUIRE(ticked);
        CHECK(ticked->slug == "backout-plan");
        CHECK(ticked->status == ControlStatus::done);
        CHECK(ticked->done_by == UserId("bob"));
        CHECK(ticked->done_at == day(3, 10));
        CHECK(ticked->evidence_url == "https://ci.example.com/run/7");
        CHECK(ticked->note == "rehearsed on staging");

        c->status = ControlStatus::open;
        c->done_by = std::nullopt;
        c->done_at = std::nullopt;
        c->evidence_url = std::nullopt;
        c->note = std::nullopt;
        store.controls.update(*c);
        auto unticked = store.controls.at(r.id, 2);
        CHECK(unticked->status == ControlStatus::open);
        CHECK(unticked->done_by == std::nullopt);
        CHECK(unticked->done_at == std::nullopt);
    }
    SECTION("removing a control leaves the others their numbers") {
        store.controls.remove(controls[1].id);
        auto rest = store.controls.for_release(r.id);
        CHECK(slugs(rest) == std::vector<std::string>{"deployment-plan", "components-versioned",
                                                      "business-signoff"});
        CHECK(positions(rest) == std::vector<int>{1, 3, 4});
        CHECK(store.controls.at(r.id, 3)->slug == "components-versioned");
        CHECK(store.controls.at(r.id, 2) == std::nullopt);
        // A control added later takes the next number, never a freed one.
        ReleaseControl extra;
        extra.release = r.id;
        extra.slug = "extra";
        extra.title = "Extra";
        store.controls.add(extra);
        CHECK(store.controls.at(r.id, 5)->slug == "extra");
        CHECK(store.controls.at(r.id, 0) == std::nullopt);
        CHECK(store.controls.find(r.id, "backout-plan") == std::nullopt);
    }
}

TEST_CASE_METHOD(Fixture, "plan steps are numbered per plan and renumbered on removal",
                 "[storage]") {
    auto r = release("web-2026.12", day(5, 14));
    auto add = [&](PlanKind plan, const std::string& title) {
        PlanStep s;
        s.release = r.id;
        s.plan = plan;
        s.title = title;
        return store.plans.add(s);
    };
    add(PlanKind::deploy, "Drain traffic");
    add(PlanKind::deploy, "Deploy API");
    add(PlanKind::backout, "Restore API");
    add(PlanKind::deploy, "Deploy web");

    CHECK(store.plans.count(r.id, PlanKind::deploy) == 3);
    CHECK(store.plans.count(r.id, PlanKind::backout) == 1);
    auto deploy = store.plans.steps(r.id, PlanKind::deploy);
    REQUIRE(deploy.size() == 3);
    CHECK(deploy[2].title == "Deploy web");
    CHECK(deploy[2].position == 3);
    CHECK(store.plans.at(r.id, PlanKind::backout, 1)->title == "Restore API");

    SECTION("a step round-trips") {
        auto s = *store.plans.at(r.id, PlanKind::deploy, 2);
        s.title = "Deploy API v2";
        s.owner = Owner{Owner::Kind::role, "approver"};
        s.expected = 15min;
        s.status = StepStatus::failed;
        s.done_by = UserId("carol");
        s.done_at = day(5, 14, 20);
        s.note = "migration timed out";
        store.plans.update(s);
        auto got = store.plans.at(r.id, PlanKind::deploy, 2);
        REQUIRE(got);
        CHECK(got->id == s.id);
        CHECK(got->plan == PlanKind::deploy);
        CHECK(got->title == "Deploy API v2");
        REQUIRE(got->owner);
        CHECK(got->owner->stored() == "role:approver");
        CHECK(got->expected == 15min);
        CHECK(got->status == StepStatus::failed);
        CHECK(got->done_by == UserId("carol"));
        CHECK(got->done_at == day(5, 14, 20));
        CHECK(got->note == "migration timed out");
    }
    SECTION("removing the first step moves the others up") {
        store.plans.remove(deploy[0]);
        auto rest = store.plans.steps(r.id, PlanKind::deploy);
        REQUIRE(rest.size() == 2);
        CHECK(rest[0].title == "Deploy API");
        CHECK(rest[0].position == 1);
        CHECK(rest[1].title == "Deploy web");
        CHECK(rest[1].position == 2);
        CHECK(store.plans.at(r.id, PlanKind::deploy, 3) == std::nullopt);
        // The other plan is untouched.
        CHECK(store.plans.at(r.id, PlanKind::backout, 1)->title == "Restore API");
        // A new step goes after the last.
        add(PlanKind::deploy, "Smoke test");
        CHECK(store.plans.at(r.id, PlanKind::deploy, 3)->title == "Smoke test");
    }
    SECTION("placing a step moves it and closes up the others, in its own plan only") {
        store.plans.place(deploy[2].id, 1);
        auto order = store.plans.steps(r.id, PlanKind::deploy);
        REQUIRE(order.size() == 3);
        CHECK(order[0].title == "Deploy web");
        CHECK(order[1].title == "Drain traffic");
        CHECK(order[2].title == "Deploy API");
        for (int i = 0; i < 3; ++i) CHECK(order[i].position == i + 1);
        // Past the end means last.
        store.plans.place(order[0].id, 99);
        CHECK(store.plans.at(r.id, PlanKind::deploy, 3)->title == "Deploy web");
        CHECK(store.plans.at(r.id, PlanKind::backout, 1)->title == "Restore API");
    }
}

TEST_CASE_METHOD(Fixture, "freezes round-trip, one-off before weekly", "[storage]") {
    Freeze weekly;
    weekly.workspace = ws.id;
    weekly.kind = FreezeKind::weekly;
    weekly.weekday = 5;
    weekly.from_minute = 12 * 60;
    weekly.to_minute = 24 * 60 - 1;
    weekly.time_zone = "Europe/Berlin";
    weekly.reason = "No deploys on Friday afternoons";
    weekly.created_by = UserId("alice");
    weekly.created_at = day(1);
    auto weekly_id = store.freezes.add(weekly);

    Freeze holidays;
    holidays.workspace = ws.id;
    holidays.kind = FreezeKind::once;
    holidays.starts_at = day(20);
    holidays.ends_at = day(28);
    holidays.reason = "Holidays";
    holidays.created_by = UserId("alice");
    holidays.created_at = day(2);
    auto holidays_id = store.freezes.add(holidays);

    Freeze sale = holidays;
    sale.starts_at = day(4);
    sale.ends_at = day(5);
    sale.reason = "Sale";
    store.freezes.add(sale);

    auto all = store.freezes.list(ws.id);
    REQUIRE(all.size() == 3);
    CHECK(all[0].reason == "Sale");
    CHECK(all[1].reason == "Holidays");
    CHECK(all[2].reason == "No deploys on Friday afternoons");

    auto w = store.freezes.get(ws.id, weekly_id);
    REQUIRE(w);
    CHECK(w->kind == FreezeKind::weekly);
    CHECK(w->weekday == 5);
    CHECK(w->from_minute == 720);
    CHECK(w->to_minute == 1439);
    CHECK(w->time_zone == "Europe/Berlin");
    CHECK(w->starts_at == std::nullopt);
    CHECK(w->created_by == UserId("alice"));

    auto h = store.freezes.get(ws.id, holidays_id);
    REQUIRE(h);
    CHECK(h->kind == FreezeKind::once);
    CHECK(h->starts_at == day(20));
    CHECK(h->ends_at == day(28));
    CHECK(h->created_at == day(2));

    auto other = store.workspaces.create("slack", "T1", "Other", "UTC", day(1));
    CHECK(store.freezes.get(other.id, holidays_id) == std::nullopt);
    CHECK_FALSE(store.freezes.remove(other.id, holidays_id));
    CHECK(store.freezes.remove(ws.id, holidays_id));
    CHECK_FALSE(store.freezes.remove(ws.id, holidays_id));
    CHECK(store.freezes.list(ws.id).size() == 2);
}

TEST_CASE_METHOD(Fixture, "the audit log reads back in the order it was written", "[storage]") {
    auto r = release("web-2026.12", day(5, 14));
    auto entry = [&](std::optional<ReleaseId> rel, const std::string& action) {
        AuditEntry e;
        e.workspace = ws.id;
        e.release = rel;
        e.at = day(2, 9);  // one transaction: the same second
        e.actor = UserId("alice");
        e.action = action;
        e.detail = "detail of " + action;
        store.audit.append(e);
    };
    entry(r.id, "release.plan");
    entry(std::nullopt, "role.grant");
    entry(r.id, "control.tick");
    entry(r.id, "release.go");

    auto log = store.audit.for_release(r.id);
    REQUIRE(log.size() == 3);
    CHECK(log[0].action == "release.plan");
    CHECK(log[1].action == "control.tick");
    CHECK(log[2].action == "release.go");
    CHECK(log[1].detail == "detail of control.tick");
    CHECK(log[1].actor == UserId("alice"));
    CHECK(log[1].at == day(2, 9));
    CHECK(log[1].release == r.id);
    CHECK(log[0].id < log[1].id);

    auto workspace_log = store.audit.for_workspace(ws.id);
    REQUIRE(workspace_log.size() == 1);
    CHECK(workspace_log[0].action == "role.grant");
    CHECK(workspace_log[0].release == std::nullopt);
}

TEST_CASE_METHOD(Fixture, "a processed event key is recorded once", "[storage]") {
    CHECK_FALSE(store.events.seen("slack:Ev1"));
    CHECK(store.events.record("slack:Ev1", day(2)));
    CHECK_FALSE(store.events.record("slack:Ev1", day(3)));
    CHECK(store.events.seen("slack:Ev1"));

    CHECK(store.events.record("slack:Ev2", day(4)));
    CHECK(store.events.prune(day(3)) == 1);
    CHECK_FALSE(store.events.seen("slack:Ev1"));
    CHECK(store.events.seen("slack:Ev2"));
}

TEST_CASE_METHOD(Fixture, "the outbox is idempotent on its key and drains due rows in order",
                 "[storage][outbox]") {
    auto r = release("web-2026.12", day(5, 14));
    auto first = outbox_row("evt1:0", day(2));
    first.release = r.id;
    CHECK(store.outbox.enqueue(first));
    auto again = outbox_row("evt1:0", day(2));
    again.payload = "a different payload";
    CHECK_FALSE(store.outbox.enqueue(again));
    CHECK(store.outbox.enqueue(outbox_row("evt1:1", day(2))));
    CHECK(store.outbox.enqueue(outbox_row("evt2:0", day(4))));  // not due until day 4
    CHECK(store.outbox.pending_count() == 3);

    auto due = store.outbox.due(day(3), 10);
    REQUIRE(due.size() == 2);
    CHECK(due[0].idempotency_key == "evt1:0");
    CHECK(due[0].payload == "payload of evt1:0");
    CHECK(due[0].platform == "slack");
    CHECK(due[0].destination == R"({"channel":"C1"})");
    CHECK(due[0].status == "pending");
    CHECK(due[0].attempts == 0);
    CHECK(due[0].release == r.id);
    CHECK(due[0].created_at == day(1));
    CHECK(due[1].idempotency_key == "evt1:1");
    CHECK(store.outbox.due(day(3), 1).size() == 1);

    SECTION("a retried row waits, counts its attempt and keeps its error") {
        store.outbox.mark_retry(due[0].id, "HTTP 503", day(5));
        auto row = store.outbox.get(due[0].id);
        REQUIRE(row);
        CHECK(row->status == "pending");
        CHECK(row->attempts == 1);
        CHECK(row->last_error == "HTTP 503");
        CHECK(row->not_before == day(5));
        CHECK(store.outbox.due(day(4), 10).size() == 2);  // evt1:1 and evt2:0
        CHECK(store.outbox.due(day(5), 10)[0].idempotency_key == "evt1:0");
    }
    SECTION("sent and failed rows leave the queue") {
        store.outbox.mark_sent(due[0].id, day(3));
        store.outbox.mark_failed(due[1].id, "channel_not_found");
        CHECK(store.outbox.get(due[0].id)->status == "sent");
        auto failed = store.outbox.get(due[1].id);
        CHECK(failed->status == "failed");
        CHECK(failed->last_error == "channel_not_found");
        CHECK(store.outbox.due(day(9), 10).size() == 1);
        CHECK(store.outbox.pending_count() == 1);
    }
    CHECK(store.outbox.get(OutboxId(9999)) == std::nullopt);
}

TEST_CASE_METHOD(Fixture, "jobs fall due earliest first and can be fired or cancelled",
                 "[storage]") {
    auto r = release("web-2026.12", day(5, 14));
    auto late = store.jobs.schedule(job(ws.id, r.id, "reminder", day(5, 13)));
    auto early = store.jobs.schedule(job(ws.id, r.id, "reminder", day(4, 14)));
    auto middle = store.jobs.schedule(job(ws.id, std::nullopt, "digest", day(5, 9)));
    store.jobs.schedule(job(ws.id, r.id, "window-passed", day(5, 16)));

    CHECK(store.jobs.next_due() == day(4, 14));
    auto due = store.jobs.due(day(5, 13), 10);
    REQUIRE(due.size() == 3);
    CHECK(due[0].id == early);
    CHECK(due[1].id == middle);
    CHECK(due[2].id == late);
    CHECK(due[0].kind == "reminder");
    CHECK(due[0].release == r.id);
    CHECK(due[0].payload == "reminder payload");
    CHECK(due[0].status == "pending");
    CHECK(due[1].release == std::nullopt);
    CHECK(store.jobs.due(day(5, 13), 1).size() == 1);

    store.jobs.mark_fired(early, day(4, 14));
    CHECK(store.jobs.next_due() == day(5, 9));
    CHECK(store.jobs.due(day(5, 13), 10).size() == 2);

    CHECK(store.jobs.cancel(r.id, "reminder") == 1);  // the fired one stays fired
    CHECK(store.jobs.cancel(r.id, "reminder") == 0);
    auto pending = store.jobs.pending_for(r.id);
    REQUIRE(pending.size() == 1);
    CHECK(pending[0].kind == "window-passed");

    store.jobs.mark_fired(late, day(5, 13));  // cancelled: firing it now changes nothing
    CHECK(store.jobs.pending_for(r.id).size() == 1);
    CHECK(store.jobs.due(day(30), 10).size() == 2);
}

TEST_CASE_METHOD(Fixture, "one pending confirmation per person, replaced by the next",
                 "[storage]") {
    const UserId alice("alice");
    CHECK(store.confirmations.get(ws.id, alice) == std::nullopt);
    store.confirmations.put(
        {ws.id, alice, "release cancel web-1", "Cancel web-1", day(2), day(2) + 5min});
    store.confirmations.put(
        {ws.id, alice, "role revoke @bob", "Revoke bob's role", day(3), day(3) + 5min});
    auto c = store.confirmations.get(ws.id, alice);
    REQUIRE(c);
    CHECK(c->command_text == "role revoke @bob");
    CHECK(c->summary == "Revoke bob's role");
    CHECK(c->created_at == day(3));
    CHECK(c->expires_at == day(3) + 5min);
    CHECK(store.confirmations.get(ws.id, UserId("bob")) == std::nullopt);

    store.confirmations.clear(ws.id, alice);
    CHECK(store.confirmations.get(ws.id, alice) == std::nullopt);
}

}  // namespace releasebot
