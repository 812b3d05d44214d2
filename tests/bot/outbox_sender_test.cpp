// Tests for bot/outbox_sender and bot/reply_codec: what the outbox stores is what the platform
// receives, once; failures are retried with growing waits until the sender gives up, the
// platform's Retry-After is honoured, and rows for a platform with no port wait for one. A
// backlog is read in one pass (rows that must wait do not hold up the rest), each attempt is
// on disk before its platform call, and a stop between rows leaves the rest as it was.
#include "bot/runtime/outbox_sender.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bot/runtime/log.hpp"
#include "bot/runtime/reply_codec.hpp"
#include "storage/database.hpp"
#include "storage/outbox_repo.hpp"
#include "support/eventually.hpp"
#include "support/temp_dir.hpp"

namespace releasebot {
namespace {

using namespace std::chrono_literals;

const Instant kStart = std::chrono::sys_days{std::chrono::year{2026} / 12 / 1} + 9h;

// A ChatPort that records what it was asked to deliver and answers from a script: each call
// takes the next scripted Delivery, and succeeds once the script is empty.
class FakePort final : public ChatPort {
  public:
    struct Call {
        std::string channel;  // empty for a direct message
        std::string tenant;
        std::string user;  // empty for a channel post
        Reply reply;
    };

    explicit FakePort(std::string platform = "slack") : platform_(std::move(platform)) {}

    std::string platform() const override { return platform_; }
    Delivery post(const ConversationRef& where, const Reply& reply) override {
        calls.push_back({where.channel, where.tenant, "", reply});
        return next();
    }
    Delivery direct(const std::string& tenant, const UserId& to, const Reply& reply) override {
        calls.push_back({"", tenant, to.value(), reply});
        return next();
    }
    void set_outbox_key(const std::string& key) override { key_ = key; }
    std::chrono::milliseconds min_interval() const override { return interval; }

    void fail(int times, const std::string& error) {
        for (int i = 0; i < times; ++i) {
            Delivery d;
            d.error = error;
            script_.push_back(d);
        }
    }
    void fail_permanently(const std::string& error) {
        Delivery d;
        d.permanent = true;
        d.error = error;
        script_.push_back(d);
    }
    void rate_limit(Seconds wait) {
        Delivery d;
        d.retry_after = wait;
        d.error = "ratelimited";
        script_.push_back(d);
    }

    std::vector<Call> calls;
    std::chrono::milliseconds interval{0};
    // Run at each call with the outbox key of the row being delivered.
    std::function<void(const std::string&)> on_call;

  private:
    Delivery next() {
        if (on_call) on_call(key_);
        if (script_.empty()) {
            Delivery ok;
            ok.ok = true;
            ok.message_ref = "1700000000.000100";
            return ok;
        }
        Delivery d = script_.front();
        script_.pop_front();
        return d;
    }

    std::string platform_;
    std::deque<Delivery> script_;
    std::string key_;
};

struct Fixture {
    explicit Fixture(const std::string& path = ":memory:") : db(path) {
        sender.add_port(slack);
        log::set_sink([this](const std::string& line) { logged.push_back(line); });
    }
    ~Fixture() { log::set_sink({}); }

    std::vector<std::string> logged;  // what the sender wrote to the log

    Database db;
    OutboxRepo outbox{db};
    ManualClock clock{kStart};
    OutboxSender sender{db, clock};
    FakePort slack{"slack"};
    Actor alice{"slack", "T1", UserId("U_ALICE"), "Alice", std::nullopt};
    int next_key = 0;

    // Queues `o` the way the pipeline does and returns its row id.
    OutboxId enqueue(const Outbound& o, const Actor& actor) {
        Destination d = destination_of(o, actor);
        OutboxRow row;
        row.idempotency_key = "evt:" + std::to_string(++next_key);
        row.platform = d.platform;
        row.destination = encode_destination(d);
        row.payload = encode_reply(o.reply);
        row.not_before = o.not_before.value_or(clock.now());
        row.created_at = clock.now();
        REQUIRE(outbox.enqueue(row));
        return OutboxId(db.last_insert_id());
    }

