// Control templates (per workspace) and the controls copied from them into each release, with
// the health check a release's control may carry (migration 8).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace releasebot {

class Database;

// A control's health check: the URL polled before the window, and what the last poll found.
struct HealthCheck {
    ReleaseControlId control;
    std::string url;
    std::optional<int> last_status;         // the HTTP status, when the server answered
    std::optional<std::string> last_error;  // why there was no answer, when there was none
    std::optional<Instant> last_at;         // when the last poll was made; none yet: unset
};

// A health check due for a poll, with what the worker needs to address its result.
struct DueHealthCheck {
    ReleaseControlId control;
    WorkspaceId workspace;
    std::string url;
};

class ControlRepo {
public:
    explicit ControlRepo(Database& db) : db_(db) {}

    // Templates, by position.
    std::vector<ControlTemplate> templates(WorkspaceId ws);
    std::optional<ControlTemplate> find_template(WorkspaceId ws, const std::string& slug);
    // Appends a template at the end (position ignored); returns its id.
    TemplateId add_template(const ControlTemplate& t);
    void update_template(const ControlTemplate& t);
    void remove_template(TemplateId id);

    // A release's controls, by position (1..n).
    std::vector<ReleaseControl> for_release(ReleaseId r);
    std::optional<ReleaseControl> find(ReleaseId r, const std::string& slug);
    // By the number shown in `control list` (1-based).
    std::optional<ReleaseControl> at(ReleaseId r, int number);
    // Appends a control to the release (position ignored); returns its id.
    ReleaseControlId add(const ReleaseControl& c);
    // Copies every template of `ws` into release `r`, in order.
    void copy_templates(WorkspaceId ws, ReleaseId r);
    // Writes status, done_by, done_at, evidence_url, note, and the descriptive fields.
    void update(const ReleaseControl& c);
    // Removes one control; the others keep their numbers.
    void remove(ReleaseControlId id);
    // Any release's control by its id.
    std::optional<ReleaseControl> get(ReleaseControlId id);

    // The control's health check, if it has one.
    std::optional<HealthCheck> health_check(ReleaseControlId id);
    // The health checks of a release's controls, by control position.
    std::vector<HealthCheck> health_checks(ReleaseId r);
    // Sets the URL (nullopt removes the check); the last result is cleared either way, since it
    // said something about the URL before.
    void set_health_check(ReleaseControlId id, const std::optional<std::string>& url);
    // Records a poll's outcome: `status` when the server answered, else `error`.
    void record_health_result(ReleaseControlId id, std::optional<int> status,
                              const std::optional<std::string>& error, Instant at);
    // The health checks to poll at `now`: open controls with a URL, of planned or approved
    // releases whose window starts after `now` and at most `lead` later. Oldest window first.
    std::vector<DueHealthCheck> due_health_checks(Instant now, Seconds lead);

private:
    Database& db_;
};

}  // namespace releasebot
