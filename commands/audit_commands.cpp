// `audit <release> [csv|json]` (DESIGN.md M11): a release's audit log, oldest first, as a
// table in the reader's zone, or exported as RFC 4180 CSV or a JSON array for auditors and
// spreadsheets. Exports carry UTC times in ISO 8601 so they sort and compare without a zone.
#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "commands/handler_support.hpp"
#include "commands/registry.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"

namespace releasebot {

namespace {

// Exports are read outside chat, where <@U123> mention markup means nothing: "@U123" instead
// (and "@name" for the <@U123|name> form).
std::string plain_mentions(const std::string& text) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text.compare(i, 2, "<@") == 0) {
            auto close = text.find('>', i + 2);
            if (close != std::string::npos) {
                std::string inner = text.substr(i + 2, close - i - 2);
                if (!inner.empty() && inner.find_first_of(" \n<") == std::string::npos) {
                    auto bar = inner.find('|');
                    out += '@';
                    out += bar == std::string::npos || bar + 1 == inner.size()
                               ? inner.substr(0, bar)
                               : inner.substr(bar + 1);
                    i = close + 1;
                    continue;
                }
            }
        }
        out += text[i++];
    }
    return out;
}

// RFC 4180: a field holding a comma, quote or line break is quoted, its quotes doubled.
std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

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

// An export goes in a code block so chat clients show it verbatim and copyable.
Reply export_reply(const Release& rel, const std::string& format, const std::string& body,
                   std::size_t n) {
    Reply r;
    r.text = "Audit log of " + rel.key + " as " + format + " (" +
             plural(static_cast<long>(n), "entry", "entries") + ")";
    r.context("Audit log of *" + rel.key + "* as " + format + ", " +
              plural(static_cast<long>(n), "entry", "entries") + ", times in UTC:");
    r.section("```\n" + body + (body.ends_with("\n") ? "" : "\n") + "```");
    return r;
}

Result<Reply> audit_show(Context& ctx, const ParsedCommand& cmd) {
    auto rel = load_release(ctx, cmd.get("release"));
    if (!rel) return rel.error();
    auto entries = ctx.store.audit.for_release(rel->id);
    const std::string format = cmd.get("format");
    if (format == "csv") return export_reply(*rel, "CSV", to_csv(entries), entries.size());
    if (format == "json") return export_reply(*rel, "JSON", to_json(entries), entries.size());

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
}

}  // namespace releasebot
