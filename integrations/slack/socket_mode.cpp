// SocketModeClient: Slack Socket Mode over TLS websockets (Boost.Beast on Asio, C++20
// coroutines), everything on the one thread that calls run().
//
// Workload: a stream of small JSON envelopes per link, each handled by the Pipeline in
// microseconds and acknowledged on the same link once it committed. Each link has a reader
// coroutine, which only queues the frames it reads, and a processor coroutine, which takes every
// frame queued so far, handles them in one transaction (group commit: a savepoint each, one
// durable commit for the lot) and then writes their acks. With one envelope in flight that is
// one commit per envelope, as before; with many, the commit's fsync is shared by all the
// envelopes that arrived while the last one ran. The processor is the only writer of acks, so
// there is never more than one write in flight on a websocket, and an ack is only written after
// the commit it reports.
//
// Lifecycle of a link: apps.connections.open (blocking libcurl, run on a one-thread pool so the
// links already open keep reading) → TCP → TLS with SNI and host-name verification → websocket
// handshake → `hello`. A `disconnect` starts a replacement first; the old link keeps reading and
// acknowledging until the new one said hello and the old one has gone quiet, and only then is it
// closed (make before break). A link that drops is replaced after a backoff of 0.5 s doubling to
// 30 s with ±20% jitter. `link_disabled`, or an app token Slack refuses, stops the client.
//
// The few bot-token calls an envelope may need (users.info for a person not cached yet, views.open
// for a survey, sharing an export file) are made on this thread before its ack: each is one
// short request, a trigger_id must be used within Slack's 3 seconds anyway, and the ack must
// still follow the commit.
#include "integrations/slack/socket_mode.hpp"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>
#include <deque>
#include <iostream>
#include <optional>
#include <random>
#include <set>
#include <vector>

#include "bot/runtime/metrics.hpp"
#include "integrations/http/liveness.hpp"
#include "integrations/slack/block_kit.hpp"
#include "integrations/slack/receiver.hpp"
#include "integrations/slack/slack_decode.hpp"

namespace releasebot::slack {

namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using Ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

constexpr std::chrono::milliseconds kFirstBackoff{500};
constexpr std::chrono::milliseconds kMaxBackoff{30000};
constexpr double kJitter = 0.2;
// TCP connect plus TLS handshake; the websocket layer has its own timeouts after that.
constexpr std::chrono::seconds kConnectTimeout{10};
// The websocket upgrade and the closing handshake.
constexpr std::chrono::seconds kHandshakeTimeout{5};
// A retiring link is closed once it has been quiet this long (or after kDrainLimit at most), so
// envelopes Slack sent on it just before the new link came up are still acknowledged.
constexpr std::chrono::milliseconds kDrainQuiet{100};
constexpr std::chrono::seconds kDrainLimit{2};
// After stop(), run() returns within this even if a peer never answers the closing handshake.
constexpr std::chrono::seconds kStopGrace{3};
// The largest frame read; Slack's envelopes are a few kilobytes. A larger one is read to its end
// in chunks and dropped, unacknowledged, while the link goes on (see read_frame).
constexpr std::size_t kMaxFrame = 4 * 1024 * 1024;
constexpr std::size_t kReadChunk = 64 * 1024;
// At most this many envelopes share one commit; the reader stops reading while this many wait
// (Slack keeps sending only as fast as it is acknowledged, so this is rarely reached).
constexpr std::size_t kMaxGroup = 256;

void log(const std::string& message) {
    std::cerr << "releasebot: slack: " << message << '\n';
}

struct WssUrl {
    std::string host;
    std::string port;
    std::string target;  // path and query
};

// "wss://host[:port]/path?query" as returned by apps.connections.open.
Result<WssUrl> parse_wss_url(const std::string& url) {
    constexpr std::string_view scheme = "wss://";
    if (url.rfind(scheme, 0) != 0) {
        return invalid("apps.connections.open returned a URL that is not wss://");
    }
    std::string rest = url.substr(scheme.size());
    std::size_t slash = rest.find_first_of("/?");
    std::string authority = rest.substr(0, slash);
    WssUrl out;
    out.target = slash == std::string::npos ? "/" : rest.substr(slash);
    if (out.target.front() == '?') out.target.insert(0, "/");
    if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
        std::size_t close = authority.find(']');
        if (close == std::string::npos) return invalid("the Socket Mode URL has a bad IPv6 host");
        out.host = authority.substr(1, close - 1);
        out.port = close + 2 <= authority.size() ? authority.substr(close + 2) : "";
    } else {
        std::size_t colon = authority.rfind(':');
        out.host = authority.substr(0, colon);
        out.port = colon == std::string::npos ? "" : authority.substr(colon + 1);
    }
    if (out.port.empty()) out.port = "443";
    if (out.host.empty()) return invalid("the Socket Mode URL has no host");
    return out;
}

