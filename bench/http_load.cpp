// HTTP load (see http_load.hpp): one coroutine per connection on one io_context; a connection
// that breaks is opened again, and the request it carried counts as failed.
#include "bench/http_load.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <vector>

namespace releasebot::bench {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

struct LoadState {
    const HttpLoadSpec& spec;
    const std::function<std::string(std::uint64_t)>& body;
    const std::function<void(std::uint64_t, int, std::string_view)>& answered;
    HttpLoadResult result;
    std::uint64_t next = 0;
    SteadyClock::time_point start, first_send, last_answer;
    bool any_sent = false;
};

net::awaitable<void> worker(LoadState& s) {
    auto executor = co_await net::this_coro::executor;
    const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"),
                                 static_cast<unsigned short>(s.spec.port));
    std::optional<beast::tcp_stream> stream;
    beast::flat_buffer buffer;
    for (;;) {
        if (s.next >= s.spec.total || SteadyClock::now() - s.start > s.spec.max_duration) break;
        if (!stream) {
            stream.emplace(executor);
            auto [cec] = co_await stream->async_connect(endpoint, use_tuple);
            if (cec) {
                ++s.result.failed;
                ++s.result.statuses[0];
                if (s.result.first_failure.empty())
                    s.result.first_failure = "connect: " + cec.message();
                stream.reset();
                continue;
            }
            stream->socket().set_option(tcp::no_delay(true));
        }
        const std::uint64_t seq = s.next++;
        http::request<http::string_body> req{http::verb::post, s.spec.target, 11};
        req.set(http::field::host, "127.0.0.1");
        req.set(http::field::content_type, "application/json; charset=utf-8");
        req.set(http::field::user_agent, "Microsoft-SkypeBotApi (Microsoft-BotFramework 3.0)");
        if (!s.spec.authorization.empty())
            req.set(http::field::authorization, s.spec.authorization);
        req.keep_alive(true);
        req.body() = s.body(seq);
        req.prepare_payload();
        const auto sent = SteadyClock::now();
        if (!s.any_sent) {
            s.any_sent = true;
            s.first_send = sent;
        }
        ++s.result.sent;
        auto [wec, wn] = co_await http::async_write(*stream, req, use_tuple);
        http::response<http::string_body> res;
        beast::error_code rec = wec;
        if (!wec) {
            auto [ec, rn] = co_await http::async_read(*stream, buffer, res, use_tuple);
            rec = ec;
        }
        const auto now = SteadyClock::now();
        if (rec) {
            ++s.result.failed;
            ++s.result.statuses[0];
            if (s.result.first_failure.empty())
                s.result.first_failure = "no answer: " + rec.message();
            s.answered(seq, 0, {});
            stream.reset();
            buffer.clear();
            continue;
        }
        const int status = static_cast<int>(res.result_int());
        ++s.result.statuses[status];
        s.last_answer = now;
        if (status >= 200 && status < 300) {
            ++s.result.ok;
            s.result.latency.add(ms_between(sent, now));
        } else {
            ++s.result.failed;
            if (s.result.first_failure.empty())
                s.result.first_failure = std::to_string(status) + " " + res.body().substr(0, 300);
        }
        s.answered(seq, status, res.body());
        if (!res.keep_alive()) stream.reset();
    }
    if (stream) {
        beast::error_code ignore;
        stream->socket().shutdown(tcp::socket::shutdown_both, ignore);
    }
}

}  // namespace

HttpLoadResult run_http_load(
    const HttpLoadSpec& spec, const std::function<std::string(std::uint64_t)>& body,
    const std::function<void(std::uint64_t, int, std::string_view)>& answered) {
    net::io_context io{1};
    LoadState state{spec, body, answered, {}, 0, {}, {}, {}, false};
    state.result.latency.reserve(spec.total);
    state.start = SteadyClock::now();
    for (int i = 0; i < std::max(1, spec.concurrency); ++i)
        net::co_spawn(io, worker(state), net::detached);
    io.run();
    if (state.result.ok > 0)
        state.result.seconds = ms_between(state.first_send, state.last_answer) / 1000.0;
    return std::move(state.result);
}

}  // namespace releasebot::bench
