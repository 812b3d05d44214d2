// The HTTP requests Slack sends to releasebot's receivers, built the way Slack builds them: the
// signing secret of Slack's own documentation, the instant the requests are signed at, form and
// JSON bodies of slash commands, button presses and @mentions, and a POST with Slack's
// signature headers.
#pragma once

#include <curl/curl.h>

#include <boost/json.hpp>
#include <string>

#include "integrations/slack/signature.hpp"
#include "support/loopback_http.hpp"

namespace releasebot::test {

inline constexpr const char* kSlackSigningSecret = "8f742231b10e8888abcd99yyyzzz85a5";
// 2026-12-01 09:00 UTC in Unix seconds: when the requests are signed, and default_start().
inline constexpr long long kSlackRequestTime = 1796115600;
inline constexpr const char* kFormContentType = "application/x-www-form-urlencoded";

// `s` percent-encoded for a form body.
inline std::string url_escape(const std::string& s) {
    char* e = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
    std::string out(e);
    curl_free(e);
    return out;
}

// The form body of `/release <text>` typed by `user` of `team` in `channel`; `trigger` is its
// trigger id (a replay repeats it).
inline std::string slash_command_body(const std::string& team, const std::string& user,
                                      const std::string& channel, const std::string& text,
                                      const std::string& trigger) {
    return "token=x&team_id=" + team + "&team_domain=t&channel_id=" + channel +
           "&channel_name=releases&user_id=" + user + "&user_name=" + user +
           "&command=%2Frelease&text=" + url_escape(text) +
           "&api_app_id=A0001&trigger_id=" + trigger +
           "&response_url=https%3A%2F%2Fhooks.example%2Fx";
}

// The form body of a press, by `user` of `team`, of a button whose value is `command`.
inline std::string button_press_body(const std::string& team, const std::string& user,
                                     const std::string& channel, const std::string& command,
                                     const std::string& trigger) {
    boost::json::object payload{
        {"type", "block_actions"},
        {"user", {{"id", user}, {"username", user}, {"name", user}, {"team_id", team}}},
        {"api_app_id", "A0001"},
        {"container",
         {{"type", "message"}, {"message_ts", "1796115600.000100"}, {"channel_id", channel}}},
        {"trigger_id", trigger},
        {"team", {{"id", team}, {"domain", "t"}}},
        {"channel", {{"id", channel}, {"name", "releases"}}},
        {"actions", boost::json::array{{{"action_id", "command#1"},
                                        {"block_id", "b1"},
                                        {"type", "button"},
                                        {"value", command},
                                        {"action_ts", "1796115601.000200"}}}}};
    return "payload=" + url_escape(boost::json::serialize(payload));
}

// The Events API body of an @mention of the bot followed by `text`.
inline std::string mention_event_body(const std::string& team, const std::string& user,
                                      const std::string& channel, const std::string& text,
                                      const std::string& event_id) {
    boost::json::object body{{"token", "x"},
                             {"team_id", team},
                             {"api_app_id", "A0001"},
                             {"type", "event_callback"},
                             {"event_id", event_id},
                             {"event_time", kSlackRequestTime},
                             {"event",
                              {{"type", "app_mention"},
                               {"user", user},
                               {"text", "<@U0BOT> " + text},
                               {"channel", channel},
                               {"ts", "1796115600.000100"},
                               {"channel_type", "channel"}}}};
    return boost::json::serialize(body);
}

// POSTs `body` to `url` with Slack's timestamp and signature headers as given (a test of a
// refusal gives a forged or stale one).
inline HttpResult post_as_slack(const std::string& url, const std::string& body,
                                const std::string& content_type, long long timestamp,
                                const std::string& signature) {
    return http_call(
        "POST", url,
        {"Content-Type: " + content_type, "X-Slack-Request-Timestamp: " + std::to_string(timestamp),
         "X-Slack-Signature: " + signature},
        body);
}

// The same, signed as Slack signs it: with kSlackSigningSecret at kSlackRequestTime.
inline HttpResult post_signed_as_slack(const std::string& url, const std::string& body,
                                       const std::string& content_type) {
    const std::string ts = std::to_string(kSlackRequestTime);
    return post_as_slack(url, body, content_type, kSlackRequestTime,
                         slack::sign(kSlackSigningSecret, ts, body));
}

}  // namespace releasebot::test
