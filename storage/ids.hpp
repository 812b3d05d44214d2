// Strong identifier types. No function takes two bare integers or strings that mean different
// things: a ReleaseId cannot be passed where a StepId is expected.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>

namespace releasebot {

template <class Tag, class T>
class StrongId {
public:
    using value_type = T;
    StrongId() = default;
    explicit StrongId(T v) : v_(std::move(v)) {}
    const T& value() const { return v_; }
    auto operator<=>(const StrongId&) const = default;

private:
    T v_{};
};

using WorkspaceId = StrongId<struct WorkspaceTag, std::int64_t>;
using ReleaseId = StrongId<struct ReleaseTag, std::int64_t>;
using ComponentId = StrongId<struct ComponentTag, std::int64_t>;
using TemplateId = StrongId<struct TemplateTag, std::int64_t>;
using ReleaseControlId = StrongId<struct ReleaseControlTag, std::int64_t>;
using StepId = StrongId<struct StepTag, std::int64_t>;
using FreezeId = StrongId<struct FreezeTag, std::int64_t>;
using OutboxId = StrongId<struct OutboxTag, std::int64_t>;
using JobId = StrongId<struct JobTag, std::int64_t>;
using AudienceId = StrongId<struct AudienceTag, std::int64_t>;
using CommsId = StrongId<struct CommsTag, std::int64_t>;
using RetroId = StrongId<struct RetroTag, std::int64_t>;
using ActionId = StrongId<struct ActionTag, std::int64_t>;
// A user as the platform names them: Slack "U024BE7LH", Teams "29:1a...", console "alice".
using UserId = StrongId<struct UserTag, std::string>;

}  // namespace releasebot

template <class Tag, class T>
struct std::hash<releasebot::StrongId<Tag, T>> {
    std::size_t operator()(const releasebot::StrongId<Tag, T>& id) const noexcept {
        return std::hash<T>{}(id.value());
    }
};