    OutboxId post(const std::string& platform, const std::string& channel,
                  const std::string& text) {
        Outbound o;
        o.channel = ConversationRef{platform, "T1", channel, std::nullopt, std::nullopt};
        o.reply = Reply::plain(text);
        return enqueue(o, alice);
    }

    OutboxRow row(OutboxId id) {
        auto r = outbox.get(id);
        REQUIRE(r);
        return *r;
    }
};

Reply every_kind_of_block() {
    Reply r;
    r.text = "web-2026.12 is ready — \"go\" when you are\n";
    r.visibility = Visibility::direct;
    r.is_error = true;
    r.header("web-2026.12 · Dec 5 14:00 UTC")
        .section("*Blockers*: none. <@U_BOB> ticked `backout-plan`.")
        .fields({{"State", "approved"}, {"Window", "2h"}})
        .checklist({{"1. deployment-plan", ItemState::done, "ticked by <@U_BOB>", "tick", "1"},
                    {"2. backout-plan", ItemState::waived, "", "", ""},
                    {"3. smoke", ItemState::current, "", "", ""}})
        .table({"#", "step", "owner"}, {{"1", "Drain", "@bob"}, {"2", "Deploy", ""}})
        .buttons({{"Go", "release.go", "web-2026.12", Button::Style::primary},
                  {"Cancel", "release.cancel", "", Button::Style::danger},
                  {"Later", "snooze", "30m", Button::Style::plain}})
        .divider()
        .context("Unicode survives: Grüße, 日本, ✅");
    return r;
}

}  // namespace

TEST_CASE("replies and destinations survive the trip through JSON", "[outbox]") {
    const Reply original = every_kind_of_block();
    auto decoded = decode_reply(encode_reply(original));
    REQUIRE(decoded.ok());
    const Reply& r = *decoded;
    CHECK(r.text == original.text);
    CHECK(r.visibility == Visibility::direct);
    CHECK(r.is_error);
    REQUIRE(r.blocks.size() == original.blocks.size());
    for (std::size_t i = 0; i < r.blocks.size(); ++i) {
        const Block& a = r.blocks[i];
        const Block& b = original.blocks[i];
        INFO("block " << i);
        CHECK(a.kind == b.kind);
        CHECK(a.text == b.text);
        CHECK(a.fields == b.fields);
        CHECK(a.columns == b.columns);
        CHECK(a.rows == b.rows);
        REQUIRE(a.items.size() == b.items.size());
        for (std::size_t j = 0; j < a.items.size(); ++j) {
            CHECK(a.items[j].label == b.items[j].label);
            CHECK(a.items[j].state == b.items[j].state);
            CHECK(a.items[j].detail == b.items[j].detail);
            CHECK(a.items[j].action_id == b.items[j].action_id);
            CHECK(a.items[j].value == b.items[j].value);
        }
        REQUIRE(a.buttons.size() == b.buttons.size());
        for (std::size_t j = 0; j < a.buttons.size(); ++j) {
            CHECK(a.buttons[j].label == b.buttons[j].label);
            CHECK(a.buttons[j].action_id == b.buttons[j].action_id);
            CHECK(a.buttons[j].value == b.buttons[j].value);
            CHECK(a.buttons[j].style == b.buttons[j].style);
        }
    }

    SECTION("a channel destination") {
        Outbound o;
        o.channel = ConversationRef{"teams", "tenant-1", "19:abc@thread.tacv2", "1700",
                                    "https://smba.trafficmanager.net/emea/"};
        auto d = decode_destination(encode_destination(destination_of(o, Actor{})));
        REQUIRE(d.ok());
        CHECK(d->platform == "teams");
        CHECK(d->tenant == "tenant-1");
        REQUIRE(d->channel);
        CHECK(d->channel->channel == "19:abc@thread.tacv2");
        CHECK(d->channel->thread == "1700");
        CHECK(d->channel->service_url == "https://smba.trafficmanager.net/emea/");
        CHECK_FALSE(d->user);
    }
    SECTION("a direct message goes to the actor's platform and tenant") {
        Outbound o;
        o.direct_to = UserId("U_BOB");
        Actor actor{"slack", "T1", UserId("U_ALICE"), "Alice", std::nullopt};
        auto d = decode_destination(encode_destination(destination_of(o, actor)));
        REQUIRE(d.ok());
        CHECK(d->platform == "slack");
        CHECK(d->tenant == "T1");
        CHECK(d->user == UserId("U_BOB"));
        CHECK_FALSE(d->channel);
    }
}

TEST_CASE("unreadable stored JSON is an error value, not an exception", "[outbox]") {
    SECTION("replies") {
        auto [json, problem] = GENERATE(table<std::string, std::string>({
            {"", "not JSON"},
            {"not json", "not JSON"},
            {"[1, 2]", "expected an object"},
            {R"({"blocks": []})", "text: missing"},
            {R"({"text": 5})", "text: expected a string"},
            {R"({"text": "t", "visibility": "loud"})", "visibility: unknown value \"loud\""},
            {R"({"text": "t", "blocks": {}})", "blocks: expected an array"},
            {R"({"text": "t", "blocks": [{"text": "no kind"}]})", "blocks[0].kind: missing"},
            {R"({"text": "t", "blocks": [{"kind": "checklist", "items": [{"label": "a",
               "state": "maybe"}]}]})",
             "blocks[0].items[0].state: unknown value \"maybe\""},
            {R"({"text": "t", "blocks": [{"kind": "fields", "fields": [["only label"]]}]})",
             "blocks[0].fields[0]: expected [label, value]"},
            {R"({"text": "t", "is_error": "yes"})", "is_error: expected true or false"},
        }));
        Result<Reply> r = Reply{};
        REQUIRE_NOTHROW(r = decode_reply(json));
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().kind == ErrorKind::internal);
        CHECK_THAT(r.error().message, Catch::StartsWith("The stored message could not be read") &&
                                          Catch::Contains(problem));
    }
    SECTION("destinations") {
        auto [json, problem] = GENERATE(table<std::string, std::string>({
            {"{", "not JSON"},
            {R"({"tenant": "T1", "user": "U1"})", "platform: missing"},
            {R"({"platform": "slack", "tenant": "T1"})", "exactly one of channel and user"},
            {R"({"platform": "slack", "tenant": "T1", "user": "U1", "channel": {"platform":
               "slack", "tenant": "T1", "channel": "C1"}})",
             "exactly one of channel and user"},
            {R"({"platform": "slack", "tenant": "T1", "channel": {"tenant": "T1"}})",
             "channel.platform: missing"},
        }));
        Result<Destination> d = Destination{};
        REQUIRE_NOTHROW(d = decode_destination(json));
        REQUIRE_FALSE(d.ok());
        CHECK_THAT(d.error().message, Catch::Contains(problem));
    }
}

