// Tests of the iCalendar feed (integrations/calendar/calendar.hpp): the feed is fetched as a
// calendar client would, parsed back by a real iCalendar parser (Debian's python3-icalendar), and
// checked for what a subscriber sees — windows in UTC, stable UIDs, escaped text, folded CRLF
// lines, weekly freezes keeping their local hours across DST — and that a wrong token learns
// nothing.
#include "integrations/calendar/calendar.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <regex>

#include "integrations/http/http_server.hpp"
#include "support/loopback_http.hpp"
#include "support/temp_dir.hpp"
#include "support/test_env.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using releasebot::CalendarFeed;
using releasebot::HttpRequest;
using releasebot::HttpResponse;
using releasebot::HttpServer;
using releasebot::Instant;
using releasebot::test::TempDir;
using releasebot::test::TestEnv;

namespace {

// Parses the calendar with icalendar and answers JSON: the calendar's name and each event.
constexpr const char* kParser = R"py(
import json, sys, zoneinfo
import icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
berlin = zoneinfo.ZoneInfo('Europe/Berlin')
events = []
for ev in cal.walk('VEVENT'):
    start = ev.decoded('DTSTART')
    events.append({
        'uid': str(ev['UID']),
        'summary': str(ev['SUMMARY']),
        'description': str(ev.get('DESCRIPTION', '')),
        'status': str(ev.get('STATUS', '')),
        'start': start.isoformat(),
        'end': ev.decoded('DTEND').isoformat(),
        'stamp': ev.decoded('DTSTAMP').isoformat(),
        'start_berlin': start.astimezone(berlin).strftime('%a %H:%M'),
    })
print(json.dumps({'name': str(cal['X-WR-CALNAME']), 'version': str(cal['VERSION']),
                  'events': events}))
)py";

// Runs the parser over `ics`; the parsed calendar as JSON.
boost::json::object parse_with_icalendar(const std::string& ics) {
    TempDir dir;
    std::ofstream(dir.file("feed.ics"), std::ios::binary) << ics;
    std::ofstream(dir.file("parse.py")) << kParser;
    std::string cmd =
        "/usr/bin/python3 " + dir.file("parse.py") + " " + dir.file("feed.ics") + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[4096];
    while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    int status = pclose(p);
    INFO("python3-icalendar said: " << out);
    REQUIRE(status == 0);
    return boost::json::parse(out).as_object();
}

std::string token_of(const std::string& reply) {
    std::smatch m;
    std::regex re("token=([0-9]+\\.[0-9a-f]{64})");
    REQUIRE(std::regex_search(reply, m, re));
    return m[1];
}

HttpResponse get(CalendarFeed& feed, const std::string& target) {
    HttpRequest req;
    req.method = "GET";
    req.target = target;
    return feed.handle(req);
}

const boost::json::object* event_with_uid(const boost::json::object& cal, const std::string& uid) {
    for (const auto& e : cal.at("events").as_array())
        if (e.as_object().at("uid").as_string() == uid) return &e.as_object();
    return nullptr;
}

// A title with everything TEXT must escape, non-ASCII, and long enough to be folded.
const std::string kTitle =
    "Web December, with checkout; payments \\ search — größer und schöner als je zuvor, "
    "über alle Länder";

}  // namespace