bool is_ip_literal(const std::string& host) {
    boost::system::error_code ec;
    net::ip::make_address(host, ec);
    return !ec;
}

// Answers to apps.connections.open that no retry can fix: the app token itself is refused.
bool fatal_open_error(const std::string& error) {
    for (const char* e : {"invalid_auth", "not_authed", "account_inactive", "token_revoked",
                          "token_expired", "not_allowed_token_type", "missing_scope"}) {
        if (error == e) return true;
    }
    return false;
}

}  // namespace

struct SocketModeClient::Impl {
    // One websocket link. Owned by shared_ptr so the coroutines serving, replacing and closing
    // it can outlive one another in any order.
    struct Link {
        Link(net::io_context& io, ssl::context& ctx, int slot_) : ws(io, ctx), slot(slot_) {}
        Ws ws;
        int slot;
        bool established = false;  // said hello
        bool retiring = false;     // a replacement is on its way, or it is being closed
        SteadyClock::time_point last_frame = SteadyClock::now();
        // Frames read and not yet handled, each with when it arrived; the reader fills it, the
        // processor empties it. `wake` is cancelled to rouse whichever of them waits.
        std::deque<std::pair<std::string, SteadyClock::time_point>> inbox;
        bool reading = true;      // the reader is still reading
        bool processing = false;  // the processor is handling or acknowledging a group
        std::optional<net::steady_timer> reader_wait;
        std::optional<net::steady_timer> processor_wait;
        bool busy() const { return !inbox.empty() || processing; }
    };
    using LinkPtr = std::shared_ptr<Link>;