TEST_CASE_METHOD(Fixture, "delivered rows are marked sent and posted exactly once", "[outbox]") {
    auto channel_row = post("slack", "C_RELEASES", "web-2026.12 starts in 1 hour");
    Outbound dm;
    dm.direct_to = UserId("U_BOB");
    dm.reply = Reply::plain("You own control 3 of web-2026.12");
    auto dm_row = enqueue(dm, alice);
    Outbound later;
    later.channel = ConversationRef{"slack", "T1", "C_LATER", std::nullopt, std::nullopt};
    later.reply = Reply::plain("not yet");
    later.not_before = kStart + 1h;
    auto later_row = enqueue(later, alice);

    CHECK(sender.deliver_due() == 2);
    REQUIRE(slack.calls.size() == 2);
    CHECK(slack.calls[0].channel == "C_RELEASES");
    CHECK(slack.calls[0].tenant == "T1");
    CHECK(slack.calls[0].reply.text == "web-2026.12 starts in 1 hour");
    CHECK(slack.calls[1].channel.empty());
    CHECK(slack.calls[1].tenant == "T1");
    CHECK(slack.calls[1].user == "U_BOB");
    CHECK(slack.calls[1].reply.text == "You own control 3 of web-2026.12");

    CHECK(row(channel_row).status == "sent");
    CHECK(row(channel_row).attempts == 1);
    CHECK(row(dm_row).status == "sent");
    CHECK(row(later_row).status == "pending");

    // Nothing is said twice.
    CHECK(sender.deliver_due() == 0);
    CHECK(slack.calls.size() == 2);

    // The delayed row goes out when its time comes.
    clock.advance(1h);
    CHECK(sender.deliver_due() == 1);
    REQUIRE(slack.calls.size() == 3);
    CHECK(slack.calls[2].channel == "C_LATER");
    CHECK(row(later_row).status == "sent");
}

