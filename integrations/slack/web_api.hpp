// SlackWebApi: the Web API over HTTPS with libcurl (one kept-alive handle per client; curl types
// stay in web_api.cpp). The base URL is configurable ("https://slack.com/api/" by default), as
// Bolt's slackApiUrl is, so tests point it at the emulator. Tokens never appear in errors or logs.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace releasebot::slack {

struct ApiResult {
    bool ok = false;
    int http_status = 0;
    std::string error;  // Slack's "error" field, or a transport error in words
    std::optional<std::chrono::seconds> retry_after;  // HTTP 429
    std::string body;  // the raw JSON response
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

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// A field of a JSON response ("ts", "channel.id" with dots for nesting), or "".
std::string json_field(const std::string& body, const std::string& dotted_path);

}  // namespace releasebot::slack
