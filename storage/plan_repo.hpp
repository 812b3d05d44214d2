// Deployment and backout plans: ordered steps per release.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace releasebot {

class Database;

class PlanRepo {
public:
    explicit PlanRepo(Database& db) : db_(db) {}

    // Steps of one plan, by position (1..n).
    std::vector<PlanStep> steps(ReleaseId r, PlanKind plan);
    std::optional<PlanStep> at(ReleaseId r, PlanKind plan, int number);
    // Appends a step at the end of its plan (position ignored); returns its id.
    StepId add(const PlanStep& s);
    // Writes status, done_by, done_at, note, owner, title, expected.
    void update(const PlanStep& s);
    // Removes the step and renumbers the steps after it.
    void remove(const PlanStep& s);
    // Moves the step to `position` (1..n, clamped) within its plan; the others keep their order
    // and are renumbered around it.
    void place(StepId id, int position);
    int count(ReleaseId r, PlanKind plan);

private:
    void write_positions(ReleaseId r, const std::string& plan, std::optional<StepId> moved, int to);
    Database& db_;
};

}  // namespace releasebot