TEST_CASE_METHOD(Fixture, "a limit caps how many rows one call delivers", "[outbox]") {
    for (int i = 0; i < 5; ++i) post("slack", "C" + std::to_string(i), "message");
    CHECK(sender.deliver_due(2) == 2);
    CHECK(outbox.pending_count() == 3);
    CHECK(sender.deliver_due(10) == 3);
    CHECK(outbox.pending_count() == 0);
}

TEST_CASE_METHOD(Fixture, "failures are retried with growing waits, then given up", "[outbox]") {
    const std::string error = "HTTP 503 from chat.postMessage";
    slack.fail(OutboxSender::kMaxAttempts, error);
    auto id = post("slack", "C_RELEASES", "web-2026.12 is approved");

    Seconds previous{0};
    for (int attempt = 1; attempt < OutboxSender::kMaxAttempts; ++attempt) {
        INFO("attempt " << attempt);
        CHECK(sender.deliver_due() == 0);
        CHECK(slack.calls.size() == static_cast<std::size_t>(attempt));
        auto r = row(id);
        CHECK(r.status == "pending");
        CHECK(r.attempts == attempt);
        CHECK(r.last_error == error);

        // Each retry is in the log: which message, where to, the platform's words, when next.
        REQUIRE(logged.size() == static_cast<std::size_t>(attempt));
        CHECK_THAT(
            logged.back(),
            Catch::Contains(" warn  outbox: outbox message " + std::to_string(id.value()) +
                            " to slack T1 channel C_RELEASES, attempt " + std::to_string(attempt) +
                            ": " + error + "; next attempt at 2026-12-"));

        // 2 s doubling, ±20%.
        const Seconds wait = r.not_before - clock.now();
        const double nominal = 2.0 * (1 << (attempt - 1));
        CHECK(static_cast<double>(wait.count()) >= std::floor(nominal * 0.8));
        CHECK(static_cast<double>(wait.count()) <= std::ceil(nominal * 1.2));
        CHECK(wait > previous);
        previous = wait;

        // Not retried before its time...
        clock.set(r.not_before - 1s);
        CHECK(sender.deliver_due() == 0);
        CHECK(slack.calls.size() == static_cast<std::size_t>(attempt));
        // ...but at it.
        clock.set(r.not_before);
    }

    CHECK(sender.deliver_due() == 0);
    CHECK(slack.calls.size() == static_cast<std::size_t>(OutboxSender::kMaxAttempts));
    auto r = row(id);
    CHECK(r.status == "failed");
    CHECK(r.attempts == OutboxSender::kMaxAttempts);
    CHECK(r.last_error == error);
    CHECK_THAT(logged.back(),
               Catch::Contains(" error outbox: outbox message " + std::to_string(id.value()) +
                               " to slack T1 channel C_RELEASES, attempt 8: " + error +
                               "; given up after 8 attempts"));

    // A failed row is never tried again.
    clock.advance(24h);
    CHECK(sender.deliver_due() == 0);
    CHECK(slack.calls.size() == static_cast<std::size_t>(OutboxSender::kMaxAttempts));
}

