// CurlClient: the one outbound HTTP client, a kept-alive libcurl easy handle. The platforms' REST
// clients (Slack's Web API, the Teams Bot Connector) keep one, so a burst of outbox deliveries
// reuses one TLS connection instead of a handshake per message; the Teams token check fetches
// its OpenID documents with one, and the verify and health-check workers download and probe with
// one. It owns what every such client must get right the same way: TLS peer and host
// verification, http and https only, no signals, timeouts, redirects only when asked for and
// only to http and https, a cap on the body, the body and the Retry-After of the final response,
// and the transport error in words. What an answer means stays with its caller. libcurl's types
// stay inside curl_client.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace releasebot::http {

// What stays the same for every request of one client.
struct CurlOptions {
    // Bounds the whole transfer, connect to last byte (0: no bound).
    std::chrono::milliseconds timeout{30000};
    // Bounds the connect alone; none: `timeout`.
    std::optional<std::chrono::milliseconds> connect_timeout;
    // When not empty, the CA bundle to trust (tests: an emulator's self-signed certificate)
    // instead of the system's.
    std::string ca_file;
    // Redirects followed, to http and https only; 0: none (a 3xx is the answer).
    long max_redirects = 0;
    // Bytes of body accepted; past them the transfer is cut and the reply says too_large
    // (0: no limit).
    std::size_t max_body = 0;
    // Also refuses at once, before any body, an answer that announces a larger size.
    bool refuse_announced_oversize = false;
    // Offers and decodes compressed bodies (Accept-Encoding). Off where the bytes themselves
    // matter (an artifact's checksum) or are not read.
    bool decompress = true;
    std::string user_agent;  // empty: none sent
};

struct CurlRequest {
    std::string method = "GET";  // "GET", "HEAD", "POST", "PUT", …; GET and HEAD send no body
    std::string url;
    std::string body;
    std::vector<std::string> headers;  // "Name: value" lines
    // Receives the body as it arrives, instead of CurlReply::body; false stops the transfer
    // (CurlFailure::stopped).
    std::function<bool(std::string_view)> on_body;
    // A stop request ends the transfer between libcurl's steps (CurlFailure::stopped) instead of
    // after its timeout.
    std::stop_token stop;
};

// Why no whole answer came.
enum class CurlFailure {
    none,
    too_large,  // the body passed max_body; status holds the answer's status
    timed_out,
    cannot_resolve,
    cannot_connect,
    tls_untrusted,       // the peer's certificate is not trusted
    tls_handshake,       // the TLS handshake failed
    protocol_refused,    // not http or https (a redirect's target included)
    too_many_redirects,  // more than max_redirects
    got_nothing,         // the server closed the connection without answering
    stopped,             // the stop token or on_body
    other,
};

struct CurlReply {
    long status = 0;  // the HTTP status; 0 when no HTTP answer came (see error)
    std::string body;
    std::optional<std::string> retry_after;  // the final response's Retry-After, as sent
    CurlFailure failure = CurlFailure::none;
    std::string error;       // the transport error in words when status is 0 (may name the host)
    std::string error_kind;  // libcurl's generic words for the failure, which name no host or URL
};

class CurlClient {
  public:
    explicit CurlClient(const CurlOptions& options);
    // The platforms' clients: `timeout` for the connect and the whole transfer, no redirects,
    // no body limit, compressed bodies welcome.
    CurlClient(std::chrono::milliseconds timeout, const std::string& ca_file);
    ~CurlClient();
    CurlClient(const CurlClient&) = delete;
    CurlClient& operator=(const CurlClient&) = delete;

    // Sends the request. Never throws for network trouble: a reply with status 0 and `error`
    // says what went wrong (without the headers, which may carry a token). One transfer at a
    // time: the caller serializes calls on one client.
    CurlReply perform(const CurlRequest& request);

    // Sends `body` with `method` ("POST", "PUT", …; "GET" sends none) to `url` with the header
    // lines `headers` ("Name: value").
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
