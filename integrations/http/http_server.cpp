// The inbound HTTP server: one Asio thread, one coroutine per connection, keep-alive, body and
// header limits answered in words (413, 431, 400), and read timeouts. See http_server.hpp.
#include "integrations/http/http_server.hpp"

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <thread>

namespace releasebot {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

const std::string& HttpRequest::header(const std::string& name) const {
    static const std::string none;
    auto it = headers.find(name);
    return it == headers.end() ? none : it->second;
}

namespace {

// What is read away after a refused request before the connection closes.
constexpr std::size_t kMaxDrain = 16 * 1024 * 1024;
constexpr std::size_t kMaxHeader = 16 * 1024;

HttpResponse error_json(int status, const std::string& message) {
    return {status,
            "application/json",
            boost::json::serialize(boost::json::object{{"error", message}}),
            {}};
}

// The answer to a request that broke a limit or is not HTTP/1.1 at all: what was wrong, in
// words, with the status that says it.
HttpResponse refusal(beast::error_code ec) {
    if (ec == http::error::body_limit)
        return error_json(413, "The request body is larger than " +
                                   std::to_string(HttpServer::kMaxBody) +
                                   " bytes, the most releasebot reads; nothing was done.");
    if (ec == http::error::header_limit)
        return error_json(431, "The request's headers are larger than " +
                                   std::to_string(kMaxHeader) +
                                   " bytes, the most releasebot reads; nothing was done.");
    return error_json(
        400, "The request is not valid HTTP/1.1 (" + ec.message() + "); nothing was done.");
}

}  // namespace

struct HttpServer::Impl {
    asio::io_context io{1};
    std::map<std::string, HttpHandler> routes;
    std::optional<tcp::acceptor> acceptor;
    std::thread thread;

    HttpResponse dispatch(const HttpRequest& req) const {
        std::string path = req.target.substr(0, req.target.find('?'));
        const HttpHandler* best = nullptr;
        std::size_t best_len = 0;
        for (const auto& [prefix, handler] : routes) {
            if (path.rfind(prefix, 0) == 0 && prefix.size() >= best_len) {
                best = &handler;
                best_len = prefix.size();
            }
        }
        if (!best) return {404, "application/json", R"({"error":"not found"})", {}};
        try {
            return (*best)(req);
        } catch (const std::exception&) {
            // A storage fault: the event was rolled back and not acknowledged; the sender retries.
            return {500, "application/json", R"({"error":"internal error, retry later"})", {}};
        }
    }

    asio::awaitable<void> session(tcp::socket socket) {
        beast::tcp_stream stream(std::move(socket));
        beast::flat_buffer buffer;
        bool refused = false;  // the last request broke a limit or HTTP itself
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(kMaxBody);
            parser.header_limit(kMaxHeader);
            stream.expires_after(std::chrono::seconds(30));
            auto [ec, n] = co_await http::async_read(stream, buffer, parser,
                                                     asio::as_tuple(asio::use_awaitable));
            (void)n;
            if (ec == http::error::end_of_stream || ec == beast::error::timeout) break;
            http::response<http::string_body> res;
            bool keep_alive = false;
            if (ec) {
                HttpResponse out = refusal(ec);
                res.result(static_cast<http::status>(out.status));
                res.set(http::field::content_type, out.content_type);
                res.body() = std::move(out.body);
                res.prepare_payload();
                refused = true;
            } else {
                auto& msg = parser.get();
                HttpRequest req;
                // HEAD is answered as GET would be, headers and all, without the body: every
                // route gets it right without knowing of HEAD.
                const bool head = msg.method() == http::verb::head;
                req.method = head ? "GET" : std::string(msg.method_string());
                req.head = head;
                req.target = std::string(msg.target());
                for (const auto& f : msg) {
                    std::string name(f.name_string());
                    for (auto& c : name)
                        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                    req.headers[name] = std::string(f.value());
                }
                req.body = std::move(msg.body());
                keep_alive = msg.keep_alive();
                HttpResponse out = dispatch(req);
                res.result(static_cast<http::status>(out.status));
                // An empty body has no type to claim.
                if (!out.body.empty()) res.set(http::field::content_type, out.content_type);
                for (const auto& [k, v] : out.headers) res.set(k, v);
                res.body() = std::move(out.body);
                res.keep_alive(keep_alive);
                res.prepare_payload();
                if (head) {
                    const auto length = res.body().size();
                    res.body().clear();
                    res.content_length(length);
                }
            }
            auto [wec, wn] =
                co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
            (void)wn;
            if (wec || !keep_alive) break;
        }
        beast::error_code ignore;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignore);
        if (refused) {
            // The client may still be sending the body we refused. Closing with unread bytes
            // would answer it with a reset, which can overtake the 413 on its way; reading them
            // away for a moment (bounded in time and bytes) lets the answer arrive.
            stream.expires_after(std::chrono::seconds(2));
            std::array<char, 16 * 1024> scratch;
            std::size_t drained = 0;
            while (drained < kMaxDrain) {
                auto [rec, rn] = co_await stream.async_read_some(
                    asio::buffer(scratch), asio::as_tuple(asio::use_awaitable));
                if (rec) break;
                drained += rn;
            }
        }
    }

    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] =
                co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) {
                if (ec == asio::error::operation_aborted) co_return;
                continue;
            }
            asio::co_spawn(io, session(std::move(socket)), asio::detached);
        }
    }
};

HttpServer::HttpServer() : impl_(std::make_unique<Impl>()) {}

HttpServer::~HttpServer() {
    stop();
}

void HttpServer::route(const std::string& prefix, HttpHandler handler) {
    impl_->routes[prefix] = std::move(handler);
}

int HttpServer::start(const std::string& address, int port) {
    tcp::endpoint ep(asio::ip::make_address(address), static_cast<unsigned short>(port));
    impl_->acceptor.emplace(impl_->io, ep);
    int bound = impl_->acceptor->local_endpoint().port();
    asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
    impl_->thread = std::thread([this] { impl_->io.run(); });
    return bound;
}

void HttpServer::stop() {
    if (!impl_ || !impl_->thread.joinable()) return;
    asio::post(impl_->io, [this] {
        beast::error_code ignore;
        if (impl_->acceptor) impl_->acceptor->close(ignore);
        impl_->io.stop();
    });
    impl_->thread.join();
}

}  // namespace releasebot
