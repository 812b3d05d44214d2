// Tests of SlackWebApi (integrations/slack/web_api.cpp) and SlackPort (slack_port.cpp).
//
// The first part runs against a tiny HTTP server in this file, which records exactly what the
// client sent (headers, body, how many TCP connections) and answers what each test scripts:
// Slack's error bodies, 429 with Retry-After, 5xx pages, silence. The second part runs against
// the Slack emulator (tests/emulators/slack) over real TLS on loopback.
#include "integrations/slack/web_api.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <functional>
#include <mutex>
#include <thread>

#include "bot/runtime/outbox_sender.hpp"
#include "bot/runtime/reply_codec.hpp"
#include "integrations/slack/slack_port.hpp"
#include "storage/database.hpp"
#include "storage/outbox_repo.hpp"
#include "support/eventually.hpp"
#include "support/slack_emulator.hpp"
#include "support/test_env.hpp"

namespace releasebot::slack {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

struct SeenRequest {
    std::string target;
    std::string authorization;
    std::string content_type;
    std::string body;
};

struct Answer {
    unsigned status = 200;
    std::string body = R"({"ok":true})";
    std::vector<std::pair<std::string, std::string>> headers;
    bool hang = false;  // never answer (timeout tests)
};

// A plain-HTTP server on 127.0.0.1 with an ephemeral port, serving keep-alive connections on
// its own thread, answering every request with `script(request)`.
class ScriptedServer {
  public:
    explicit ScriptedServer(std::function<Answer(const SeenRequest&)> script)
        : script_(std::move(script)), acceptor_(io_, {net::ip::make_address("127.0.0.1"), 0}) {
        port_ = acceptor_.local_endpoint().port();
        net::co_spawn(io_, accept_loop(), net::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~ScriptedServer() {
        io_.stop();
        thread_.join();
    }

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api/"; }
    std::vector<SeenRequest> requests() {
        std::lock_guard lock(mu_);
        return requests_;
    }
    int connections() {
        std::lock_guard lock(mu_);
        return connections_;
    }

  private:
    net::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(net::as_tuple(net::use_awaitable));
            if (ec) co_return;
            {
                std::lock_guard lock(mu_);
                ++connections_;
            }
            net::co_spawn(io_, session(std::move(socket)), net::detached);
        }
    }

    net::awaitable<void> session(tcp::socket socket) {
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            auto [ec, n] =
                co_await http::async_read(socket, buffer, req, net::as_tuple(net::use_awaitable));
            if (ec) co_return;
            SeenRequest seen{std::string(req.target()),
                             std::string(req[http::field::authorization]),
                             std::string(req[http::field::content_type]), req.body()};
            {
                std::lock_guard lock(mu_);
                requests_.push_back(seen);
            }
            Answer answer = script_(seen);
            if (answer.hang) {
                net::steady_timer wait(io_, std::chrono::seconds(30));
                co_await wait.async_wait(net::as_tuple(net::use_awaitable));
                co_return;
            }
            http::response<http::string_body> res{static_cast<http::status>(answer.status),
                                                  req.version()};
            res.set(http::field::content_type, "application/json; charset=utf-8");
            for (auto& [name, value] : answer.headers) res.set(name, value);
            res.body() = answer.body;
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            auto [wec, wn] =
                co_await http::async_write(socket, res, net::as_tuple(net::use_awaitable));
            if (wec || !req.keep_alive()) co_return;
        }
    }

    std::function<Answer(const SeenRequest&)> script_;
    net::io_context io_;
    tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    std::thread thread_;
    std::mutex mu_;
    std::vector<SeenRequest> requests_;
    int connections_ = 0;
};

ApiOptions local(const ScriptedServer& server) {
    ApiOptions options;
    options.base_url = server.url();
    options.timeout = std::chrono::milliseconds(3000);
    return options;
}

Reply hello_reply() {
    return Reply::plain("Release *web-1* planned.");
}

}  // namespace

TEST_CASE("json_field reads a field of a Slack answer by its dotted path", "[slack]") {
    const std::string body =
        R"({"ok":true,"ts":"1712.000100","channel":{"id":"D042","is_im":true},"n":7})";
    auto [path, expected] = GENERATE(table<std::string, std::string>({
        {"ts", "1712.000100"},
        {"channel.id", "D042"},
        {"channel.is_im", "true"},
        {"n", "7"},
        {"channel", ""},  // an object is not a field value
        {"missing", ""},
        {"ts.deeper", ""},
    }));
    CAPTURE(path);
    CHECK(json_field(body, path) == expected);
    CHECK(json_field("not json", "ts").empty());
}

