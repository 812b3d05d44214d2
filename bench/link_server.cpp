// LinkServer: Slack's Socket Mode side as a load generator (see link_server.hpp). One Asio
// thread holds every link and the load's state, so nothing here needs a lock but the hand-over
// of a finished load to the caller. Each link has one coroutine reading and one writing from a
// queue (one write in flight per websocket, as Beast requires).
#include "bench/link_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace releasebot::bench {

namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using Ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

// "<tag 8 hex>-b3c0-4e00-8000-<seq 12 hex>": shaped like Slack's UUIDs, and it names the load
// (so a late ack of an earlier load is told apart) and the envelope without a lookup.
std::string envelope_id(std::uint32_t tag, std::uint64_t seq) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-b3c0-4e00-8000-%012llx", tag,
                  static_cast<unsigned long long>(seq));
    return buf;
}

bool parse_envelope_id(std::string_view id, std::uint32_t& tag, std::uint64_t& seq) {
    if (id.size() != 36) return false;
    auto hex = [](std::string_view s, std::uint64_t& out) {
        out = 0;
        for (char c : s) {
            int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (v < 0) return false;
            out = out * 16 + static_cast<std::uint64_t>(v);
        }
        return true;
    };
    std::uint64_t t = 0;
    if (!hex(id.substr(0, 8), t) || !hex(id.substr(24), seq)) return false;
    tag = static_cast<std::uint32_t>(t);
    return true;
}

// The envelope id of an ack frame, without a full parse: acks are small and well formed, and
// this runs once per envelope on the harness's only thread.
std::string_view ack_envelope_id(std::string_view frame) {
    constexpr std::string_view key = "\"envelope_id\"";
    std::size_t at = frame.find(key);
    if (at == std::string_view::npos) return {};
    at = frame.find('"', at + key.size());
    if (at == std::string_view::npos) return {};
    const std::size_t end = frame.find('"', at + 1);
    if (end == std::string_view::npos) return {};
    return frame.substr(at + 1, end - at - 1);
}

std::string json_string(const std::string& s) {
    return boost::json::serialize(boost::json::string_view(s));
}

struct Session {
    Session(tcp::socket socket, ssl::context& ctx, int id_) : ws(std::move(socket), ctx), id(id_) {}
    Ws ws;
    int id;
    std::deque<std::string> queue;
    bool writing = false;
    bool open = false;    // hello written
    bool warned = false;  // told to disconnect: no new envelopes
    bool closed = false;
    std::uint64_t sent_here = 0;
    SteadyClock::time_point hello_at;
};
using SessionPtr = std::shared_ptr<Session>;

}  // namespace

struct LinkServer::Impl {
    struct Load {
        LoadSource* source = nullptr;
        LoadSpec spec;
        std::uint32_t tag = 0;
        std::vector<SteadyClock::time_point> sent_at;
        std::vector<std::uint8_t> acks;
        std::uint64_t next = 0;
        std::uint64_t in_flight = 0;
        bool stop_sending = false;
        bool finished = false;
        SteadyClock::time_point start, first_send, last_ack, last_progress;
        std::set<int> links;
        LoadResult result;
        std::promise<LoadResult> done;
    };

    net::io_context io{1};
    ssl::context ssl_ctx{ssl::context::tls_server};
    tcp::acceptor acceptor{io};
    std::thread thread;
    int port = 0;
    std::atomic<int> accepted{0};
    std::vector<SessionPtr> sessions;  // open links
    std::unique_ptr<Load> load;
    std::uint32_t next_tag = 1;
    net::steady_timer ticker{io};

    // Waiters for an open link (wait_link), guarded by mu.
    std::mutex mu;
    std::condition_variable cv;
    std::optional<SteadyClock::time_point> usable_hello;  // the newest usable link's hello

