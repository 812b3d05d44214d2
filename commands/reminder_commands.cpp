// `remind …` commands: a release's own reminder offsets, the reminders still to come, and
// snoozing a reminder from its message.
#include <algorithm>

#include "commands/commands.hpp"
#include "commands/handler_support.hpp"
#include "commands/registry.hpp"
#include "commands/release_jobs.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"

namespace releasebot {

namespace {

constexpr std::size_t kMaxOffsets = 10;

// What a list of offsets is trimmed of: spaces and tabs.
constexpr std::string_view kBlanks = " \t";

// "T-1h" for -3600 s.
std::string offset_label(Seconds offset) {
    return "T-" + lead_time(-offset);
}

// "-2d,-1h,-15m" (the minus optional, "T-2d" accepted) → negative offsets, ascending, no
// duplicates. "default" → empty, meaning the defaults.
Result<std::vector<Seconds>> parse_offsets(const std::string& text, const std::string& key) {
    std::string example = "`remind " + key + " at -2d,-1h,-15m`";
    if (iequals(trim(text, kBlanks), "default") || iequals(trim(text, kBlanks), "defaults"))
        return std::vector<Seconds>{};
    std::vector<Seconds> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        if (comma == std::string::npos) comma = text.size();
        std::string piece(trim(std::string_view(text).substr(start, comma - start), kBlanks));
        start = comma + 1;
        if (piece.empty()) continue;
        std::string_view d = piece;
        if (d.size() > 1 && (d[0] == 'T' || d[0] == 't') && (d[1] == '-' || d[1] == '+'))
            d.remove_prefix(1);
        if (!d.empty() && d[0] == '+')
            return invalid("`" + piece +
                           "` would be after the window starts; reminders come "
                           "before it. Write each as a time before the start, like " +
                           example + ".");
        if (!d.empty() && d[0] == '-') d.remove_prefix(1);
        auto parsed = parse_duration(trim(d, kBlanks));
        if (!parsed)
            return invalid("`" + piece +
                           "` is not a reminder time. Write each as a duration "
                           "before the window, separated by commas, like " +
                           example + ".");
        out.push_back(-*parsed);
    }
    if (out.empty())
        return invalid("Say when to remind, like " + example + ", or `remind " + key +
                       " at default` for T-24h, T-1h and T-15m.");
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    if (out.size() > kMaxOffsets)
        return invalid("That is " + std::to_string(out.size()) + " reminders; " +
                       std::to_string(kMaxOffsets) + " at most keep the channel readable.");
    return out;
}

Result<Reply> remind_at(Context& ctx, const ParsedCommand& cmd) {
    auto rel = load_release(ctx, cmd.get("release"));
    if (!rel) return rel.error();
    RB_TRY(accepts(*rel, model::Change::remind, "remind"));
    auto offsets = parse_offsets(cmd.get("offsets"), rel->key);
    if (!offsets) return offsets.error();
    bool defaults = offsets->empty();
    ctx.store.releases.set_reminder_offsets(rel->id, *offsets);
    schedule_release_jobs(ctx, *rel);

    std::vector<std::string> labels;
    std::vector<std::vector<std::string>> rows;
    for (Seconds o : reminder_offsets(ctx, *rel)) {
        Instant at = rel->window_start + o;
        labels.push_back(offset_label(o));
        rows.push_back({offset_label(o), format_when(at, ctx.zone),
                        at > ctx.now ? "scheduled" : "skipped: already past"});
    }
    ctx.audit(rel->id, "reminder.set",
              (defaults ? "back to the defaults " : std::string()) + join(labels, ", "),
              /*changes_release=*/false);
    Reply reply;
    reply.text = "Reminders for " + rel->key + " at " + join_and(labels) +
                 (defaults ? " (the defaults)." : ".");
    reply.section("Reminders for *" + rel->key + "* at " + join_and(labels) +
                  (defaults ? " (the defaults)." : "."));
    reply.table({"When", "At", ""}, std::move(rows));
    reply.context(
        "They go to the release's channel, with a direct message to everyone who "
        "still has a control or step open. See them with `remind list " +
        rel->key + "`.");
    return reply;
}

Result<Reply> remind_list(Context& ctx, const ParsedCommand& cmd) {
    auto rel = load_release(ctx, cmd.get("release"));
    if (!rel) return rel.error();
    std::vector<std::vector<std::string>> rows;
    for (const auto& j : ctx.store.jobs.pending_for(rel->id)) {
        std::string what;
        if (j.kind == kReminderJob) {
            Seconds before = rel->window_start - j.due_at;
            what =
                j.payload == "snooze" ? "Snoozed reminder" : "Reminder, " + offset_label(-before);
        } else if (j.kind == kWindowPassedJob) {
            what = "Window check: nag the owner if not started or closed";
        } else if (j.kind == kCommsJob) {
            what = "Communication #" + j.payload + " goes out";
        } else {
            continue;
        }
        rows.push_back({format_when(j.due_at, ctx.zone), what});
    }
    auto own = ctx.store.releases.reminder_offsets(rel->id);
    std::vector<std::string> labels;
    for (Seconds o : reminder_offsets(ctx, *rel)) labels.push_back(offset_label(o));
    std::string setting = "Reminders at " + join_and(labels) +
                          (own.empty() ? " (the defaults)" : "") + "; change them with `remind " +
                          rel->key + " at <offsets>`.";
    if (rows.empty()) {
        std::string msg = "Nothing is scheduled for " + rel->key + " (it is " +
                          to_string(rel->state) + ", window " +
                          format_when(rel->window_start, ctx.zone) + ").";
        Reply reply = Reply::plain(msg);
        if (model::allows(rel->state, model::Change::remind)) reply.context(setting);
        return reply;
    }
    Reply reply;
    std::string head = "Scheduled for " + rel->key + ": " +
                       plural(static_cast<long>(rows.size()), "message", "messages") +
                       " (times in " + ctx.zone + ")";
    reply.text = head + ".";
    reply.section("*" + head + "*");
    reply.table({"At", "What"}, std::move(rows));
    reply.context(setting);
    return reply;
}

Result<Reply> remind_snooze(Context& ctx, const ParsedCommand& cmd) {
    auto rel = load_release(ctx, cmd.get("release"));
    if (!rel) return rel.error();
    RB_TRY(accepts(*rel, model::Change::remind, "remind snooze"));
    const std::string& word = cmd.get("for");
    Seconds wait{0};
    if (iequals(word, "tomorrow")) {
        wait = std::chrono::hours(24);
    } else {
        auto d = parse_duration(word);
        if (!d)
            return invalid("`" + word + "` is not a snooze time: type `remind snooze " + rel->key +
                           " 30m`, `1h` or `tomorrow` (any duration works, like "
                           "`10m`).");
        wait = *d;
    }
    if (rel->window_start <= ctx.now)
        return conflict("The window of " + rel->key + " started " +
                        format_when(rel->window_start, ctx.zone) +
                        ", so there is nothing left to remind about. Start it with `release "
                        "start " +
                        rel->key + "` or move it with `release move " + rel->key + " to <when>`.");
    Instant at = ctx.now + wait;
    if (at >= rel->window_start) {
        Seconds left = rel->window_start - ctx.now;
        return conflict(rel->key + " starts in " + format_duration(left) + " (" +
                        format_when(rel->window_start, ctx.zone) + "), before a " +
                        format_duration(wait) + " snooze would end. Snooze for less than " +
                        format_duration(left) + ", like `remind snooze " + rel->key + " " +
                        format_duration(std::max(Seconds(60), left / 2 / 60 * 60)) + "`.");
    }
    ScheduledJob j;
    j.workspace = rel->workspace;
    j.release = rel->id;
    j.kind = kReminderJob;
    j.due_at = at;
    j.payload = "snooze";
    ctx.store.jobs.schedule(j);
    ctx.audit(rel->id, "reminder.snooze",
              "for " + format_duration(wait) + ", until " + format_short(at, "UTC") + " UTC",
              /*changes_release=*/false);
    Reply reply = Reply::plain("Snoozed: the reminder for *" + rel->key + "* comes back " +
                               format_when(at, ctx.zone) + " (in " + lead_time(wait) + ").");
    reply.context(rel->key + " starts " + format_when(rel->window_start, ctx.zone) + ".");
    return reply;
}

ArgSpec release_arg() {
    return positional("release", ArgType::key, "<release>");
}

}  // namespace