TEST_CASE("The Web API client posts JSON with the bot token over one kept-alive connection",
          "[slack]") {
    ScriptedServer server([](const SeenRequest& r) {
        Answer a;
        if (r.target == "/api/chat.postMessage") a.body = R"({"ok":true,"ts":"100.000200"})";
        return a;
    });
    SlackWebApi api("xoxb-local-token", local(server));

    ApiResult first = api.call("chat.postMessage", R"({"channel":"C1","text":"hi"})");
    ApiResult second = api.call("auth.test", "{}");

    REQUIRE(first.ok);
    CHECK(first.http_status == 200);
    CHECK(json_field(first.body, "ts") == "100.000200");
    CHECK(second.ok);
    auto seen = server.requests();
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].target == "/api/chat.postMessage");
    CHECK(seen[0].authorization == "Bearer xoxb-local-token");
    CHECK(seen[0].content_type == "application/json; charset=utf-8");
    CHECK(seen[0].body == R"({"channel":"C1","text":"hi"})");
    CHECK(seen[1].target == "/api/auth.test");
    // The second call reused the first call's connection.
    CHECK(server.connections() == 1);
}

TEST_CASE("The Web API base URL works with or without its trailing slash", "[slack]") {
    ScriptedServer server([](const SeenRequest&) { return Answer{}; });
    ApiOptions options = local(server);
    options.base_url.pop_back();  // ".../api"
    SlackWebApi api("xoxb-local-token", options);
    CHECK(api.call("auth.test", "{}").ok);
    REQUIRE(server.requests().size() == 1);
    CHECK(server.requests()[0].target == "/api/auth.test");
}

TEST_CASE("Slack's ok:false answers become the error, HTTP failures are described", "[slack]") {
    ScriptedServer server([](const SeenRequest& r) {
        Answer a;
        if (r.target == "/api/chat.postMessage") {
            a.body = R"({"ok":false,"error":"channel_not_found"})";
        } else if (r.target == "/api/chat.update") {
            a.status = 503;
            a.body = "<html>upstream down</html>";
        } else if (r.target == "/api/views.open") {
            a.status = 500;
            a.body = R"({"ok":false})";
        }
        return a;
    });
    SlackWebApi api("xoxb-local-token", local(server));

    ApiResult refused = api.call("chat.postMessage", "{}");
    CHECK_FALSE(refused.ok);
    CHECK(refused.http_status == 200);
    CHECK(refused.error == "channel_not_found");
    CHECK_FALSE(refused.retry_after);

    ApiResult down = api.call("chat.update", "{}");
    CHECK_FALSE(down.ok);
    CHECK(down.http_status == 503);
    CHECK(down.error == "Slack answered chat.update with HTTP 503 and no JSON body");

    ApiResult bare = api.call("views.open", "{}");
    CHECK_FALSE(bare.ok);
    CHECK(bare.error == "Slack answered views.open with HTTP 500");
}

TEST_CASE("HTTP 429 reports how long Slack asked us to wait", "[slack]") {
    auto [header, seconds] = GENERATE(table<std::string, int>({
        {"7", 7},
        {"0", 0},
        {"", 1},      // no Retry-After: still "not now", one second
        {"soon", 1},  // unreadable: the same
        {"120", 120},
    }));
    CAPTURE(header);
    ScriptedServer server([header = header](const SeenRequest&) {
        Answer a;
        a.status = 429;
        a.body = R"({"ok":false,"error":"ratelimited"})";
        if (!header.empty()) a.headers.emplace_back("Retry-After", header);
        return a;
    });
    SlackWebApi api("xoxb-local-token", local(server));
    ApiResult r = api.call("chat.postMessage", "{}");
    CHECK_FALSE(r.ok);
    CHECK(r.http_status == 429);
    REQUIRE(r.retry_after);
    CHECK(r.retry_after->count() == seconds);
}

