// Retrospective action items, retro trends and early life support:
// `retro action add|done|list`, `retro trends`, `release els`.
//
// The registry matches commands by their leading words, so these `retro …` and `release …`
// commands live here, next to the action items and early life support they work on, while the
// survey and the release lifecycle keep their own files.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "commands/early_life.hpp"
#include "commands/handler_support.hpp"
#include "commands/registry.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"

namespace releasebot {

namespace {

constexpr std::size_t kMaxActionText = 500;
constexpr int kTrendRetros = 10;

// "@dana" for audit details, which are plain text (CSV export).
std::string plain(const UserId& u) {
    return "@" + u.value();
}

std::string quoted(const std::string& s) {
    return "\"" + s + "\"";
}

std::string item_ref(const ActionItem& a) {
    return "#" + std::to_string(a.id.value());
}

// The key of the release an item was raised in ("?" for a row whose release is gone, which the
// foreign key's cascade makes impossible short of a hand-edited database).
std::string source_key(Context& ctx, const ActionItem& a) {
    auto r = ctx.store.releases.get(a.release);
    return r ? r->key : "?";
}

// "4" or "#4", as shown when the item was added.
Result<ActionId> action_id_arg(const std::string& raw) {
    std::string digits = !raw.empty() && raw[0] == '#' ? raw.substr(1) : raw;
    bool ok = digits.size() <= 9 && all_digits(digits);
    if (!ok || std::stoll(digits) == 0) {
        return usage_error("`" + raw +
                           "` is not an action item number: give the number shown when it was "
                           "added, like `retro action done 4`. Type `retro action list` to see "
                           "the open ones.");
    }
    return ActionId(std::stoll(digits));
}

Result<ActionItem> load_action(Context& ctx, const std::string& raw) {
    auto id = action_id_arg(raw);
    if (!id) return id.error();
    if (auto a = ctx.store.actions.get(ctx.workspace.id, *id)) return *a;
    return not_found("There is no action item #" + std::to_string(id->value()) +
                     " here. Type `retro action list` to see the open ones.");
}

std::string one_decimal(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string percent(long part, long whole) {
    if (whole <= 0) return "—";
    return std::to_string((part * 100 + whole / 2) / whole) + "%";
}

// The date of an instant in the reader's zone ("2026-12-10").
std::string date_of(Instant t, const std::string& zone) {
    return format_short(t, zone).substr(0, 10);
}

// One table row per item: number, text, owner, where it came from, state.
std::vector<std::vector<std::string>> item_rows(Context& ctx, const std::vector<ActionItem>& items,
                                                bool with_source) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& a : items) {
        std::vector<std::string> row{item_ref(a), a.text, who(a.owner)};
        if (with_source) row.push_back(source_key(ctx, a));
        std::string state = a.status == "done" && a.done_at
                                ? "done " + date_of(*a.done_at, ctx.zone) +
                                      (a.done_by ? " by " + who(*a.done_by) : std::string())
                                : "open since " + date_of(a.created_at, ctx.zone);
        row.push_back(state);
        rows.push_back(std::move(row));
    }
    return rows;
}

// ---------------------------------------------------------------------------------------------
// retro action add

Result<Reply> action_add(Context& ctx, const ParsedCommand& cmd) {
    auto rel = load_release(ctx, cmd.get("release"));
    if (!rel) return rel.error();
    const std::string& text = cmd.get("text");
    if (is_blank(text)) {
        return usage_error("An action item needs its text, in quotes: `retro action add " +
                           rel->key + " \"Automate the smoke tests\" owner @dana`.");
    }
    if (text.size() > kMaxActionText) {
        return invalid("That action item is " + std::to_string(text.size()) +
                       " characters; keep it to " + std::to_string(kMaxActionText) +
                       " and link to the details.");
    }
    UserId owner(cmd.get("owner"));

    ActionItem a;
    a.workspace = ctx.workspace.id;
    a.release = rel->id;
    a.text = text;
    a.owner = owner;
    a.created_by = ctx.actor.user;
    a.created_at = ctx.now;
    a.id = ctx.store.actions.add(a);
    ctx.audit(rel->id, "retro.action.add",
              item_ref(a) + " " + quoted(text) + " owner " + plain(owner));

    std::string done_hint = "`retro action done " + std::to_string(a.id.value()) + "`";
    std::string carries = rel->programs.empty()
                              ? ""
                              : " It carries over to the next release of " +
                                    join_and(rel->programs) + " until it is done.";
    Reply dm;
    dm.text = who(ctx.actor.user) + " gave you action item " + item_ref(a) + " from the retro of " +
              rel->key + ": " + text;
    dm.section(dm.text);
    dm.context("Mark it done with " + done_hint + "; it shows in `my tasks` until then." + carries);
    ctx.notify(owner, std::move(dm), rel->id);

    std::string line = "Added action item " + item_ref(a) + " to the retro of *" + rel->key +
                       "*: " + text + " (owner " + who(owner) + ").";
    Reply r;
    r.text = line;
    r.section(line);
    r.context("It shows in " + (owner == ctx.actor.user ? std::string("your") : who(owner) + "'s") +
              " `my tasks`." + carries + " Close it with " + done_hint + ".");
    return r;
}

// ---------------------------------------------------------------------------------------------
// retro action done

Result<Reply> action_done(Context& ctx, const ParsedCommand& cmd) {
    auto a = load_action(ctx, cmd.get("id"));
    if (!a) return a.error();
    bool allowed =
        ctx.actor.user == a->owner || ctx.actor.user == a->created_by || ctx.role >= Role::manager;
    if (!allowed) {
        std::string people =
            a->owner == a->created_by
                ? who(a->owner) + " (its owner, who raised it)"
                : who(a->owner) + " (its owner), " + who(a->created_by) + " (who raised it)";
        return forbidden("Only " + people + " or a manager can mark action item " + item_ref(*a) +
                         " done. Ask " + who(a->owner) + " to type `retro action done " +
                         std::to_string(a->id.value()) + "`.");
    }
    if (a->status == "done") {
        std::string when = a->done_at ? " " + format_when(*a->done_at, ctx.zone) : "";
        std::string by = a->done_by ? " by " + who(*a->done_by) : "";
        return conflict("Action item " + item_ref(*a) + " is already done" + when + by +
                        ". Nothing changed. Type `retro action list` to see the open ones.");
    }
    a->status = "done";
    a->done_by = ctx.actor.user;
    a->done_at = ctx.now;
    ctx.store.actions.update(*a);
    ctx.audit(a->release, "retro.action.done", item_ref(*a) + " " + quoted(a->text));

    std::string key = source_key(ctx, *a);
    std::string line =
        "Done: action item " + item_ref(*a) + " from the retro of *" + key + "* — " + a->text + ".";
    // Whoever else is attached to it hears that it was closed (notify skips the actor).
    Reply note = Reply::plain(who(ctx.actor.user) + " marked action item " + item_ref(*a) +
                              " from the retro of " + key + " done: " + a->text + ".");
    ctx.notify(a->owner, note, a->release);
    if (a->created_by != a->owner) ctx.notify(a->created_by, note, a->release);
    Reply r;
    r.text = line;
    r.section(line);
    r.context("It no longer shows in `my tasks` nor carries over to the next release.");
    return r;
}

// ---------------------------------------------------------------------------------------------
// retro action list

Result<Reply> action_list(Context& ctx, const ParsedCommand& cmd) {
    Reply r;
    auto scope = cmd.opt("scope");
    if (!scope) {
        auto mine = ctx.store.actions.open_for_owner(ctx.workspace.id, ctx.actor.user);
        std::string line = mine.empty()
                               ? "You have no open action items."
                               : "Your open action items: " + std::to_string(mine.size()) + ".";
        r.text = line;
        r.section(line);
        if (!mine.empty())
            r.table({"#", "Action", "Owner", "From", "State"}, item_rows(ctx, mine, true));
        r.context(
            "For a program's or a release's items: `retro action list <program>` or `retro "
            "action list <release>`.");
        return r;
    }

    if (auto rel = ctx.store.releases.find(ctx.workspace.id, *scope)) {
        auto raised = ctx.store.actions.for_release(rel->id);
        auto carried = carried_over_actions(ctx, *rel);
        std::string line = "Action items of *" + rel->key + "* — " + rel->title + ": " +
                           std::to_string(raised.size()) + " raised in its retro" + ", " +
                           std::to_string(carried.size()) + " open from earlier releases.";
        r.text = line;
        r.section(line);
        if (!raised.empty()) {
            r.section("*Raised in its retro*");
            r.table({"#", "Action", "Owner", "State"}, item_rows(ctx, raised, false));
        }
        if (!carried.empty()) {
            r.section("*Carried over* from earlier releases of " + join_and(rel->programs));
            r.table({"#", "Action", "Owner", "From", "State"}, item_rows(ctx, carried, true));
        }
        r.context("Add one: `retro action add " + rel->key + " \"<text>\" owner @user`");
        return r;
    }

    auto open = ctx.store.actions.open_for_programs(ctx.workspace.id, {*scope}, ReleaseId(0));
    if (open.empty() &&
        ctx.store.releases.list(ctx.workspace.id, ReleaseFilter::all, ctx.now, *scope).empty()) {
        return not_found("There is no release or program `" + *scope +
                         "` here. Type `release list` to see the releases and their programs.");
    }
    std::string line = open.empty() ? "No open action items for program " + *scope + "."
                                    : "Open action items of program " + *scope + ": " +
                                          std::to_string(open.size()) + ".";
    r.text = line;
    r.section(line);
    if (!open.empty())
        r.table({"#", "Action", "Owner", "From", "State"}, item_rows(ctx, open, true));
    r.context("They carry over to the next release of " + *scope +
              " until done: `retro action done <#>`.");
    return r;
}

// ---------------------------------------------------------------------------------------------
// retro trends

struct RetroTrend {
    Release release;
    long participants = 0;
    long responded = 0;
    std::optional<double> rating;  // mean of the first rating question
};

std::optional<double> overall_rating(Context& ctx, const Retro& retro) {
    const std::vector<RetroQuestion>* questions = &retro.questions;
    std::optional<Retro> full;
    if (questions->empty()) {
        full = ctx.store.retros.get(retro.id);
        if (full) questions = &full->questions;
    }
    auto q = std::find_if(questions->begin(), questions->end(),
                          [](const RetroQuestion& q) { return q.kind == QuestionKind::rating; });
    if (q == questions->end()) return std::nullopt;
    double sum = 0;
    int n = 0;
    for (const auto& ans : ctx.store.retros.answers(retro.id)) {
        if (ans.position != q->position) continue;
        try {
            std::size_t used = 0;
            int v = std::stoi(ans.value, &used);
            if (used != ans.value.size()) continue;
            sum += v;
            ++n;
        } catch (const std::exception&) {
            // Not a number: a rating is stored as its digits; anything else is not counted.
        }
    }
    if (n == 0) return std::nullopt;
    return sum / n;
}

std::string trend_line(const std::vector<RetroTrend>& rows) {
    std::vector<double> ratings;
    for (const auto& t : rows)
        if (t.rating) ratings.push_back(*t.rating);
    if (ratings.empty()) return "No ratings given in these retros yet.";
    double sum = 0;
    for (double v : ratings) sum += v;
    std::string line = "Average rating " + one_decimal(sum / ratings.size()) + " over " +
                       plural(static_cast<long>(ratings.size()), "retro", "retros");
    if (ratings.size() >= 2) {
        std::string last = one_decimal(ratings.back());
        std::string before = one_decimal(ratings[ratings.size() - 2]);
        line += "; last " + last;
        if (ratings.back() > ratings[ratings.size() - 2] && last != before) {
            line += ", up from " + before;
        } else if (ratings.back() < ratings[ratings.size() - 2] && last != before) {
            line += ", down from " + before;
        } else {
            line += ", same as the one before";
        }
    }
    return line + ".";
}

Result<Reply> retro_trends(Context& ctx, const ParsedCommand& cmd) {
    const std::string& program = cmd.get("program");
    auto closed = ctx.store.retros.closed_for_program(ctx.workspace.id, program, kTrendRetros);
    if (closed.empty()) {
        auto releases =
            ctx.store.releases.list(ctx.workspace.id, ReleaseFilter::all, ctx.now, program);
        if (releases.empty()) {
            return not_found("No release has program `" + program +
                             "`. Type `release list` to see the releases and their programs.");
        }
        std::string line = "No closed retros for program " + program +
                           " yet: trends need at least one. A retro closes on its deadline or "
                           "with `retro close <release>`.";
        return Reply::plain(line);
    }

    // closed_for_program gives the newest first; a trend reads oldest to newest.
    std::reverse(closed.begin(), closed.end());
    std::vector<RetroTrend> trends;
    for (const auto& retro : closed) {
        auto rel = ctx.store.releases.get(retro.release);
        if (!rel) continue;
        RetroTrend t{*rel};
        for (const auto& p : ctx.store.retros.participants(retro.id)) {
            ++t.participants;
            if (p.responded) ++t.responded;
        }
        t.rating = overall_rating(ctx, retro);
        trends.push_back(std::move(t));
    }

    std::vector<std::vector<std::string>> rows;
    long participants = 0, responded = 0;
    for (const auto& t : trends) {
        participants += t.participants;
        responded += t.responded;
        rows.push_back({t.release.key, date_of(t.release.window_start, ctx.zone),
                        std::to_string(t.responded) + "/" + std::to_string(t.participants) + " (" +
                            percent(t.responded, t.participants) + ")",
                        t.rating ? one_decimal(*t.rating) : "—"});
    }
    std::string header =
        "Retro trends of program " + program + " — " +
        (trends.size() == 1 ? std::string("its one closed retro")
                            : "the last " + std::to_string(trends.size()) + " closed retros");
    std::string trend = trend_line(trends);
    std::string response = "Response rate " + percent(responded, participants) + " overall (" +
                           std::to_string(responded) + " of " + std::to_string(participants) +
                           " asked).";
    Reply r;
    r.text = header + ". " + trend + " " + response;
    r.header(header);
    r.table({"Release", "Window", "Responses", "Rating"}, std::move(rows));
    r.section(trend);
    r.context(response + " Ratings are the first rating question's average, 1 to 5.");
    return r;
}

// ---------------------------------------------------------------------------------------------
// release els

// The shortest whole number of days that takes an end from `from` past `now`, for the hint.
std::string days_past(Instant from, Instant now) {
    auto days = std::chrono::duration_cast<std::chrono::days>(now - from).count() + 1;
    return std::to_string(days) + "d";
}

Result<Reply> release_els(Context& ctx, const ParsedCommand& cmd) {
    auto rel = load_release(ctx, cmd.get("release"));
    if (!rel) return rel.error();
    if (rel->owner != ctx.actor.user) {
        RB_TRY(require_role(ctx, Role::manager,
                            "change the early life support of a release someone else owns"));
    }
    if (rel->state != ReleaseState::deployed && rel->state != ReleaseState::backed_out) {
        return wrong_state(*rel, "release els", "deployed or backed-out (after `release done`)");
    }
    auto length = duration_arg(cmd, "duration");
    if (!length) return length.error();

    UserId before = rel->els_owner.value_or(rel->owner);
    UserId owner = cmd.has("owner") ? UserId(cmd.get("owner")) : before;
    Instant from = rel->finished_at.value_or(ctx.now);
    Instant end = from + *length;

    bool pending = false;
    for (const auto& j : ctx.store.jobs.pending_for(rel->id))
        if (j.kind == kElsEndJob) pending = true;
    bool running = pending || (rel->els_until && *rel->els_until > ctx.now);
    bool ends_now = end <= ctx.now;
    if (ends_now && !running) {
        std::string ended = rel->els_until
                                ? "Early life support of " + rel->key + " already ended " +
                                      format_when(*rel->els_until, ctx.zone)
                                : rel->key + " was done " + format_when(from, ctx.zone);
        return conflict(ended + ", and " + format_duration(*length) +
                        " after it was done is already past: nothing changed. To reopen it, " +
                        "give a longer duration, e.g. `release els " + rel->key + " " +
                        days_past(from, ctx.now) + "`.");
    }

    rel->els_until = ends_now ? ctx.now : end;
    rel->els_owner = owner;
    rel->updated_at = ctx.now;
    ctx.store.releases.update(*rel);
    // The end job fires through the scheduler, so "now" means at its next tick, in its own
    // event: the retro it starts is not tied to this command.
    ctx.store.jobs.cancel(rel->id, kElsEndJob);
    ScheduledJob j;
    j.workspace = rel->workspace;
    j.release = rel->id;
    j.kind = kElsEndJob;
    j.due_at = *rel->els_until;
    ctx.store.jobs.schedule(j);

    std::string span = format_duration(*length) + " after it was done";
    ctx.audit(rel->id, "release.els",
              (ends_now ? "ended now (" + span + " is past)"
                        : "early life support until " + format_short(*rel->els_until, "UTC") +
                              " UTC (" + span + ")") +
                  " owned by " + plain(owner));

    if (owner != before) {
        std::string dm = ends_now ? "You own the end of early life support of *" + rel->key +
                                        "*: it ends now, and its retro starts unless one was."
                                  : "You now own early life support of *" + rel->key + "* — " +
                                        rel->title + " until " + format_when(end, ctx.zone) +
                                        ". When it ends, its retro starts unless one was.";
        ctx.notify(owner, Reply::plain(dm), rel->id);
        ctx.notify(before,
                   Reply::plain(who(ctx.actor.user) + " handed early life support of " + rel->key +
                                " to " + who(owner) + "."),
                   rel->id);
    }

    std::string line =
        ends_now
            ? "Early life support of *" + rel->key + "* ends now: " + span + " is already past."
            : "Early life support of *" + rel->key + "* now runs until " +
                  format_when(end, ctx.zone) + " (" + span + "), owned by " + who(owner) + ".";
    Reply r;
    r.text = line;
    r.section(line);
    r.fields({{"Until", format_when(*rel->els_until, ctx.zone)}, {"Owner", who(owner)}});
    r.context(ctx.store.retros.for_release(rel->id)
                  ? "Its retro is already started: `retro status " + rel->key + "`."
                  : "When it ends, its retro starts by itself; `retro start " + rel->key +
                        "` starts it sooner.");
    return r;
}

}  // namespace

