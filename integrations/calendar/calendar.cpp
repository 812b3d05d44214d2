// The iCalendar feed: render_calendar() is pure text building (RFC 5545 sections 3.1 content
// lines and folding, 3.3.11 TEXT escaping, 3.6.1 VEVENT), load_calendar() reads the workspace,
// CalendarFeed is the HTTP shell. Calendar clients poll a feed every few minutes to hours, so
// one request reads a workspace's releases once and renders in microseconds.
#include "integrations/calendar/calendar.hpp"

#include <chrono>

#include "commands/gate.hpp"
#include "commands/reply_markup.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"
#include "commands/timers.hpp"
#include "integrations/http/form.hpp"
#include "storage/database.hpp"
#include "storage/store.hpp"
#include "storage/workspace_secret_repo.hpp"

namespace releasebot {

namespace {

// Weekly freezes are listed from this far back to this far ahead of now.
constexpr auto kPastHorizon = std::chrono::weeks(4);
constexpr auto kFutureHorizon = std::chrono::weeks(26);
constexpr std::size_t kMaxLineOctets = 75;
// Releases whose window ended longer ago than this are left out.
constexpr auto kHistory = std::chrono::days(366);

// "20261205T140000Z" (DATE-TIME in UTC, RFC 5545 3.3.5 form #2).
std::string utc_stamp(Instant t) {
    return utc_timestamp(t, UtcForm::basic);
}

// TEXT value escaping (3.3.11): backslash, semicolon and comma escaped, line breaks as \n.
std::string escape_text(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case ';':
                out += "\\;";
                break;
            case ',':
                out += "\\,";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                if (i + 1 < s.size() && s[i + 1] == '\n') break;  // CRLF is one break
                out += "\\n";
                break;
            default:
                // Other control characters are not allowed in TEXT; drop them.
                if (static_cast<unsigned char>(c) < 0x20 && c != '\t') break;
                out += c;
        }
    }
    return out;
}

// Appends one content line, folded (3.1): no line longer than 75 octets, continuation lines
// start with a space, and a fold never splits a UTF-8 sequence.
void line(std::string& out, std::string_view content) {
    std::size_t limit = kMaxLineOctets;  // the first line has all 75; later ones 74 + the space
    while (content.size() > limit) {
        const std::size_t cut = character_boundary(content, limit);
        out.append(content.substr(0, cut)).append("\r\n ");
        content.remove_prefix(cut);
        limit = kMaxLineOctets - 1;
    }
    out.append(content).append("\r\n");
}

void property(std::string& out, std::string_view name, std::string_view value) {
    std::string l(name);
    l += ':';
    l += value;
    line(out, l);
}

void text_property(std::string& out, std::string_view name, std::string_view value) {
    property(out, name, escape_text(value));
}

std::string status_of(ReleaseState s) {
    switch (s) {
        case ReleaseState::planned:
            return "TENTATIVE";
        case ReleaseState::cancelled:
            return "CANCELLED";
        default:
            return "CONFIRMED";
    }
}

std::string name_of(const CalendarData& data, const UserId& u) {
    auto it = data.display_names.find(u.value());
    return it != data.display_names.end() && !it->second.empty() ? it->second : u.value();
}

void release_event(std::string& out, const CalendarData& data, std::size_t i, Instant now,
                   const std::string& host) {
    const Release& r = data.releases[i];
    std::string state = to_string(r.state);
    if (r.state == ReleaseState::planned) {
        int n = i < data.blockers.size() ? data.blockers[i] : 0;
        state += n == 0 ? ", ready for go"
                        : ", " + std::to_string(n) + (n == 1 ? " blocker" : " blockers");
    }
    std::string description = r.title + "\nStatus: " + state;
    if (r.state_reason) description += " (" + *r.state_reason + ")";
    if (!r.programs.empty()) {
        description += "\nPrograms: ";
        for (std::size_t p = 0; p < r.programs.size(); ++p)
            description += (p ? ", " : "") + r.programs[p];
    }
    if (r.env) description += "\nEnvironment: " + *r.env;
    description += "\nOwner: " + name_of(data, r.owner);
    if (i < data.components.size()) {
        for (const auto& c : data.components[i])
            description += "\nComponent: " + c.program + "/" + c.name + " " + c.version;
    }
    description += "\nIn chat: release show " + r.key;

    line(out, "BEGIN:VEVENT");
    property(out, "UID", "release-" + std::to_string(r.id.value()) + "@" + host);
    property(out, "DTSTAMP", utc_stamp(now));
    property(out, "DTSTART", utc_stamp(r.window_start));
    property(out, "DTEND", utc_stamp(r.window_end()));
    property(out, "CREATED", utc_stamp(r.created_at));
    property(out, "LAST-MODIFIED", utc_stamp(r.updated_at));
    text_property(out, "SUMMARY",
                  "Release " + r.key + " — " + r.title + " [" + to_string(r.state) + "]");
    text_property(out, "DESCRIPTION", plain_mentions(description));
    text_property(out, "CATEGORIES", "Release");
    property(out, "STATUS", status_of(r.state));
    property(out, "TRANSP", "OPAQUE");
    line(out, "END:VEVENT");
}