TEST_CASE("Transport failures are errors in words that never show the token", "[slack]") {
    SECTION("nothing listens on the port") {
        unsigned short closed_port = 0;
        {
            net::io_context io;
            tcp::acceptor probe(io, {net::ip::make_address("127.0.0.1"), 0});
            closed_port = probe.local_endpoint().port();
        }
        ApiOptions options;
        options.base_url = "http://127.0.0.1:" + std::to_string(closed_port) + "/api/";
        SlackWebApi api("xoxb-secret-value", options);
        ApiResult r = api.call("chat.postMessage", "{}");
        CHECK_FALSE(r.ok);
        CHECK(r.http_status == 0);
        CHECK(r.error.find("could not reach Slack at http://127.0.0.1:") == 0);
        CHECK(r.error.find("xoxb-secret-value") == std::string::npos);
        CHECK(r.error.find("secret") == std::string::npos);
    }
    SECTION("the server never answers") {
        ScriptedServer server([](const SeenRequest&) {
            Answer a;
            a.hang = true;
            return a;
        });
        ApiOptions options = local(server);
        options.timeout = std::chrono::milliseconds(300);
        SlackWebApi api("xoxb-secret-value", options);
        auto started = std::chrono::steady_clock::now();
        ApiResult r = api.call("chat.postMessage", "{}");
        CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
        CHECK_FALSE(r.ok);
        CHECK(r.error.find("could not reach Slack") == 0);
        CHECK(r.error.find("xoxb-secret-value") == std::string::npos);
    }
}

TEST_CASE("SlackPort turns Slack's answers into deliveries the outbox understands", "[slack]") {
    std::string post_answer = R"({"ok":true,"channel":"C1","ts":"171.000001"})";
    int post_status = 200;
    std::vector<std::pair<std::string, std::string>> post_headers;
    std::string update_answer = R"({"ok":true,"channel":"C1","ts":"171.000001"})";
    std::mutex mu;
    ScriptedServer server([&](const SeenRequest& r) {
        std::lock_guard lock(mu);
        Answer a;
        if (r.target == "/api/chat.postMessage") {
            a.body = post_answer;
            a.status = static_cast<unsigned>(post_status);
            a.headers = post_headers;
        } else if (r.target == "/api/chat.update") {
            a.body = update_answer;
        } else if (r.target == "/api/conversations.open") {
            a.body = R"({"ok":true,"channel":{"id":"D777"}})";
        }
        return a;
    });
    SlackWebApi api("xoxb-local-token", local(server));
    SlackPort port(api);
    const ConversationRef channel{"slack", "T1", "C1", std::nullopt, std::nullopt};

    SECTION("a post returns the message's ts as its reference") {
        Delivery d = port.post(channel, hello_reply());
        CHECK(d.ok);
        CHECK(d.message_ref == "171.000001");
        auto seen = server.requests();
        REQUIRE(seen.size() == 1);
        auto body = boost::json::parse(seen[0].body).as_object();
        CHECK(body.at("channel").as_string() == "C1");
        CHECK(std::string(body.at("text").as_string()).find("web-1") != std::string::npos);
    }
    SECTION("errors that no retry can cure are permanent") {
        auto error = GENERATE(as<std::string>{}, "channel_not_found", "not_in_channel",
                              "invalid_auth", "account_inactive", "is_archived");
        {
            std::lock_guard lock(mu);
            post_answer = R"({"ok":false,"error":")" + error + "\"}";
        }
        Delivery d = port.post(channel, hello_reply());
        CHECK_FALSE(d.ok);
        CHECK(d.permanent);
        CHECK(d.error.find(error) != std::string::npos);
    }
    SECTION("a passing failure is worth a retry") {
        {
            std::lock_guard lock(mu);
            post_answer = R"({"ok":false,"error":"internal_error"})";
        }
        Delivery d = port.post(channel, hello_reply());
        CHECK_FALSE(d.ok);
        CHECK_FALSE(d.permanent);
        CHECK_FALSE(d.retry_after);
    }
    SECTION("429 carries Retry-After back to the outbox") {
        {
            std::lock_guard lock(mu);
            post_status = 429;
            post_answer = R"({"ok":false,"error":"ratelimited"})";
            post_headers = {{"Retry-After", "12"}};
        }
        Delivery d = port.post(channel, hello_reply());
        CHECK_FALSE(d.ok);
        CHECK_FALSE(d.permanent);
        REQUIRE(d.retry_after);
        CHECK(d.retry_after->count() == 12);
    }
    SECTION("a direct message opens the IM once and posts there") {
        Delivery first = port.direct("T1", UserId("U42"), hello_reply());
        Delivery second = port.direct("T1", UserId("U42"), hello_reply());
        CHECK(first.ok);
        CHECK(second.ok);
        auto seen = server.requests();
        REQUIRE(seen.size() == 3);
        CHECK(seen[0].target == "/api/conversations.open");
        CHECK(boost::json::parse(seen[0].body).at("users").as_string() == "U42");
        CHECK(seen[1].target == "/api/chat.postMessage");
        CHECK(boost::json::parse(seen[1].body).at("channel").as_string() == "D777");
        CHECK(seen[2].target == "/api/chat.postMessage");
    }
    SECTION("an update edits the message in place") {
        Delivery d = port.update(channel, "171.000001", hello_reply());
        CHECK(d.ok);
        CHECK(d.message_ref == "171.000001");
        auto seen = server.requests();
        REQUIRE(seen.size() == 1);
        CHECK(seen[0].target == "/api/chat.update");
        CHECK(boost::json::parse(seen[0].body).at("ts").as_string() == "171.000001");
    }
    SECTION("an update of a deleted message posts it anew") {
        {
            std::lock_guard lock(mu);
            update_answer = R"({"ok":false,"error":"message_not_found"})";
            post_answer = R"({"ok":true,"channel":"C1","ts":"999.000009"})";
        }
        Delivery d = port.update(channel, "171.000001", hello_reply());
        CHECK(d.ok);
        CHECK(d.message_ref == "999.000009");
        auto seen = server.requests();
        REQUIRE(seen.size() == 2);
        CHECK(seen[1].target == "/api/chat.postMessage");
    }
}

