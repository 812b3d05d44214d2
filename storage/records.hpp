// The stored shapes of releasebot's aggregates: what the repositories read and write. Plain
// structs with our own types only; the domain in commands/ works on these.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/ids.hpp"

namespace releasebot {

using Instant = std::chrono::sys_seconds;
using Seconds = std::chrono::seconds;

enum class Role { member, approver, manager };
// backout_failed: a backout step failed and the release was closed with production possibly
// half rolled back.
enum class ReleaseState {
    planned,
    approved,
    deploying,
    deployed,
    backed_out,
    backout_failed,
    cancelled
};
enum class PlanKind { deploy, backout };
enum class ControlStatus { open, done, waived };
enum class StepStatus { pending, done, skipped, failed };
enum class FreezeKind { once, weekly };
enum class CommsTrigger { now, at, start, done, backout, cancel };
enum class CommsStatus { draft, approved, rejected, sent, cancelled };

// Text forms, as stored and as shown ("backed-out", "deploy", ...). parse_* return nullopt for
// unknown text.
std::string to_string(Role r);
std::string to_string(ReleaseState s);
std::string to_string(PlanKind k);
std::string to_string(ControlStatus s);
std::string to_string(StepStatus s);
std::optional<Role> parse_role(std::string_view s);
std::optional<ReleaseState> parse_release_state(std::string_view s);
std::optional<PlanKind> parse_plan_kind(std::string_view s);
std::optional<ControlStatus> parse_control_status(std::string_view s);
std::optional<StepStatus> parse_step_status(std::string_view s);
std::string to_string(CommsTrigger t);
std::string to_string(CommsStatus s);
std::optional<CommsTrigger> parse_comms_trigger(std::string_view s);
std::optional<CommsStatus> parse_comms_status(std::string_view s);

struct Workspace {
    WorkspaceId id;
    std::string platform;  // "slack", "teams", "console"
    std::string tenant;    // Slack team id, Teams tenant id, "local"
    std::string name;
    std::string time_zone;  // IANA name, default "UTC"
    Instant created_at;
};

struct Person {
    UserId user;
    std::string display_name;
    std::optional<std::string> time_zone;
};

struct RoleGrant {
    UserId user;
    Role role = Role::member;
    UserId granted_by;
    Instant granted_at;
};

struct Release {
    ReleaseId id;
    WorkspaceId workspace;
    std::string key;
    std::string title;
    ReleaseState state = ReleaseState::planned;
    Instant window_start;
    Seconds duration{0};
    std::string time_zone;  // the zone it was planned in, for display defaults
    std::optional<std::string> env;
    UserId owner;
    std::optional<std::string> freeze_override;  // reason given by a manager, if any
    PlanKind active_plan = PlanKind::deploy;
    std::optional<std::string> state_reason;  // cancel or backout reason
    UserId created_by;
    Instant created_at;
    Instant updated_at;
    std::optional<Instant> started_at;
    std::optional<Instant> finished_at;
    std::vector<std::string> programs;  // sorted, case preserved as first given
    // The conversation the release was planned in (its reminders and status message go there);
    // platform and tenant are the workspace's.
    std::optional<std::string> home_channel;
    std::optional<std::string> home_thread;
    std::optional<std::string> home_service_url;
    // Early life support after `release done`: until when, and who watches it.
    std::optional<Instant> els_until;
    std::optional<UserId> els_owner;

    Instant window_end() const { return window_start + duration; }
};

struct Component {
    ComponentId id;
    ReleaseId release;
    std::string program;
    std::string name;
    std::string version;
    std::optional<std::string> artifact_url;
    std::optional<std::string> sha256;
    UserId updated_by;
    Instant updated_at;
};

// An owner is a person ("user:alice") or everyone holding a role ("role:approver").
struct Owner {
    enum class Kind { user, role } kind = Kind::user;
    std::string name;  // user id or role name
    std::string stored() const { return (kind == Kind::user ? "user:" : "role:") + name; }
    static std::optional<Owner> from_stored(const std::optional<std::string>& s);
};

struct ControlTemplate {
    TemplateId id;
    WorkspaceId workspace;
    std::string slug;
    std::string title;
    std::string description;
    std::optional<std::string> doc_url;
    bool mandatory = true;
    std::optional<Owner> owner;
    int position = 0;
};

struct ReleaseControl {
    ReleaseControlId id;
    ReleaseId release;
    std::string slug;
    std::string title;
    std::string description;
    std::optional<std::string> doc_url;
    bool mandatory = true;
    std::optional<Owner> owner;
    int position = 0;  // 1-based number shown in `control list`
    ControlStatus status = ControlStatus::open;
    std::optional<UserId> done_by;  // who ticked or waived
    std::optional<Instant> done_at;
    std::optional<std::string> evidence_url;
    std::optional<std::string> note;  // tick note, or the waiver's reason