void freeze_event(std::string& out, const Freeze& f, const std::string& uid, Instant start,
                  Instant end, Instant now) {
    std::string description = "Deployment freeze: " + f.reason +
                              "\nReleases planned inside it need a manager's override.";
    line(out, "BEGIN:VEVENT");
    property(out, "UID", uid);
    property(out, "DTSTAMP", utc_stamp(now));
    property(out, "DTSTART", utc_stamp(start));
    property(out, "DTEND", utc_stamp(end));
    property(out, "CREATED", utc_stamp(f.created_at));
    text_property(out, "SUMMARY", "Freeze: " + f.reason);
    text_property(out, "DESCRIPTION", plain_mentions(description));
    text_property(out, "CATEGORIES", "Freeze");
    property(out, "STATUS", "CONFIRMED");
    property(out, "TRANSP", "OPAQUE");
    line(out, "END:VEVENT");
}

void freeze_events(std::string& out, const Freeze& f, Instant now, const std::string& host) {
    std::string uid = "freeze-" + std::to_string(f.id.value());
    if (f.kind == FreezeKind::once) {
        if (f.starts_at && f.ends_at)
            freeze_event(out, f, uid + "@" + host, *f.starts_at, *f.ends_at, now);
        return;
    }
    // Weekly: each occurrence is its own event with a UID stable for that date, because the
    // slot keeps its local hours across DST and a UTC RRULE could not say that.
    Instant from = now - kPastHorizon;
    const Instant to = now + kFutureHorizon;
    while (from < to) {
        auto slot =
            first_weekly_overlap(f.weekday, f.from_minute, f.to_minute, f.time_zone, from, to);
        if (!slot) break;
        freeze_event(out, f, uid + "-" + utc_stamp(slot->first).substr(0, 8) + "@" + host,
                     slot->first, slot->second, now);
        if (slot->second <= from) break;  // cannot happen; guards against a loop
        from = slot->second;
    }
}

}  // namespace

std::string render_calendar(const CalendarData& data, Instant now, const std::string& host) {
    std::string out;
    out.reserve(1024 + 600 * data.releases.size());
    line(out, "BEGIN:VCALENDAR");
    property(out, "VERSION", "2.0");
    property(out, "PRODID", "-//releasebot//releasebot " RELEASEBOT_VERSION "//EN");
    property(out, "CALSCALE", "GREGORIAN");
    property(out, "METHOD", "PUBLISH");
    std::string name =
        "Releases — " + (data.workspace.name.empty() ? data.workspace.tenant : data.workspace.name);
    text_property(out, "NAME", name);          // RFC 7986
    text_property(out, "X-WR-CALNAME", name);  // what most clients still read
    property(out, "REFRESH-INTERVAL;VALUE=DURATION", "PT15M");
    property(out, "X-PUBLISHED-TTL", "PT15M");
    for (std::size_t i = 0; i < data.releases.size(); ++i) release_event(out, data, i, now, host);
    for (const auto& f : data.freezes) freeze_events(out, f, now, host);
    line(out, "END:VCALENDAR");
    return out;
}

CalendarData load_calendar(Database& db, const Workspace& ws, Instant now) {
    Store store(db);
    CalendarData data;
    data.workspace = ws;
    // A feed of a busy workspace's whole history would grow without end; a year back is what a
    // calendar shows anyway.
    data.releases = store.releases.list(ws.id, ReleaseFilter::all, now);
    std::erase_if(data.releases, [&](const Release& r) { return r.window_end() < now - kHistory; });
    Context ctx = make_system_context(store, now, ws);
    for (const auto& r : data.releases) {
        data.blockers.push_back(
            r.state == ReleaseState::planned ? static_cast<int>(gate_blockers(ctx, r).size()) : 0);
        data.components.push_back(store.releases.components(r.id));
        if (!data.display_names.count(r.owner.value())) {
            auto p = store.workspaces.person(ws.id, r.owner);
            data.display_names[r.owner.value()] = p ? p->display_name : std::string();
        }
    }
    data.freezes = store.freezes.list(ws.id);
    return data;
}

CalendarFeed::CalendarFeed(Database& db, std::function<Instant()> now)
    : db_(db), now_(std::move(now)) {
    if (!now_) {
        now_ = [] { return std::chrono::floor<Seconds>(std::chrono::system_clock::now()); };
    }
}

void CalendarFeed::mount(HttpServer& server) {
    server.route("/calendar.ics", [this](const HttpRequest& req) { return handle(req); });
}

HttpResponse CalendarFeed::handle(const HttpRequest& req) {
    if (req.method != "GET") {
        HttpResponse r{
            405, "application/json", R"({"error":"The calendar is read with GET."})", {}};
        r.headers["Allow"] = "GET, HEAD";
        return r;
    }
    std::string path = req.target.substr(0, req.target.find('?'));
    // The same answer for a missing, malformed or wrong token: nothing to learn by guessing.
    const HttpResponse not_found{
        404,
        "application/json",
        R"({"error":"No calendar at this address. A manager can show the link with )"
        R"(`calendar link`."})",
        {}};
    if (path != "/calendar.ics") return not_found;
    std::string token = http::query_value(req.target, "token");
    auto ws_id = WorkspaceSecretRepo(db_).workspace_for_calendar_token(token);
    if (!ws_id) return not_found;
    auto ws = Store(db_).workspaces.get(*ws_id);
    if (!ws) return not_found;
    Instant now = now_();
    HttpResponse r{200,
                   "text/calendar; charset=utf-8",
                   render_calendar(load_calendar(db_, *ws, now), now),
                   {}};
    r.headers["Content-Disposition"] = "inline; filename=\"releases.ics\"";
    // The URL holds a secret: keep it out of shared caches.
    r.headers["Cache-Control"] = "private, max-age=300";
    return r;
}

}  // namespace releasebot
