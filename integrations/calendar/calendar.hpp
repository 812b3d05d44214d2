// The iCalendar feed of a workspace: GET /calendar.ics?token=… answers
// an RFC 5545 VCALENDAR with one VEVENT per release window and one per freeze, so a team can
// subscribe to its releases in any calendar client.
//
// Every time is in UTC ("…Z"), so no VTIMEZONE is needed; weekly freezes are expanded into
// their occurrences over a horizon (4 weeks back, 26 ahead) because an RRULE in UTC would drift
// an hour across DST changes. UIDs are stable ("release-<id>@<host>", "freeze-<id>[-<date>]@…"),
// so clients update events in place when a release moves. Lines end in CRLF and are folded at
// 75 octets without splitting a UTF-8 character; TEXT values are escaped (\\ \; \, \n).
//
// The token is the workspace's calendar token (storage/workspace_secret_repo.hpp). A missing or
// wrong token gets the same 404 either way, so the endpoint says nothing about which
// workspaces exist.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "integrations/http/http_server.hpp"
#include "storage/records.hpp"

namespace releasebot {

class Database;

// What one VCALENDAR shows. Releases in every state (a cancelled one as STATUS:CANCELLED, so
// subscribers see it go) whose window ended at most a year ago; `blockers[i]` is the number of
// go/no-go blockers of `releases[i]` when it is planned (shown in its DESCRIPTION), else 0.
struct CalendarData {
    Workspace workspace;
    std::vector<Release> releases;
    std::vector<int> blockers;
    std::vector<std::vector<Component>> components;    // components[i] of releases[i]
    std::map<std::string, std::string> display_names;  // user id → name, for owners
    std::vector<Freeze> freezes;
};

// The VCALENDAR text for `data`, stamped `now` (DTSTAMP); `host` is the domain part of UIDs.
std::string render_calendar(const CalendarData& data, Instant now,
                            const std::string& host = "releasebot");

// Reads a workspace's calendar from the database (releases, their blockers, freezes).
CalendarData load_calendar(Database& db, const Workspace& ws, Instant now);

class CalendarFeed {
  public:
    // `db` is used on the HTTP server's thread only: give it a connection no other thread uses
    // (or the same one the pipeline uses on that thread). `now` defaults to the system clock.
    explicit CalendarFeed(Database& db, std::function<Instant()> now = {});

    // GET /calendar.ics?token=<token>: 200 text/calendar; 404 for a missing or wrong token
    // (the same answer for both); 405 for other methods. Reads only.
    HttpResponse handle(const HttpRequest& req);

    // Mounts handle() at /calendar.ics on `server`.
    void mount(HttpServer& server);

  private:
    Database& db_;
    std::function<Instant()> now_;
};

}  // namespace releasebot