    Impl(SlackWebApi& api_, Pipeline& pipeline_, SocketModeOptions options_)
        : api(api_), pipeline(pipeline_), options(std::move(options_)) {
        options.connections = std::clamp(options.connections, 1, 10);
        ssl_ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1);
        ssl_ctx.set_verify_mode(ssl::verify_peer);
        boost::system::error_code ec;
        ssl_ctx.set_default_verify_paths(ec);
        if (!options.ca_file.empty()) {
            ssl_ctx.load_verify_file(options.ca_file, ec);
            if (ec)
                setup_error = "cannot read the CA file " + options.ca_file + ": " + ec.message();
        }
    }

    ~Impl() {
        // The pool may be finishing an HTTP call whose completion is posted to io; it must be
        // done before io (and the coroutine frames it holds) goes away.
        api_pool.join();
    }

    // ---- connecting -----------------------------------------------------------------------

    net::awaitable<ApiResult> open_url() {
        return net::co_spawn(
            api_pool,
            [this]() -> net::awaitable<ApiResult> {
                co_return api.call("apps.connections.open", "{}");
            },
            net::use_awaitable);
    }

    // Opens one link up to its `hello`. Errors are values whose message says what failed;
    // a refused app token also shuts the client down.
    net::awaitable<Result<LinkPtr>> open_link(int slot) {
        ApiResult opened = co_await open_url();
        if (stopping) co_return conflict("stopping");
        if (!opened.ok) {
            if (opened.retry_after) {
                co_return invalid("apps.connections.open is rate limited (HTTP 429)");
            }
            if (fatal_open_error(opened.error)) {
                shutdown("Slack refused the app-level token (" + opened.error +
                         "): use the app's xapp- token with the connections:write scope, from "
                         "the app's Basic Information page.");
                co_return conflict("stopping");
            }
            co_return invalid("apps.connections.open failed: " + opened.error);
        }
        auto url = parse_wss_url(json_field(opened.body, "url"));
        if (!url) co_return url.error();

        tcp::resolver resolver(io);
        auto [rec, endpoints] = co_await resolver.async_resolve(url->host, url->port, use_tuple);
        if (rec) co_return invalid("cannot resolve " + url->host + ": " + rec.message());
        if (stopping) co_return conflict("stopping");

        auto link = std::make_shared<Link>(io, ssl_ctx, slot);
        links.insert(link);
        auto result = co_await handshake(link, *url, endpoints);
        if (!result) {
            links.erase(link);
            co_return result.error();
        }
        co_return link;
    }

    net::awaitable<Status> handshake(const LinkPtr& link, const WssUrl& url,
                                     const tcp::resolver::results_type& endpoints) {
        auto& tcp_layer = beast::get_lowest_layer(link->ws);
        tcp_layer.expires_after(kConnectTimeout);
        auto [cec, ep] = co_await tcp_layer.async_connect(endpoints, use_tuple);
        if (cec) co_return invalid("cannot connect to " + url.host + ": " + cec.message());

        auto& tls = link->ws.next_layer();
        // SNI must name the host (never an IP literal); the certificate is checked against the
        // same name, so a valid certificate for some other host is refused.
        if (!is_ip_literal(url.host) &&
            SSL_set_tlsext_host_name(tls.native_handle(), url.host.c_str()) != 1) {
            co_return invalid("cannot set the TLS server name " + url.host);
        }
        tls.set_verify_mode(ssl::verify_peer);
        tls.set_verify_callback(ssl::host_name_verification(url.host));
        auto [tec] = co_await tls.async_handshake(ssl::stream_base::client, use_tuple);
        if (tec) {
            co_return invalid("TLS with " + url.host +
                              " failed (certificate or protocol): " + tec.message());
        }

        tcp_layer.expires_never();
        websocket::stream_base::timeout timeouts =
            websocket::stream_base::timeout::suggested(beast::role_type::client);
        timeouts.handshake_timeout = kHandshakeTimeout;
        timeouts.idle_timeout = options.idle_timeout;
        timeouts.keep_alive_pings = true;
        link->ws.set_option(timeouts);
        link->ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
            req.set(beast::http::field::user_agent,
                    std::string("releasebot/") + RELEASEBOT_VERSION);
        }));
        // No limit in Beast itself, which would end the link: read_frame enforces kMaxFrame.
        link->ws.read_message_max(0);
        const std::string host_header =
            url.port == "443"
                ? url.host
                : (url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host) +
                      ":" + url.port;
        auto [wec] = co_await link->ws.async_handshake(host_header, url.target, use_tuple);
        if (wec) co_return invalid("the websocket upgrade failed: " + wec.message());

        // Slack says hello at once; anything before it is still answered as usual.
        beast::flat_buffer buffer;
        for (;;) {
            auto ec = co_await read_frame(*link, buffer);
            if (ec) co_return invalid("the link closed before hello: " + ec.message());
            if (buffer.size() == 0) continue;  // an oversized frame, dropped
            std::string text = beast::buffers_to_string(buffer.data());
            buffer.consume(buffer.size());
            link->last_frame = SteadyClock::now();
            auto frame = decode_socket_frame(text);
            if (frame && frame->type == "hello") break;
            if (frame && frame->type == "disconnect") {
                // Refused before it began (too_many_websockets): another attempt, after the
                // backoff, is the answer; a disabled app stops everything.
                if (frame->reason == "link_disabled") on_disconnect(link, frame->reason);
                co_return invalid("Slack refused the link (" + frame->reason + ")");
            }
            if (auto ack = handle_frame(link, text)) {
                auto [aec, an] = co_await link->ws.async_write(net::buffer(*ack), use_tuple);
                if (aec) co_return invalid("the link closed before hello: " + aec.message());
                ++acked;
            }
            if (stopping || link->retiring) co_return conflict("stopping");
        }
        link->established = true;
        co_return ok_status();
    }

    // Opens a link for `slot`, retrying with backoff until it works or the client stops.
    net::awaitable<LinkPtr> connect_with_backoff(int slot, bool wait_first) {
        auto delay = kFirstBackoff;
        for (int attempt = 0; !stopping; ++attempt) {
            if (wait_first || attempt > 0) {
                co_await sleep(jittered(delay));
                delay = std::min(delay * 2, kMaxBackoff);
                if (stopping) break;
            }
            auto link = co_await open_link(slot);
            if (link) co_return *link;
            if (!stopping)
                log("Socket Mode link " + std::to_string(slot + 1) +
                    " could not connect: " + link.error().message);
        }
        co_return nullptr;
    }

    std::chrono::milliseconds jittered(std::chrono::milliseconds d) {
        std::uniform_real_distribution<double> spread(1.0 - kJitter, 1.0 + kJitter);
        return std::chrono::milliseconds(
            static_cast<long long>(static_cast<double>(d.count()) * spread(rng)));
    }

    net::awaitable<void> sleep(std::chrono::milliseconds d) {
        net::steady_timer timer(io, d);
        waits.insert(&timer);
        co_await timer.async_wait(use_tuple);
        waits.erase(&timer);
    }

    // Brings up a link for `slot` and serves it; when it replaces `retiring`, closes that one
    // only after the new link said hello.
    net::awaitable<void> establish(int slot, bool wait_first, LinkPtr retiring) {
        LinkPtr link = co_await connect_with_backoff(slot, wait_first);
        if (!link) co_return;
        liveness::link("slack_socket_mode", slot, true);
        if (connected_before[slot]) {
            ++reconnects;
            metrics::reconnect("slack");
        } else {
            connected_before[slot] = true;
            log("Socket Mode link " + std::to_string(slot + 1) + " connected");
        }
        net::co_spawn(io, serve(link), net::detached);
        if (retiring) co_await retire(retiring);
    }

    // Lets a replaced link finish what Slack already sent on it, then closes it.
    net::awaitable<void> retire(LinkPtr old) {
        const auto limit = SteadyClock::now() + kDrainLimit;
        while (old->ws.is_open() && !stopping && SteadyClock::now() < limit &&
               (SteadyClock::now() - old->last_frame < kDrainQuiet || old->busy())) {
            co_await sleep(kDrainQuiet / 4);
        }
        co_await close_link(old);
    }

    net::awaitable<void> close_link(LinkPtr link) {
        link->retiring = true;
        if (!link->established) {
            beast::get_lowest_layer(link->ws).close();
            co_return;
        }
        if (!link->ws.is_open()) co_return;
        // Beast waits for a write in flight (an ack) before it sends the close frame.
        auto [ec] = co_await link->ws.async_close(websocket::close_code::normal, use_tuple);
        (void)ec;  // a peer that vanished during the close changes nothing for us
    }

    // ---- serving --------------------------------------------------------------------------

    // Reads one whole message into `buffer`. One longer than kMaxFrame is read to its end and
    // dropped (`buffer` left empty, the drop logged) instead of ending the link: a frame too
    // large to be an envelope must not cost the link, and with it the acks of the envelopes
    // after it. It stays unacknowledged, so Slack gives up on it after its retries.
    net::awaitable<beast::error_code> read_frame(Link& link, beast::flat_buffer& buffer) {
        std::size_t total = 0;
        do {
            auto [ec, n] = co_await link.ws.async_read_some(buffer, kReadChunk, use_tuple);
            if (ec) co_return ec;
            total += n;
            if (total > kMaxFrame) buffer.consume(buffer.size());
        } while (!link.ws.is_message_done());
        if (total > kMaxFrame) {
            link.last_frame = SteadyClock::now();
            log("ignored a Socket Mode frame of " + std::to_string(total) +
                " bytes: releasebot reads frames of up to " + std::to_string(kMaxFrame) + " bytes");
        }
        co_return beast::error_code{};
    }

    // The reader of a link: queues each frame for the processor, which it starts.
    net::awaitable<void> serve(LinkPtr link) {
        link->reader_wait.emplace(io, SteadyClock::time_point::max());
        link->processor_wait.emplace(io, SteadyClock::time_point::max());
        net::co_spawn(io, process_frames(link), net::detached);
        beast::flat_buffer buffer;
        beast::error_code ended;
        for (;;) {
            if (auto ec = co_await read_frame(*link, buffer)) {
                ended = ec;
                break;
            }
            if (buffer.size() == 0) continue;  // an oversized frame, dropped
            link->last_frame = SteadyClock::now();
            link->inbox.emplace_back(beast::buffers_to_string(buffer.data()), link->last_frame);
            buffer.consume(buffer.size());
            link->processor_wait->cancel();
            while (link->inbox.size() >= kMaxGroup && !stopping) {
                link->reader_wait->expires_at(SteadyClock::time_point::max());
                co_await link->reader_wait->async_wait(use_tuple);
            }
        }
        link->reading = false;
        link->processor_wait->cancel();
        links.erase(link);
        if (stopping || link->retiring) co_return;
        link->retiring = true;
        liveness::link("slack_socket_mode", link->slot, false);
        log("Socket Mode link " + std::to_string(link->slot + 1) + " dropped (" + ended.message() +
            "); reconnecting");
        net::co_spawn(io, establish(link->slot, true, nullptr), net::detached);
    }

    // The processor of a link: handles what the reader queued, a group at a time, and writes
    // the acks once the group committed. Frames still queued when the link ends stay
    // unacknowledged, so Slack delivers them again (a repeat of one that did commit is then
    // recognised by its key and only acknowledged).
    net::awaitable<void> process_frames(LinkPtr link) {
        std::vector<std::pair<std::string, SteadyClock::time_point>> group;
        std::vector<std::optional<std::string>> acks;
        // Confirmation presses, whose prompt goes once acked.
        std::vector<std::pair<Event, Outcome>> answered;
        while (link->reading || !link->inbox.empty()) {
            if (link->inbox.empty()) {
                link->processor_wait->expires_at(SteadyClock::time_point::max());
                co_await link->processor_wait->async_wait(use_tuple);
                continue;
            }
            // One turn for the reader first: reader and processor each get a turn per step of
            // the io loop, so without it they would alternate frame for frame and a group
            // would never hold more than one envelope. With it, the envelopes that arrived
            // while one group was stored and acknowledged make up the next.
            co_await net::post(io, net::use_awaitable);
            link->processing = true;
            group.clear();
            while (!link->inbox.empty() && group.size() < kMaxGroup) {
                group.push_back(std::move(link->inbox.front()));
                link->inbox.pop_front();
            }
            link->reader_wait->cancel();
            answered.clear();
            handle_group(link, group, acks, answered);
            bool failed = false;
            for (std::size_t i = 0; i < group.size() && !failed; ++i) {
                if (!acks[i]) continue;
                auto [wec, wn] = co_await link->ws.async_write(net::buffer(*acks[i]), use_tuple);
                if (wec) {
                    failed = true;  // the reader sees the link end too, and reconnects
                    break;
                }
                ++acked;
                metrics::ack_latency(SteadyClock::now() - group[i].second);
            }
            // Not before the acks: a call to Slack that nothing else waits for.
            for (const auto& [event, outcome] : answered) receiver.answered(event, outcome);
            link->processing = false;
            if (failed) break;
        }
    }

    // What one frame asks for: an ack decided already (or none), or an event for the pipeline
    // and how to answer once it ran.
    struct FramePlan {
        std::optional<std::string> ack;  // decided without the pipeline
        std::optional<Event> event;
        std::string envelope_id;
        bool accepts_response_payload = false;
    };

    // Handles `group` (frames in arrival order) and fills `acks` with what to send for each,
    // in the same order: the pipeline's events in one group commit when there are several.
    // `answered` gets each event that committed, whose answered prompt the receiver removes
    // once the acks are out.
    void handle_group(const LinkPtr& link,
                      const std::vector<std::pair<std::string, SteadyClock::time_point>>& group,
                      std::vector<std::optional<std::string>>& acks,
                      std::vector<std::pair<Event, Outcome>>& answered) {
        std::vector<FramePlan> plans;
        plans.reserve(group.size());
        std::vector<const Event*> events;
        for (const auto& frame : group) plans.push_back(prepare(link, frame.first));
        for (const FramePlan& plan : plans)
            if (plan.event) events.push_back(&*plan.event);
        std::vector<std::optional<Outcome>> outcomes = pipeline.handle_all(events);
        bool changed = false;
        acks.assign(plans.size(), std::nullopt);
        for (std::size_t i = 0, e = 0; i < plans.size(); ++i) {
            if (!plans[i].event) {
                acks[i] = std::move(plans[i].ack);
                continue;
            }
            // Not stored (nullopt): left unacknowledged, so Slack delivers it again.
            std::optional<Outcome>& outcome = outcomes[e++];
            if (!outcome) continue;
            changed = changed || (!outcome->duplicate && outcome->wrote);
            acks[i] = ack(plans[i].envelope_id, receiver.answer(*plans[i].event, *outcome,
                                                                plans[i].accepts_response_payload));
            if (SlackReceiver::answers_prompt(*plans[i].event))
                answered.emplace_back(*plans[i].event, std::move(*outcome));
        }
        if (changed && options.on_event) {
            try {
                options.on_event();
            } catch (const std::exception& e) {
                log(std::string("on_event failed: ") + e.what());
            }
        }
    }

    // One frame in, alone (before hello); the ack to send, if any.
    std::optional<std::string> handle_frame(const LinkPtr& link, const std::string& text) {
        std::vector<std::optional<std::string>> acks;
        std::vector<std::pair<Event, Outcome>> answered;
        handle_group(link, {{text, SteadyClock::now()}}, acks, answered);
        for (const auto& [event, outcome] : answered) receiver.answered(event, outcome);
        return std::move(acks.front());
    }

    // Decodes one frame into its FramePlan. Nothing is stored here; what an envelope needs before
    // the pipeline (the actor's name and zone, the survey form opened with its trigger_id) the
    // receiver does here.
    FramePlan prepare(const LinkPtr& link, const std::string& text) {
        FramePlan w;
        auto frame = decode_socket_frame(text);
        if (!frame) {
            log("ignored a Socket Mode frame: " + frame.error().message);
            return w;
        }
        if (frame->type == "hello") return w;
        if (frame->type == "disconnect") {
            on_disconnect(link, frame->reason);
            return w;
        }
        if (frame->envelope_id.empty()) {
            log("ignored a `" + frame->type + "` frame with no envelope_id");
            return w;
        }
        w.envelope_id = frame->envelope_id;
        w.accepts_response_payload = frame->accepts_response_payload;

        if (frame->type == "slash_commands") {
            auto event = decode_slash_command_json(frame->payload, frame->envelope_id);
            if (!event) {
                w.ack = ack(frame->envelope_id,
                            frame->accepts_response_payload
                                ? SlackAnswer{Reply::error(event.error().message), std::nullopt}
                                : SlackAnswer{});
                return w;
            }
            w.event = receiver.slash_command(std::move(*event));
            return w;
        }
        if (frame->type == "events_api") {
            auto event = decode_event_callback(frame->payload);
            if (!event) log("ignored an Events API payload: " + event.error().message);
            if (event && *event) {
                w.event = receiver.event_callback(std::move(**event));
                return w;
            }
            w.ack = ack(frame->envelope_id, {});
            return w;
        }
        if (frame->type == "interactive") {
            auto event = decode_interactive(frame->payload, frame->envelope_id);
            if (!event) {
                log("ignored an interactive payload: " + event.error().message);
                w.ack = ack(frame->envelope_id, {});
                return w;
            }
            std::string problem;
            w.event = receiver.interaction(std::move(*event), &problem);
            if (!problem.empty()) log("could not open the survey form: " + problem);
            if (!w.event) w.ack = ack(frame->envelope_id, {});
            return w;
        }
        // An envelope type releasebot does not handle: acknowledged so Slack does not retry it.
        w.ack = ack(frame->envelope_id, {});
        return w;
    }

    // The ack frame: the envelope id, and the answer's reply or form errors as its payload.
    // The blocks are spliced in as rendered: they are already JSON, and parsing them back only
    // to serialize them again was measurable on the hot path.
    static std::string ack(const std::string& envelope_id, const SlackAnswer& answer) {
        std::string out = "{\"envelope_id\":" + boost::json::serialize(envelope_id);
        if (answer.form_errors) {
            out += ",\"payload\":" + *answer.form_errors;
        } else if (answer.reply) {
            const Reply& reply = *answer.reply;
            out += ",\"payload\":{\"text\":" + boost::json::serialize(message_text(reply));
            const std::string blocks = blocks_json(reply);
            if (blocks.size() > 2 && blocks.front() == '[') out += ",\"blocks\":" + blocks;
            out += reply.visibility == Visibility::ephemeral ? ",\"response_type\":\"ephemeral\"}"
                                                             : ",\"response_type\":\"in_channel\"}";
        }
        out += '}';
        return out;
    }

    void on_disconnect(const LinkPtr& link, const std::string& reason) {
        if (reason == "link_disabled") {
            shutdown(
                "Slack disabled Socket Mode for this app (link_disabled). Turn Socket Mode on "
                "again in the app's settings (Settings → Socket Mode) and start releasebot "
                "again.");
            return;
        }
        if (link->retiring || stopping) return;
        link->retiring = true;
        if (reason == "too_many_websockets") {
            // Slack wants fewer links, so a new one opened first would be refused: this one
            // finishes what it holds and closes, and its slot reconnects after a backoff.
            net::co_spawn(io, replace_after_close(link), net::detached);
            return;
        }
        net::co_spawn(io, establish(link->slot, false, link), net::detached);
    }

    net::awaitable<void> replace_after_close(LinkPtr old) {
        co_await retire(old);
        co_await establish(old->slot, true, nullptr);
    }

    // ---- stopping -------------------------------------------------------------------------

    void shutdown(std::string reason) {
        if (stopping) return;
        stopping = true;
        stop_reason = std::move(reason);
        stop_deadline = SteadyClock::now() + kStopGrace;
        for (auto* timer : waits) timer->cancel();
        std::vector<LinkPtr> open(links.begin(), links.end());
        for (auto& link : open) net::co_spawn(io, close_link(link), net::detached);
    }

    SlackWebApi& api;
    Pipeline& pipeline;
    SocketModeOptions options;
    SlackReceiver receiver{options.bot_api, options.users};
    std::string setup_error;

    std::atomic<long> acked{0};
    std::atomic<long> reconnects{0};

    // Touched only on the io thread.
    bool stopping = false;
    std::string stop_reason;
    std::optional<SteadyClock::time_point> stop_deadline;
    std::set<LinkPtr> links;
    std::set<net::steady_timer*> waits;
    std::vector<bool> connected_before;
    std::mt19937 rng{std::random_device{}()};

    ssl::context ssl_ctx{ssl::context::tls_client};
    net::thread_pool api_pool{1};
    // Declared last so it is destroyed first: the coroutine frames it still holds refer to the
    // members above.
    net::io_context io{1};
};