    Impl(const std::string& cert, const std::string& key) {
        ssl_ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1);
        ssl_ctx.use_certificate_chain_file(cert);
        ssl_ctx.use_private_key_file(key, ssl::context::pem);
        tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
        acceptor.open(ep.protocol());
        acceptor.set_option(net::socket_base::reuse_address(true));
        acceptor.bind(ep);
        acceptor.listen();
        port = acceptor.local_endpoint().port();
        net::co_spawn(io, accept_loop(), net::detached);
        tick();
        thread = std::thread([this] { io.run(); });
    }

    ~Impl() {
        net::post(io, [this] {
            beast::error_code ignore;
            acceptor.close(ignore);
            ticker.cancel();
            for (auto& s : sessions) beast::get_lowest_layer(s->ws).close();
            io.stop();
        });
        thread.join();
    }

    net::awaitable<void> accept_loop() {
        int id = 0;
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
            if (ec) co_return;
            socket.set_option(tcp::no_delay(true));
            net::co_spawn(io, serve(std::make_shared<Session>(std::move(socket), ssl_ctx, ++id)),
                          net::detached);
        }
    }

    net::awaitable<void> serve(SessionPtr s) {
        beast::get_lowest_layer(s->ws).expires_after(std::chrono::seconds(10));
        auto [hec] =
            co_await s->ws.next_layer().async_handshake(ssl::stream_base::server, use_tuple);
        if (hec) co_return;
        beast::get_lowest_layer(s->ws).expires_never();
        s->ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        s->ws.read_message_max(16 * 1024 * 1024);
        auto [aec] = co_await s->ws.async_accept(use_tuple);
        if (aec) co_return;
        ++accepted;
        s->open = true;
        s->hello_at = SteadyClock::now();
        sessions.push_back(s);
        send(s, R"({"type":"hello","num_connections":)" + std::to_string(sessions.size()) +
                    R"(,"debug_info":{"host":"applink-bench-)" + std::to_string(s->id) +
                    R"(","build_number":1,"approximate_connection_time":18060},)"
                    R"("connection_info":{"app_id":"A0EMULATOR"}})");
        link_usable(s);
        beast::flat_buffer buffer;
        for (;;) {
            auto [ec, n] = co_await s->ws.async_read(buffer, use_tuple);
            if (ec) break;
            const auto data = buffer.data();
            on_frame(std::string_view(static_cast<const char*>(data.data()), data.size()));
            buffer.consume(buffer.size());
        }
        s->closed = true;
        std::erase(sessions, s);
        if (load && !load->finished) pump();
    }

    void send(const SessionPtr& s, std::string frame) {
        s->queue.push_back(std::move(frame));
        if (!s->writing) {
            s->writing = true;
            net::co_spawn(io, writer(s), net::detached);
        }
    }

    net::awaitable<void> writer(SessionPtr s) {
        while (!s->queue.empty() && !s->closed) {
            auto [ec, n] = co_await s->ws.async_write(net::buffer(s->queue.front()), use_tuple);
            if (ec) break;
            s->queue.pop_front();
        }
        s->writing = false;
    }

    // The newest open link that was not told to disconnect: where new envelopes go.
    SessionPtr usable() const {
        for (auto it = sessions.rbegin(); it != sessions.rend(); ++it) {
            if ((*it)->open && !(*it)->warned && !(*it)->closed) return *it;
        }
        return nullptr;
    }

    void link_usable(const SessionPtr& s) {
        {
            std::lock_guard lock(mu);
            usable_hello = s->hello_at;
        }
        cv.notify_all();
        if (load && !load->finished) pump();
    }

    void on_frame(std::string_view frame) {
        const std::string_view id = ack_envelope_id(frame);
        std::uint32_t tag = 0;
        std::uint64_t seq = 0;
        if (!load || !parse_envelope_id(id, tag, seq) || tag != load->tag || seq >= load->next) {
            if (load) ++load->result.unknown;
            return;
        }
        Load& l = *load;
        if (l.acks[seq]) {
            ++l.result.dup;
            return;
        }
        l.acks[seq] = 1;
        const auto now = SteadyClock::now();
        l.result.latency.add(ms_between(l.sent_at[seq], now));
        ++l.result.acked;
        --l.in_flight;
        l.last_ack = now;
        l.last_progress = now;
        l.source->acked(seq, frame);
        if (!l.finished) pump();
    }

    // Sends what the in-flight limit allows; ends the load when everything sent was acked.
    void pump() {
        Load& l = *load;
        const auto now = SteadyClock::now();
        if (!l.stop_sending && now - l.start > l.spec.max_duration) l.stop_sending = true;
        while (
            !l.stop_sending && l.next < l.spec.total &&
            (l.spec.inflight <= 0 || l.in_flight < static_cast<std::uint64_t>(l.spec.inflight))) {
            SessionPtr s = usable();
            if (!s) break;
            if (l.spec.refresh_every > 0 && s->sent_here >= l.spec.refresh_every) {
                s->warned = true;
                ++l.result.refreshes;
                send(s, R"({"type":"disconnect","reason":"refresh_requested",)"
                        R"("debug_info":{"host":"applink-bench-)" +
                            std::to_string(s->id) + R"("}})");
                {
                    std::lock_guard lock(mu);
                    usable_hello.reset();
                }
                continue;
            }
            const std::uint64_t seq = l.next++;
            const std::string id = envelope_id(l.tag, seq);
            std::string frame = l.source->frame(seq, id);
            l.sent_at[seq] = SteadyClock::now();
            if (seq == 0) l.first_send = l.sent_at[seq];
            ++l.in_flight;
            ++s->sent_here;
            l.links.insert(s->id);
            send(s, std::move(frame));
        }
        if (l.in_flight == 0 && (l.next >= l.spec.total || l.stop_sending)) finish();
    }

    void finish() {
        Load& l = *load;
        if (l.finished) return;
        l.finished = true;
        l.result.sent = l.next;
        l.result.lost = l.next - l.result.acked;
        l.result.links_used = static_cast<int>(l.links.size());
        if (l.result.acked > 0) l.result.seconds = ms_between(l.first_send, l.last_ack) / 1000.0;
        l.done.set_value(std::move(l.result));
    }

    // Every 20 ms: the duration limit, and the stall that ends a load whose acks stopped.
    void tick() {
        ticker.expires_after(std::chrono::milliseconds(20));
        ticker.async_wait([this](beast::error_code ec) {
            if (ec) return;
            if (load && !load->finished) {
                const auto now = SteadyClock::now();
                if (now - load->last_progress > load->spec.stall) {
                    load->stop_sending = true;
                    finish();
                } else {
                    pump();
                }
            }
            tick();
        });
    }
};

