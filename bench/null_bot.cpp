// releasebot_null_bot: a bot that acknowledges everything at once and does nothing else, run
// through the same harness as releasebot so that every figure can be read against the
// harness's own ceiling. It speaks the same protocols the same way releasebot does,
// minus the work:
//
//   releasebot_null_bot slack   Socket Mode: apps.connections.open (SLACK_APP_TOKEN,
//                               SLACK_API_URL, SLACK_CA_FILE, as `releasebot slack` reads them;
//                               libcurl on a one-thread pool), a TLS websocket with host-name
//                               verification, `{"envelope_id":…}` for every envelope the moment
//                               it is read; on `disconnect` a new link first, the old one closed
//                               once quiet for 100 ms (make before break, as releasebot does).
//   releasebot_null_bot teams --listen 127.0.0.1:PORT
//                               HTTP/1.1 keep-alive; 200 with an empty body to every request.
//
// One Asio thread each; SIGTERM or SIGINT ends it with status 0.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "integrations/http/curl_client.hpp"

namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using Ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
}

// The string value of `"key":"…"` in a small JSON text (no escapes in the values we read).
std::string_view field(std::string_view json, std::string_view key) {
    const std::string quoted = "\"" + std::string(key) + "\"";
    std::size_t at = json.find(quoted);
    if (at == std::string_view::npos) return {};
    at = json.find('"', at + quoted.size());
    if (at == std::string_view::npos) return {};
    const std::size_t end = json.find('"', at + 1);
    if (end == std::string_view::npos) return {};
    return json.substr(at + 1, end - at - 1);
}

// ---- Slack --------------------------------------------------------------------------------

class NullSlack {
  public:
    NullSlack(std::string app_token, std::string api_url, std::string ca_file)
        : app_token_(std::move(app_token)),
          api_url_(std::move(api_url)),
          ca_file_(ca_file),
          curl_(std::chrono::milliseconds(10000), ca_file) {
        ctx_.set_verify_mode(ssl::verify_peer);
        boost::system::error_code ec;
        ctx_.set_default_verify_paths(ec);
        if (!ca_file.empty()) ctx_.load_verify_file(ca_file);
    }

    int run() {
        net::signal_set signals(io_, SIGINT, SIGTERM);
        signals.async_wait([this](auto, int) { io_.stop(); });
        net::co_spawn(io_, link(), net::detached);
        io_.run();
        pool_.join();
        return 0;
    }

  private:
    net::awaitable<std::string> open_url() {
        return net::co_spawn(
            pool_,
            [this]() -> net::awaitable<std::string> {
                auto reply = curl_.perform("POST", api_url_ + "apps.connections.open", "{}",
                                           {"Authorization: Bearer " + app_token_,
                                            "Content-Type: application/json; charset=utf-8"});
                co_return std::string(field(reply.body, "url"));
            },
            net::use_awaitable);
    }

    net::awaitable<void> link() {
        const std::string url = co_await open_url();
        // wss://host:port/path?query
        if (url.rfind("wss://", 0) != 0) {
            std::cerr << "null bot: apps.connections.open gave no wss:// URL\n";
            io_.stop();
            co_return;
        }
        const std::string rest = url.substr(6);
        const std::size_t slash = rest.find('/');
        const std::string authority = rest.substr(0, slash);
        const std::string target = slash == std::string::npos ? "/" : rest.substr(slash);
        const std::size_t colon = authority.rfind(':');
        const std::string host = authority.substr(0, colon);
        const std::string port = colon == std::string::npos ? "443" : authority.substr(colon + 1);

        tcp::resolver resolver(io_);
        auto [rec, endpoints] = co_await resolver.async_resolve(host, port, use_tuple);
        if (rec) co_return;
        auto ws = std::make_shared<Ws>(io_, ctx_);
        auto [cec, ep] = co_await beast::get_lowest_layer(*ws).async_connect(endpoints, use_tuple);
        if (cec) co_return;
        beast::get_lowest_layer(*ws).socket().set_option(tcp::no_delay(true));
        ws->next_layer().set_verify_callback(ssl::host_name_verification(host));
        auto [tec] = co_await ws->next_layer().async_handshake(ssl::stream_base::client, use_tuple);
        if (tec) {
            std::cerr << "null bot: TLS failed: " << tec.message() << "\n";
            co_return;
        }
        auto [wec] = co_await ws->async_handshake(authority, target, use_tuple);
        if (wec) co_return;
        ws->read_message_max(16 * 1024 * 1024);

        auto last_frame = std::make_shared<SteadyClock::time_point>(SteadyClock::now());
        bool retiring = false;
        beast::flat_buffer buffer;
        for (;;) {
            auto [ec, n] = co_await ws->async_read(buffer, use_tuple);
            if (ec) break;
            *last_frame = SteadyClock::now();
            const auto data = buffer.data();
            const std::string_view frame(static_cast<const char*>(data.data()), data.size());
            const std::string_view id = field(frame, "envelope_id");
            if (!id.empty()) {
                std::string ack = "{\"envelope_id\":\"" + std::string(id) + "\"}";
                buffer.consume(buffer.size());
                auto [aec, an] = co_await ws->async_write(net::buffer(ack), use_tuple);
                if (aec) break;
                continue;
            }
            if (field(frame, "type") == "disconnect" && !retiring) {
                retiring = true;
                net::co_spawn(io_, link(), net::detached);
                net::co_spawn(io_, close_when_quiet(ws, last_frame), net::detached);
            }
            buffer.consume(buffer.size());
        }
    }

