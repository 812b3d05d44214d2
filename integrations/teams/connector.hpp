// ConnectorClient: the Bot Connector REST API over HTTPS with libcurl.
//
// Outbound calls carry an OAuth2 client-credentials token (client_id, client_secret, scope
// https://api.botframework.com/.default) from a configurable token endpoint, cached until 5
// minutes before it expires. With no app id (local mode, for a channel on this machine such as
// Microsoft 365 Agents Playground) calls carry no token and none is fetched. Service URLs work with
// or without a trailing slash; conversation ids are percent-encoded. 200, 201 and 202 with or
// without a body are success; 429 (with Retry-After), 412 and 502/503/504 are retryable; anything
// else is a permanent failure.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace releasebot::teams {

struct ConnectorOptions {
    std::string app_id;
    std::string app_password;
    // https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token, or a tenant's.
    std::string token_url = "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token";
    std::string scope = "https://api.botframework.com/.default";
    std::string ca_file;  // extra CA bundle (tests)
    std::chrono::milliseconds timeout{10000};
};

struct ConnectorResult {
    bool ok = false;
    bool retryable = false;
    int http_status = 0;
    std::optional<std::chrono::seconds> retry_after;
    std::string error;  // in words, never a token
    std::string id;     // the id in the answer (activity id, or conversation id for create)
    std::string body;
};

class ConnectorClient {
  public:
    explicit ConnectorClient(ConnectorOptions options);
    ~ConnectorClient();
    ConnectorClient(const ConnectorClient&) = delete;
    ConnectorClient& operator=(const ConnectorClient&) = delete;

    // POST {serviceUrl}/v3/conversations/{id}/activities
    ConnectorResult send_to_conversation(const std::string& service_url,
                                         const std::string& conversation_id,
                                         const std::string& activity_json);
    // POST {serviceUrl}/v3/conversations/{id}/activities/{activityId}
    ConnectorResult reply_to_activity(const std::string& service_url,
                                      const std::string& conversation_id,
                                      const std::string& activity_id,
                                      const std::string& activity_json);
    // PUT {serviceUrl}/v3/conversations/{id}/activities/{activityId}
    ConnectorResult update_activity(const std::string& service_url,
                                    const std::string& conversation_id,
                                    const std::string& activity_id,
                                    const std::string& activity_json);
    // POST {serviceUrl}/v3/conversations: a 1:1 chat with `user_id` in `tenant` (proactive
    // messages); result.id is the conversation id.
    ConnectorResult create_conversation(const std::string& service_url, const std::string& tenant,
                                        const std::string& user_id);

    long token_fetches() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace releasebot::teams
