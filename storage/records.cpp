// Text forms of the stored enums and owners. The strings are part of the schema: they are what
// the CHECK constraints in migrations.cpp accept and what users type and read, so changing one
// needs a migration.
#include "storage/records.hpp"

#include <array>
#include <string_view>
#include <utility>

namespace releasebot {

namespace {

template <class E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

constexpr NameTable<Role, 3> kRoles{{
    {Role::member, "member"},
    {Role::approver, "approver"},
    {Role::manager, "manager"},
}};

constexpr NameTable<ReleaseState, 7> kReleaseStates{{
    {ReleaseState::planned, "planned"},
    {ReleaseState::approved, "approved"},
    {ReleaseState::deploying, "deploying"},
    {ReleaseState::deployed, "deployed"},
    {ReleaseState::backed_out, "backed-out"},
    {ReleaseState::backout_failed, "backout-failed"},
    {ReleaseState::cancelled, "cancelled"},
}};

constexpr NameTable<PlanKind, 2> kPlanKinds{{
    {PlanKind::deploy, "deploy"},
    {PlanKind::backout, "backout"},
}};

constexpr NameTable<ControlStatus, 3> kControlStatuses{{
    {ControlStatus::open, "open"},
    {ControlStatus::done, "done"},
    {ControlStatus::waived, "waived"},
}};

constexpr NameTable<StepStatus, 4> kStepStatuses{{
    {StepStatus::pending, "pending"},
    {StepStatus::done, "done"},
    {StepStatus::skipped, "skipped"},
    {StepStatus::failed, "failed"},
}};

constexpr NameTable<CommsTrigger, 6> kCommsTriggers{{
    {CommsTrigger::now, "now"},
    {CommsTrigger::at, "at"},
    {CommsTrigger::start, "start"},
    {CommsTrigger::done, "done"},
    {CommsTrigger::backout, "backout"},
    {CommsTrigger::cancel, "cancel"},
}};

constexpr NameTable<CommsStatus, 5> kCommsStatuses{{
    {CommsStatus::draft, "draft"},
    {CommsStatus::approved, "approved"},
    {CommsStatus::rejected, "rejected"},
    {CommsStatus::sent, "sent"},
    {CommsStatus::cancelled, "cancelled"},
}};

constexpr NameTable<QuestionKind, 3> kQuestionKinds{{
    {QuestionKind::rating, "rating"},
    {QuestionKind::text, "text"},
    {QuestionKind::choice, "choice"},
}};

template <class E, std::size_t N>
std::string name_of(const NameTable<E, N>& table, E value) {
    for (const auto& [e, name] : table) {
        if (e == value) return std::string(name);
    }
    // Every enumerator is in its table; reaching this is a bug (a new enumerator without a name).
    return "unknown";
}

// Exact match: stored text is always written by to_string, and the command parser lower-cases
// what users type before it gets here.
template <class E, std::size_t N>
std::optional<E> parse_name(const NameTable<E, N>& table, std::string_view text) {
    for (const auto& [e, name] : table) {
        if (name == text) return e;
    }
    return std::nullopt;
}

}  // namespace

std::string to_string(Role r) {
    return name_of(kRoles, r);
}
std::string to_string(ReleaseState s) {
    return name_of(kReleaseStates, s);
}
std::string to_string(PlanKind k) {
    return name_of(kPlanKinds, k);
}
std::string to_string(ControlStatus s) {
    return name_of(kControlStatuses, s);
}
std::string to_string(StepStatus s) {
    return name_of(kStepStatuses, s);
}

std::string to_string(CommsTrigger t) {
    return name_of(kCommsTriggers, t);
}
std::string to_string(CommsStatus s) {
    return name_of(kCommsStatuses, s);
}
std::optional<CommsTrigger> parse_comms_trigger(std::string_view s) {
    return parse_name(kCommsTriggers, s);
}
std::optional<CommsStatus> parse_comms_status(std::string_view s) {
    return parse_name(kCommsStatuses, s);
}

std::string to_string(QuestionKind k) {
    return name_of(kQuestionKinds, k);
}
std::optional<QuestionKind> parse_question_kind(std::string_view s) {
    return parse_name(kQuestionKinds, s);
}

std::optional<Role> parse_role(std::string_view s) {
    return parse_name(kRoles, s);
}
std::optional<ReleaseState> parse_release_state(std::string_view s) {
    return parse_name(kReleaseStates, s);
}
std::optional<PlanKind> parse_plan_kind(std::string_view s) {
    return parse_name(kPlanKinds, s);
}
std::optional<ControlStatus> parse_control_status(std::string_view s) {
    return parse_name(kControlStatuses, s);
}
std::optional<StepStatus> parse_step_status(std::string_view s) {
    return parse_name(kStepStatuses, s);
}

// "user:<id>" or "role:<name>"; anything else (no prefix, an empty name) is not an owner, so a
// damaged row shows as "no owner" rather than as a person named after the damage.
std::optional<Owner> Owner::from_stored(const std::optional<std::string>& s) {
    if (!s) return std::nullopt;
    constexpr std::string_view kUser = "user:";
    constexpr std::string_view kRole = "role:";
    std::string_view text = *s;
    Owner o;
    if (text.substr(0, kUser.size()) == kUser) {
        o.kind = Kind::user;
        text.remove_prefix(kUser.size());
    } else if (text.substr(0, kRole.size()) == kRole) {
        o.kind = Kind::role;
        text.remove_prefix(kRole.size());
    } else {
        return std::nullopt;
    }
    if (text.empty()) return std::nullopt;
    o.name = std::string(text);
    return o;
}

}  // namespace releasebot