void register_action_commands(Registry& r) {
    r.add({.name = "retro action add",
           .args = {positional("release", ArgType::key, "<release>"),
                    positional("text", ArgType::text, "\"<text>\""),
                    keyword("owner", "owner", ArgType::user, "@user")},
           .summary = "Record an action item from a release's retro, with its owner",
           .example = "retro action add web-2026.12 \"Automate the smoke tests\" owner @dana",
           .details = "The owner hears about it and sees it in `my tasks`. Open items carry over "
                      "to the next releases of the same program until marked done.",
           .role = Role::member,
           .changes_state = true,
           .handler = action_add});
    r.add({.name = "retro action done",
           .args = {positional("id", ArgType::word, "<#>")},
           .summary = "Mark an action item done (its owner, who raised it, or a manager)",
           .example = "retro action done 4",
           .role = Role::member,
           .changes_state = true,
           .handler = action_done});
    r.add({.name = "retro action list",
           .args = {optional_positional("scope", ArgType::word, "<program>|<release>")},
           .summary = "Open action items: yours, a program's, or a release's",
           .example = "retro action list web",
           .details = "Without an argument, the open items you own. With a release, the items "
                      "raised in its retro and those carried over to it; with a program, its open "
                      "items.",
           .role = Role::member,
           .handler = action_list});
    r.add({.name = "retro trends",
           .args = {positional("program", ArgType::word, "<program>")},
           .summary = "Average rating and response rate over a program's last retros",
           .example = "retro trends web",
           .role = Role::member,
           .handler = retro_trends});
    r.add({.name = "release els",
           .args = {positional("release", ArgType::key, "<release>"),
                    positional("duration", ArgType::duration, "<duration>"),
                    optional_keyword("owner", "owner", ArgType::user, "@user")},
           .summary = "Set how long early life support lasts after `release done`, and its owner",
           .example = "release els web-2026.12 5d owner @ops",
           .details = "Early life support starts when a release is done (3 days, owned by the "
                      "release owner). The duration counts from that moment; if the new end is "
                      "already past, support ends now. When it ends, the retro starts unless one "
                      "was started.",
           .role = Role::member,
           .changes_state = true,
           .handler = release_els});
}

}  // namespace releasebot