LinkServer::LinkServer(const std::string& cert_file, const std::string& key_file)
    : impl_(std::make_unique<Impl>(cert_file, key_file)) {}

LinkServer::~LinkServer() = default;

std::string LinkServer::url() const {
    return "wss://127.0.0.1:" + std::to_string(impl_->port) + "/link/";
}

int LinkServer::links_accepted() const {
    return impl_->accepted.load();
}

std::optional<SteadyClock::time_point> LinkServer::wait_link(std::chrono::milliseconds timeout,
                                                             SteadyClock::time_point since) {
    std::unique_lock lock(impl_->mu);
    if (!impl_->cv.wait_for(lock, timeout, [&] {
            return impl_->usable_hello.has_value() && *impl_->usable_hello > since;
        }))
        return std::nullopt;
    return impl_->usable_hello;
}

LoadResult LinkServer::run(LoadSource& source, const LoadSpec& spec) {
    std::future<LoadResult> result;
    std::promise<void> started;
    net::post(impl_->io, [&] {
        auto l = std::make_unique<Impl::Load>();
        l->source = &source;
        l->spec = spec;
        l->tag = impl_->next_tag++;
        l->sent_at.resize(spec.total);
        l->acks.assign(spec.total, 0);
        l->result.latency.reserve(spec.total);
        l->start = l->last_progress = SteadyClock::now();
        result = l->done.get_future();
        impl_->load = std::move(l);
        impl_->pump();
        started.set_value();
    });
    started.get_future().wait();
    LoadResult out = result.get();
    // The load is dropped on the server's thread, where acks arriving late still look at it.
    std::promise<void> dropped;
    net::post(impl_->io, [&] {
        impl_->load.reset();
        dropped.set_value();
    });
    dropped.get_future().wait();
    return out;
}

// ---- Slack's payloads -------------------------------------------------------------------