    net::awaitable<void> close_when_quiet(std::shared_ptr<Ws> ws,
                                          std::shared_ptr<SteadyClock::time_point> last_frame) {
        net::steady_timer timer(io_);
        while (SteadyClock::now() - *last_frame < std::chrono::milliseconds(100)) {
            timer.expires_after(std::chrono::milliseconds(25));
            co_await timer.async_wait(use_tuple);
        }
        co_await ws->async_close(websocket::close_code::normal, use_tuple);
    }

    std::string app_token_;
    std::string api_url_;
    std::string ca_file_;
    releasebot::http::CurlClient curl_;
    net::thread_pool pool_{1};
    ssl::context ctx_{ssl::context::tls_client};
    net::io_context io_{1};
};

// ---- Teams --------------------------------------------------------------------------------

net::awaitable<void> http_session(tcp::socket socket) {
    socket.set_option(tcp::no_delay(true));
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> req;
        auto [ec, n] = co_await http::async_read(stream, buffer, req, use_tuple);
        if (ec) break;
        http::response<http::string_body> res{http::status::ok, req.version()};
        res.set(http::field::content_type, "application/json");
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
        if (wec || !req.keep_alive()) break;
    }
    beast::error_code ignore;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignore);
}

net::awaitable<void> http_accept(tcp::acceptor& acceptor) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec) co_return;
        net::co_spawn(acceptor.get_executor(), http_session(std::move(socket)), net::detached);
    }
}

int run_teams(const std::string& listen) {
    const std::size_t colon = listen.rfind(':');
    if (colon == std::string::npos) {
        std::cerr << "null bot: --listen takes address:port, e.g. 127.0.0.1:3978\n";
        return 2;
    }
    net::io_context io{1};
    tcp::endpoint ep(net::ip::make_address(listen.substr(0, colon)),
                     static_cast<unsigned short>(std::stoi(listen.substr(colon + 1))));
    tcp::acceptor acceptor(io, ep);
    net::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&io](auto, int) { io.stop(); });
    net::co_spawn(io, http_accept(acceptor), net::detached);
    io.run();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    try {
        if (mode == "slack") {
            std::string api = env("SLACK_API_URL");
            if (!api.empty() && api.back() != '/') api += '/';
            if (env("SLACK_APP_TOKEN").empty() || api.empty()) {
                std::cerr << "null bot: set SLACK_APP_TOKEN and SLACK_API_URL\n";
                return 2;
            }
            NullSlack bot(env("SLACK_APP_TOKEN"), api, env("SLACK_CA_FILE"));
            return bot.run();
        }
        if (mode == "teams" && argc == 4 && std::string(argv[2]) == "--listen")
            return run_teams(argv[3]);
    } catch (const std::exception& e) {
        std::cerr << "null bot: " << e.what() << "\n";
        return 1;
    }
    std::cerr
        << "usage: releasebot_null_bot slack | releasebot_null_bot teams --listen ADDR:PORT\n";
    return 2;
}