// ---- against the Slack emulator, over TLS --------------------------------------------------

namespace {

// An outbox row for Slack, due at `now`.
OutboxRow slack_row(const std::string& key, const Destination& where, const Reply& reply,
                    Instant now) {
    OutboxRow row;
    row.idempotency_key = key;
    row.platform = "slack";
    row.destination = encode_destination(where);
    row.payload = encode_reply(reply);
    row.not_before = now;
    row.created_at = now;
    return row;
}

boost::json::array emulator_record(test::SlackEmulator& emulator, const std::string& path,
                                   const std::string& field) {
    boost::json::value answer = boost::json::parse(emulator.get(path));
    return answer.at(field).as_array();
}

}  // namespace

TEST_CASE("The Web API client talks to Slack over verified TLS", "[slack]") {
    test::SlackEmulator emulator;

    SECTION("a post lands and its ts comes back") {
        SlackWebApi api(test::kSlackBotToken, emulated(emulator));
        ApiResult r =
            api.call("chat.postMessage", R"({"channel":"C1RELEASE","text":"Deploy at 14:00"})");
        REQUIRE(r.ok);
        const std::string ts = json_field(r.body, "ts");
        CHECK_FALSE(ts.empty());
        auto messages = emulator_record(emulator, "messages?channel=C1RELEASE", "messages");
        REQUIRE(messages.size() == 1);
        CHECK(messages[0].at("ts").as_string() == ts);
        CHECK(messages[0].at("text").as_string() == "Deploy at 14:00");
    }
    SECTION("a wrong token is invalid_auth, and the token is not in the error") {
        SlackWebApi api("xoxb-not-the-token", emulated(emulator));
        ApiResult r = api.call("chat.postMessage", R"({"channel":"C1RELEASE","text":"hi"})");
        CHECK_FALSE(r.ok);
        CHECK(r.error == "invalid_auth");
        SlackPort port(api);
        Delivery d = port.post(
            ConversationRef{"slack", test::kSlackTeamId, "C1RELEASE", std::nullopt, std::nullopt},
            hello_reply());
        CHECK(d.permanent);
        CHECK(d.error.find("xoxb-not-the-token") == std::string::npos);
    }
    SECTION("HTTP 429 comes back with its Retry-After") {
        emulator.fault("chat.postMessage", 429, 1, 7);
        SlackWebApi api(test::kSlackBotToken, emulated(emulator));
        ApiResult r = api.call("chat.postMessage", R"({"channel":"C1RELEASE","text":"hi"})");
        CHECK_FALSE(r.ok);
        CHECK(r.http_status == 429);
        REQUIRE(r.retry_after);
        CHECK(r.retry_after->count() == 7);
        CHECK(emulator_record(emulator, "messages", "messages").empty());
    }
    SECTION("without the emulator's CA the certificate is refused") {
        ApiOptions options = emulated(emulator);
        options.ca_file.clear();
        SlackWebApi api(test::kSlackBotToken, options);
        ApiResult r = api.call("chat.postMessage", R"({"channel":"C1RELEASE","text":"hi"})");
        CHECK_FALSE(r.ok);
        CHECK(r.http_status == 0);
        CHECK(r.error.find("certificate") != std::string::npos);
        CHECK(emulator_record(emulator, "messages", "messages").empty());
    }
}