SocketModeClient::SocketModeClient(SlackWebApi& app_api, Pipeline& pipeline,
                                   SocketModeOptions options)
    : impl_(std::make_unique<Impl>(app_api, pipeline, std::move(options))) {}

SocketModeClient::~SocketModeClient() = default;

std::string SocketModeClient::run() {
    Impl& m = *impl_;
    if (!m.setup_error.empty()) return m.setup_error;
    m.connected_before.assign(static_cast<std::size_t>(m.options.connections), false);
    for (int slot = 0; slot < m.options.connections; ++slot) {
        net::co_spawn(m.io, m.establish(slot, false, nullptr), net::detached);
    }
    // Returns when every coroutine has finished (after stop() or link_disabled); a peer that
    // never completes a closing handshake cannot hold it past the stop grace.
    while (!m.io.stopped()) {
        m.io.run_for(std::chrono::milliseconds(200));
        if (m.stop_deadline && SteadyClock::now() > *m.stop_deadline) m.io.stop();
    }
    return m.stop_reason.empty() ? "stopped" : m.stop_reason;
}

void SocketModeClient::stop() {
    Impl* m = impl_.get();
    net::post(m->io, [m] { m->shutdown("stopped"); });
}

long SocketModeClient::acked() const {
    return impl_->acked.load();
}
long SocketModeClient::reconnects() const {
    return impl_->reconnects.load();
}

}  // namespace releasebot::slack
