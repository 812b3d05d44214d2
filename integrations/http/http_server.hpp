// HttpServer: the one inbound HTTP server (Boost.Beast on Asio; their types stay in
// http_server.cpp) for webhooks — Slack's Events API today, Teams and CI later — plus health.
// Requests are routed by path prefix to plain functions of HttpRequest → HttpResponse, so a
// handler can be tested without a socket. Bodies are limited in size; a request that breaks a
// limit or HTTP itself gets a 4xx and changes nothing.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace releasebot {

struct HttpRequest {
    std::string method;                          // "POST"; a HEAD arrives as "GET", head set
    std::string target;                          // "/slack/events?x=1"
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
    bool head = false;  // a HEAD request: answered as GET, without the body

    // The header's value, or "" when absent (name in lower case).
    const std::string& header(const std::string& name) const;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::map<std::string, std::string> headers;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
  public:
    static constexpr std::size_t kMaxBody = 1 << 20;  // 1 MiB

    HttpServer();
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Routes requests whose path starts with `prefix` (longest prefix wins). Before start().
    void route(const std::string& prefix, HttpHandler handler);
    // Binds `address`:`port` (port 0 picks a free one) and serves on a thread of its own;
    // returns the bound port. Throws on bind failure (start-up error).
    int start(const std::string& address, int port);
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace releasebot