TEST_CASE("The outbox delivers through SlackPort: DMs, and waits out a 429", "[slack]") {
    test::SlackEmulator emulator;
    SlackWebApi api(test::kSlackBotToken, emulated(emulator));
    SlackPort port(api);
    Database db(":memory:");
    ManualClock clock(test::default_start());
    OutboxSender sender(db, clock);
    sender.add_port(port);
    OutboxRepo outbox(db);

    auto enqueue = [&](const std::string& key, const Destination& where, const Reply& reply) {
        REQUIRE(outbox.enqueue(slack_row(key, where, reply, clock.now())));
    };

    SECTION("a direct message opens the IM and is posted there") {
        enqueue("dm-1", Destination{"slack", test::kSlackTeamId, std::nullopt, UserId("U1BOB")},
                Reply::plain("You own control 2 of web-1."));
        CHECK(sender.deliver_due() == 1);
        CHECK(emulator_record(emulator, "calls?method=conversations.open", "calls").size() == 1);
        auto messages = emulator_record(emulator, "messages?kind=postMessage", "messages");
        REQUIRE(messages.size() == 1);
        CHECK(messages[0].at("channel").as_string().starts_with("D"));
        CHECK(messages[0].at("text").as_string() == "You own control 2 of web-1.");
        CHECK(outbox.pending_count() == 0);
    }
    SECTION("a 429 leaves the message pending until Retry-After has passed") {
        emulator.fault("chat.postMessage", 429, 1, 30);
        ConversationRef channel{"slack", test::kSlackTeamId, "C1RELEASE", std::nullopt,
                                std::nullopt};
        enqueue("post-1", Destination{"slack", test::kSlackTeamId, channel, std::nullopt},
                Reply::plain("Window opens in 1 hour."));
        CHECK(sender.deliver_due() == 0);
        CHECK(outbox.pending_count() == 1);
        clock.advance(Seconds(29));
        CHECK(sender.deliver_due() == 0);  // not due yet: nothing was tried
        CHECK(emulator_record(emulator, "calls?method=chat.postMessage", "calls").size() == 1);
        clock.advance(Seconds(1));
        // Slack's pace of one message a second per channel also applies after the 429, so the
        // retry waits out that second of real time. The bound is only there to end the test if
        // delivery never happens; on a loaded machine the second can stretch a lot, so it is
        // generous rather than tight (no timing is asserted).
        int delivered = 0;
        CHECK(test::eventually([&] { return (delivered = sender.deliver_due()) != 0; },
                               std::chrono::seconds(30)));
        CHECK(delivered == 1);
        auto messages = emulator_record(emulator, "messages?channel=C1RELEASE", "messages");
        REQUIRE(messages.size() == 1);
        CHECK(messages[0].at("text").as_string() == "Window opens in 1 hour.");
    }
}

