// `release …` commands: planning, listing and showing releases, moving and cancelling them,
// components, the go/no-go gate, and walking the deployment (start, step, backout, done).
#include <algorithm>
#include <map>
#include <optional>

#include "commands/commands.hpp"
#include "commands/comms_delivery.hpp"
#include "commands/early_life.hpp"
#include "commands/gate.hpp"
#include "commands/handler_support.hpp"
#include "commands/model/release_model.hpp"
#include "commands/registry.hpp"
#include "commands/release_jobs.hpp"
#include "commands/release_view.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"
#include "commands/verify.hpp"

namespace releasebot {

namespace {

constexpr Seconds kDefaultWindow = std::chrono::hours(1);
// Rows of `release list` per page, and the longest title or program list a row shows.
constexpr std::size_t kListPage = 20;
constexpr std::size_t kTitleCell = 40;

// A release window is hours, a day or two at most; a longer one is usually a typo (`for 400d`)
// and would hold its programs' calendar for weeks. A manager may still plan one, after a
// confirmation.
constexpr Seconds kLongestWindow = std::chrono::hours(72);

// Refuses a window longer than kLongestWindow from a member; asks a manager to confirm one.
Result<std::optional<Reply>> check_length(Context& ctx, const std::string& key, Seconds duration) {
    if (duration <= kLongestWindow) return std::optional<Reply>();
    if (ctx.role < Role::manager)
        return invalid("A window of " + format_duration(duration) + " is longer than " +
                       format_duration(kLongestWindow) +
                       ", the most a release window may last. Give a shorter `for`, like "
                       "`for 2h`, or ask a manager to plan it.");
    return confirmation_preview(ctx, "plan *" + key + "* with a window of " +
                                         format_duration(duration) + ", longer than the usual " +
                                         format_duration(kLongestWindow));
}

// Refuses a window in a freeze unless a manager gives an override reason. An override is a
// manager's word about the freeze the window is in: nobody else may give one, and one given
// where no freeze overlaps is refused, because stored it would wave the release through a
// freeze a manager adds later.
Status check_freeze(Context& ctx, const ParsedCommand& cmd, Instant start, Instant end,
                    const std::string& key) {
    auto freeze = overlapping_freeze(ctx, start, end);
    if (cmd.has("override")) {
        RB_TRY(require_role(ctx, Role::manager, "override the freeze for " + key));
        if (freeze) return ok_status();
        return invalid("No freeze overlaps that window of " + key +
                       ", so there is nothing to override. Leave out `override \"<reason>\"`.");
    }
    if (!freeze) return ok_status();
    return conflict("That window overlaps the freeze " + *freeze +
                    ". Pick another time, or a manager can plan it anyway by adding "
                    "`override \"<reason>\"` to the command.");
}

// Sends the approved communications waiting for `event`; notes the unapproved ones in `reply`.
void announce(Context& ctx, const Release& r, CommsTrigger event, Reply& reply) {
    auto held = announce_release_event(ctx, r, event);
    if (held.empty()) return;
    std::vector<std::string> ids;
    for (const auto& c : held) ids.push_back("#" + std::to_string(c.id.value()));
    reply.context("Not sent, not approved: communication " + join_and(ids) +
                  ". Only approved messages go out.");
}

// Planning or moving `r` into a window another release of one of its programs already holds in
// the same environment is a change collision: say which, and ask to confirm (nullopt: none, or
// confirmed).
std::optional<Reply> confirm_collision(Context& ctx, const Release& r, const std::string& doing) {
    // A release of no program collides with nothing: spare the look-up (many releases may
    // share a window).
    if (r.programs.empty()) return std::nullopt;
    auto other = model::collision(
        r, ctx.store.releases.in_range(ctx.workspace.id, r.window_start, r.window_end()));
    if (!other) return std::nullopt;
    return confirmation_preview(
        ctx, doing + " although its window overlaps *" + other->key + "* — " + other->title + " (" +
                 window_text(ctx, *other) + ", " + to_string(other->state) +
                 "), a release of the same program in the same environment");
}

Status check_future(const Context& ctx, Instant start) {
    if (start >= ctx.now) return ok_status();
    return invalid("The window would start " + format_when(start, ctx.zone) +
                   ", which is in the past (it is now " + format_when(ctx.now, ctx.zone) +
                   "). Pick a later time, like `tomorrow 14:00` or `in 3h`.");
}

Result<Reply> release_plan(Context& ctx, const ParsedCommand& cmd) {
    const std::string& key = cmd.get("key");
    if (auto existing = ctx.store.releases.find(ctx.workspace.id, key)) {
        return conflict("A release `" + existing->key + "` already exists (" +
                        to_string(existing->state) + ", " +
                        format_when(existing->window_start, ctx.zone) +
                        "). Pick another key, or move it with `release move " + existing->key +
                        " to <when>`.");
    }
    auto start = when_arg(ctx, cmd, "when");
    if (!start) return start.error();
    Seconds duration = kDefaultWindow;
    if (cmd.has("for")) {
        auto d = duration_arg(cmd, "for");
        if (!d) return d.error();
        duration = *d;
    }
    RB_TRY(check_future(ctx, *start));
    RB_TRY(check_freeze(ctx, cmd, *start, *start + duration, key));
    auto long_window = check_length(ctx, key, duration);
    if (!long_window) return long_window.error();
    if (*long_window) return **long_window;

    Release r;
    r.workspace = ctx.workspace.id;
    r.key = key;
    r.title = cmd.get("title");
    r.window_start = *start;
    r.duration = duration;
    r.time_zone = ctx.zone;
    r.env = cmd.opt("env");
    r.owner = cmd.has("owner") ? UserId(cmd.get("owner")) : ctx.actor.user;
    r.freeze_override = cmd.opt("override");
    r.created_by = ctx.actor.user;
    r.created_at = r.updated_at = ctx.now;
    r.home_channel = ctx.conversation.channel;
    r.home_thread = ctx.conversation.thread;
    r.home_service_url = ctx.conversation.service_url;
    for (const auto& p : cmd.all("program")) {
        if (std::none_of(r.programs.begin(), r.programs.end(),
                         [&](const std::string& q) { return iequals(p, q); }))
            r.programs.push_back(p);
    }
    if (auto preview = confirm_collision(ctx, r, "plan *" + key + "*")) return *preview;
    r.id = ctx.store.releases.insert(r);
    ctx.store.controls.copy_templates(ctx.workspace.id, r.id);
    schedule_release_jobs(ctx, r);
    int controls = static_cast<int>(ctx.store.controls.for_release(r.id).size());

    std::string detail = "\"" + r.title + "\" " + format_short(r.window_start, "UTC") + " UTC for " +
                         format_duration(r.duration);
    if (!r.programs.empty()) detail += ", programs " + join(r.programs, ", ");
    if (r.freeze_override) detail += ", freeze overridden: \"" + *r.freeze_override + "\"";
    ctx.audit(r.id, "release.plan", detail);
    if (r.owner != ctx.actor.user) {
        ctx.notify(r.owner,
                   Reply::plain(who(ctx.actor.user) + " planned *" + r.key + "* — " + r.title +
                                " for " + window_text(ctx, r) + " and made you its owner."),
                   r.id);
    }

    Reply reply;
    reply.text = "Planned " + r.key + " — " + r.title + ", " + window_text(ctx, r) + ".";
    reply.section("Planned *" + r.key + "* — " + r.title);
    std::vector<std::pair<std::string, std::string>> fields = {
        {"Window", window_text(ctx, r)},
        {"Owner", who(r.owner)},
    };
    if (!r.programs.empty()) fields.push_back({"Programs", join(r.programs, ", ")});
    if (r.env) fields.push_back({"Environment", *r.env});
    fields.push_back({"Controls", plural(controls, "control", "controls") + " to tick"});
    if (r.freeze_override) fields.push_back({"Freeze override", "\"" + *r.freeze_override + "\""});
    reply.fields(std::move(fields));
    reply.context("Next: `release add " + r.key + " <program>/<component>@<version>`, `plan add " +
                  r.key + " deploy \"<step>\"`, `control list " + r.key + "`");
    return reply;
}

Result<Reply> release_list(Context& ctx, const ParsedCommand& cmd) {
    std::string which = cmd.has("which") ? cmd.get("which") : "upcoming";
    ReleaseFilter filter = which == "past"  ? ReleaseFilter::past
                           : which == "all" ? ReleaseFilter::all
                                            : ReleaseFilter::upcoming;
    auto releases = ctx.store.releases.list(ctx.workspace.id, filter, ctx.now, cmd.opt("program"));
    std::string scope = which + (cmd.has("program") ? " releases of " + cmd.get("program")
                                                    : std::string(" releases"));
    if (releases.empty()) {
        std::string msg = "No " + scope + ".";
        if (filter == ReleaseFilter::upcoming)
            msg += " Plan one with `release plan <key> \"<title>\" at <when>`, or see "
                   "`release list all`.";
        return Reply::plain(msg);
    }
    // A page fits one chat message (Slack keeps 50 blocks, Teams ~28 KB); the table cuts long
    // cells, and `release show` has the whole of each.
    const std::size_t total = releases.size();
    const std::size_t pages = (total + kListPage - 1) / kListPage;
    std::size_t page = 1;
    if (cmd.has("page")) {
        const std::string& p = cmd.get("page");
        page = p.size() > 6 ? pages + 1 : static_cast<std::size_t>(std::stoul(p));
        if (page > pages)
            return invalid("There " + std::string(pages == 1 ? "is" : "are") + " " +
                           plural(static_cast<long>(pages), "page", "pages") + " of " + scope +
                           ", not " + p + ". Try `release list " + which + " page " +
                           std::to_string(pages) + "`.");
    }
    const std::size_t first = (page - 1) * kListPage;
    const std::size_t last = std::min(total, first + kListPage);
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = first; i < last; ++i) {
        const auto& r = releases[i];
        std::string status = to_string(r.state);
        if (r.state == ReleaseState::planned) {
            auto n = gate_blockers(ctx, r).size();
            status += n ? " (" + plural(static_cast<long>(n), "blocker", "blockers") + ")"
                        : " (ready for go)";
        }
        rows.push_back(
            {r.key, shorten(r.title, kTitleCell), format_short(r.window_start, ctx.zone),
             format_duration(r.duration), status,
             r.programs.empty() ? std::string("—") : shorten(join(r.programs, ", "), kTitleCell)});
    }
    Reply reply;
    std::string title = std::string(1, static_cast<char>(std::toupper(scope[0]))) + scope.substr(1);
    reply.text = title + ": " + std::to_string(total);
    reply.section("*" + title + "* (times in " + ctx.zone + ")");
    reply.table({"Key", "Title", "Window", "Length", "State", "Programs"}, std::move(rows));
    if (pages > 1) {
        std::string more = "Page " + std::to_string(page) + " of " + std::to_string(pages) + " (" +
                           std::to_string(first + 1) + "–" + std::to_string(last) + " of " +
                           std::to_string(total) + ").";
        if (page < pages) {
            std::string next = "release list " + which;
            if (cmd.has("program")) next += " program " + cmd.get("program");
            more += " Next: `" + next + " page " + std::to_string(page + 1) + "`.";
        }
        reply.context(more);
    }
    return reply;
}

Result<Reply> release_show(Context& ctx, const ParsedCommand& cmd) {
    auto r = load_release(ctx, cmd.get("key"));
    if (!r) return r.error();
    return release_view(ctx, *r);
}

// What a move leaves behind. Each announcement still to go out that was timed for the old window,
// or whose text names its date or time, goes back to review and its author is asked to edit or
// re-confirm it; every person who owns a control or a step of the release hears of the new
// window. Returns a line for the reply, or "" when nobody needed telling.
std::string follow_move(Context& ctx, const Release& r, Instant old) {
    const std::string old_short = format_short(old, r.time_zone);  // "2026-12-10 14:00"
    const std::string old_date = old_short.substr(0, 10);
    const std::string old_clock = format_clock(old, r.time_zone);
    std::vector<std::string> flagged;
    for (auto& c : ctx.store.comms.for_release(r.id)) {
        if (c.status == CommsStatus::sent || c.status == CommsStatus::cancelled) continue;
        const bool timed = c.trigger == CommsTrigger::at;
        const bool names_old = c.body.find(old_date) != std::string::npos ||
                               c.body.find(old_clock) != std::string::npos;
        if (!timed && !names_old) continue;
        const std::string ref = "#" + std::to_string(c.id.value());
        const bool was_approved = c.status == CommsStatus::approved;
        if (was_approved) {
            c.status = CommsStatus::draft;
            c.updated_at = ctx.now;
            ctx.store.comms.update(c);
        }
        ctx.audit(r.id, "comms.flag",
                  ref + (timed ? " is timed" : " names the old window") + "; the release moved" +
                      (was_approved ? ", so it is back to review" : ""));
        std::string why = timed ? "it goes out at " + format_when(*c.trigger_at, r.time_zone) +
                                      ", a time picked for the old window"
                                : "its text names the old window (" + old_short + ")";
        ctx.notify(c.author,
                   Reply::plain("*" + r.key + "* moved from " + format_when(old, r.time_zone) +
                                " to " + window_text(ctx, r) + ". Your announcement " + ref +
                                " may be out of date: " + why + "." +
                                (was_approved ? " It is back to review." : "") +
                                " Edit it (`comms edit " + std::to_string(c.id.value()) +
                                " \"<text>\"`), or cancel it and draft one for the new window "
                                "(`comms cancel " +
                                std::to_string(c.id.value()) +
                                "`); if it still holds, a reviewer approves it again with "
                                "`comms review " +
                                std::to_string(c.id.value()) + " approve`."),
                   r.id);
        flagged.push_back(ref);
    }
    // Owners of controls and steps: one message per person (roles hear it from the channel).
    std::map<std::string, std::vector<std::string>> owned;
    for (const auto& c : ctx.store.controls.for_release(r.id))
        if (c.owner && c.owner->kind == Owner::Kind::user && c.status == ControlStatus::open)
            owned[c.owner->name].push_back("control " + std::to_string(c.position) + " `" + c.slug +
                                           "`");
    for (PlanKind plan : {PlanKind::deploy, PlanKind::backout})
        for (const auto& st : ctx.store.plans.steps(r.id, plan))
            if (st.owner && st.owner->kind == Owner::Kind::user)
                owned[st.owner->name].push_back(to_string(plan) + " step " +
                                                std::to_string(st.position));
    int told = 0;
    for (const auto& [person, items] : owned) {
        UserId user(person);
        if (user == ctx.actor.user || user == r.owner) continue;
        ctx.notify(user,
                   Reply::plain(who(ctx.actor.user) + " moved *" + r.key + "* to " +
                                window_text(ctx, r) + " (it was " + format_when(old, r.time_zone) +
                                "). You own " + join_and(items) + " of it."),
                   r.id);
        ++told;
    }
    std::vector<std::string> said;
    if (!flagged.empty())
        said.push_back("Announcement " + join_and(flagged) + " named the old window: " +
                       (flagged.size() == 1 ? "its author has" : "their authors have") +
                       " been asked to check " + (flagged.size() == 1 ? "it" : "them") + ".");
    if (told > 0)
        said.push_back(plural(told, "owner", "owners") + " of its controls and steps " +
                       (told == 1 ? "has" : "have") + " been told of the new window.");
    return join(said, " ");
}

Result<Reply> release_move(Context& ctx, const ParsedCommand& cmd) {
    auto r = load_release(ctx, cmd.get("key"));
    if (!r) return r.error();
    RB_TRY(accepts(*r, model::Change::move, "release move"));
    // A new window changes what everyone planned around (and may take back an approval): the
    // owner's call, or a manager's, as cancelling is.
    if (r->owner != ctx.actor.user)
        RB_TRY(require_role(ctx, Role::manager, "move a release someone else owns"));
    auto start = when_arg(ctx, cmd, "when");
    if (!start) return start.error();
    RB_TRY(check_future(ctx, *start));
    RB_TRY(check_freeze(ctx, cmd, *start, *start + r->duration, r->key));
    Instant old = r->window_start;
    std::optional<std::string> old_override = r->freeze_override;
    r->window_start = *start;
    if (auto preview = confirm_collision(ctx, *r, "move *" + r->key + "* to " +
                                                      format_when(*start, ctx.zone)))
        return *preview;
    // An override was given for the old window's freeze; the new window needs its own.
    r->freeze_override = cmd.opt("override");
    r->updated_at = ctx.now;
    ctx.store.releases.update(*r);
    std::string detail =
        "from " + format_short(old, "UTC") + " UTC to " + format_short(*start, "UTC") + " UTC";
    if (r->freeze_override)
        detail += ", freeze overridden: \"" + *r->freeze_override + "\"";
    else if (old_override)
        detail += ", the freeze override \"" + *old_override + "\" no longer applies";
    ctx.audit(r->id, "release.move", detail);
    bool unapproved = recheck_approval(ctx, *r);
    schedule_release_jobs(ctx, *r);
    if (r->owner != ctx.actor.user)
        ctx.notify(r->owner,
                   Reply::plain(who(ctx.actor.user) + " moved *" + r->key + "* to " +
                                window_text(ctx, *r) + "."),
                   r->id);
    std::string followed = follow_move(ctx, *r, old);
    Reply reply = Reply::plain("Moved *" + r->key + "* from " + format_when(old, ctx.zone) +
                               " to " + window_text(ctx, *r) + ".");
    if (unapproved) reply.context(withdrawn_note(*r));
    if (!followed.empty()) reply.context(followed + " Its reminders moved with it.");
    return reply;
}

Result<Reply> release_cancel(Context& ctx, const ParsedCommand& cmd) {
    auto r = load_release(ctx, cmd.get("key"));
    if (!r) return r.error();
    RB_TRY(accepts(*r, model::Change::cancel, "release cancel"));
    if (r->owner != ctx.actor.user)
        RB_TRY(require_role(ctx, Role::manager, "cancel a release someone else owns"));
    std::string reason = cmd.get("reason");
    if (auto preview = confirmation_preview(
            ctx, "cancel *" + r->key + "* — " + r->title + " (" + window_text(ctx, *r) + ")" +
                     (reason.empty() ? "" : ", reason \"" + reason + "\"")))
        return *preview;
    r->state = model::after(*r, model::Change::cancel);
    if (!reason.empty()) r->state_reason = reason;
    r->updated_at = ctx.now;
    ctx.store.releases.update(*r);
    ctx.audit(r->id, "release.cancel", reason.empty() ? "no reason given" : "\"" + reason + "\"");
    cancel_release_jobs(ctx, *r);
    Reply reply = Reply::plain("Cancelled *" + r->key + "* — " + r->title + ".");
    // The approved `on cancel` announcements go out now; every other one will never be due.
    announce(ctx, *r, CommsTrigger::cancel, reply);
    int withdrawn = 0;
    for (auto& c : ctx.store.comms.for_release(r->id)) {
        if (c.status == CommsStatus::sent || c.status == CommsStatus::cancelled) continue;
        c.status = CommsStatus::cancelled;
        c.updated_at = ctx.now;
        ctx.store.comms.update(c);
        ctx.audit(r->id, "comms.cancel",
                  "#" + std::to_string(c.id.value()) + ": the release was cancelled");
        ++withdrawn;
    }
    if (withdrawn > 0)
        reply.context(plural(withdrawn, "pending announcement was", "pending announcements were") +
                      " cancelled with it; its reminders are cancelled too.");
    if (r->owner != ctx.actor.user)
        ctx.notify(r->owner, Reply::plain(who(ctx.actor.user) + " cancelled *" + r->key + "*" +
                                          (reason.empty() ? "." : ": \"" + reason + "\"")),
                   r->id);
    return reply;
}

Result<Reply> release_add(Context& ctx, const ParsedCommand& cmd) {
    auto r = load_release(ctx, cmd.get("key"));
    if (!r) return r.error();
    RB_TRY(accepts(*r, model::Change::edit, "release add"));
    const std::string& spec = cmd.get("component");
    auto slash = spec.find('/');
    auto at = spec.find('@', slash);
    Component c;
    c.release = r->id;
    c.program = spec.substr(0, slash);
    c.name = spec.substr(slash + 1, at - slash - 1);
    c.version = spec.substr(at + 1);
    c.artifact_url = cmd.opt("url");
    c.sha256 = cmd.opt("sha256");
    c.updated_by = ctx.actor.user;
    c.updated_at = ctx.now;

    std::optional<Component> before;
    for (const auto& existing : ctx.store.releases.components(r->id))
        if (iequals(existing.program, c.program) && iequals(existing.name, c.name)) before = existing;
    model::ComponentUpdate update = model::restate_component(before, std::move(c));
    c = std::move(update.component);
    ctx.store.releases.upsert_component(c);
    if (before && model::verification_stale(*before, c))
        reopen_verification(ctx, *r, c.program + "/" + c.name + " changed");
    bool new_program = std::none_of(r->programs.begin(), r->programs.end(),
                                    [&](const std::string& p) { return iequals(p, c.program); });
    if (new_program) ctx.store.releases.add_program(r->id, c.program);

    std::string what = c.program + "/" + c.name + " " + c.version;
    std::string detail = before ? what + " (was " + before->version + ")" : what;
    if (c.artifact_url) detail += ", artifact " + *c.artifact_url;
    if (c.sha256) detail += ", sha256 " + *c.sha256;
    ctx.audit(r->id, before ? "component.update" : "component.add", detail);

    Reply reply = Reply::plain(
        before ? "Updated *" + c.program + "/" + c.name + "* on " + r->key + " from " +
                     before->version + " to " + c.version + "." +
                     (update.dropped ? " " + *update.dropped + ": give the new ones with `url` "
                                                               "and `sha256`."
                                     : "")
               : "Added *" + c.program + "/" + c.name + "* " + c.version + " to " + r->key + "." +
                     (new_program ? " Program " + c.program + " joins the release." : ""));
    if (!c.sha256)
        reply.context("No SHA-256 yet: add one with `release add " + r->key + " " + spec +
                      " sha256 <hex>` so the package can be verified.");
    return reply;
}

Result<Reply> release_go(Context& ctx, const ParsedCommand& cmd) {
    auto r = load_release(ctx, cmd.get("key"));
    if (!r) return r.error();
    if (r->state == ReleaseState::approved)
        return conflict(r->key + " is already approved. Next: `release start " + r->key +
                        "` when the window opens.");
    RB_TRY(accepts(*r, model::Change::approve, "release go"));
    if (cmd.has("override")) {
        if (!overlapping_freeze(ctx, r->window_start, r->window_end()))
            return invalid("No freeze overlaps the window of " + r->key +
                           ", so there is nothing to override. Type `release go " + r->key + "`.");
        r->freeze_override = cmd.get("override");
    }
    auto blockers = gate_blockers(ctx, *r);
    if (!blockers.empty()) {
        // The answer is "no go": nothing changes, and the list is the work left to do.
        if (cmd.has("override")) r->freeze_override.reset();
        Reply reply;
        reply.text = "No go for " + r->key + ": " +
                     plural(static_cast<long>(blockers.size()), "blocker", "blockers") + ".";
        reply.section("*No go* for *" + r->key + "*: " +
                      plural(static_cast<long>(blockers.size()), "blocker", "blockers") + ".");
        std::vector<std::vector<std::string>> rows;
        int n = 0;
        for (const auto& b : blockers)
            rows.push_back({std::to_string(++n), b.what, b.next_step});
        reply.table({"#", "Blocker", "To clear it"}, std::move(rows));
        return reply;
    }
    approve(ctx, *r);
    if (cmd.has("override"))
        ctx.audit(r->id, "release.freeze_override", "\"" + cmd.get("override") + "\"");
    ctx.audit(r->id, "release.go", "approved: no blockers");
    if (r->owner != ctx.actor.user)
        ctx.notify(r->owner,
                   Reply::plain(who(ctx.actor.user) + " approved *" + r->key + "* for " +
                                window_text(ctx, *r) + "."),
                   r->id);
    Reply reply = Reply::plain("*Go*: " + r->key + " is approved for " + window_text(ctx, *r) +
                               ".");
    reply.context("Next: `release start " + r->key + "` when the window opens.");
    return reply;
}

Result<Reply> release_start(Context& ctx, const ParsedCommand& cmd) {
    auto r = load_release(ctx, cmd.get("key"));
    if (!r) return r.error();
    if (r->state == ReleaseState::planned)
        return conflict(r->key + " is not approved yet; run `release go " + r->key +
                        "` first, which lists anything still blocking it.");
    RB_TRY(accepts(*r, model::Change::start, "release start"));
    // A release starts in its window: from a short lead before it opens until it closes. A
    // manager may start it outside, saying why.
    if (auto refusal = model::start_refusal(*r, ctx.now, ctx.zone, ctx.start_lead)) {
        if (!cmd.has("override")) return conflict(*refusal);
        RB_TRY(require_role(ctx, Role::manager, "start " + r->key + " outside its window"));
        ctx.audit(r->id, "release.start_override",
                  "started outside its window (" + window_text(ctx, *r) + "): \"" +
                      cmd.get("override") + "\"");
    } else if (cmd.has("override")) {
        return invalid(r->key + " is in its start window, so there is nothing to override. Type "
                       "`release start " + r->key + "`.");
    }
    // The approval is withdrawn by any change, so it still holds; the gate is asked once more
    // for what time alone can change.
    auto blockers = gate_blockers(ctx, *r);
    if (!blockers.empty()) {
        std::string list;
        for (const auto& b : blockers) list += "\n• " + b.what + " → `" + b.next_step + "`";
        return conflict(r->key + " cannot start:" + list);
    }
    r->state = model::after(*r, model::Change::start);
    r->active_plan = PlanKind::deploy;
    r->started_at = ctx.now;
    r->updated_at = ctx.now;
    ctx.store.releases.update(*r);
    ctx.audit(r->id, "release.start", "deployment started");
    schedule_release_jobs(ctx, *r);
    Reply reply;
    reply.text = "Started " + r->key + ". Walk the deploy plan with `release step " + r->key +
                 " <n> done`.";
    reply.section("*" + r->key + "* is deploying. Deployment plan:");
    reply.checklist(plan_items(ctx, *r, PlanKind::deploy));
    reply.context("Mark steps with `release step " + r->key +
                  " <n> done|skip|fail|retry [\"note\"]`; if it goes wrong, `release backout " + r->key +
                  " \"<reason>\"`.");
    announce(ctx, *r, CommsTrigger::start, reply);
    return reply;
}

// "a member" / "an approver" / "a manager", for refusals.
std::string role_phrase(Role role) {
    return role == Role::manager    ? "a manager"
           : role == Role::approver ? "an approver"
                                    : "a member";
}

// A step with an owner (a person, or everyone holding a role) is marked by that owner or a
// manager; a step without one by anyone.
Status check_step_owner(const Context& ctx, const Release& r, const PlanStep& s) {
    if (!s.owner || is_owner(ctx, s.owner) || ctx.role >= Role::manager) return ok_status();
    const std::string owner = owner_label(*s.owner);
    const std::string ask = s.owner->kind == Owner::Kind::user ? "Ask " + owner + " to mark it"
                                                               : "Ask one of them to mark it";
    return forbidden("Only " + owner + ", who owns " + to_string(s.plan) + " step " +
                     std::to_string(s.position) + " of " + r.key +
                     ", or a manager can mark it; you are " + role_phrase(ctx.role) + ". " + ask +
                     ", or a manager to mark it for them.");
}

// How a marked step stands, for audit details (plain text): "failed by @bob 2026-12-23 10:05
// UTC, note "5xx spike"".
std::string step_was(const PlanStep& s) {
    std::string out = to_string(s.status);
    if (s.done_by) out += " by @" + s.done_by->value();
    if (s.done_at) out += " " + format_short(*s.done_at, "UTC") + " UTC";
    if (s.note) out += ", note \"" + *s.note + "\"";
    return out;
}

// Why a step cannot go from its status to `outcome`, and what can be done with it instead.
Error step_refusal(const Context& ctx, const Release& r, const PlanStep& s,
                   const std::string& outcome) {
    const std::string n = std::to_string(s.position);
    const std::string head = "Step " + n + " of the " + to_string(s.plan) + " plan";
    const std::string cmd = "`release step " + r.key + " " + n;
    if (s.status == StepStatus::pending)
        return conflict(head +
                        " is pending, not failed, so there is nothing to retry. Mark it with " +
                        cmd + " done`, `skip` or `fail`.");
    std::string by;
    if (s.done_by) by += " by " + who(*s.done_by);
    if (s.done_at) by += " at " + format_clock(*s.done_at, ctx.zone);
    std::string said =
        head + " is already " + to_string(s.status) + (by.empty() ? "" : " (" + by.substr(1) + ")");
    switch (s.status) {
        case StepStatus::done:
            return conflict(said + ". If it went wrong after all, mark it failed: " + cmd +
                            " fail \"<what happened>\"`.");
        case StepStatus::failed:
            return conflict(said + ". Run it again with " + cmd +
                            " retry`, or once it is fixed by hand mark it done: " + cmd +
                            " done \"<what you did>\"`.");
        default:
            return conflict(said + "; a skipped step is not marked again. `" + outcome +
                            "` is for pending steps.");
    }
}

Result<Reply> release_step(Context& ctx, const ParsedCommand& cmd) {
    auto r = load_release(ctx, cmd.get("key"));
    if (!r) return r.error();
    RB_TRY(accepts(*r, model::Change::step, "release step"));
    int n = std::stoi(cmd.get("n"));
    PlanKind plan = r->active_plan;
    std::string plan_name = to_string(plan);
    auto step = ctx.store.plans.at(r->id, plan, n);
    if (!step) {
        return not_found("Step " + std::to_string(n) + " does not exist: the " + plan_name +
                         " plan of " + r->key + " has " +
                         plural(ctx.store.plans.count(r->id, plan), "step", "steps") +
                         ". Type `plan show " + r->key + "` to see them.");
    }
    RB_TRY(check_step_owner(ctx, *r, *step));
    const std::string& outcome = cmd.get("outcome");
    const StepStatus from = step->status;
    const StepStatus to = outcome == "done"   ? StepStatus::done
                          : outcome == "skip" ? StepStatus::skipped
                          : outcome == "fail" ? StepStatus::failed
                                              : StepStatus::pending;
    auto marked = model::mark_step(*step, to, cmd.opt("note"), ctx.actor.user, ctx.now);
    if (!marked) return step_refusal(ctx, *r, *step, outcome);

    const std::string was = from == StepStatus::pending ? "" : step_was(*step);
    const std::optional<UserId> was_by = step->done_by;
    step = std::move(*marked);
    ctx.store.plans.update(*step);
    ctx.audit(r->id, to == StepStatus::pending ? "step.retry" : "step." + to_string(to),
              plan_name + " step " + std::to_string(n) + " \"" + step->title + "\"" +
                  (step->note ? ": \"" + *step->note + "\"" : "") +
                  (was.empty() ? "" : " (was " + was + ")"));

    const std::string head = "Step " + std::to_string(n) + " of the " + plan_name + " plan ";
    std::string line;
    switch (to) {
        case StepStatus::pending:
            line = head + "is pending again: " + step->title +
                   ". Mark it when it has run: `release step " + r->key + " " + std::to_string(n) +
                   " done`.";
            break;
        case StepStatus::done:
            line = head + "done: " + step->title + "." +
                   (from == StepStatus::failed ? " It had failed; it is marked done now." : "");
            break;
        case StepStatus::skipped:
            line = head + "skipped: " + step->title + ".";
            break;
        case StepStatus::failed:
            line = head + "FAILED: " + step->title + "." +
                   (from == StepStatus::done
                        ? " It was marked done" + (was_by ? " by " + who(*was_by) : std::string()) +
                              " before."
                        : "");
            break;
    }
    Reply reply = Reply::plain(line);
    if (to == StepStatus::pending) return reply;
    if (step->status == StepStatus::failed && plan == PlanKind::deploy) {
        reply.context("To back out: `release backout " + r->key + " \"<reason>\"`. To go on "
                      "anyway, mark the next step.");
        return reply;
    }
    if (step->status == StepStatus::failed) {
        // Production may be half rolled back: the owner hears of it at once.
        ctx.notify(r->owner,
                   Reply::plain("Backout step " + std::to_string(n) + " of *" + r->key +
                                "* FAILED (marked by " + who(ctx.actor.user) + "): " + step->title +
                                (step->note ? " — \"" + *step->note + "\"" : "") +
                                ". Production may be half rolled back."),
                   r->id);
        reply.context("Production may be half rolled back. Run it again with `release step " +
                      r->key + " " + std::to_string(n) + " retry`, mark it done once fixed by " +
                      "hand, or close the release as backout failed with `release done " + r->key +
                      "`.");
        return reply;
    }
    auto steps = ctx.store.plans.steps(r->id, plan);
    auto next = std::find_if(steps.begin(), steps.end(),
                             [](const PlanStep& s) { return s.status == StepStatus::pending; });
    if (next != steps.end()) {
        std::string hint = "Next: " + std::to_string(next->position) + ". " + next->title;
        if (next->owner) hint += " (" + owner_label(*next->owner) + ")";
        reply.context(hint + " → `release step " + r->key + " " +
                      std::to_string(next->position) + " done`");
    } else {
        reply.context("Every " + plan_name + " step is marked. Close it with `release done " +
                      r->key + "`.");
    }
    return reply;
}

Result<Reply> release_backout(Context& ctx, const ParsedCommand& cmd) {
    auto r = load_release(ctx, cmd.get("key"));
    if (!r) return r.error();
    RB_TRY(accepts(*r, model::Change::backout, "release backout"));
    if (r->active_plan == PlanKind::backout)
        return conflict(r->key + " is already backing out. Walk the backout plan with "
                        "`release step " + r->key + " <n> done`.");
    std::string reason = cmd.get("reason");
    if (auto preview = confirmation_preview(
            ctx, "back out *" + r->key + "* and switch to its backout plan (" +
                     plural(ctx.store.plans.count(r->id, PlanKind::backout), "step", "steps") + ")" +
                     (reason.empty() ? "" : ", reason \"" + reason + "\"")))
        return *preview;
    r->active_plan = PlanKind::backout;
    if (!reason.empty()) r->state_reason = reason;
    r->updated_at = ctx.now;
    ctx.store.releases.update(*r);
    ctx.audit(r->id, "release.backout", reason.empty() ? "no reason given" : "\"" + reason + "\"");
    if (r->owner != ctx.actor.user)
        ctx.notify(r->owner, Reply::plain(who(ctx.actor.user) + " is backing out *" + r->key + "*" +
                                          (reason.empty() ? "." : ": \"" + reason + "\"")),
                   r->id);
    Reply reply;
    reply.text = "Backing out " + r->key + ".";
    reply.section("*Backing out* " + r->key + ". Backout plan:");
    reply.checklist(plan_items(ctx, *r, PlanKind::backout));
    reply.context("Mark steps with `release step " + r->key + " <n> done`, then `release done " +
                  r->key + "`.");
    announce(ctx, *r, CommsTrigger::backout, reply);
    return reply;
}

// Closes a release whose backout plan has failed steps: production may be half rolled back, so
// it ends in a state of its own, said loudly where the release lives, and its owner is paged.
// No early life support starts: there is nothing stable to support.
Result<Reply> close_backout_failed(Context& ctx, Release& r,
                                   const std::vector<std::string>& failed) {
    r.state = model::after(r, model::Change::finish, /*backout_step_failed=*/true);
    r.finished_at = ctx.now;
    r.updated_at = ctx.now;
    ctx.store.releases.update(r);
    const std::string steps =
        std::string(failed.size() == 1 ? "step " : "steps ") + join_and(failed);
    ctx.audit(r.id, "release.done", to_string(r.state) + ", backout " + steps + " failed");
    cancel_release_jobs(ctx, r);
    const std::string alarm = "*" + r.key + "*: BACKOUT FAILED. Backout " + steps +
                              " failed, so production may be half rolled back.";
    ctx.notify(r.owner,
               Reply::plain(alarm + " " + who(ctx.actor.user) + " closed it; it needs you now."),
               r.id);
    Reply reply;
    reply.text = alarm;
    reply.section(alarm);
    const std::string paged = r.owner == ctx.actor.user
                                  ? "Closed by its owner, " + who(r.owner) + "."
                                  : "Closed by " + who(ctx.actor.user) + "; its owner " +
                                        who(r.owner) + " has been paged by direct message.";
    reply.context(paged + " No early life support was started. `release show " + r.key +
                  "` shows what was done; `audit " + r.key + "` shows every step's history.");
    if (r.home_channel &&
        (*r.home_channel != ctx.conversation.channel || r.home_thread != ctx.conversation.thread))
        ctx.post(release_home(ctx, r), reply, r.id);
    return reply;
}

Result<Reply> release_done(Context& ctx, const ParsedCommand& cmd) {
    auto r = load_release(ctx, cmd.get("key"));
    if (!r) return r.error();
    RB_TRY(accepts(*r, model::Change::finish, "release done"));
    if (r->owner != ctx.actor.user)
        RB_TRY(require_role(ctx, Role::manager, "close a release someone else owns"));
    PlanKind plan = r->active_plan;
    std::vector<std::string> open, failed;
    for (const auto& s : ctx.store.plans.steps(r->id, plan)) {
        if (s.status == StepStatus::pending) open.push_back(std::to_string(s.position));
        if (s.status == StepStatus::failed) failed.push_back(std::to_string(s.position));
    }
    if (!open.empty()) {
        return conflict("The " + to_string(plan) + " plan still has open " +
                        (open.size() == 1 ? "step " : "steps ") + join_and(open) +
                        ". Mark each with `release step " + r->key + " <n> done` or `skip` first.");
    }
    if (!failed.empty() && plan == PlanKind::deploy) {
        return conflict("Deploy " + std::string(failed.size() == 1 ? "step " : "steps ") +
                        join_and(failed) + " failed, so " + r->key +
                        " is not deployed. Back out with `release backout " + r->key +
                        " \"<reason>\"`.");
    }
    if (plan == PlanKind::backout && !failed.empty()) return close_backout_failed(ctx, *r, failed);
    r->state = model::after(*r, model::Change::finish);
    r->finished_at = ctx.now;
    r->updated_at = ctx.now;
    ctx.store.releases.update(*r);
    ctx.audit(r->id, "release.done", to_string(r->state));
    if (r->owner != ctx.actor.user)
        ctx.notify(r->owner,
                   Reply::plain(r->key + " is " + to_string(r->state) + " (closed by " +
                                who(ctx.actor.user) + ")."),
                   r->id);
    cancel_release_jobs(ctx, *r);
    open_early_life_support(ctx, *r);
    Seconds took = r->started_at ? ctx.now - *r->started_at : Seconds(0);
    Reply reply = Reply::plain(r->state == ReleaseState::deployed
                                   ? "*" + r->key + "* is deployed, in " + format_duration(took) + "."
                                   : "*" + r->key + "* is backed out, " + format_duration(took) +
                                         " after it started.");
    if (r->state == ReleaseState::deployed) announce(ctx, *r, CommsTrigger::done, reply);
    if (r->els_until)
        reply.context("Early life support until " + format_when(*r->els_until, ctx.zone) +
                      ", owned by " + who(r->els_owner.value_or(r->owner)) +
                      "; its retrospective starts when it ends. Change it with `release els " +
                      r->key + " <duration> owner @user`.");
    return reply;
}

Result<Reply> release_calendar(Context& ctx, const ParsedCommand& cmd) {
    Seconds span = std::chrono::days(28);
    if (cmd.has("span")) {
        auto d = duration_arg(cmd, "span");
        if (!d) return d.error();
        span = *d;
    }
    Instant from = ctx.now, to = ctx.now + span;
    struct Entry {
        Instant at;
        std::vector<std::string> row;
    };
    std::vector<Entry> entries;
    for (const auto& r : ctx.store.releases.in_range(ctx.workspace.id, from, to)) {
        entries.push_back({r.window_start,
                           {format_short(r.window_start, ctx.zone),
                            format_clock(r.window_end(), ctx.zone), "release",
                            r.key + " — " + r.title + " (" + to_string(r.state) + ")"}});
    }
    for (const auto& f : ctx.store.freezes.list(ctx.workspace.id)) {
        if (f.kind == FreezeKind::once) {
            if (*f.starts_at < to && *f.ends_at > from)
                entries.push_back({*f.starts_at,
                                   {format_short(*f.starts_at, ctx.zone),
                                    format_short(*f.ends_at, ctx.zone), "freeze", f.reason}});
            continue;
        }
        Instant cursor = from;
        while (auto occ = first_weekly_overlap(f.weekday, f.from_minute, f.to_minute, f.time_zone,
                                               cursor, to)) {
            entries.push_back({occ->first,
                               {format_short(occ->first, ctx.zone),
                                format_clock(occ->second, ctx.zone), "freeze",
                                f.reason + " (weekly)"}});
            cursor = occ->second + Seconds(1);
        }
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry& a, const Entry& b) { return a.at < b.at; });
    std::string title = "Release calendar, " + format_short(from, ctx.zone).substr(0, 10) + " to " +
                        format_short(to, ctx.zone).substr(0, 10) + " (" + ctx.zone + ")";
    if (entries.empty())
        return Reply::plain(title + ": no releases or freezes.");
    std::vector<std::vector<std::string>> rows;
    for (auto& e : entries) rows.push_back(std::move(e.row));
    Reply reply;
    reply.text = title;
    reply.section("*" + title + "*");
    reply.table({"From", "Until", "What", ""}, std::move(rows));
    return reply;
}