TEST_CASE("The calendar feed opens in a real iCalendar parser", "[calendar]") {
    TestEnv env;
    env.zone = "Europe/Berlin";
    REQUIRE_THAT(env.say("alice", "release plan web-2026.12 \"" + kTitle +
                                      "\" at 2026-12-10 15:00 for 2h program web"),
                 Contains("Planned"));
    REQUIRE_THAT(env.say("alice", "release plan api-2027.01 \"API January\" at 2027-01-12 10:00"),
                 Contains("Planned"));
    REQUIRE_THAT(env.say("alice", "release plan old-2026.12 \"Dropped\" at 2026-12-03 10:00"),
                 Contains("Planned"));
    env.say("alice", "release cancel old-2026.12 \"not needed\"");
    REQUIRE_THAT(env.say("alice", "yes"), Contains("Cancelled"));
    REQUIRE_THAT(env.say("alice", "freeze add 2026-12-24 00:00 to 2026-12-27 00:00 \"Holidays\""),
                 Contains("Holidays"));
    REQUIRE_THAT(env.say("alice", "freeze add weekly fri 12:00-18:00 \"No Friday deploys\""),
                 Contains("No Friday deploys"));
    std::string token = token_of(env.run("alice", "calendar link").reply.text);

    CalendarFeed feed(env.db(), [&] { return env.clock().now(); });
    HttpResponse res = get(feed, "/calendar.ics?token=" + token);
    REQUIRE(res.status == 200);
    CHECK_THAT(res.content_type, StartsWith("text/calendar"));
    CHECK(res.headers.at("Cache-Control") == "private, max-age=300");

    SECTION("content lines are CRLF, at most 75 octets, and long ones are folded") {
        const std::string& ics = res.body;
        CHECK_THAT(ics, StartsWith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        CHECK(ics.ends_with("END:VCALENDAR\r\n"));
        std::size_t folded = 0, start = 0;
        while (start < ics.size()) {
            std::size_t end = ics.find("\r\n", start);
            REQUIRE(end != std::string::npos);  // no line without its CRLF
            std::string l = ics.substr(start, end - start);
            CHECK(l.find('\n') == std::string::npos);  // no bare LF inside
            CHECK(l.size() <= 75);
            if (!l.empty() && l[0] == ' ') ++folded;
            start = end + 2;
        }
        CHECK(folded >= 2);  // the long title, in SUMMARY and in DESCRIPTION
    }

    boost::json::object cal = parse_with_icalendar(res.body);
    CHECK(cal.at("version").as_string() == "2.0");
    CHECK(cal.at("name").as_string() == "Releases — local");

    SECTION("a release window is an event in UTC with its status") {
        auto web = env.store().releases.find(env.store().workspaces.find("console", "local")->id,
                                             "web-2026.12");
        const auto* e =
            event_with_uid(cal, "release-" + std::to_string(web->id.value()) + "@releasebot");
        REQUIRE(e != nullptr);
        // 15:00 in Berlin is 14:00 UTC.
        CHECK(e->at("start").as_string() == "2026-12-10T14:00:00+00:00");
        CHECK(e->at("end").as_string() == "2026-12-10T16:00:00+00:00");
        CHECK(e->at("stamp").as_string() == "2026-12-01T09:00:00+00:00");
        // Escaping and folding are undone by the parser: the title comes back exactly.
        CHECK(e->at("summary").as_string() == "Release web-2026.12 — " + kTitle + " [planned]");
        std::string description(e->at("description").as_string());
        CHECK_THAT(description, StartsWith(kTitle + "\nStatus: planned, "));
        CHECK_THAT(description, Contains("blockers"));
        CHECK_THAT(description, Contains("\nPrograms: web\nOwner: alice"));
        CHECK(e->at("status").as_string() == "TENTATIVE");
    }
    SECTION("a cancelled release stays, marked cancelled") {
        bool found = false;
        for (const auto& v : cal.at("events").as_array()) {
            const auto& e = v.as_object();
            if (e.at("summary").as_string() != "Release old-2026.12 — Dropped [cancelled]")
                continue;
            found = true;
            CHECK(e.at("status").as_string() == "CANCELLED");
            CHECK_THAT(std::string(e.at("description").as_string()),
                       Contains("Status: cancelled (not needed)"));
        }
        CHECK(found);
    }
    SECTION("a one-off freeze is one event") {
        const auto* e = event_with_uid(cal, "freeze-1@releasebot");
        REQUIRE(e != nullptr);
        CHECK(e->at("summary").as_string() == "Freeze: Holidays");
        CHECK(e->at("start").as_string() == "2026-12-23T23:00:00+00:00");
        CHECK(e->at("end").as_string() == "2026-12-26T23:00:00+00:00");
    }
    SECTION("a weekly freeze keeps its Berlin hours across the DST change") {
        int weekly = 0;
        bool winter = false, summer = false;
        for (const auto& v : cal.at("events").as_array()) {
            const auto& e = v.as_object();
            if (e.at("summary").as_string() != "Freeze: No Friday deploys") continue;
            ++weekly;
            CHECK(e.at("start_berlin").as_string() == "Fri 12:00");
            CHECK_THAT(std::string(e.at("uid").as_string()), StartsWith("freeze-2-"));
            std::string start(e.at("start").as_string());
            if (start == "2026-12-04T11:00:00+00:00") winter = true;  // CET, UTC+1
            if (start == "2027-04-02T10:00:00+00:00") summer = true;  // CEST, UTC+2
        }
        CHECK(weekly >= 29);  // 4 weeks back and 26 ahead
        CHECK(winter);
        CHECK(summer);
    }
    SECTION("UIDs are stable: a moved release is the same event at a new time") {
        REQUIRE_THAT(env.say("alice", "release move web-2026.12 to 2026-12-09 15:00"),
                     Contains("Moved"));
        auto again = parse_with_icalendar(get(feed, "/calendar.ics?token=" + token).body);
        auto web = env.store().releases.find(env.store().workspaces.find("console", "local")->id,
                                             "web-2026.12");
        const auto* e =
            event_with_uid(again, "release-" + std::to_string(web->id.value()) + "@releasebot");
        REQUIRE(e != nullptr);
        CHECK(e->at("start").as_string() == "2026-12-09T14:00:00+00:00");
        CHECK(again.at("events").as_array().size() == cal.at("events").as_array().size());
    }
}

TEST_CASE("The calendar feed gives a wrong token nothing to learn from", "[calendar]") {
    TestEnv env;
    env.say("alice", "release plan web-2026.12 \"Web\" at 2026-12-10 14:00");
    std::string token = token_of(env.run("alice", "calendar link").reply.text);
    CalendarFeed feed(env.db(), [&] { return env.clock().now(); });
    REQUIRE(get(feed, "/calendar.ics?token=" + token).status == 200);

    std::string flipped = token;
    flipped.back() = flipped.back() == '0' ? '1' : '0';
    const std::string other_workspace = "99" + token.substr(token.find('.'));
    HttpResponse missing = get(feed, "/calendar.ics");
    for (const std::string& target : std::vector<std::string>{
             "/calendar.ics?token=" + flipped, "/calendar.ics?token=" + other_workspace,
             "/calendar.ics?token=", "/calendar.ics?token=nonsense", "/calendar.ics?tok=" + token,
             "/calendar.ics?token=" + token.substr(0, token.size() - 1)}) {
        INFO(target);
        HttpResponse res = get(feed, target);
        CHECK(res.status == 404);
        CHECK(res.body == missing.body);  // the same answer, whatever was wrong
        CHECK(res.body.find("BEGIN:VCALENDAR") == std::string::npos);
    }
    CHECK(missing.status == 404);
    CHECK_THAT(missing.body, Contains("calendar link"));

    SECTION("a rotated link stops the old one") {
        env.say("alice", "calendar link rotate");
        std::string fresh = token_of(env.run("alice", "yes").reply.text);
        CHECK(fresh != token);
        CHECK(get(feed, "/calendar.ics?token=" + token).status == 404);
        CHECK(get(feed, "/calendar.ics?token=" + fresh).status == 200);
    }
    SECTION("only GET") {
        HttpRequest req;
        req.method = "POST";
        req.target = "/calendar.ics?token=" + token;
        HttpResponse res = feed.handle(req);
        CHECK(res.status == 405);
        CHECK(res.headers.at("Allow") == "GET, HEAD");
    }
}

TEST_CASE("The calendar feed over HTTP on loopback", "[calendar][http]") {
    TempDir dir;
    TestEnv env(dir.file("releasebot.db"));
    env.say("alice", "release plan web-2026.12 \"Web\" at 2026-12-10 14:00");
    std::string token = token_of(env.run("alice", "calendar link").reply.text);
    CalendarFeed feed(env.db(), [&] { return env.clock().now(); });
    HttpServer server;
    feed.mount(server);
    int port = server.start("127.0.0.1", 0);
    std::string base = "http://127.0.0.1:" + std::to_string(port);

    auto good = releasebot::test::http_call("GET", base + "/calendar.ics?token=" + token);
    CHECK(good.status == 200);
    CHECK(good.headers["content-type"] == "text/calendar; charset=utf-8");
    CHECK_THAT(good.body, Contains("SUMMARY:Release web-2026.12 — Web [planned]\r\n"));
    auto bad =
        releasebot::test::http_call("GET", base + "/calendar.ics?token=1." + std::string(64, 'a'));
    CHECK(bad.status == 404);
    CHECK(bad.body.find("VEVENT") == std::string::npos);
    server.stop();
}
