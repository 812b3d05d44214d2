// What fired jobs do: reminders before a window, the nag when a window passes with no
// result, timed communications. See timers.hpp.
#include "commands/timers.hpp"

#include <charconv>
#include <map>

#include "commands/comms_delivery.hpp"
#include "commands/early_life.hpp"
#include "commands/gate.hpp"
#include "commands/handler_support.hpp"
#include "commands/model/release_model.hpp"
#include "commands/release_jobs.hpp"
#include "commands/retro_survey.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"

namespace releasebot {

namespace {

Reply nothing_to_do(const std::string& why) {
    return Reply::plain("Nothing to do: " + why + ".");
}

std::optional<std::int64_t> parse_int(const std::string& s) {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

std::string late_note(const ScheduledJob& job, const std::string& zone) {
    return "(late: the bot was down when this was due at " + format_when(job.due_at, zone) + ")";
}

// "starts in 1h" from now, so a late or snoozed reminder still tells the truth. A timer fires
// a few seconds after its instant on a real clock; whole minutes read better than "59m 58s".
std::string starts_in(Instant start, Instant now) {
    Seconds left = start - now;
    if (left <= Seconds(0)) return "was due to start " + format_duration(now - start) + " ago";
    if (left >= std::chrono::minutes(1)) left = Seconds((left.count() + 30) / 60 * 60);
    return "starts in " + lead_time(left);
}

std::string reminder_line(const Release& r, Instant now, const std::string& zone) {
    return "⏰ " + r.key + " — " + r.title + " " + starts_in(r.window_start, now) + " (" +
           format_when(r.window_start, zone) + ")";
}

// Which reminder this is, for the audit log: "T-1h", or "snoozed".
std::string reminder_label(const ScheduledJob& job) {
    if (auto offset = parse_int(job.payload)) return "T-" + lead_time(Seconds(-*offset));
    return "snoozed";
}

// The snooze choices that still end before the window starts.
std::vector<Button> snooze_buttons(const Context& ctx, const Release& r) {
    using namespace std::chrono;
    const std::pair<const char*, Seconds> choices[] = {
        {"30m", minutes(30)}, {"1h", hours(1)}, {"tomorrow", hours(24)}};
    std::vector<Button> out;
    for (const auto& [word, wait] : choices) {
        if (ctx.now + wait >= r.window_start) continue;
        std::string label = std::string(word) == "tomorrow" ? "Snooze until tomorrow"
                                                            : "Snooze " + std::string(word);
        out.push_back({label, "command", "remind snooze " + r.key + " " + word});
    }
    return out;
}

// The people who have something open on the release: owners of open controls (a role owner
// stands for everyone holding that role) and owners of pending steps of the active plan, each
// with their items in order. One entry per person, so each gets one message per reminder.
std::map<std::string, std::vector<ChecklistItem>> open_items_by_person(Context& ctx,
                                                                       const Release& r) {
    std::map<std::string, std::vector<ChecklistItem>> out;
    std::vector<RoleGrant> grants;
    bool grants_loaded = false;
    auto give = [&](const Owner& owner, const ChecklistItem& it) {
        if (owner.kind == Owner::Kind::user) {
            out[owner.name].push_back(it);
            return;
        }
        auto role = parse_role(owner.name);
        if (!role) return;
        if (!grants_loaded) {
            grants = ctx.store.roles.list(ctx.workspace.id);
            grants_loaded = true;
        }
        for (const auto& g : grants)
            if (g.role == *role) out[g.user.value()].push_back(it);
    };
    for (const auto& c : ctx.store.controls.for_release(r.id)) {
        // The controls releasebot keeps are not anyone's to tick.
        if (c.status != ControlStatus::open || !c.owner || model::is_kept_control(c.slug)) continue;
        ChecklistItem it;
        it.label = "Control " + std::to_string(c.position) + " `" + c.slug + "` — " + c.title +
                   (c.mandatory ? "" : " (optional)");
        it.detail = "`control tick " + r.key + " " + c.slug + "`";
        it.action_id = "command";
        it.value = "control tick " + r.key + " " + c.slug;
        give(*c.owner, it);
    }
    for (const auto& s : ctx.store.plans.steps(r.id, r.active_plan)) {
        if (s.status != StepStatus::pending || !s.owner) continue;
        ChecklistItem it;
        it.label = std::string(r.active_plan == PlanKind::deploy ? "Deploy" : "Backout") +
                   " step " + std::to_string(s.position) + ": " + s.title;
        it.detail = "when the window opens: `release step " + r.key + " " +
                    std::to_string(s.position) + " done`";
        give(*s.owner, it);
    }
    return out;
}

// Posts to the release's conversation. A timer has no conversation of its own to fall back on,
// so a release that never recorded one gets only the direct messages.
void post_home(Context& ctx, const Release& r, Reply reply) {
    ConversationRef home = release_home(ctx, r);
    if (!home.channel.empty()) ctx.post(home, std::move(reply), r.id);
}

std::string zone_of(Context& ctx, const UserId& user) {
    if (auto p = ctx.store.workspaces.person(ctx.workspace.id, user))
        if (p->time_zone && !p->time_zone->empty()) return *p->time_zone;
    return ctx.zone;
}

Result<Reply> run_reminder(Context& ctx, const ScheduledJob& job, const Release& r, bool late) {
    if (r.state != ReleaseState::planned && r.state != ReleaseState::approved)
        return nothing_to_do(r.key + " is " + to_string(r.state));

    std::string line = reminder_line(r, ctx.now, ctx.zone);
    Reply post;
    post.text = line + (late ? " " + late_note(job, ctx.zone) : "");
    post.section("⏰ *" + r.key + "* — " + r.title + " " + starts_in(r.window_start, ctx.now) +
                 " (" + format_when(r.window_start, ctx.zone) + ")");
    if (late) post.context(late_note(job, ctx.zone));
    auto blockers = gate_blockers(ctx, r);
    if (!blockers.empty()) {
        std::string count = plural(static_cast<long>(blockers.size()), "blocker", "blockers");
        post.text += " " + count + ".";
        post.section("*" + count + "* left:");
        std::vector<std::vector<std::string>> rows;
        int n = 0;
        for (const auto& b : blockers)
            rows.push_back({std::to_string(++n), b.what, "`" + b.next_step + "`"});
        post.table({"#", "Blocker", "To clear it"}, std::move(rows));
    } else if (r.state == ReleaseState::approved) {
        post.text += " Approved, nothing blocks it.";
        post.section("Approved, nothing blocks it.");
    } else {
        post.text += " No blockers: ready for `release go " + r.key + "`.";
        post.section("No blockers: ready for `release go " + r.key + "`.");
    }
    auto buttons = snooze_buttons(ctx, r);
    if (!buttons.empty()) {
        post.buttons(buttons);
    }
    post_home(ctx, r, std::move(post));

    std::vector<std::string> told;
    for (auto& [user_id, items] : open_items_by_person(ctx, r)) {
        UserId user(user_id);
        if (user == ctx.actor.user) continue;
        std::string zone = zone_of(ctx, user);
        std::string count = plural(static_cast<long>(items.size()), "item", "items");
        Reply dm;
        dm.text = reminder_line(r, ctx.now, zone) + ". You have " + count + " open on it.";
        dm.section("⏰ *" + r.key + "* — " + r.title + " " + starts_in(r.window_start, ctx.now) +
                   " (" + format_when(r.window_start, zone) + "). You have " + count +
                   " open on it:");
        if (late) dm.context(late_note(job, zone));
        dm.checklist(std::move(items));
        ctx.notify(user, std::move(dm), r.id);
        told.push_back(who(user));
    }

    std::string detail = reminder_label(job) + " reminder to the release's channel";
    if (!told.empty()) detail += " and " + join_and(told);
    if (late) detail += " (late, due " + format_short(job.due_at, "UTC") + " UTC)";
    ctx.audit(r.id, "reminder.sent", detail, /*changes_release=*/false);
    return Reply::plain("Sent the " + detail + ".");
}

Result<Reply> run_window_passed(Context& ctx, const ScheduledJob& job, const Release& r,
                                bool late) {
    if (r.state == ReleaseState::planned || r.state == ReleaseState::approved) {
        std::string msg = "The window of " + r.key +
                          " passed with no start. Move it with `release "
                          "move " +
                          r.key + " to <when>` or cancel it with `release cancel " + r.key + "`.";
        auto make = [&](const std::string& zone) {
            Reply m;
            m.text = msg;
            m.section("The window of *" + r.key + "* — " + r.title + " (" +
                      format_when(r.window_start, zone) + " – " +
                      format_clock(r.window_end(), zone) + ") passed with no start.");
            m.context("Move it with `release move " + r.key +
                      " to <when>` or cancel it with "
                      "`release cancel " +
                      r.key + "`.");
            if (late) m.context(late_note(job, zone));
            return m;
        };
        ctx.notify(r.owner, make(zone_of(ctx, r.owner)), r.id);
        post_home(ctx, r, make(ctx.zone));
        ctx.audit(r.id, "window.passed",
                  "no start; told " + who(r.owner) + " and the release's channel");
        return Reply::plain(msg);
    }
    if (r.state == ReleaseState::deploying) {
        std::string zone = zone_of(ctx, r.owner);
        std::string msg = r.key + " is still deploying after its window ended at " +
                          format_when(r.window_end(), zone) + "; close it with `release done " +
                          r.key + "`, or `release backout " + r.key + "` if it went wrong.";
        Reply m = Reply::plain(msg);
        if (late) m.context(late_note(job, zone));
        ctx.notify(r.owner, std::move(m), r.id);
        ctx.audit(r.id, "window.passed", "still deploying; told " + who(r.owner));
        return Reply::plain(msg);
    }
    return nothing_to_do(r.key + " is " + to_string(r.state));
}

Result<Reply> run_comms(Context& ctx, const ScheduledJob& job) {
    auto id = parse_int(job.payload);
    if (!id)
        return nothing_to_do("communication job " + std::to_string(job.id.value()) +
                             " names no communication");
    auto c = ctx.store.comms.get(job.workspace, CommsId(*id));
    if (!c) return nothing_to_do("communication #" + job.payload + " is gone");
    if (c->status != CommsStatus::approved || c->sent_at)
        return nothing_to_do("communication #" + job.payload + " is " + to_string(c->status));
    auto r = ctx.store.releases.get(c->release);
    // An announcement of a release that will not happen would mislead its audience.
    if (!r || r->state == ReleaseState::cancelled)
        return nothing_to_do("the release of communication #" + job.payload + " is cancelled");
    send_communication(ctx, *c, *r);
    return Reply::plain("Sent communication #" + job.payload + " of " + r->key + ".");
}

}  // namespace

Context make_system_context(Store& store, Instant now, const Workspace& ws) {
    Context ctx{store, now, ws,
                Actor{ws.platform, ws.tenant, system_user(), "releasebot", std::nullopt},
                ConversationRef{ws.platform, ws.tenant, "", std::nullopt, std::nullopt}};
    ctx.role = Role::manager;
    ctx.zone = ws.time_zone.empty() ? "UTC" : ws.time_zone;
    return ctx;
}

Result<Reply> run_timer(Context& ctx, const ScheduledJob& job, bool late) {
    if (job.kind == kCommsJob) return run_comms(ctx, job);
    if (job.kind == kRetroCloseJob || job.kind == kRetroRemindJob)
        return run_retro_timer(ctx, job, late);
    if (job.kind == kElsEndJob) return run_els_end(ctx, job, late);
    if (job.kind != kReminderJob && job.kind != kWindowPassedJob)
        return nothing_to_do("no job of kind `" + job.kind + "` is known");
    if (!job.release)
        return nothing_to_do("job " + std::to_string(job.id.value()) + " belongs to no release");
    auto r = ctx.store.releases.get(*job.release);
    if (!r) return nothing_to_do("its release is gone");
    if (job.kind == kReminderJob) return run_reminder(ctx, job, *r, late);
    return run_window_passed(ctx, job, *r, late);
}

}  // namespace releasebot