TEST_CASE_METHOD(Fixture, "a transient failure followed by success is sent", "[outbox]") {
    slack.fail(2, "connection reset");
    auto id = post("slack", "C_RELEASES", "hello");
    for (int i = 0; i < 2; ++i) {
        CHECK(sender.deliver_due() == 0);
        clock.set(row(id).not_before);
    }
    CHECK(sender.deliver_due() == 1);
    CHECK(row(id).status == "sent");
    CHECK(row(id).attempts == 3);
    CHECK(slack.calls.size() == 3);
}

TEST_CASE_METHOD(Fixture, "a permanent failure is given up at once, its error kept", "[outbox]") {
    slack.fail_permanently("channel_not_found");
    auto id = post("slack", "C_GONE", "hello");
    CHECK(sender.deliver_due() == 0);
    auto r = row(id);
    CHECK(r.status == "failed");
    CHECK(r.attempts == 1);
    CHECK(r.last_error == "channel_not_found");
    REQUIRE(logged.size() == 1);
    CHECK_THAT(logged[0],
               Catch::Contains(" error outbox: outbox message " + std::to_string(id.value()) +
                               " to slack T1 channel C_GONE, attempt 1: channel_not_found; "
                               "given up (it cannot succeed)"));
    clock.advance(1h);
    CHECK(sender.deliver_due() == 0);
    CHECK(slack.calls.size() == 1);
}

TEST_CASE_METHOD(Fixture, "a held message goes only if the one it waits on is given up on",
                 "[outbox]") {
    auto id = post("slack", "C_SECRET", "releasebot will post here");
    const std::string key = row(id).idempotency_key;
    Outbound notice;
    notice.direct_to = alice.user;
    notice.reply = Reply::plain("releasebot cannot post in slack:C_SECRET");
    OutboxRow held;
    held.idempotency_key = key + "!undelivered";
    const Destination to = destination_of(notice, alice);
    held.platform = to.platform;
    held.destination = encode_destination(to);
    held.payload = encode_reply(notice.reply);
    held.not_before = kHeld;
    held.created_at = clock.now();
    held.held_for = key;
    REQUIRE(outbox.enqueue(held));
    const OutboxId held_id(db.last_insert_id());
    // Waiting, it is nobody's backlog: not counted, never due.
    CHECK(outbox.pending_count() == 1);

    SECTION("given up on: the held message is sent, with the platform's words") {
        slack.fail_permanently("not_in_channel");
        CHECK(sender.deliver_due() == 0);
        CHECK(row(id).status == "failed");
        CHECK(sender.deliver_due() == 1);
        REQUIRE(slack.calls.size() == 2);
        CHECK(slack.calls[1].user == "U_ALICE");
        const Reply& told = slack.calls[1].reply;
        CHECK(told.text == "releasebot cannot post in slack:C_SECRET");
        REQUIRE(told.blocks.size() == 2);
        CHECK(told.blocks[1].text == "The platform said: not_in_channel.");
        CHECK(row(held_id).status == "sent");
    }
    SECTION("delivered: the held message is dropped unsent") {
        CHECK(sender.deliver_due() == 1);
        CHECK(row(id).status == "sent");
        CHECK_FALSE(outbox.get(held_id));
        clock.advance(24h * 365);
        CHECK(sender.deliver_due() == 0);
        CHECK(slack.calls.size() == 1);
    }
}

TEST_CASE_METHOD(Fixture, "the platform's Retry-After is honoured", "[outbox]") {
    slack.rate_limit(30s);
    auto id = post("slack", "C_RELEASES", "hello");
    CHECK(sender.deliver_due() == 0);
    auto r = row(id);
    CHECK(r.status == "pending");
    CHECK(r.not_before == kStart + 30s);
    CHECK(r.last_error == "ratelimited");

    clock.set(kStart + 29s);
    CHECK(sender.deliver_due() == 0);
    CHECK(slack.calls.size() == 1);
    clock.set(kStart + 30s);
    CHECK(sender.deliver_due() == 1);
    CHECK(row(id).status == "sent");
}

