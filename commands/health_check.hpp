// A release control's health check in the domain. `control check
// <release> <control> <url>|off` (control_commands.cpp) sets or removes the URL; the
// health-check worker (integrations/http/health_check_worker.hpp) polls it off the event thread in
// the lead time before the window and hands each poll's outcome back as the webhook action
// "healthcheck.result", which record_health_check_result() stores. A 2xx answer ticks the
// control as releasebot, with the answer as the tick's evidence, and says so in the release's
// conversation; any other outcome is only recorded (and announced once, at the first poll).
//
// A health-check URL may carry a token in its query string, so it is shown, audited and logged
// only as display_url() gives it: without user info, query or fragment.
#pragma once

#include <map>
#include <string>

#include "commands/context.hpp"
#include "commands/result.hpp"
#include "storage/control_repo.hpp"

namespace releasebot {

// How the worker polls, for what commands tell people. The composition root sets it from the
// configuration ([health_checks]) before events run; unset, the defaults of that section.
struct HealthCheckTiming {
    Seconds lead{3600};    // polling starts this long before the window
    Seconds interval{60};  // between two polls of one URL
};
void set_health_check_timing(HealthCheckTiming timing);
const HealthCheckTiming& health_check_timing();

// `typed` checked as a health-check URL: http or https, a host, a port from 1 to 65535 when
// given, no spaces, quotes or angle brackets, at most 2048 bytes; Slack's `<url|label>` is
// unwrapped. Returns the URL to store. The error says what was wrong and shows `usage`, the
// command to type instead (e.g. "control check web-2026.12 smoke-test <url>").
Result<std::string> parse_health_check_url(const std::string& typed, const std::string& usage);

// "https://status.example.com/health?…": `url` without user info, fragment and query (an
// ellipsis says a query was there).
std::string display_url(const std::string& url);

// "https://status.example.com/health — last 503 at 13:40" (or "— not polled yet", or "— last:
// no answer within 10 s at 13:40"), the time in the reader's zone.
std::string health_check_summary(const Context& ctx, const HealthCheck& check);

// Records one poll. `fields`: "control" → the control id; "url" → the URL polled; "at" → when
// (Unix seconds); "status" → the HTTP status when the server answered, else "error" → why not.
// A result for a URL that has since changed or been removed, or for a control that is gone,
// changes nothing.
Result<Reply> record_health_check_result(Context& ctx,
                                         const std::map<std::string, std::string>& fields);

}  // namespace releasebot
