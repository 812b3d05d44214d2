// SlackWebApi: the Web API over HTTPS with libcurl (one kept-alive handle per client; curl types
// stay in web_api.cpp). The base URL is configurable ("https://slack.com/api/" by default), as
// Bolt's slackApiUrl is, so tests point it at the emulator. Tokens never appear in errors or logs.
// Also here: SlackUserDirectory, users.info behind a cache, for each actor's name and time zone.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace releasebot::slack {

struct ApiResult {
    bool ok = false;
    int http_status = 0;
    std::string error;  // Slack's "error" field, or a transport error in words
    std::optional<std::chrono::seconds> retry_after;  // HTTP 429
    std::string body;                                 // the raw JSON response
};

struct ApiOptions {
    std::string base_url = "https://slack.com/api/";
    std::string ca_file;  // extra CA bundle (tests: the emulator's self-signed CA); empty = system
    std::chrono::milliseconds timeout{10000};
};

class SlackWebApi {
  public:
    SlackWebApi(std::string token, ApiOptions options = {});
    ~SlackWebApi();
    SlackWebApi(const SlackWebApi&) = delete;
    SlackWebApi& operator=(const SlackWebApi&) = delete;

    // POSTs `json_body` to `<base_url><method>` with the Bearer token; never throws.
    ApiResult call(const std::string& method, const std::string& json_body);
    // The same with a form body (application/x-www-form-urlencoded), for the methods Slack
    // documents as taking no JSON (files.getUploadURLExternal, files.completeUploadExternal).
    ApiResult call_form(const std::string& method,
                        const std::vector<std::pair<std::string, std::string>>& fields);
    // POSTs raw `content` to an upload URL that files.getUploadURLExternal returned. The URL is
    // pre-authorized, so the token is not sent with it. ok when the server answered 200.
    ApiResult upload(const std::string& url, const std::string& content);
    // POSTs `json_body` to an interaction's response_url (which needs no token): to replace or
    // delete the message the interaction came from. ok when the server answered 200.
    ApiResult respond(const std::string& url, const std::string& json_body);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// A person as users.info describes them: the name Slack shows (display name, else real name,
// else user name) and their IANA time zone.
struct SlackUser {
    std::string display_name;
    std::optional<std::string> time_zone;
};

// users.info with a cache: each person is asked for at most once per `ttl`, so a busy channel
// costs one call per person an hour instead of one per message. A failed lookup (rate limited,
// Slack down, unknown user) is remembered for a minute (at most `ttl`), so an outage does not
// turn every event into a slow call; callers then keep what the payload said. Thread-safe.
class SlackUserDirectory {
  public:
    using Now = std::function<std::chrono::steady_clock::time_point()>;
    // `bot_api` carries the xoxb- token (users:read) and must outlive the directory; `now` is
    // for tests (default: the steady clock).
    explicit SlackUserDirectory(SlackWebApi& bot_api,
                                std::chrono::seconds ttl = std::chrono::hours(1), Now now = {});

    // The person `user_id`, or nullopt when Slack could not say.
    std::optional<SlackUser> lookup(const std::string& user_id);

  private:
    struct Entry {
        std::optional<SlackUser> user;
        std::chrono::steady_clock::time_point expires;
    };
    SlackWebApi& api_;
    std::chrono::seconds ttl_;
    Now now_;
    std::mutex mu_;
    std::map<std::string, Entry> cache_;
};

// A field of a JSON response ("ts", "channel.id" with dots for nesting), or "".
std::string json_field(const std::string& body, const std::string& dotted_path);

}  // namespace releasebot::slack
