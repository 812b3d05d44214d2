// `audit <release> [csv|json]`: a release's audit log, oldest first, as a table in the reader's
// zone, or exported as RFC 4180 CSV or a JSON array for auditors and spreadsheets.
// `audit workspace [since <when>] [page <n>] [csv|json]`: the entries that belong to no release
// (freezes, roles, control and retro templates, channels, secrets), newest first, a page at a
// time. Exports carry UTC times in ISO 8601 so they sort and compare without a zone, and every
// detail whole; only the chat table shortens a long detail.
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "commands/handler_support.hpp"
#include "commands/registry.hpp"
#include "commands/reply_markup.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"

namespace releasebot {

namespace {

std::string to_csv(const std::vector<AuditEntry>& entries) {
    std::string out = "at_utc,actor,action,detail\r\n";
    for (const auto& e : entries) {
        out += csv_field(utc_timestamp(e.at)) + "," + csv_field(e.actor.value()) + "," +
               csv_field(e.action) + "," + csv_field(plain_mentions(e.detail)) + "\r\n";
    }
    return out;
}

std::string to_json(const std::vector<AuditEntry>& entries) {
    boost::json::array arr;
    arr.reserve(entries.size());
    for (const auto& e : entries) {
        arr.push_back(boost::json::object{{"at", utc_timestamp(e.at)},
                                          {"actor", e.actor.value()},
                                          {"action", e.action},
                                          {"detail", plain_mentions(e.detail)}});
    }
    return boost::json::serialize(arr);
}

// An export goes in a code block so chat clients show it verbatim and copyable. `of` is
// "web-2026.12" or "the workspace".
Reply export_reply(const std::string& of, const std::string& format, const std::string& body,
                   std::size_t n) {
    Reply r;
    r.text = "Audit log of " + of + " as " + format + " (" +
             plural(static_cast<long>(n), "entry", "entries") + ")";
    r.context("Audit log of *" + of + "* as " + format + ", " +
              plural(static_cast<long>(n), "entry", "entries") + ", times in UTC:");
    r.section("```\n" + body + (body.ends_with("\n") ? "" : "\n") + "```");
    return r;
}

Result<Reply> audit_show(Context& ctx, const ParsedCommand& cmd) {
    auto rel = load_release(ctx, cmd.get("release"));
    if (!rel) return rel.error();
    auto entries = ctx.store.audit.for_release(rel->id);
    const std::string format = cmd.get("format");
    if (format == "csv") return export_reply(rel->key, "CSV", to_csv(entries), entries.size());
    if (format == "json") return export_reply(rel->key, "JSON", to_json(entries), entries.size());

    Reply r;
    r.text = "Audit log of " + rel->key + ": " +
             plural(static_cast<long>(entries.size()), "entry", "entries") + ".";
    r.header("Audit log of " + rel->key + " — " + rel->title);
    if (entries.empty()) {
        r.section("Nothing recorded yet.");
    } else {
        std::vector<std::vector<std::string>> rows;
        rows.reserve(entries.size());
        for (const auto& e : entries) {
            rows.push_back({format_short(e.at, ctx.zone), who(e.actor), e.action, e.detail});
        }
        r.table({"When (" + ctx.zone + ")", "Who", "Action", "Detail"}, std::move(rows));
    }
    r.context("Export it with `audit " + rel->key + " csv` or `audit " + rel->key + " json`.");
    return r;
}

// ---------------------------------------------------------------------------------------------
// audit workspace

constexpr std::size_t kPageSize = 20;     // rows of one chat message
constexpr std::size_t kShownDetail = 80;  // code points of a detail in the chat table

bool starts_code_point(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
}

// `detail` on one line and at most kShownDetail code points, ending in "…" when cut. A cut
// never splits a <@U123> mention, which would show as broken markup: the mention goes whole.
std::string shown_detail(const std::string& detail) {
    std::string one = detail;
    std::replace(one.begin(), one.end(), '\n', ' ');
    if (code_points(one) <= kShownDetail) return one;
    std::size_t n = 0;
    std::size_t end = 0;
    std::size_t mention = std::string::npos;  // where an open <@… began
    for (; end < one.size(); ++end) {
        char c = one[end];
        if (!starts_code_point(c)) continue;
        if (++n > kShownDetail - 1) break;
        if (c == '<' && end + 1 < one.size() && one[end + 1] == '@') mention = end;
        if (c == '>') mention = std::string::npos;
    }
    if (mention != std::string::npos) end = mention;
    std::string out = one.substr(0, end);
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "…";
}

// The start of `since <when>`: a time as `when` takes it, or a duration meaning that long ago
// ("7d": the last seven days). Refused when it lies ahead, since nothing is recorded there.
Result<Instant> since_arg(Context& ctx, const ParsedCommand& cmd) {
    const std::string& text = cmd.get("since");
    auto at = when_arg(ctx, cmd, "since");
    if (!at) {
        auto ago = parse_duration(text);
        if (!ago)
            return Error{at.error().kind, at.error().message +
                                              " Or say how far back, e.g. `audit workspace "
                                              "since 7d` for the last seven days."};
        return ctx.now - *ago;
    }
    if (*at > ctx.now)
        return invalid("`since " + text + "` is " + format_when(*at, ctx.zone) +
                       ", which has not come yet: the log holds only what happened. Give a "
                       "time before now, e.g. `audit workspace since " +
                       format_short(ctx.now - std::chrono::hours(24 * 7), ctx.zone) +
                       "`, or how far back, e.g. `audit workspace since 7d`.");
    return *at;
}

Result<Reply> audit_workspace(Context& ctx, const ParsedCommand& cmd) {
    std::optional<Instant> since;
    if (cmd.has("since")) {
        auto at = since_arg(ctx, cmd);
        if (!at) return at.error();
        since = *at;
    }
    const std::string format = cmd.get("format");
    const std::string since_words = since ? " since " + cmd.get("since") : "";
    if (!format.empty() && cmd.has("page"))
        return usage_error("`page` is for the list in chat; a " + format +
                           " export holds every entry. Type `audit workspace" + since_words + " " +
                           format + "` without `page " + cmd.get("page") + "`.");

    auto entries = ctx.store.audit.workspace_since(ctx.workspace.id, since.value_or(Instant{}));
    if (!format.empty()) {
        // Exports read oldest first, like a release's.
        std::reverse(entries.begin(), entries.end());
        const std::string body = format == "csv" ? to_csv(entries) : to_json(entries);
        return export_reply("the workspace", format == "csv" ? "CSV" : "JSON", body,
                            entries.size());
    }

    const std::string since_text =
        since ? " since " + format_short(*since, ctx.zone) + " (" + ctx.zone + ")" : "";
    const std::size_t total = entries.size();
    const std::size_t pages = std::max<std::size_t>(1, (total + kPageSize - 1) / kPageSize);
    std::size_t page = 1;
    if (cmd.has("page")) {
        const std::string& n = cmd.get("page");
        page = n.size() > 6 ? pages + 1 : std::stoul(n);
        if (page < 1 || page > pages)
            return not_found("The workspace's audit log has " +
                             plural(static_cast<long>(total), "entry", "entries") + since_text +
                             ", " + plural(static_cast<long>(pages), "page", "pages") + " of " +
                             std::to_string(kPageSize) + "; there is no page " + n +
                             ". Type `audit workspace" + since_words +
                             (pages > 1 ? " page " + std::to_string(pages) + "` for the oldest."
                                        : "` to see them."));
    }

    Reply r;
    r.header("Workspace audit log" + since_text);
    if (entries.empty()) {
        r.text = "Workspace audit log" + since_text + ": no entries.";
        r.section("Nothing recorded" + (since ? since_text : " for the workspace yet") +
                  ". Freezes, roles, control and retro templates, channels and secrets show "
                  "here when they change.");
        r.context("Changes to a release are in `audit <release>`.");
        return r;
    }
    const std::size_t first = (page - 1) * kPageSize;
    const std::size_t last = std::min(total, first + kPageSize);
    r.text = "Workspace audit log" + since_text + ": " +
             plural(static_cast<long>(total), "entry", "entries") + ", newest first.";
    std::vector<std::vector<std::string>> rows;
    rows.reserve(last - first);
    for (std::size_t i = first; i < last; ++i) {
        const auto& e = entries[i];
        rows.push_back(
            {format_short(e.at, ctx.zone), who(e.actor), e.action, shown_detail(e.detail)});
    }
    r.table({"When (" + ctx.zone + ")", "Who", "Action", "Detail"}, std::move(rows));
    std::string where = "Entries " + std::to_string(first + 1) + "–" + std::to_string(last) +
                        " of " + std::to_string(total) + ", newest first.";
    if (last < total)
        where +=
            " Older: `audit workspace" + since_words + " page " + std::to_string(page + 1) + "`.";
    r.context(where);
    r.context("Long details are shortened here; `audit workspace" + since_words +
              " csv` or `json` has them whole. Changes to a release are in `audit <release>`.");
    return r;
}

}  // namespace

void register_audit_commands(Registry& r) {
    r.add({.name = "audit",
           .args = {positional("release", ArgType::key, "<release>"),
                    choice("format", {"csv", "json"}, false)},
           .summary = "Show who changed what and when in a release, or export it",
           .example = "audit web-2026.12 csv",
           .details = "Without a format: a table in your zone. `csv` gives RFC 4180 CSV and "
                      "`json` a JSON array, both with UTC times in ISO 8601.",
           .role = Role::member,
           .changes_state = false,
           .handler = audit_show});
    r.add({.name = "audit workspace",
           .args = {optional_keyword("since", "since", ArgType::when, "<when>"),
                    optional_keyword("page", "page", ArgType::integer, "<n>"),
                    choice("format", {"csv", "json"}, false)},
           .summary = "Show who changed the workspace (freezes, roles, templates, channels, "
                      "secrets) and when",
           .example = "audit workspace since 7d",
           .details = "Newest first, " + std::to_string(kPageSize) +
                      " entries a page (`page 2` for older ones), long details shortened. "
                      "`since` takes a time (`since 2026-12-01`) or how far back (`since 7d`). "
                      "`csv` or `json` exports every entry whole, oldest first, with UTC times.",
           .role = Role::member,
           .changes_state = false,
           .handler = audit_workspace});
}

}  // namespace releasebot
