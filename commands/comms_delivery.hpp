// Delivering stakeholder communications: the rules every path that sends one shares (the typed
// `comms` commands in comms_commands.cpp, the timed sends in timers.cpp) — only approved
// messages go out, each to every channel of each of its audiences, once.
#pragma once

#include <vector>

#include "commands/context.hpp"
#include "storage/records.hpp"

namespace releasebot {

// Sends the approved communication `c` of release `r` now: queues one Outbound per channel of
// each audience, marks it sent, writes the audit entry. The caller has checked it is approved.
void send_communication(Context& ctx, Communication& c, const Release& r);

// At a release event (start, done, backout, cancel), sends every approved communication of `r` with
// that trigger. Returns the communications with that trigger that were NOT sent because they
// are not approved (the caller mentions them in its reply).
std::vector<Communication> announce_release_event(Context& ctx, const Release& r,
                                                  CommsTrigger event);

// Communications of `r` that still wait for approval (draft or rejected): go/no-go blockers.
// Those for `on cancel` are not: they go out only if the release never deploys.
std::vector<Communication> unapproved_communications(Context& ctx, const Release& r);

}  // namespace releasebot
