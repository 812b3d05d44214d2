// The release model: the rules of the go/no-go gate and of approval, as functions of plain
// values. Nothing here reads a database, a clock or a platform: a handler loads the facts of a
// release, asks the model, saves what it decided and renders it. The unit tests of this file
// need no SQLite.
//
// What approval means: approving records a snapshot of everything the gate looks at (window,
// environment, programs, components with version, URL and SHA-256, both plans, controls and
// their state, a freeze override). A release stays approved only while that snapshot is
// unchanged and the gate is clear; any other change withdraws the approval.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/records.hpp"

namespace releasebot {

struct Blocker {
    std::string what;       // "Control 3 `components-versioned` (…) is not ticked"
    std::string next_step;  // "control tick web-2026.12 components-versioned"
};

namespace model {

// The lifecycle of a release: planned → approved → deploying → deployed, backed-out or
// backout-failed; planned or approved → cancelled. Every change a command makes to a release is
// one of these, and is accepted only in the states listed by `accepting`.
enum class Change {
    edit,       // what the gate looks at: components, programs, environment, plans, controls
    rename,     // title or owner
    reassign,   // give a plan step still to do to someone else
    tick,       // tick, untick or waive a control
    approve,    // release go
    unapprove,  // an approval withdrawn
    start,      // release start
    step,       // mark a step of the plan being walked
    backout,    // switch to the backout plan
    finish,     // release done
    cancel,     // release cancel
    move,       // release move
    announce,   // draft an announcement
    remind,     // set or snooze reminders
};
// The states that accept `change`, in lifecycle order.
std::vector<ReleaseState> accepting(Change change);
// Whether a release in `state` accepts `change`.
bool allows(ReleaseState state, Change change);
// nullopt when `r` accepts `change` now; otherwise what to tell the person who typed `command`:
// the state it is in, the states the command needs, and where to look.
std::optional<std::string> refusal(const Release& r, Change change, std::string_view command);
// The state `r` is in after an accepted `change`. Finishing ends a deployment as deployed, a
// backout as backed-out, or, when a backout step failed, as backout-failed.
ReleaseState after(const Release& r, Change change, bool backout_step_failed = false);

// A communication of the release that is not approved (a draft, or rejected).
struct HeldCommunication {
    std::int64_t id = 0;
    std::vector<std::string> audiences;
    bool rejected = false;
};

// Everything the gate looks at for one release, as plain values.
struct ReleaseFacts {
    Release release;
    std::vector<Component> components;
    std::vector<ReleaseControl> controls;
    std::vector<PlanStep> steps;  // both plans
    std::vector<HeldCommunication> held;
    // The freeze the window overlaps, described for people, or nullopt.
    std::optional<std::string> freeze;
};

// The blockers of approving `f.release` at `now`, each with what to type about it; `zone` is
// the reader's time zone for the times they name. Empty means go.
std::vector<Blocker> blockers(const ReleaseFacts& f, Instant now, const std::string& zone);

// Marking a step of the plan being walked: a pending step is marked done, skipped or failed; a
// failed one is retried (pending again) or marked done after a fix by hand; a done one that went
// wrong after all is marked failed. Returns the step as marked by `by` at `now` with `note`, or
// nullopt when the step cannot go from its status to `to` (a skipped step is never marked again).
std::optional<PlanStep> mark_step(const PlanStep& step, StepStatus to,
                                  std::optional<std::string> note, const UserId& by, Instant now);

// The canonical text of what an approval covers: one line per gate input, in a fixed order.
// Two facts with the same snapshot look the same to the gate.
std::string approval_snapshot(const ReleaseFacts& f);

// What changed between two snapshots, for people: "component api/gateway: 2.9.1 → 2.9.2",
// "plan step added: deploy 3 …". Empty when they are equal.
std::vector<std::string> snapshot_changes(std::string_view before, std::string_view after);

// Whether an approved release must lose its approval, and why: the gate has a blocker, or
// what it covers changed since it was approved. nullopt keeps the approval. An approval
// recorded before snapshots existed (`stored` empty) is kept while the gate is clear.
struct Withdrawal {
    std::vector<std::string> reasons;
};
std::optional<Withdrawal> approval_check(const ReleaseFacts& f, std::string_view stored,
                                         Instant now, const std::string& zone);

// Controls that stand for something the gate checks itself (a deploy plan, a backout plan,
// versioned components, approved announcements). The model keeps them: ticked while what they
// stand for holds, open again when it stops holding, so nobody rubber-stamps them. A waived one
// stays waived.
bool is_kept_control(std::string_view slug);
struct KeptControl {
    std::string slug;
    bool holds = false;
    std::string rule;  // "while the deploy plan has a step"
    std::string why;   // "the deploy plan has steps" / "the backout plan has no step yet"
    std::string fix;   // what to type when it does not hold
};
// The kept controls `f` has, each with whether it holds now.
std::vector<KeptControl> kept_controls(const ReleaseFacts& f);
// The controls of `f` the model must change now (ticked at `now`, or reopened), changed, each
// with why ("the deploy plan has steps").
struct KeptChange {
    ReleaseControl control;
    std::string why;
};
std::vector<KeptChange> settle_kept_controls(const ReleaseFacts& f, Instant now);

// A change collision: another release (not cancelled, not finished) of one of `r`'s programs,
// in the same environment (none counts as one), whose window overlaps `r`'s. Returns the first
// such release, or nullopt. Releases without programs collide with nothing.
std::optional<Release> collision(const Release& r, const std::vector<Release>& others);

// When a release may start: from `lead` before its window opens until the window ends.
inline constexpr Seconds kDefaultStartLead{15 * 60};
struct StartWindow {
    Instant opens;
    Instant closes;
};
StartWindow start_window(const Release& r, Seconds lead = kDefaultStartLead);
// Ok when `now` is inside the start window; otherwise the refusal a user can act on, naming
// the window (in `zone`) and the override a manager may give.
std::optional<std::string> start_refusal(const Release& r, Instant now, const std::string& zone,
                                         Seconds lead = kDefaultStartLead);

// A component restated by `release add`: the new version keeps the artifact URL and checksum
// only when it names them or keeps the version. Returns the component to store and, when the
// old URL or checksum was dropped, a sentence that says so.
struct ComponentUpdate {
    Component component;
    std::optional<std::string> dropped;  // "the artifact URL and SHA-256 of 2.9.1 were dropped"
};
ComponentUpdate restate_component(const std::optional<Component>& before, Component given);

// Whether a change of component from `before` to `after` makes a verification of its artifact
// stale: a verification is valid only for the exact URL and checksum it checked.
bool verification_stale(const Component& before, const Component& after);

}  // namespace model
}  // namespace releasebot
