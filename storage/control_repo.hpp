// Control templates (per workspace) and the controls copied from them into each release.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace releasebot {

class Database;

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
    // Removes and renumbers the rest.
    void remove(ReleaseControlId id);

private:
    Database& db_;
};

}  // namespace releasebot
