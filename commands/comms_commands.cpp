// Communication commands: stakeholder announcements of a release —
// `comms draft|list|show|edit|review|send|cancel`.
//
// The life of a communication: a member drafts it (status draft), an approver or manager who is
// not its author approves or rejects it, and an approved one goes out on its trigger — at once
// (`now`), at a time (a scheduled job), or at a release event (start, done, backout; the
// release commands call announce_release_event). Editing an approved or rejected one sends it
// back to draft. Nothing that is not approved is ever posted: every path ends in
// send_communication (comms_delivery.hpp), and every caller checks the status first.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "commands/commands.hpp"
#include "commands/comms_delivery.hpp"
#include "commands/gate.hpp"
#include "commands/handler_support.hpp"
#include "commands/registry.hpp"
#include "commands/release_jobs.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"

namespace releasebot {

namespace {

// Slack refuses a section longer than 3000 characters; a longer announcement is better split
// into two than rejected by the platform after approval.
constexpr std::size_t kMaxBody = 3000;
constexpr std::size_t kListTextWidth = 48;

const char* kTriggerForms =
    "`at <when>` (like `at 2026-12-10 16:00` or `at tomorrow 9:00`), `on start`, `on done`, "
    "`on backout`, `on cancel`, or `now` (as soon as it is approved)";

std::string ref(const Communication& c) {
    return "#" + std::to_string(c.id.value());
}

std::string num(const Communication& c) {
    return std::to_string(c.id.value());
}

// The first line of the text, cut to `width` code points for a table cell.
std::string first_line(const std::string& body, std::size_t width) {
    const std::string line = body.substr(0, body.find('\n'));
    if (code_points(line) > width) return shorten(line, width + 1);
    return line + (line.size() < body.size() ? " …" : "");
}

// What `on <event>` waits for, as the command that causes it.
std::string event_command(CommsTrigger t, const Release& r) {
    return "`release " + to_string(t) + " " + r.key + "`";
}

// "at 2026-12-10 16:00", "on done", "now": for tables.
std::string trigger_short(const Communication& c, const std::string& zone) {
    if (c.trigger == CommsTrigger::at && c.trigger_at)
        return "at " + format_short(*c.trigger_at, zone);
    if (c.trigger == CommsTrigger::now) return "now";
    return "on " + to_string(c.trigger);
}

// The trigger in a sentence, for replies and `comms show`.
std::string trigger_long(const Communication& c, const Release& r, const std::string& zone) {
    switch (c.trigger) {
        case CommsTrigger::now:
            return "now, as soon as it is approved";
        case CommsTrigger::at:
            return c.trigger_at ? "at " + format_when(*c.trigger_at, zone) : "at a time";
        case CommsTrigger::start:
        case CommsTrigger::done:
        case CommsTrigger::backout:
        case CommsTrigger::cancel:
            return "on " + to_string(c.trigger) + ", when " + event_command(c.trigger, r) + " runs";
    }
    return to_string(c.trigger);
}

std::string status_label(CommsStatus s) {
    return s == CommsStatus::draft ? "waiting for review" : to_string(s);
}

// Whether the release event a communication waits for is behind the release: it happened
// already, or the release took the other road (a backed-out release is never `done`).
bool event_passed(CommsTrigger t, const Release& r) {
    bool backing_out = r.state == ReleaseState::deploying && r.active_plan == PlanKind::backout;
    bool finished = r.state == ReleaseState::deployed || r.state == ReleaseState::backed_out ||
                    r.state == ReleaseState::backout_failed;
    switch (t) {
        case CommsTrigger::start:
            return r.started_at.has_value() || r.state == ReleaseState::deploying || finished;
        case CommsTrigger::done:
        case CommsTrigger::backout:
            return finished || backing_out;
        case CommsTrigger::cancel:
            // Only a planned or approved release can still be cancelled.
            return r.state != ReleaseState::planned && r.state != ReleaseState::approved;
        default:
            return false;
    }
}

// Where the release stands, in words: "deploying", "backing out", "deployed".
std::string stage(const Release& r) {
    if (r.state == ReleaseState::deploying && r.active_plan == PlanKind::backout) {
        return "backing out";
    }
    return to_string(r.state);
}

// One audience and its channels, as read now.
struct Addressed {
    std::string name;
    std::vector<Audience> channels;
};

std::vector<Addressed> addressed(Context& ctx, const Communication& c) {
    std::vector<Addressed> out;
    for (const auto& n : c.audiences) out.push_back({n, ctx.store.audiences.named(c.workspace, n)});
    return out;
}

std::string channel_labels(const std::vector<Audience>& channels) {
    std::vector<std::string> labels;
    for (const auto& a : channels) labels.push_back(a.platform + ":" + a.channel);
    return join(labels, ", ");
}

// "stakeholders (slack:C0123, teams:19:abc@thread.tacv2), it-ops (console:terminal)".
std::string audiences_line(const std::vector<Addressed>& all) {
    std::vector<std::string> parts;
    for (const auto& a : all) {
        parts.push_back(
            a.name + " (" +
            (a.channels.empty() ? std::string("no channels") : channel_labels(a.channels)) + ")");
    }
    return join(parts, ", ");
}

// The number of distinct channels a send would reach (send_communication dedupes the same
// way).
int distinct_channels(const std::vector<Addressed>& all) {
    std::vector<std::string> seen;
    for (const auto& a : all) {
        for (const auto& ch : a.channels) {
            std::string k = ch.platform + "\n" + ch.tenant + "\n" + ch.channel;
            if (std::find(seen.begin(), seen.end(), k) == seen.end()) seen.push_back(k);
        }
    }
    return static_cast<int>(seen.size());
}

// A command never sends to part of an audience list: an audience whose channels were all
// removed is a mistake to fix before the message goes out, not after.
Status check_reachable(const Communication& c, const std::vector<Addressed>& all,
                       const std::string& retry) {
    for (const auto& a : all) {
        if (!a.channels.empty()) continue;
        return conflict(ref(c) + " is addressed to *" + a.name +
                        "*, which has no channels now, so nothing was sent. A manager adds one "
                        "with `channel add " +
                        a.name + " <platform>:<id>`; then " + retry + ".");
    }
    return ok_status();
}

Result<CommsId> parse_ref(const std::string& raw) {
    std::string digits = !raw.empty() && raw[0] == '#' ? raw.substr(1) : raw;
    bool ok = digits.size() <= 12 && all_digits(digits);
    if (!ok) {
        return usage_error("`" + raw +
                           "` is not a communication number: give the number `comms list "
                           "<release>` shows, like `3`.");
    }
    return CommsId(std::stoll(digits));
}

struct Loaded {
    Communication comm;
    Release release;
};

Result<Loaded> load_comm(Context& ctx, const std::string& raw) {
    auto id = parse_ref(raw);
    if (!id) return id.error();
    auto c = ctx.store.comms.get(ctx.workspace.id, *id);
    if (!c) {
        return not_found("There is no communication #" + std::to_string(id->value()) +
                         " here. Type `comms list <release>` to see a release's communications.");
    }
    auto r = ctx.store.releases.get(c->release);
    if (!r) {
        return not_found("Communication #" + std::to_string(id->value()) +
                         " belongs to a release that no longer exists.");
    }
    return Loaded{std::move(*c), std::move(*r)};
}

// The author may change their own words; a manager may step in for them.
Status require_author_or_manager(const Context& ctx, const Communication& c,
                                 const std::string& what) {
    if (ctx.actor.user == c.author || ctx.role >= Role::manager) return ok_status();
    return forbidden("Only the author of " + ref(c) + " (" + who(c.author) + ") or a manager can " +
                     what + " it; you are " +
                     (ctx.role == Role::approver ? "an approver" : "a member") + ".");
}

// Why a communication in this state can no longer be changed or sent.
Error finished(const Communication& c, const std::string& zone) {
    if (c.status == CommsStatus::sent) {
        return conflict(ref(c) + " was already sent" +
                        (c.sent_at ? " " + format_when(*c.sent_at, zone) : std::string()) +
                        "; it cannot change. Draft a follow-up with `comms draft …`.");
    }
    return conflict(ref(c) +
                    " was cancelled; it will not be sent. Draft a new one with "
                    "`comms draft …`.");
}

Status check_release_alive(const Release& r, const std::string& what) {
    if (r.state != ReleaseState::cancelled) return ok_status();
    return conflict(r.key + " is cancelled, so its communications are not " + what +
                    ". Type `release show " + r.key + "` to see why.");
}

// ---------------------------------------------------------------------------------------------
// comms draft

// The audience list is read as text up to the next keyword, so that `to stakeholders, ops`
// arrives whole and gets this error instead of a confusing one about a stray word.
Result<std::vector<std::string>> audience_names(Context& ctx, const std::string& raw) {
    if (std::any_of(raw.begin(), raw.end(),
                    [](char ch) { return std::isspace(static_cast<unsigned char>(ch)) != 0; })) {
        return usage_error("`to " + raw +
                           "`: list audiences separated by commas without spaces, like `to "
                           "stakeholders,it-ops`.");
    }
    std::vector<std::string> names;
    std::size_t start = 0;
    while (true) {
        std::size_t comma = raw.find(',', start);
        std::string part = raw.substr(start, comma == std::string::npos ? comma : comma - start);
        if (part.empty()) {
            return usage_error("`" + raw +
                               "` has an empty audience name: list audiences separated by "
                               "commas without spaces, like `to stakeholders,it-ops`.");
        }
        auto members = ctx.store.audiences.named(ctx.workspace.id, part);
        if (members.empty()) {
            std::vector<std::string> known;
            for (const auto& a : ctx.store.audiences.list(ctx.workspace.id)) {
                if (known.empty() || !iequals(known.back(), a.name)) known.push_back(a.name);
            }
            std::string msg = "There is no audience `" + part + "`.";
            if (auto near = closest(part, known); !near.empty()) {
                msg += " Did you mean `" + near + "`?";
            }
            std::string add = "a manager adds one with `channel add " + part +
                              " slack:C0123ABCD` (or `channel add " + part +
                              " here` in the channel itself).";
            if (known.empty()) {
                msg += " There are no audiences yet: " + add;
            } else {
                msg += " Known audiences: " + join(known, ", ") + "; " + add;
            }
            return not_found(msg);
        }
        const std::string& name = members.front().name;
        if (std::none_of(names.begin(), names.end(),
                         [&](const std::string& n) { return iequals(n, name); })) {
            names.push_back(name);
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return names;
}

struct Trigger {
    CommsTrigger kind = CommsTrigger::now;
    std::optional<Instant> at;
};

Result<Trigger> trigger_arg(Context& ctx, const ParsedCommand& cmd, const Release& r) {
    int given = (cmd.has("at") ? 1 : 0) + (cmd.has("on") ? 1 : 0) + (cmd.has("now") ? 1 : 0);
    if (given == 0) {
        return usage_error("Say when it goes out: " + std::string(kTriggerForms) +
                           ". Example: `comms draft " + r.key +
                           " to stakeholders on done \"Web December is live\"`.");
    }
    if (given > 1) {
        return usage_error("Give one trigger only: " + std::string(kTriggerForms) + ".");
    }
    Trigger t;
    if (cmd.has("now")) return t;
    if (auto on = cmd.opt("on")) {
        auto kind = parse_comms_trigger(lower(*on));
        if (!kind || *kind == CommsTrigger::now || *kind == CommsTrigger::at) {
            return usage_error("`on " + *on +
                               "` is not a release event: use `on start`, `on done`, "
                               "`on backout` or `on cancel`.");
        }
        if (event_passed(*kind, r)) {
            return conflict(r.key + " is already " + stage(r) + ", so `on " + to_string(*kind) +
                            "` would never come. Use `now` or `at <when>` instead.");
        }
        t.kind = *kind;
        return t;
    }
    auto when = when_arg(ctx, cmd, "at");
    if (!when) return when.error();
    if (*when <= ctx.now) {
        return invalid(format_when(*when, ctx.zone) + " is in the past (it is now " +
                       format_when(ctx.now, ctx.zone) +
                       "). Give a later time, like `at in 2h`, or `now` to send it as soon as "
                       "it is approved.");
    }
    t.kind = CommsTrigger::at;
    t.at = *when;
    return t;
}

Result<Reply> comms_draft(Context& ctx, const ParsedCommand& cmd) {
    auto rel = load_release(ctx, cmd.get("release"));
    if (!rel) return rel.error();
    RB_TRY(accepts(*rel, model::Change::announce, "comms draft"));
    auto names = audience_names(ctx, cmd.get("audiences"));
    if (!names) return names.error();
    auto trigger = trigger_arg(ctx, cmd, *rel);
    if (!trigger) return trigger.error();
    const std::string& body = cmd.get("text");
    if (is_blank(body)) {
        return invalid("The communication needs its text, in quotes: `comms draft " + rel->key +
                       " to " + join(*names, ",") + " on done \"Web December is live\"`.");
    }
    if (body.size() > kMaxBody) {
        return invalid("That text is " + std::to_string(body.size()) +
                       " characters; an announcement holds at most " + std::to_string(kMaxBody) +
                       " (Slack's limit). Shorten it or split it in two.");
    }

    Communication c;
    c.workspace = ctx.workspace.id;
    c.release = rel->id;
    c.author = ctx.actor.user;
    c.body = body;
    c.audiences = *names;
    c.trigger = trigger->kind;
    c.trigger_at = trigger->at;
    c.status = CommsStatus::draft;
    c.created_at = c.updated_at = ctx.now;
    c.id = ctx.store.comms.insert(c);
    ctx.audit(rel->id, "comms.draft",
              ref(c) + " to " + join(c.audiences, ",") + " " + trigger_short(c, "UTC") +
                  (c.trigger == CommsTrigger::at ? " UTC" : "") + ": \"" +
                  first_line(c.body, kListTextWidth) + "\"");

    auto all = addressed(ctx, c);
    // Approvers and managers hear there is something to review; the author is not asked. The
    // text itself stays out of the message: nothing unapproved leaves through the outbox, so a
    // reviewer reads it with `comms show`.
    std::string ask_line = who(c.author) + " drafted communication " + ref(c) + " for *" +
                           rel->key + "* to " + join(c.audiences, ", ") +
                           " and it needs a review: read it with `comms show " + num(c) + "`.";
    Reply ask = Reply::plain(ask_line);
    ask.context("Then `comms review " + num(c) + " approve`, or `comms review " + num(c) +
                " reject \"<why>\"`.");
    for (const auto& g : ctx.store.roles.list(ctx.workspace.id)) {
        if (g.role >= Role::approver && g.user != c.author) ctx.notify(g.user, ask, rel->id);
    }

    bool reopened = rel->state == ReleaseState::approved && recheck_approval(ctx, *rel);

    std::string line = "Drafted communication " + ref(c) + " for *" + rel->key + "* to " +
                       join(c.audiences, ", ") + ": waiting for review.";
    Reply r;
    r.text = line;
    r.section(line);
    r.fields({{"To", audiences_line(all)},
              {"When", trigger_long(c, *rel, ctx.zone)},
              {"Status", status_label(c.status)},
              {"Author", who(c.author)}});
    r.section(c.body);
    if (reopened) r.section(withdrawn_note(*rel));
    r.context("Someone other than " + who(c.author) +
              " must approve it before anything is sent: an approver or a manager types `comms "
              "review " +
              num(c) + " approve`.");
    return r;
}

// ---------------------------------------------------------------------------------------------
// comms list

Result<Reply> comms_list(Context& ctx, const ParsedCommand& cmd) {
    auto rel = load_release(ctx, cmd.get("release"));
    if (!rel) return rel.error();
    auto all = ctx.store.comms.for_release(rel->id);
    std::string title = "Communications of " + rel->key + " — " + rel->title;
    if (all.empty()) {
        std::string line = rel->key + " has no communications yet.";
        Reply r;
        r.text = line;
        r.section(line);
        r.context("Draft one: `comms draft " + rel->key +
                  " to <audience> on done \"<text>\"` (type `channel list` for the audiences).");
        return r;
    }
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> waiting;
    for (const auto& c : all) {
        rows.push_back({num(c), to_string(c.status), trigger_short(c, ctx.zone),
                        join(c.audiences, ", "), who(c.author), c.reviewer ? who(*c.reviewer) : "—",
                        first_line(c.body, kListTextWidth)});
        if (c.status == CommsStatus::draft) waiting.push_back(num(c));
    }
    Reply r;
    r.text = title;
    r.header(title);
    r.table({"#", "status", "trigger", "audiences", "author", "reviewer", "text"}, std::move(rows));
    if (!waiting.empty()) {
        r.context(plural(static_cast<long>(waiting.size()), "communication waits",
                         "communications wait") +
                  " for review: `comms review " + waiting.front() +
                  " approve` (not by its author).");
    } else {
        r.context("`comms show <#>` shows one in full.");
    }
    return r;
}

// ---------------------------------------------------------------------------------------------
// comms show

std::string next_hint(const Communication& c, const Release& r) {
    switch (c.status) {
        case CommsStatus::draft:
            return "Next: someone other than " + who(c.author) +
                   " approves it with `comms review " + num(c) +
                   " approve`, or rejects it with `comms review " + num(c) + " reject \"<why>\"`.";
        case CommsStatus::rejected:
            return "Next: " + who(c.author) + " edits it with `comms edit " + num(c) +
                   " \"<text>\"`, which sends it back for review.";
        case CommsStatus::approved:
            if (c.trigger != CommsTrigger::now && c.trigger != CommsTrigger::at &&
                event_passed(c.trigger, r)) {
                return r.key + " is already " + stage(r) +
                       ", so it will not go out by itself: `comms send " + num(c) + "` sends it.";
            }
            return "It goes out by itself; `comms send " + num(c) + "` sends it now instead.";
        default:
            return "";
    }
}

Result<Reply> comms_show(Context& ctx, const ParsedCommand& cmd) {
    auto loaded = load_comm(ctx, cmd.get("id"));
    if (!loaded) return loaded.error();
    const auto& c = loaded->comm;
    const auto& rel = loaded->release;

    std::vector<std::string> to;
    for (const auto& a : addressed(ctx, c)) {
        to.push_back(
            a.name + " → " +
            (a.channels.empty() ? std::string("no channels") : channel_labels(a.channels)));
    }
    std::vector<std::pair<std::string, std::string>> f;
    f.emplace_back("Status", status_label(c.status));
    f.emplace_back("When", trigger_long(c, rel, ctx.zone));
    f.emplace_back("To", join(to, "\n"));
    f.emplace_back("Author", who(c.author) + ", " + format_when(c.created_at, ctx.zone));
    if (c.reviewer) {
        std::string verdict = c.status == CommsStatus::rejected ? "rejected" : "approved";
        std::string review = who(*c.reviewer) + " " + verdict;
        if (c.reviewed_at) review += " " + format_when(*c.reviewed_at, ctx.zone);
        if (c.review_comment) review += ": \"" + *c.review_comment + "\"";
        f.emplace_back("Reviewer", review);
    }
    if (c.sent_at) f.emplace_back("Sent", format_when(*c.sent_at, ctx.zone));

    std::string title = "Communication " + ref(c) + " — " + rel.key;
    Reply r;
    r.text = title + " (" + status_label(c.status) + "): " + c.body;
    r.header(title);
    r.fields(std::move(f));
    r.section(c.body);
    if (auto hint = next_hint(c, rel); !hint.empty()) r.context(hint);
    return r;
}

// ---------------------------------------------------------------------------------------------
// comms edit

Result<Reply> comms_edit(Context& ctx, const ParsedCommand& cmd) {
    auto loaded = load_comm(ctx, cmd.get("id"));
    if (!loaded) return loaded.error();
    auto& c = loaded->comm;
    auto& rel = loaded->release;
    RB_TRY(require_author_or_manager(ctx, c, "edit"));
    if (c.status == CommsStatus::sent || c.status == CommsStatus::cancelled) {
        return finished(c, ctx.zone);
    }
    const std::string& body = cmd.get("text");
    if (is_blank(body)) {
        return invalid("Give the new text in quotes: `comms edit " + num(c) +
                       " \"Web December is live\"`.");
    }
    if (body.size() > kMaxBody) {
        return invalid("That text is " + std::to_string(body.size()) +
                       " characters; an announcement holds at most " + std::to_string(kMaxBody) +
                       " (Slack's limit). Shorten it or split it in two.");
    }
    if (body == c.body) {
        return invalid(ref(c) + " already says exactly that; nothing changed.");
    }

    CommsStatus was = c.status;
    std::optional<UserId> previous_reviewer = c.reviewer;
    c.body = body;
    c.updated_at = ctx.now;
    // Approval was given to the old words. A timed job already scheduled for an approved
    // communication stays in place: when it fires, the timer re-checks that the communication
    // is still approved and unsent, so a draft is never posted by it — and if it is approved
    // again, the same job (or a new one) sends the new words.
    if (was != CommsStatus::draft) {
        c.status = CommsStatus::draft;
        c.reviewer.reset();
        c.reviewed_at.reset();
        c.review_comment.reset();
    }
    ctx.store.comms.update(c);
    ctx.audit(rel.id, "comms.edit",
              ref(c) + ": \"" + first_line(c.body, kListTextWidth) + "\"" +
                  (was != CommsStatus::draft ? " (was " + to_string(was) + "; back to review)"
                                             : std::string()));

    if (c.author != ctx.actor.user) {
        ctx.notify(
            c.author,
            Reply::plain(who(ctx.actor.user) + " edited your communication " + ref(c) + " for *" +
                         rel.key + "*. Type `comms show " + num(c) + "` to read it."),
            rel.id);
    }
    if (was == CommsStatus::approved && previous_reviewer && *previous_reviewer != c.author) {
        ctx.notify(*previous_reviewer,
                   Reply::plain(who(ctx.actor.user) + " edited communication " + ref(c) + " for *" +
                                rel.key +
                                "* after you approved it, so it needs a review again: `comms "
                                "show " +
                                num(c) + "`, then `comms review " + num(c) + " approve`."),
                   rel.id);
    }
    bool reopened = was == CommsStatus::approved && rel.state == ReleaseState::approved &&
                    recheck_approval(ctx, rel);

    std::string line = "Edited communication " + ref(c) + " for *" + rel.key + "*.";
    Reply r;
    r.text = line;
    r.section(line);
    r.section(c.body);
    if (was != CommsStatus::draft) {
        r.section("It was " + to_string(was) +
                  (previous_reviewer ? " by " + who(*previous_reviewer) : std::string()) +
                  ", so it is back to waiting for review; nothing is sent until it is approved "
                  "again.");
    }
    if (reopened) r.section(withdrawn_note(rel));
    r.context("Someone other than " + who(c.author) + " approves it with `comms review " + num(c) +
              " approve`.");
    return r;
}

// ---------------------------------------------------------------------------------------------
// comms review

Result<Reply> comms_review(Context& ctx, const ParsedCommand& cmd) {
    auto loaded = load_comm(ctx, cmd.get("id"));
    if (!loaded) return loaded.error();
    auto& c = loaded->comm;
    auto& rel = loaded->release;
    // No self-approval, whatever the author's role: a second pair of eyes is the point.
    if (c.author == ctx.actor.user) {
        return forbidden("You wrote " + ref(c) + "; someone else must review it.");
    }
    switch (c.status) {
        case CommsStatus::draft:
            break;
        case CommsStatus::approved:
            return conflict(ref(c) + " is already approved" +
                            (c.reviewer ? " by " + who(*c.reviewer) : std::string()) +
                            "; only a draft can be reviewed.");
        case CommsStatus::rejected:
            return conflict(ref(c) + " was rejected" +
                            (c.reviewer ? " by " + who(*c.reviewer) : std::string()) +
                            "; only a draft can be reviewed. Its author edits it with `comms "
                            "edit " +
                            num(c) + " \"<text>\"`, which sends it back for review.");
        case CommsStatus::sent:
        case CommsStatus::cancelled:
            return finished(c, ctx.zone);
    }
    bool approve = cmd.get("decision") == "approve";
    RB_TRY(check_release_alive(rel, "reviewed"));
    auto comment = cmd.opt("comment");
    if (comment && is_blank(*comment)) comment.reset();

    c.reviewer = ctx.actor.user;
    c.reviewed_at = ctx.now;
    c.review_comment = comment;
    c.updated_at = ctx.now;
    std::string quoted_comment = comment ? " \"" + *comment + "\"" : std::string();

    if (!approve) {
        c.status = CommsStatus::rejected;
        ctx.store.comms.update(c);
        ctx.audit(rel.id, "comms.reject", ref(c) + quoted_comment);
        std::string why = comment ? ": \"" + *comment + "\"" : " (no reason given; ask them)";
        Reply dm;
        dm.text = who(ctx.actor.user) + " rejected your communication " + ref(c) + " for " +
                  rel.key + why + ".";
        dm.section(who(ctx.actor.user) + " rejected your communication " + ref(c) + " for *" +
                   rel.key + "*" + why + ".");
        dm.context("Edit it with `comms edit " + num(c) +
                   " \"<text>\"` and it goes back for review.");
        ctx.notify(c.author, std::move(dm), rel.id);

        std::string line = "Rejected communication " + ref(c) + " for *" + rel.key + "*; " +
                           who(c.author) + " is told" + (comment ? " why." : ".");
        Reply r;
        r.text = line;
        r.section(line);
        if (comment) r.fields({{"Comment", *comment}});
        r.context("Nothing is sent. Once " + who(c.author) + " edits it (`comms edit " + num(c) +
                  " \"<text>\"`), it comes back for review.");
        return r;
    }

    c.status = CommsStatus::approved;
    auto all = addressed(ctx, c);
    bool due_now = c.trigger == CommsTrigger::now ||
                   (c.trigger == CommsTrigger::at && c.trigger_at && *c.trigger_at <= ctx.now);
    if (due_now) RB_TRY(check_reachable(c, all, "`comms review " + num(c) + " approve` again"));
    ctx.store.comms.update(c);
    ctx.audit(rel.id, "comms.approve", ref(c) + quoted_comment);

    std::string outcome;
    if (due_now) {
        send_communication(ctx, c, rel);
        int n = distinct_channels(all);
        outcome =
            c.trigger == CommsTrigger::now
                ? "it went out to " + plural(n, "channel", "channels") + ": " + audiences_line(all)
                : "its time (" + format_when(*c.trigger_at, ctx.zone) +
                      ") has passed, so it went out now to " + plural(n, "channel", "channels") +
                      ": " + audiences_line(all);
    } else if (c.trigger == CommsTrigger::at) {
        ScheduledJob job;
        job.workspace = ctx.workspace.id;
        job.release = rel.id;
        job.kind = kCommsJob;
        job.due_at = *c.trigger_at;
        job.payload = num(c);
        job.status = "pending";
        ctx.store.jobs.schedule(job);
        outcome = "it goes out " + trigger_long(c, rel, ctx.zone) + " to " + audiences_line(all);
    } else if (event_passed(c.trigger, rel)) {
        outcome = rel.key + " is already " + stage(rel) + ", so it will not go out " +
                  "by itself: send it with `comms send " + num(c) + "`";
    } else {
        outcome = "it goes out when " + event_command(c.trigger, rel) + " runs, to " +
                  audiences_line(all);
    }

    Reply dm = Reply::plain(who(ctx.actor.user) + " approved your communication " + ref(c) +
                            " for *" + rel.key + "*; " + outcome + ".");
    if (comment) dm.fields({{"Comment", *comment}});
    ctx.notify(c.author, std::move(dm), rel.id);

    std::string line =
        "Approved communication " + ref(c) + " for *" + rel.key + "*; " + outcome + ".";
    Reply r;
    r.text = line;
    r.section(line);
    if (comment) r.fields({{"Comment", *comment}});
    if (!due_now && !event_passed(c.trigger, rel)) {
        r.context("To send it earlier: `comms send " + num(c) +
                  "`. Editing it sends it back for review.");
    }
    return r;
}

// ---------------------------------------------------------------------------------------------
// comms send

Result<Reply> comms_send(Context& ctx, const ParsedCommand& cmd) {
    auto loaded = load_comm(ctx, cmd.get("id"));
    if (!loaded) return loaded.error();
    auto& c = loaded->comm;
    auto& rel = loaded->release;
    RB_TRY(require_author_or_manager(ctx, c, "send"));
    switch (c.status) {
        case CommsStatus::approved:
            break;
        case CommsStatus::draft:
            return conflict("Only approved communications are sent. " + ref(c) +
                            " is a draft: it needs `comms review " + num(c) +
                            " approve` by someone other than its author.");
        case CommsStatus::rejected:
            return conflict(
                "Only approved communications are sent. " + ref(c) + " was rejected" +
                (c.reviewer ? " by " + who(*c.reviewer) : std::string()) +
                (c.review_comment ? " (\"" + *c.review_comment + "\")" : std::string()) +
                ": edit it with `comms edit " + num(c) +
                " \"<text>\"`, then it needs `comms review " + num(c) +
                " approve` by someone other than its author.");
        case CommsStatus::sent:
        case CommsStatus::cancelled:
            return finished(c, ctx.zone);
    }
    RB_TRY(check_release_alive(rel, "sent"));
    auto all = addressed(ctx, c);
    RB_TRY(check_reachable(c, all, "`comms send " + num(c) + "` again"));

    std::string early;
    if (c.trigger == CommsTrigger::at && c.trigger_at && *c.trigger_at > ctx.now) {
        early = " ahead of its time (" + format_when(*c.trigger_at, ctx.zone) + ")";
    } else if (c.trigger != CommsTrigger::now && c.trigger != CommsTrigger::at &&
               !event_passed(c.trigger, rel)) {
        early = " ahead of `on " + to_string(c.trigger) + "`";
    }
    send_communication(ctx, c, rel);

    std::string line = "Sent communication " + ref(c) + " for *" + rel.key + "*" + early + " to " +
                       plural(distinct_channels(all), "channel", "channels") + ": " +
                       audiences_line(all) + ".";
    Reply r;
    r.text = line;
    r.section(line);
    return r;
}

// ---------------------------------------------------------------------------------------------
// comms cancel

// Without it a rejected communication nobody wants any more would block the release's gate for
// good: cancelled ones are neither sent nor blockers.
Result<Reply> comms_cancel(Context& ctx, const ParsedCommand& cmd) {
    auto loaded = load_comm(ctx, cmd.get("id"));
    if (!loaded) return loaded.error();
    auto& c = loaded->comm;
    auto& rel = loaded->release;
    RB_TRY(require_author_or_manager(ctx, c, "cancel"));
    if (c.status == CommsStatus::sent || c.status == CommsStatus::cancelled) {
        return finished(c, ctx.zone);
    }
    CommsStatus was = c.status;
    c.status = CommsStatus::cancelled;
    c.updated_at = ctx.now;
    ctx.store.comms.update(c);
    ctx.audit(rel.id, "comms.cancel", ref(c) + " (was " + to_string(was) + ")");
    if (c.author != ctx.actor.user) {
        ctx.notify(c.author,
                   Reply::plain(who(ctx.actor.user) + " cancelled your communication " + ref(c) +
                                " for *" + rel.key + "*; it will not be sent."),
                   rel.id);
    }
    std::string line =
        "Cancelled communication " + ref(c) + " for *" + rel.key + "*; it will not be sent.";
    Reply r;
    r.text = line;
    r.section(line);
    return r;
}

}  // namespace

void register_comms_commands(Registry& r) {
    r.add({.name = "comms draft",
           .args = {positional("release", ArgType::key, "<release>"),
                    keyword("to", "audiences", ArgType::text, "<audience>[,…]"),
                    optional_keyword("at", "at", ArgType::when, "<when>"),
                    optional_keyword("on", "on", ArgType::word, "start|done|backout|cancel"),
                    flag("now"), positional("text", ArgType::text, "\"<text>\"")},
           .summary = "Draft an announcement of a release to one or more audiences",
           .example = "comms draft web-2026.12 to stakeholders,it-ops on done \"Web December is "
                      "live: faster checkout and the new help centre.\"",
           .details = "Audiences are comma-separated without spaces (see `channel list`). Give "
                      "exactly one trigger: `at <when>`, `on start|done|backout` (when that "
                      "release command runs) or `now` (as soon as it is approved). Someone other "
                      "than the author — an approver or a manager — must approve it with "
                      "`comms review <#> approve`; nothing is sent before that.",
           .role = Role::member,
           .changes_state = true,
           .handler = comms_draft});
    r.add({.name = "comms list",
           .args = {positional("release", ArgType::key, "<release>")},
           .summary = "A release's communications and where each stands",
           .example = "comms list web-2026.12",
           .role = Role::member,
           .handler = comms_list});
    r.add({.name = "comms show",
           .args = {positional("id", ArgType::word, "<#>")},
           .summary = "One communication in full: text, trigger, audiences, review",
           .example = "comms show 3",
           .role = Role::member,
           .handler = comms_show});
    r.add({.name = "comms edit",
           .args = {positional("id", ArgType::word, "<#>"),
                    positional("text", ArgType::text, "\"<text>\"")},
           .summary = "Change a communication's text (an approved one goes back to review)",
           .example = "comms edit 3 \"Web December is live: faster checkout.\"",
           .details = "The author or a manager; not once it is sent.",
           .role = Role::member,
           .changes_state = true,
           .handler = comms_edit});
    r.add(
        {.name = "comms review",
         .args = {positional("id", ArgType::word, "<#>"), choice("decision", {"approve", "reject"}),
                  optional_positional("comment", ArgType::text, "\"comment\"")},
         .summary = "Approve or reject a drafted communication (not your own)",
         .example = "comms review 3 approve \"reads well\"",
         .details = "Approvers and managers review; nobody reviews their own. Approving a `now` "
                    "communication sends it at once; a timed one is scheduled; one waiting for "
                    "a release event goes out when it happens. A rejection tells the author "
                    "your comment.",
         .role = Role::approver,
         .changes_state = true,
         .handler = comms_review});
    r.add({.name = "comms send",
           .args = {positional("id", ArgType::word, "<#>")},
           .summary = "Send an approved communication now, ahead of its trigger",
           .example = "comms send 3",
           .details = "The author or a manager. Only approved communications are sent.",
           .role = Role::member,
           .changes_state = true,
           .handler = comms_send});
    r.add({.name = "comms cancel",
           .args = {positional("id", ArgType::word, "<#>")},
           .summary = "Drop a communication that has not been sent",
           .example = "comms cancel 3",
           .details = "The author or a manager. A cancelled communication is never sent and no "
                      "longer holds up `release go`.",
           .role = Role::member,
           .changes_state = true,
           .handler = comms_cancel});
}

}  // namespace releasebot
