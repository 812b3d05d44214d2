// Context: what a command handler may see and do. It reads state through the Store, reads time
// from `now` (taken once from the Clock per event, so one command sees one instant), and
// records its effects — audit entries and outbound messages — which the pipeline writes in the
// same transaction as the handler's changes.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "commands/actor.hpp"
#include "commands/outbound.hpp"
#include "commands/reply.hpp"
#include "storage/records.hpp"
#include "storage/store.hpp"

namespace releasebot {

struct Context {
    Store& store;
    Instant now;
    Workspace workspace;
    Actor actor;
    ConversationRef conversation;
    Role role = Role::member;
    std::string zone = "UTC";  // the reader's zone: actor's, else workspace's, else UTC
    bool confirmed = false;    // set when re-running a command the actor confirmed with `yes`
    std::string command_text;  // the text as typed (stored with a pending confirmation)
    // Set for a signed CI webhook's tick: CI ticks a control on its owner's behalf, so the
    // owner rule of `control tick` does not refuse it.
    bool automated = false;
    // How long before its window a release may start (`[releases] start_lead`).
    Seconds start_lead{15 * 60};

    // Said at the end of the reply when the command succeeds (which time was used for a local
    // time that does not exist); see when_arg.
    std::vector<std::string> notes;

    std::vector<AuditEntry> audit_entries;
    std::vector<Outbound> outbound;
    // Releases whose status message must be refreshed after this event.
    std::set<ReleaseId> changed_releases;

    // Records an audit entry for the release (or the workspace when `release` is empty). An
    // entry that records no change to what the release shows (a reminder sent) passes
    // `changes_release = false`, so its status message is left alone.
    void audit(std::optional<ReleaseId> release, std::string action, std::string detail,
               bool changes_release = true) {
        if (release && changes_release) changed_releases.insert(*release);
        AuditEntry e;
        e.workspace = workspace.id;
        e.release = release;
        e.at = now;
        e.actor = actor.user;
        e.action = std::move(action);
        e.detail = std::move(detail);
        audit_entries.push_back(std::move(e));
    }
    // Queues a direct message to `to` (not sent to the actor themself: they see the reply).
    void notify(const UserId& to, Reply reply, std::optional<ReleaseId> release = std::nullopt) {
        if (to == actor.user) return;
        direct(to, std::move(reply), release);
    }
    // Queues a direct message to `to`, the actor too (what their reply, which others may read,
    // must not carry).
    void direct(const UserId& to, Reply reply, std::optional<ReleaseId> release = std::nullopt) {
        Outbound o;
        o.direct_to = to;
        reply.visibility = Visibility::direct;
        o.reply = std::move(reply);
        o.release = release;
        outbound.push_back(std::move(o));
    }
    // Queues a message to a channel.
    void post(const ConversationRef& where, Reply reply,
              std::optional<ReleaseId> release = std::nullopt) {
        Outbound o;
        o.channel = where;
        o.reply = std::move(reply);
        o.release = release;
        outbound.push_back(std::move(o));
    }
};

}  // namespace releasebot