void register_reminder_commands(Registry& r) {
    r.add({.name = "remind",
           .args = {release_arg(), keyword("at", "offsets", ArgType::text, "<offsets>")},
           .summary = "Set when a release's reminders go out, before its window",
           .example = "remind web-2026.12 at -2d,-1h,-15m",
           .details = "Each offset is a duration before the window starts, separated by commas "
                      "(the minus is optional). `remind <release> at default` goes back to "
                      "T-24h, T-1h and T-15m. Reminders already past are skipped. Each reminder "
                      "goes to the release's channel, and by direct message to the owners of "
                      "controls and steps still open.",
           .role = Role::member,
           .changes_state = true,
           .handler = remind_at});
    r.add({.name = "remind list",
           .args = {release_arg()},
           .summary = "The reminders and checks still to come for a release",
           .example = "remind list web-2026.12",
           .role = Role::member,
           .handler = remind_list});
    r.add({.name = "remind snooze",
           .args = {release_arg(), positional("for", ArgType::text, "30m|1h|tomorrow")},
           .summary = "Bring a release's reminder back later (the buttons on a reminder do this)",
           .example = "remind snooze web-2026.12 30m",
           .details = "30m, 1h, tomorrow, or any duration that ends before the window starts.",
           .role = Role::member,
           .changes_state = true,
           .handler = remind_snooze});
}

}  // namespace releasebot