TEST_CASE("After a crash mid-delivery the outbox asks Slack before posting again", "[slack]") {
    test::SlackEmulator emulator;
    SlackWebApi api(test::kSlackBotToken, emulated(emulator));
    Database db(":memory:");
    // Real time: the lookup asks Slack for messages since the attempt, and Slack stamps them
    // with its own clock.
    ManualClock clock(std::chrono::floor<Seconds>(std::chrono::system_clock::now()));
    OutboxRepo outbox(db);
    const ConversationRef channel{"slack", test::kSlackTeamId, "C1RELEASE", std::nullopt,
                                  std::nullopt};

    // The row as the killed process left it: its attempt recorded as started, not marked sent.
    auto in_flight = [&](const std::string& key, const Destination& where, const Reply& reply) {
        REQUIRE(outbox.enqueue(slack_row(key, where, reply, clock.now())));
        const auto due = outbox.due(clock.now(), 10);
        REQUIRE(due.size() == 1);
        outbox.mark_attempt_started(due[0].id, clock.now());
        return due[0].id;
    };
    // What the killed process's port sent before it died.
    auto posted_before_crash = [&](const std::string& key, const ConversationRef& where,
                                   const Reply& reply) {
        SlackPort before(api);
        before.set_outbox_key(key);
        REQUIRE(before.post(where, reply).ok);
    };
    auto texts_in = [&](const std::string& path) {
        std::vector<std::string> out;
        for (const auto& m : emulator_record(emulator, path, "messages"))
            out.emplace_back(m.at("text").as_string());
        return out;
    };

    // The restarted process.
    SlackPort port(api);
    OutboxSender sender(db, clock);
    sender.add_port(port);

    SECTION("a message Slack took before the kill is marked sent, not posted twice") {
        const Reply reply = Reply::plain("web-7 is approved for release.");
        const OutboxId id = in_flight(
            "announce-7", Destination{"slack", test::kSlackTeamId, channel, std::nullopt}, reply);
        posted_before_crash("announce-7", channel, reply);
        CHECK(sender.deliver_due() == 1);
        CHECK(texts_in("messages?channel=C1RELEASE") ==
              std::vector<std::string>{"web-7 is approved for release."});
        CHECK(outbox.get(id)->status == "sent");
        CHECK(outbox.pending_count() == 0);
        // The lookup asked for the metadata it tagged the post with.
        auto lookups = emulator_record(emulator, "calls?method=conversations.history", "calls");
        CHECK(lookups.size() == 1);
    }
    SECTION("a message that never reached Slack is posted, once") {
        const OutboxId id =
            in_flight("announce-8", Destination{"slack", test::kSlackTeamId, channel, std::nullopt},
                      Reply::plain("web-8 is approved for release."));
        // Another row's message, tagged with another key, is not mistaken for this one.
        posted_before_crash("announce-other", channel, Reply::plain("web-6 went out."));
        CHECK(sender.deliver_due() == 1);
        CHECK(texts_in("messages?channel=C1RELEASE") ==
              std::vector<std::string>{"web-6 went out.", "web-8 is approved for release."});
        CHECK(outbox.get(id)->status == "sent");
        // Delivering again does nothing more.
        clock.advance(Seconds(60));
        CHECK(sender.deliver_due() == 0);
        CHECK(texts_in("messages?channel=C1RELEASE").size() == 2);
    }
    SECTION("a reply in a thread is found among the thread's replies") {
        SlackPort poster(api);
        const Delivery parent = poster.post(channel, Reply::plain("web-9 status"));
        REQUIRE(parent.ok);
        ConversationRef thread = channel;
        thread.thread = parent.message_ref;
        const Reply reply = Reply::plain("Step 2 of web-9 is done.");
        in_flight("step-9-2", Destination{"slack", test::kSlackTeamId, thread, std::nullopt},
                  reply);
        posted_before_crash("step-9-2", thread, reply);
        CHECK(sender.deliver_due() == 1);
        CHECK(emulator_record(emulator, "calls?method=conversations.replies", "calls").size() == 1);
        int copies = 0;
        for (const auto& text : texts_in("messages?kind=postMessage"))
            copies += text == "Step 2 of web-9 is done." ? 1 : 0;
        CHECK(copies == 1);
    }
    SECTION("a direct message is looked for in the IM") {
        const Reply reply = Reply::plain("You own control 3 of web-10.");
        in_flight("dm-10", Destination{"slack", test::kSlackTeamId, std::nullopt, UserId("U1BOB")},
                  reply);
        SlackPort before(api);
        before.set_outbox_key("dm-10");
        REQUIRE(before.direct(test::kSlackTeamId, UserId("U1BOB"), reply).ok);
        CHECK(sender.deliver_due() == 1);
        int copies = 0;
        for (const auto& text : texts_in("messages?kind=postMessage"))
            copies += text == "You own control 3 of web-10." ? 1 : 0;
        CHECK(copies == 1);
    }
    SECTION("when Slack cannot be asked now, nothing is posted until it can") {
        const Reply reply = Reply::plain("web-11 is approved for release.");
        const OutboxId id = in_flight(
            "announce-11", Destination{"slack", test::kSlackTeamId, channel, std::nullopt}, reply);
        emulator.fault("conversations.history", 500, 1);
        CHECK(sender.deliver_due() == 0);
        CHECK(texts_in("messages?channel=C1RELEASE").empty());
        CHECK(outbox.get(id)->status == "pending");
        clock.advance(Seconds(600));
        // Slack's pace of one message a second per channel counts the failed lookup too, so
        // the retry may wait out that second of real time (the bound only ends a hung test).
        int delivered = 0;
        CHECK(test::eventually([&] { return (delivered = sender.deliver_due()) != 0; },
                               std::chrono::seconds(30)));
        CHECK(delivered == 1);
        CHECK(texts_in("messages?channel=C1RELEASE") ==
              std::vector<std::string>{"web-11 is approved for release."});
    }
}

}  // namespace releasebot::slack