ArgSpec key_arg() { return positional("key", ArgType::key, "<key>"); }

}  // namespace

void register_release_commands(Registry& r) {
    r.add({.name = "release plan",
           .args = {key_arg(), positional("title", ArgType::text, "\"<title>\""),
                    keyword("at", "when", ArgType::when, "<when>"),
                    optional_keyword("for", "for", ArgType::duration, "<duration>"),
                    optional_keyword("env", "env", ArgType::word, "<name>"),
                    repeated_keyword("program", "program", ArgType::key, "<program>"),
                    optional_keyword("owner", "owner", ArgType::user, "@user"),
                    optional_keyword("override", "override", ArgType::text, "\"<reason>\"")},
           .summary = "Plan a release window across one or more programs",
           .example = "release plan web-2026.12 \"Web and API December\" at 2026-12-10 14:00 for "
                      "2h env prod program web program api",
           .details = "The window starts at <when> (default length 1h, at most 3d unless a "
                      "manager confirms a longer one) in your time zone unless you name one. A "
                      "window inside a freeze is refused unless a manager adds "
                      "`override \"<reason>\"`. The release gets the workspace's controls.",
           .role = Role::member,
           .changes_state = true,
           .handler = release_plan});
    r.add({.name = "release list",
           .args = {choice("which", {"upcoming", "past", "all"}, false),
                    optional_keyword("program", "program", ArgType::key, "<program>"),
                    optional_keyword("page", "page", ArgType::integer, "<n>")},
           .summary = "List releases (upcoming by default), 20 to a page",
           .example = "release list upcoming program web",
           .handler = release_list});
    r.add({.name = "release show",
           .args = {key_arg()},
           .summary = "Show a release: window, components, controls, plans and blockers",
           .example = "release show web-2026.12",
           .handler = release_show});
    r.add({.name = "release move",
           .args = {key_arg(), keyword("to", "when", ArgType::when, "<when>"),
                    optional_keyword("override", "override", ArgType::text, "\"<reason>\"")},
           .summary = "Move a release's window (its owner or a manager)",
           .example = "release move web-2026.12 to 2026-12-11 14:00",
           .changes_state = true,
           .handler = release_move});
    r.add({.name = "release cancel",
           .args = {key_arg(), optional_positional("reason", ArgType::text, "\"<reason>\"")},
           .summary = "Cancel a release (its owner or a manager; asks to confirm)",
           .example = "release cancel web-2026.12 \"Merged into web-2027.01\"",
           .changes_state = true,
           .handler = release_cancel});
    r.add({.name = "release add",
           .args = {key_arg(), positional("component", ArgType::component,
                                          "<program>/<component>@<version>"),
                    optional_keyword("url", "url", ArgType::url, "<artifact>"),
                    optional_keyword("sha256", "sha256", ArgType::sha256, "<hex>")},
           .summary = "Add or update a component and its version",
           .example = "release add web-2026.12 api/gateway@2.9.1 url "
                      "https://artifacts.example.com/gateway-2.9.1.tar.gz",
           .changes_state = true,
           .handler = release_add});
    r.add({.name = "release go",
           .args = {key_arg(),
                    optional_keyword("override", "override", ArgType::text, "\"<reason>\"")},
           .summary = "Go/no-go: approve the release, or list exactly what blocks it",
           .example = "release go web-2026.12",
           .role = Role::manager,
           .changes_state = true,
           .handler = release_go});
    r.add({.name = "release start",
           .args = {key_arg(),
                    optional_keyword("override", "override", ArgType::text, "\"<reason>\"")},
           .summary = "Start deploying an approved release, in its window",
           .example = "release start web-2026.12",
           .details = "A release starts from 15 minutes (`[releases] start_lead` in the config) "
                      "before its window opens until the "
                      "window ends. Outside that, a manager may start it anyway with "
                      "`override \"<reason>\"`, which the audit log keeps.",
           .role = Role::manager,
           .changes_state = true,
           .handler = release_start});
    r.add({.name = "release step",
           .args = {key_arg(), positional("n", ArgType::integer, "<n>"),
                    choice("outcome", {"done", "skip", "fail", "retry"}),
                    optional_positional("note", ArgType::text, "\"<note>\"")},
           .summary = "Mark a step of the running plan done, skipped or failed, or retry it",
           .example = "release step web-2026.12 2 done \"Canary healthy\"",
           .details = "A failed step can be retried (`retry` makes it pending again) or marked "
                      "done after a fix by hand; a done step that went wrong after all can be "
                      "marked failed. Every change keeps what it replaced in `audit`. A step "
                      "with an owner is marked by that owner or a manager. When a backout step "
                      "has failed, `release done` closes the release as backout failed.",
           .changes_state = true,
           .handler = release_step});
    r.add({.name = "release backout",
           .args = {key_arg(), optional_positional("reason", ArgType::text, "\"<reason>\"")},
           .summary = "Switch a deploying release to its backout plan (asks to confirm)",
           .example = "release backout web-2026.12 \"Error rate doubled\"",
           .role = Role::manager,
           .changes_state = true,
           .handler = release_backout});
    r.add({.name = "release done",
           .args = {key_arg()},
           .summary = "Close a deployment: deployed, or backed out after a backout",
           .example = "release done web-2026.12",
           .changes_state = true,
           .handler = release_done});
    r.add({.name = "release calendar",
           .args = {optional_keyword("next", "span", ArgType::duration, "<duration>")},
           .summary = "Release windows and freezes for the next four weeks",
           .example = "release calendar next 2w",
           .handler = release_calendar});
}

}  // namespace releasebot