namespace slack_frames {

namespace {

constexpr const char* kTeam = "T0EMULATOR";

std::string envelope(std::string_view id, const char* type, const std::string& payload,
                     bool accepts_response_payload) {
    std::string out;
    out.reserve(payload.size() + 200);
    out += R"({"envelope_id":")";
    out += id;
    out += R"(","payload":)";
    out += payload;
    out += R"(,"type":")";
    out += type;
    out += R"(","accepts_response_payload":)";
    out += accepts_response_payload ? "true" : "false";
    out += R"(,"retry_attempt":0,"retry_reason":""})";
    return out;
}

std::string user_object(const std::string& user) {
    return R"({"id":")" + user + R"(","username":")" + user + R"(","name":")" + user +
           R"(","team_id":")" + kTeam + R"("})";
}

}  // namespace

std::string slash(std::string_view envelope_id, const std::string& user, const std::string& channel,
                  const std::string& text) {
    std::string payload =
        R"({"token":"emulatorverificationtoken","team_id":")" + std::string(kTeam) +
        R"(","team_domain":"emulated","channel_id":")" + channel +
        R"(","channel_name":"bench","user_id":")" + user + R"(","user_name":")" + user +
        R"(","command":"/release","text":)" + json_string(text) +
        R"(,"api_app_id":"A0EMULATOR","is_enterprise_install":"false",)"
        R"("response_url":"https://127.0.0.1/_respond/bench","trigger_id":"1.2.bench"})";
    return envelope(envelope_id, "slash_commands", payload, true);
}

std::string block_action(std::string_view envelope_id, const std::string& user,
                         const std::string& channel, const std::string& action_id,
                         const std::string& value) {
    std::string payload =
        R"({"type":"block_actions","user":)" + user_object(user) +
        R"(,"api_app_id":"A0EMULATOR","token":"emulatorverificationtoken",)"
        R"("container":{"type":"message","message_ts":"1700000000.000100","channel_id":")" +
        channel + R"(","is_ephemeral":false},"trigger_id":"1.2.bench","team":{"id":")" +
        std::string(kTeam) +
        R"(","domain":"emulated"},"enterprise":null,"is_enterprise_install":false,)"
        R"("channel":{"id":")" +
        channel +
        R"(","name":"bench"},"state":{"values":{}},)"
        R"("response_url":"https://127.0.0.1/_respond/bench","actions":[{"action_id":)" +
        json_string(action_id) +
        R"(,"block_id":"bench","type":"button","action_ts":"1700000000.000200",)"
        R"("text":{"type":"plain_text","text":"Answer","emoji":true},"value":)" +
        json_string(value) + "}]}";
    return envelope(envelope_id, "interactive", payload, false);
}

std::string view_submission(std::string_view envelope_id, const std::string& user,
                            const std::string& metadata,
                            const std::vector<std::pair<std::string, std::string>>& answers) {
    std::string values;
    for (const auto& [block, value] : answers) {
        if (!values.empty()) values += ',';
        values += json_string(block) +
                  R"(:{"answer":{"type":"static_select","selected_option":)"
                  R"({"text":{"type":"plain_text","text":)" +
                  json_string(value) + R"(},"value":)" + json_string(value) + "}}}";
    }
    std::string payload =
        R"({"type":"view_submission","team":{"id":")" + std::string(kTeam) +
        R"(","domain":"emulated"},"user":)" + user_object(user) +
        R"(,"api_app_id":"A0EMULATOR","token":"emulatorverificationtoken",)"
        R"("trigger_id":"1.2.bench",)"
        R"("view":{"id":"VBENCH","team_id":")" +
        std::string(kTeam) + R"(","type":"modal","blocks":[],"private_metadata":)" +
        json_string(metadata) + R"(,"callback_id":"survey","state":{"values":{)" + values +
        R"(}},"hash":"1700000000.bench","title":{"type":"plain_text","text":"Survey"},)"
        R"("previous_view_id":null,"root_view_id":"VBENCH","app_id":"A0EMULATOR",)"
        R"("bot_id":"B0BOT"},)"
        R"("response_urls":[],"is_enterprise_install":false,"enterprise":null})";
    return envelope(envelope_id, "interactive", payload, true);
}

}  // namespace slack_frames

}  // namespace releasebot::bench
