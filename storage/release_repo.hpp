// Releases with their programs and components.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace releasebot {

class Database;

enum class ReleaseFilter { upcoming, past, all };

class ReleaseRepo {
public:
    explicit ReleaseRepo(Database& db) : db_(db) {}

    // Case-insensitive lookup by key; programs filled.
    std::optional<Release> find(WorkspaceId ws, const std::string& key);
    std::optional<Release> get(ReleaseId id);
    // Inserts `r` (id ignored) with its programs; returns the new id.
    ReleaseId insert(const Release& r);
    // Writes every mutable column of `r` (state, window, owner, reasons, times, ...).
    void update(const Release& r);
    void add_program(ReleaseId id, const std::string& program);
    // Takes a program off the release (its components stay until removed); true if it was there.
    bool remove_program(ReleaseId id, const std::string& program);

    // The approved releases of the workspace, programs filled.
    std::vector<Release> approved(WorkspaceId ws);
    // What the release's approval covered (the model's snapshot), or "" when none is recorded.
    std::string approval_snapshot(ReleaseId id);
    // Records the snapshot of an approval, or clears it ("").
    void set_approval_snapshot(ReleaseId id, const std::string& snapshot);

    // upcoming: window ends at or after `now` and not cancelled/finished, soonest first;
    // past: the rest, latest first; all: by window start. Optionally only those with `program`.
    std::vector<Release> list(WorkspaceId ws, ReleaseFilter filter, Instant now,
                              const std::optional<std::string>& program = std::nullopt);
    // Releases whose window overlaps [from, to), any state except cancelled.
    std::vector<Release> in_range(WorkspaceId ws, Instant from, Instant to);

    // Components, ordered by program then name.
    std::vector<Component> components(ReleaseId id);
    // Inserts or updates (same program and name) a component; returns true if it was new.
    bool upsert_component(const Component& c);
    // Removes one component (program and name, case-insensitive); true if it was there.
    bool remove_component(ReleaseId id, const std::string& program, const std::string& name);

    // The release's own reminder offsets (negative seconds before the window start), ascending;
    // empty when it uses the defaults.
    std::vector<Seconds> reminder_offsets(ReleaseId id);
    void set_reminder_offsets(ReleaseId id, const std::vector<Seconds>& offsets);

private:
    void load_programs(Release& r);
    Database& db_;
};

}  // namespace releasebot
