// Seeding the databases the scenarios start from, fast: releasebot's own command pipeline (the
// same code a chat command runs, so every row is one the bot would have written) inside one
// outer transaction with synchronous=OFF, and plain SQL copies where a scenario needs more rows
// than commands can type in seconds (100,000 releases, a million reminders).
//
// After seeding, every message the commands queued is marked sent: a scenario starts with an
// empty outbox, as a bot that has caught up would.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace releasebot::bench {

// Who seeds: the workspace's platform and tenant, and its first user (who becomes manager).
struct Workspace {
    std::string platform = "slack";
    std::string tenant = "T0EMULATOR";
    std::string manager = "U0MANAGER";
    // Where the seeded releases live: their home channels are channel_prefix + 0 … channels-1.
    std::string channel_prefix = "C0HOME";
    int channels = 100;
};

// A template database made once per work directory: when `path` does not exist, `make` seeds a
// scratch file, which is checkpointed into one file and renamed to `path` only when it is done
// (so a run that failed half-way seeds again next time).
void ensure_template(const std::filesystem::path& path,
                     const std::function<void(const std::filesystem::path&)>& make);

// The Teams workspace of the Teams emulator (tenant-emulator), channels as Teams ids.
Workspace teams_workspace();

// The key of seeded release `i` (0-based): "rel-00042".
std::string release_key(int i);

// Creates `path` (replacing it) with the workspace and `releases` planned releases, each with
// the default seven controls, reminders and window job, planned by the manager in the home
// channels in turn, windows from 30 days ahead on.
void seed_releases(const std::filesystem::path& path, const Workspace& ws, int releases);

// Grows the releases of a seeded database to `total` by copying the seeded ones (controls,
// scheduled jobs and audit entries with them) under new keys "<key>-c<n>", in SQL.
void grow_releases(const std::filesystem::path& path, int total);

// The retrospective of the retro burst: release `key` (seeded) marked deployed, its retro
// started by the manager with the default five questions, and `participants` users
// (bench_user(i)) taking part. Returns the release key.
std::string seed_retro(const std::filesystem::path& path, const Workspace& ws, int participants);

// The fan-out: an audience "fanout" of `channels` Slack channels (fanout_channel(i)), and an
// announcement to it drafted by another user for `now`, waiting for review. Returns its number
// (what `comms review <n> approve` takes).
int seed_fanout(const std::filesystem::path& path, const Workspace& ws, int channels,
                const std::string& text);

// A million (or `count`) pending reminders due far in the future (2030 on), spread over the
// seeded releases, in SQL.
void seed_far_reminders(const std::filesystem::path& path, std::int64_t count);

// User ids of the load: "U0BENCH00042"; Teams ids "29:bench-42".
std::string bench_user(int i);
std::string teams_user(int i);
// The channels of the fan-out: "C0FAN00042".
std::string fanout_channel(int i);

}  // namespace releasebot::bench
