// Freeze (blackout) window commands: `freeze add` for a one-off range,
// `freeze add weekly` for a recurring slot ("no deploys on Friday afternoons"), `freeze list`
// with the releases already planned inside each freeze, and `freeze remove`.
//
// These commands only keep the freezes; refusing a `release plan|move` inside one (unless a
// manager overrides) is the gate's job (gate.cpp, overlapping_freeze).
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "commands/handler_support.hpp"
#include "commands/registry.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"

namespace releasebot {

namespace {

constexpr const char* kWeeklyExample =
    "freeze add weekly fri 12:00-23:59 \"No deploys on Friday afternoons\"";
constexpr const char* kOnceExample =
    "freeze add 2026-12-24 00:00 to 2027-01-02 00:00 \"Holiday freeze\"";
constexpr const char* kResolveHint =
    "Move a release out with `release move <release> to <when>`, or a manager overrides with "
    "`release go <release> override \"<reason>\"`.";

// "every Friday 12:00–23:59 Europe/Berlin"; a slot past midnight says where it ends.
std::string weekly_label(const Freeze& f) {
    std::string out = "every " + weekday_name(f.weekday) + " " + format_minutes(f.from_minute) +
                      "–" + format_minutes(f.to_minute);
    if (f.to_minute <= f.from_minute) out += " (next day)";
    return out + " " + f.time_zone;
}

std::string when_label(const Freeze& f, const std::string& zone) {
    if (f.kind == FreezeKind::weekly) return weekly_label(f);
    return format_when(*f.starts_at, zone) + " – " + format_when(*f.ends_at, zone);
}

bool is_live(ReleaseState s) {
    return s == ReleaseState::planned || s == ReleaseState::approved ||
           s == ReleaseState::deploying;
}

// Releases not yet finished whose window overlaps the freeze. For a weekly freeze only the
// upcoming releases are looked at: a recurring freeze overlaps every past week too, and a
// finished release needs no flag.
std::vector<Release> releases_inside(Context& ctx, const Freeze& f) {
    std::vector<Release> out;
    if (f.kind == FreezeKind::once) {
        for (auto& r : ctx.store.releases.in_range(ctx.workspace.id, *f.starts_at, *f.ends_at))
            if (is_live(r.state)) out.push_back(std::move(r));
        return out;
    }
    for (auto& r : ctx.store.releases.list(ctx.workspace.id, ReleaseFilter::upcoming, ctx.now)) {
        if (!is_live(r.state)) continue;
        if (first_weekly_overlap(f.weekday, f.from_minute, f.to_minute, f.time_zone, r.window_start,
                                 r.window_end()))
            out.push_back(std::move(r));
    }
    return out;
}

// "web-2026.12 (overridden: CEO signed off)" or "web-2026.12 ⚠ no override".
std::string flagged(const Release& r) {
    if (r.freeze_override) return r.key + " (overridden: " + *r.freeze_override + ")";
    return r.key + " ⚠ no override";
}

std::string flagged_list(const std::vector<Release>& rs) {
    std::vector<std::string> parts;
    for (const auto& r : rs) parts.push_back(flagged(r));
    return join(parts, "; ");
}

// A note for the reply of `freeze add` when releases already sit inside the new freeze.
void warn_inside(Context& ctx, const Freeze& f, Reply& reply) {
    auto inside = releases_inside(ctx, f);
    if (inside.empty()) return;
    std::vector<std::string> lines;
    for (const auto& r : inside) {
        lines.push_back(
            "• *" + r.key + "* (" + format_when(r.window_start, ctx.zone) + ")" +
            (r.freeze_override ? " — overridden: " + *r.freeze_override : " — no override"));
    }
    reply.section("Already planned inside this freeze:\n" + join(lines, "\n"));
    reply.context(kResolveHint);
}

// The reason typed for a new freeze, trimmed; refused when there is none.
Result<std::string> freeze_reason(const ParsedCommand& cmd, const std::string& example) {
    std::string reason(trim(cmd.get("reason"), kTypedSpace));
    if (!reason.empty()) return reason;
    return invalid("A freeze needs a reason, so people know why they cannot deploy. Example: `" +
                   example + "`");
}

// Saves the new freeze `f` (its kind and times set) for `reason`, made by the actor now and read
// in the actor's zone, audits it and answers with what was added and what it already holds. A
// weekly freeze keeps that zone, so the team's Friday does not shift when someone in another
// zone looks at it, nor across DST changes.
Reply save_freeze(Context& ctx, Freeze f, const std::string& reason) {
    f.workspace = ctx.workspace.id;
    f.time_zone = ctx.zone;
    f.reason = reason;
    f.created_by = ctx.actor.user;
    f.created_at = ctx.now;
    f.id = ctx.store.freezes.add(f);

    const std::string what = f.kind == FreezeKind::weekly ? "weekly freeze" : "freeze";
    const std::string number = std::to_string(f.id.value());
    const std::string label = when_label(f, ctx.zone);
    ctx.audit(std::nullopt, "freeze.add", what + " #" + number + " " + label + ": " + reason);

    Reply r;
    r.text = "Added " + what + " #" + number + ": " + label + " (" + reason + ")";
    r.section("Added " + what + " *#" + number + "*: " + label);
    r.fields({{"Reason", reason}, {"Set by", who(ctx.actor.user)}});
    warn_inside(ctx, f, r);
    r.context(
        "Releases planned or moved into it are refused unless a manager overrides. "
        "See all freezes with `freeze list`.");
    return r;
}

Result<Reply> freeze_add(Context& ctx, const ParsedCommand& cmd) {
    auto from = when_arg(ctx, cmd, "from");
    if (!from) return from.error();
    auto to = when_arg(ctx, cmd, "to");
    if (!to) return to.error();
    if (*to <= *from) {
        return invalid("The freeze would end (" + format_when(*to, ctx.zone) +
                       ") before it starts (" + format_when(*from, ctx.zone) +
                       "): the time after `to` must be later than the one before it. Example: `" +
                       kOnceExample + "`");
    }
    if (*to <= ctx.now) {
        return invalid("That freeze would already be over (it ends " + format_when(*to, ctx.zone) +
                       "): give a range that ends in the future.");
    }
    auto reason = freeze_reason(cmd, kOnceExample);
    if (!reason) return reason.error();

    Freeze f;
    f.kind = FreezeKind::once;
    f.starts_at = *from;
    f.ends_at = *to;
    return save_freeze(ctx, std::move(f), *reason);
}

// "12:00-23:59" → (720, 1439).
Result<std::pair<int, int>> parse_slot(const std::string& text) {
    auto bad = [&] {
        return invalid("`" + text +
                       "` is not a time range: write <from>-<to> in 24-hour time, like "
                       "`12:00-23:59`. Example: `" +
                       std::string(kWeeklyExample) + "`");
    };
    auto dash = text.find('-');
    if (dash == std::string::npos || text.find('-', dash + 1) != std::string::npos) return bad();
    auto from = parse_time_of_day(text.substr(0, dash));
    auto to = parse_time_of_day(text.substr(dash + 1));
    if (!from || !to || *from >= 1440) return bad();
    if (*from == *to) {
        return invalid("`" + text +
                       "` is an empty range: give different start and end times, or "
                       "`00:00-24:00` for the whole day.");
    }
    return std::make_pair(*from, *to);
}

Result<Reply> freeze_add_weekly(Context& ctx, const ParsedCommand& cmd) {
    const std::string& day_text = cmd.get("day");
    auto day = parse_weekday(day_text);
    if (!day) {
        return invalid("`" + day_text +
                       "` is not a day of the week: use mon, tue, wed, thu, fri, sat or sun. "
                       "Example: `" +
                       std::string(kWeeklyExample) + "`");
    }
    auto slot = parse_slot(cmd.get("range"));
    if (!slot) return slot.error();
    auto reason = freeze_reason(cmd, kWeeklyExample);
    if (!reason) return reason.error();

    Freeze f;
    f.kind = FreezeKind::weekly;
    f.weekday = *day;
    f.from_minute = slot->first;
    // 24:00 as the end is the same instant as 00:00 of the next day; storing 1440 keeps the
    // slot on its own day, which is what "fri 18:00-24:00" means.
    f.to_minute = slot->second;
    return save_freeze(ctx, std::move(f), *reason);
}

Result<Reply> freeze_list(Context& ctx, const ParsedCommand&) {
    auto freezes = ctx.store.freezes.list(ctx.workspace.id);
    if (freezes.empty()) {
        Reply r = Reply::plain("No freezes: releases can be planned at any time.");
        r.context("Add one with `" + std::string(kOnceExample) + "` or `" + kWeeklyExample + "`.");
        return r;
    }
    std::vector<std::vector<std::string>> rows;
    std::set<std::string> unresolved;  // a release inside two freezes counts once
    for (const auto& f : freezes) {
        std::string when = when_label(f, ctx.zone);
        if (f.kind == FreezeKind::once && *f.ends_at <= ctx.now) when += " (over)";
        auto inside = releases_inside(ctx, f);
        for (const auto& rel : inside)
            if (!rel.freeze_override) unresolved.insert(rel.key);
        rows.push_back({"#" + std::to_string(f.id.value()), when, f.reason, who(f.created_by),
                        inside.empty() ? "none" : flagged_list(inside)});
    }
    Reply r;
    r.text = "Freezes: " + plural(static_cast<long>(freezes.size()), "freeze", "freezes") + ".";
    r.header("Freezes");
    r.table({"#", "When", "Reason", "Set by", "Releases inside"}, std::move(rows));
    if (!unresolved.empty()) {
        r.section("⚠ " +
                  plural(static_cast<long>(unresolved.size()), "release is", "releases are") +
                  " planned inside a freeze with no override.");
        r.context(kResolveHint);
    }
    r.context("Times in " + ctx.zone + ". Remove a freeze with `freeze remove <#>`.");
    return r;
}

Result<Reply> freeze_remove(Context& ctx, const ParsedCommand& cmd) {
    std::string ref = cmd.get("id");
    std::string digits = ref.rfind('#', 0) == 0 ? ref.substr(1) : ref;
    bool numeric = digits.size() <= 12 && all_digits(digits);
    if (!numeric) {
        return usage_error("`" + ref +
                           "` is not a freeze number: give the number shown by `freeze list`, "
                           "like `freeze remove 2`.");
    }
    FreezeId id(std::stoll(digits));
    auto f = ctx.store.freezes.get(ctx.workspace.id, id);
    if (!f) {
        return not_found("There is no freeze #" + std::to_string(id.value()) +
                         ". Type `freeze list` to see the freezes and their numbers.");
    }
    ctx.store.freezes.remove(ctx.workspace.id, id);
    std::string label = when_label(*f, ctx.zone);
    ctx.audit(std::nullopt, "freeze.remove",
              "freeze #" + std::to_string(id.value()) + " " + label + ": " + f->reason);

    Reply r;
    r.text =
        "Removed freeze #" + std::to_string(id.value()) + ": " + label + " (" + f->reason + ")";
    r.section("Removed freeze *#" + std::to_string(id.value()) + "*: " + label + " (" + f->reason +
              ")");
    r.context("Releases can now be planned in that time. See the rest with `freeze list`.");
    return r;
}

}  // namespace

void register_freeze_commands(Registry& r) {
    r.add({.name = "freeze add",
           .args = {positional("from", ArgType::when, "<from>"),
                    keyword("to", "to", ArgType::when, "<to>"),
                    positional("reason", ArgType::text, "\"<reason>\"")},
           .summary = "Add a one-off freeze: no releases between two times",
           .example = kOnceExample,
           .details = "Times are read in your zone; a release planned or moved into the freeze "
                      "is refused unless a manager overrides.",
           .role = Role::manager,
           .changes_state = true,
           .handler = freeze_add});
    r.add({.name = "freeze add weekly",
           .args = {positional("day", ArgType::word, "<day>"),
                    positional("range", ArgType::word, "<from>-<to>"),
                    positional("reason", ArgType::text, "\"<reason>\"")},
           .summary = "Add a weekly freeze, e.g. no deploys on Friday afternoons",
           .example = kWeeklyExample,
           .details = "The day and times are read in your zone and stay in it, so a team's "
                      "Friday stays Friday for everyone. An end before the start runs past "
                      "midnight (`fri 22:00-02:00`).",
           .role = Role::manager,
           .changes_state = true,
           .handler = freeze_add_weekly});
    r.add({.name = "freeze list",
           .args = {},
           .summary = "List the freezes and the releases planned inside them",
           .example = "freeze list",
           .details = "One-off freezes show in your zone, weekly ones in the zone they were set "
                      "in. Releases planned inside a freeze are flagged, with their override.",
           .role = Role::member,
           .changes_state = false,
           .handler = freeze_list});
    r.add({.name = "freeze remove",
           .args = {positional("id", ArgType::word, "<#>")},
           .summary = "Remove a freeze by its number in `freeze list`",
           .example = "freeze remove 2",
           .details = "Releases may then be planned in that time again.",
           .role = Role::manager,
           .changes_state = true,
           .handler = freeze_remove});
}

}  // namespace releasebot