    // Back to open, forgetting who ticked or waived it and why (the audit log keeps that).
    void reopen() {
        status = ControlStatus::open;
        done_by.reset();
        done_at.reset();
        evidence_url.reset();
        note.reset();
    }
};

struct PlanStep {
    StepId id;
    ReleaseId release;
    PlanKind plan = PlanKind::deploy;
    int position = 0;  // 1-based within its plan
    std::string title;
    std::optional<Owner> owner;  // a person, or everyone holding a role
    std::optional<Seconds> expected;
    StepStatus status = StepStatus::pending;
    std::optional<UserId> done_by;
    std::optional<Instant> done_at;
    std::optional<std::string> note;
};

struct Freeze {
    FreezeId id;
    WorkspaceId workspace;
    FreezeKind kind = FreezeKind::once;
    // once: [starts_at, ends_at)
    std::optional<Instant> starts_at;
    std::optional<Instant> ends_at;
    // weekly: every `weekday` (0 = Sunday) from `from_minute` to `to_minute` after local
    // midnight in `time_zone`; to_minute <= from_minute means it runs past midnight.
    int weekday = 0;
    int from_minute = 0;
    int to_minute = 0;
    std::string time_zone = "UTC";
    std::string reason;
    UserId created_by;
    Instant created_at;
};

struct AuditEntry {
    std::int64_t id = 0;
    WorkspaceId workspace;
    std::optional<ReleaseId> release;
    Instant at;
    UserId actor;
    std::string action;  // "release.plan", "control.tick", ...
    std::string detail;  // human-readable
};

struct PendingConfirmation {
    WorkspaceId workspace;
    UserId user;
    std::string command_text;  // the command to run once confirmed
    std::string summary;       // what it will do, shown in the preview
    Instant created_at;
    Instant expires_at;
};

// The not_before of a held message: never due until released (9999-12-31).
inline constexpr Instant kHeld{std::chrono::seconds(253402300799)};

struct OutboxRow {
    OutboxId id;
    std::string idempotency_key;
    std::string platform;
    std::string destination;  // serialized conversation or user reference
    std::string payload;      // serialized Reply
    Instant not_before;
    std::string status;  // pending | sent | failed
    int attempts = 0;
    std::optional<std::string> last_error;
    std::optional<ReleaseId> release;
    Instant created_at;
    std::string kind = "post";  // post | status
    // Set before the first delivery attempt; with status still pending, the message may have
    // reached the platform before a crash.
    std::optional<Instant> attempt_started_at;
    // A message that waits on another (by its idempotency key): sent only if that one is given
    // up on, dropped when it arrives. Until then its not_before is kHeld.
    std::optional<std::string> held_for;
};

// A named destination for announcements: "stakeholders" may be a Slack channel and a Teams
// channel at once (one row each).
struct Audience {
    AudienceId id;
    WorkspaceId workspace;
    std::string name;
    std::string platform;  // slack | teams | console
    std::string tenant;
    std::string channel;
    std::optional<std::string> service_url;  // Teams
    UserId added_by;
    Instant added_at;
};

// A stakeholder communication: drafted, reviewed by someone other than its author, and sent on
// its trigger once approved.
struct Communication {
    CommsId id;
    WorkspaceId workspace;
    ReleaseId release;
    UserId author;
    std::string body;
    std::vector<std::string> audiences;  // audience names
    CommsTrigger trigger = CommsTrigger::now;
    std::optional<Instant> trigger_at;  // for CommsTrigger::at
    CommsStatus status = CommsStatus::draft;
    std::optional<UserId> reviewer;
    std::optional<Instant> reviewed_at;
    std::optional<std::string> review_comment;
    std::optional<Instant> sent_at;
    Instant created_at;
    Instant updated_at;
};

enum class QuestionKind { rating, text, choice };
std::string to_string(QuestionKind k);
std::optional<QuestionKind> parse_question_kind(std::string_view s);

struct RetroQuestion {
    int position = 0;  // 1-based
    QuestionKind kind = QuestionKind::text;
    std::string prompt;
    std::vector<std::string> choices;  // for choice questions
};

struct RetroTemplate {
    std::int64_t id = 0;
    WorkspaceId workspace;
    std::string name;
    std::vector<RetroQuestion> questions;
    UserId created_by;
    Instant created_at;
};

struct Retro {
    RetroId id;
    WorkspaceId workspace;
    ReleaseId release;
    bool anonymous = false;
    std::string status = "open";  // open | closed
    std::string template_name = "default";
    UserId opened_by;
    Instant opened_at;
    Instant closes_at;
    std::optional<Instant> closed_at;
    std::vector<RetroQuestion> questions;
};

struct RetroParticipant {
    UserId user;
    bool responded = false;
    bool reminded = false;
};

// One stored answer. `respondent` is empty in an anonymous retro.
struct RetroAnswer {
    int position = 0;
    std::string value;
    std::optional<UserId> respondent;
};

struct ActionItem {
    ActionId id;
    WorkspaceId workspace;
    ReleaseId release;  // the release whose retrospective raised it
    std::string text;
    UserId owner;
    std::string status = "open";  // open | done
    UserId created_by;
    Instant created_at;
    std::optional<UserId> done_by;
    std::optional<Instant> done_at;
};

struct ScheduledJob {
    JobId id;
    WorkspaceId workspace;
    std::optional<ReleaseId> release;
    std::string kind;
    Instant due_at;
    std::string payload;
    std::string status;  // pending | fired | cancelled
};

}  // namespace releasebot
