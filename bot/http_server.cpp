// The inbound HTTP server: one Asio thread, one coroutine per connection, keep-alive, a body
// limit and read timeouts. See http_server.hpp.
#include "bot/http_server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
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
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(kMaxBody);
            parser.header_limit(16 * 1024);
            stream.expires_after(std::chrono::seconds(30));
            auto [ec, n] = co_await http::async_read(stream, buffer, parser,
                                                      asio::as_tuple(asio::use_awaitable));
            (void)n;
            if (ec == http::error::end_of_stream || ec == beast::error::timeout) break;
            http::response<http::string_body> res;
            bool keep_alive = false;
            if (ec) {
                res.result(ec == http::error::body_limit ? http::status::payload_too_large
                                                         : http::status::bad_request);
                res.set(http::field::content_type, "application/json");
                res.body() = R"({"error":"bad request"})";
            } else {
                auto& msg = parser.get();
                HttpRequest req;
                req.method = std::string(msg.method_string());
                req.target = std::string(msg.target());
                for (const auto& f : msg) {
                    std::string name(f.name_string());
                    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                    req.headers[name] = std::string(f.value());
                }
                req.body = std::move(msg.body());
                keep_alive = msg.keep_alive();
                HttpResponse out = dispatch(req);
                res.result(static_cast<http::status>(out.status));
                res.set(http::field::content_type, out.content_type);
                for (const auto& [k, v] : out.headers) res.set(k, v);
                res.body() = std::move(out.body);
                res.keep_alive(keep_alive);
            }
            res.prepare_payload();
            auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
            (void)wn;
            if (wec || !keep_alive) break;
        }
        beast::error_code ignore;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignore);
    }

    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) {
                if (ec == asio::error::operation_aborted) co_return;
                continue;
            }
            asio::co_spawn(io, session(std::move(socket)), asio::detached);
        }
    }
};

HttpServer::HttpServer() : impl_(std::make_unique<Impl>()) {}

HttpServer::~HttpServer() { stop(); }

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