TEST_CASE_METHOD(Fixture, "a row whose platform has no port stays pending", "[outbox]") {
    // The Teams row is older, so it is first in line, and a limit of one must still reach the
    // Slack row behind it.
    auto teams_row = post("teams", "19:abc@thread.tacv2", "for Teams");
    auto slack_row = post("slack", "C_RELEASES", "for Slack");

    CHECK(sender.deliver_due(1) == 1);
    CHECK(row(slack_row).status == "sent");
    auto t = row(teams_row);
    CHECK(t.status == "pending");
    CHECK(t.attempts == 0);
    CHECK(t.last_error == std::nullopt);
    CHECK(outbox.pending_count() == 1);

    // Once a Teams port is added, the row goes out.
    FakePort teams{"teams"};
    sender.add_port(teams);
    CHECK(sender.deliver_due() == 1);
    REQUIRE(teams.calls.size() == 1);
    CHECK(teams.calls[0].channel == "19:abc@thread.tacv2");
    CHECK(row(teams_row).status == "sent");
}

TEST_CASE_METHOD(Fixture, "a row that cannot be read is failed with the reason", "[outbox]") {
    OutboxRow bad;
    bad.idempotency_key = "evt:bad";
    bad.platform = "slack";
    bad.destination = R"({"platform":"slack","tenant":"T1","channel":{"platform":"slack",)"
                      R"("tenant":"T1","channel":"C1"}})";
    bad.payload = "{truncated";
    bad.not_before = kStart;
    bad.created_at = kStart;
    REQUIRE(outbox.enqueue(bad));
    const OutboxId bad_id(db.last_insert_id());
    auto good = post("slack", "C_RELEASES", "still delivered");

    CHECK(sender.deliver_due() == 1);
    CHECK(slack.calls.size() == 1);
    CHECK(row(good).status == "sent");
    auto failed = row(bad_id);
    CHECK(failed.status == "failed");
    REQUIRE(failed.last_error);
    CHECK_THAT(*failed.last_error, Catch::Contains("The stored message could not be read") &&
                                       Catch::Contains("not JSON"));
}

TEST_CASE_METHOD(Fixture, "rows that must wait do not hold up the backlog behind them",
                 "[outbox]") {
    // A busy channel at the head of the queue, paced by the platform's rate: one of its rows
    // may go now, the rest must wait; the rows for other channels behind them go in the same
    // call, and the busy channel's rows keep their order.
    slack.interval = std::chrono::milliseconds(50);
    for (int i = 0; i < 150; ++i) post("slack", "C_BUSY", "busy " + std::to_string(i));
    auto teams_row = post("teams", "19:abc@thread.tacv2", "for Teams, which has no port");
    for (int i = 0; i < 5; ++i) post("slack", "C_OTHER" + std::to_string(i), "other");

    CHECK(sender.deliver_due() == 6);
    REQUIRE(slack.calls.size() == 6);
    CHECK(slack.calls[0].channel == "C_BUSY");
    CHECK(slack.calls[0].reply.text == "busy 0");
    for (int i = 0; i < 5; ++i) CHECK(slack.calls[1 + i].channel == "C_OTHER" + std::to_string(i));
    CHECK(outbox.pending_count() == 150);  // 149 busy, 1 Teams
    CHECK(row(teams_row).attempts == 0);
    // The sender says when the busy channel may hear more; nothing else waits on time.
    CHECK(sender.paced_until().has_value());
    CHECK_FALSE(sender.more_due());
    CHECK(sender.next_not_before() == std::nullopt);

    // Once the pause is over, the busy channel's next row, and only it.
    CHECK(test::eventually([&] { return sender.deliver_due() == 1; }, std::chrono::seconds(5)));
    REQUIRE(slack.calls.size() == 7);
    CHECK(slack.calls[6].reply.text == "busy 1");
}

