// Early life support and the carry-over of retrospective action items. See
// early_life.hpp.
//
// The window ends through one scheduled job (kElsEndJob) per release: whoever moves the end
// cancels the pending job and schedules a new one, so exactly one is ever pending and the
// release row's els_until always says when it fires.
#include "commands/early_life.hpp"

#include <chrono>
#include <string>

#include "commands/handler_support.hpp"
#include "commands/retro_survey.hpp"
#include "commands/time_parse.hpp"

namespace releasebot {

namespace {

constexpr Seconds kDefaultEls = std::chrono::days(3);

void schedule_els_end(Context& ctx, const Release& r, Instant at) {
    ctx.store.jobs.cancel(r.id, kElsEndJob);
    ScheduledJob j;
    j.workspace = r.workspace;
    j.release = r.id;
    j.kind = kElsEndJob;
    j.due_at = at;
    ctx.store.jobs.schedule(j);
}

std::string zone_of(Context& ctx, const UserId& user) {
    if (auto p = ctx.store.workspaces.person(ctx.workspace.id, user))
        if (p->time_zone && !p->time_zone->empty()) return *p->time_zone;
    return ctx.zone;
}

// The first line of a reply, for quoting what another part of the bot said.
std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

}  // namespace

void open_early_life_support(Context& ctx, Release& r) {
    r.els_until = ctx.now + kDefaultEls;
    r.els_owner = r.owner;
    ctx.store.releases.update(r);
    schedule_els_end(ctx, r, *r.els_until);
    ctx.audit(r.id, "release.els",
              "early life support until " + format_short(*r.els_until, "UTC") + " UTC owned by @" +
                  r.els_owner->value());
}

Result<Reply> run_els_end(Context& ctx, const ScheduledJob& job, bool late) {
    if (!job.release)
        return Reply::plain("Nothing to do: this early-life-support job has no release.");
    auto r = ctx.store.releases.get(*job.release);
    if (!r) return Reply::plain("Nothing to do: its release is gone.");
    // Moving the end cancels this job, so a later els_until means the row was edited by hand
    // or the job raced a move; either way the newer end will fire on its own.
    if (r->els_until && *r->els_until > job.due_at)
        return Reply::plain("Nothing to do: early life support of " + r->key + " now ends at " +
                            format_when(*r->els_until, ctx.zone) + ".");

    UserId owner = r->els_owner.value_or(r->owner);
    std::string zone = zone_of(ctx, owner);
    std::string ended = "Early life support of *" + r->key + "* — " + r->title + " ended " +
                        format_when(job.due_at, zone) + ".";
    std::string late_note = late ? " (late: the bot was down when this was due at " +
                                       format_when(job.due_at, zone) + ")"
                                 : "";

    Reply dm;
    std::string audit_detail;
    if (auto existing = ctx.store.retros.for_release(r->id)) {
        std::string line = ended + " Its retro was already started " +
                           format_when(existing->opened_at, zone) + ".";
        dm.text = line + late_note;
        dm.section(line);
        dm.context("See how it is going with `retro status " + r->key + "`.");
        audit_detail = "ended; the retro was already started";
    } else {
        // A retro that cannot start must not take the end of support down with it: its partial
        // work is undone and the owner is told how to start it by hand.
        std::size_t outbound_before = ctx.outbound.size();
        std::size_t audit_before = ctx.audit_entries.size();
        Transaction attempt(ctx.store.db);
        auto started = start_retro(ctx, *r, RetroOptions{});
        if (started) {
            attempt.commit();
            std::string line = ended +
                               " I started its retro: everyone who took part has the "
                               "survey by direct message.";
            dm.text = line + late_note;
            dm.section(line);
            if (!started->text.empty()) dm.context(first_line(started->text));
            dm.context("Follow it with `retro status " + r->key +
                       "`; add what must change with "
                       "`retro action add " +
                       r->key + " \"<text>\" owner @user`.");
            audit_detail = "ended; started the retro";
        } else {
            attempt.rollback();
            ctx.outbound.resize(outbound_before);
            ctx.audit_entries.resize(audit_before);
            std::string line = ended + " I could not start its retro: " + started.error().message;
            dm.text = line + late_note;
            dm.section(line);
            dm.context("Start it yourself with `retro start " + r->key + " everyone`.");
            audit_detail = "ended; the retro could not start: " + started.error().message;
        }
    }
    if (late) {
        dm.context(late_note.substr(1));
        audit_detail += " (late, due " + format_short(job.due_at, "UTC") + " UTC)";
    }
    ctx.notify(owner, dm, r->id);
    ctx.audit(r->id, "release.els_end", audit_detail + "; told @" + owner.value());
    return Reply::plain("Early life support of " + r->key + " ended; " + audit_detail + ".");
}

std::vector<ActionItem> carried_over_actions(Context& ctx, const Release& r) {
    if (r.programs.empty()) return {};
    std::vector<ActionItem> out;
    for (auto& a : ctx.store.actions.open_for_programs(r.workspace, r.programs, r.id)) {
        // Only lessons from before this release carry into it: an older release shown today
        // must not list what a later retro raised.
        auto from = ctx.store.releases.get(a.release);
        if (from && from->window_start < r.window_start) out.push_back(std::move(a));
    }
    return out;
}

}  // namespace releasebot
