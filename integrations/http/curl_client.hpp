// CurlClient: one kept-alive libcurl easy handle for the platforms' REST clients (Slack's Web API,
// the Teams Bot Connector), so a burst of outbox deliveries reuses one TLS connection instead of
// a handshake per message. It owns what every such client must get right the same way: TLS peer
// and host verification, no redirects, no signals, timeouts, the body and the Retry-After of the
// final response, and the transport error in words. What a platform's answer means stays with
// that platform's client. libcurl's types stay inside curl_client.cpp.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace releasebot::http {

struct CurlReply {
    long status = 0;  // the HTTP status; 0 when no HTTP answer came (see error)
    std::string body;
    std::optional<std::string> retry_after;  // the final response's Retry-After, as sent
    std::string error;                       // the transport error in words when status is 0
};

class CurlClient {
  public:
    // `timeout` bounds the connect and the whole transfer; `ca_file`, when not empty, is the CA
    // bundle to trust (tests: an emulator's self-signed certificate) instead of the system's.
    CurlClient(std::chrono::milliseconds timeout, const std::string& ca_file);
    ~CurlClient();
    CurlClient(const CurlClient&) = delete;
    CurlClient& operator=(const CurlClient&) = delete;

    // Sends `body` with `method` ("POST", "PUT", …; "GET" sends none) to `url` with the header
    // lines `headers` ("Name: value"). Never throws for network trouble: a reply with status 0
    // and `error` says what went wrong (without the headers, which may carry a token). One
    // transfer at a time: the caller serializes calls on one client.
    CurlReply perform(const std::string& method, const std::string& url, const std::string& body,
                      const std::vector<std::string>& headers);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Retry-After in whole seconds, at most `max`. Platforms send delta-seconds; a missing header, an
// HTTP-date or garbage means one second, since a 429 always means "not now" even when it does
// not say how long.
std::chrono::seconds parse_retry_after(const std::optional<std::string>& header,
                                       std::chrono::seconds max = std::chrono::seconds::max());

}  // namespace releasebot::http