TEST_CASE_METHOD(Fixture, "a channel hears its messages in the order they were queued",
                 "[outbox]") {
    for (int i = 0; i < 120; ++i) {
        post("slack", i % 2 == 0 ? "C_EVEN" : "C_ODD", "message " + std::to_string(i));
    }
    CHECK(sender.deliver_due(100) == 100);
    CHECK(sender.more_due());
    CHECK(sender.deliver_due(100) == 20);
    CHECK_FALSE(sender.more_due());
    REQUIRE(slack.calls.size() == 120);
    for (int i = 0; i < 120; ++i) {
        INFO("call " << i);
        CHECK(slack.calls[i].reply.text == "message " + std::to_string(i));
    }
}

TEST_CASE("each attempt is on disk before its platform call, each outcome before the call returns",
          "[outbox]") {
    // What a crash at the moment of each platform call would leave behind, read through a
    // second connection to the same file: the row being delivered is marked as in flight, so a
    // restarted sender asks the platform before posting it again.
    test::TempDir dir;
    Fixture f(dir.file("outbox.db"));
    std::vector<OutboxId> ids;
    for (int i = 0; i < 5; ++i)
        ids.push_back(f.post("slack", "C" + std::to_string(i), "message " + std::to_string(i)));
    f.slack.fail(1, "HTTP 503");  // the first call fails, the others succeed

    Database reader(dir.file("outbox.db"));
    OutboxRepo seen(reader);
    std::vector<std::string> unmarked;
    f.slack.on_call = [&](const std::string& key) {
        auto st = reader.prepare(
            "SELECT count(*) FROM outbox WHERE idempotency_key = ? AND status = 'pending' AND "
            "attempt_started_at IS NOT NULL");
        st.bind_all(key);
        if (!st.step() || st.get_int(0) != 1) unmarked.push_back(key);
    };
    CHECK(f.sender.deliver_due() == 4);
    CHECK(f.slack.calls.size() == 5);
    CHECK(unmarked.empty());

    // Every outcome is committed: seen from the other connection.
    auto first = seen.get(ids[0]);
    REQUIRE(first);
    CHECK(first->status == "pending");
    CHECK(first->attempts == 1);
    CHECK(first->last_error == "HTTP 503");
    for (std::size_t i = 1; i < ids.size(); ++i) CHECK(seen.get(ids[i])->status == "sent");
    CHECK(seen.pending_count() == 1);
    // The retry is when the sender will have work again.
    CHECK(f.sender.next_not_before() == first->not_before);
}

TEST_CASE_METHOD(Fixture, "a stop between rows leaves the rest pending as it was", "[outbox]") {
    std::vector<OutboxId> ids;
    for (int i = 0; i < 5; ++i)
        ids.push_back(post("slack", "C" + std::to_string(i), "message " + std::to_string(i)));
    const auto after_two = [&] { return slack.calls.size() >= 2; };

    CHECK(sender.deliver_due(100, after_two) == 2);
    CHECK(sender.more_due());
    CHECK(row(ids[0]).status == "sent");
    CHECK(row(ids[1]).status == "sent");
    for (std::size_t i = 2; i < ids.size(); ++i) {
        INFO("row " << i);
        auto r = row(ids[i]);
        CHECK(r.status == "pending");
        CHECK(r.attempts == 0);
        // Never handed to the platform, so a restart has nothing to look for.
        CHECK(r.attempt_started_at == std::nullopt);
    }

    // Nothing is lost or said twice when delivery goes on.
    CHECK(sender.deliver_due() == 3);
    REQUIRE(slack.calls.size() == 5);
    for (int i = 0; i < 5; ++i) CHECK(slack.calls[i].channel == "C" + std::to_string(i));
    CHECK(outbox.pending_count() == 0);
}

}  // namespace releasebot
