// The release status message: every change to a release queues a status row for its home
// conversation; the sender posts it once, then edits that message in place, skipping versions
// a newer one already replaced; deliveries to one channel are spaced by the platform's rate;
// a message given up on shows in the release's status.
#include <catch2/catch.hpp>
#include <thread>

#include "bot/runtime/outbox_sender.hpp"
#include "support/test_env.hpp"

using namespace releasebot;
using namespace releasebot::test;
using Catch::Matchers::Contains;

namespace {

class RecordingPort final : public ChatPort {
public:
    struct Call {
        std::string what;  // post | status | update | direct
        std::string channel;
        std::string ref;
        std::string text;
    };
    std::string platform() const override { return "console"; }
    Delivery post(const ConversationRef& where, const Reply& reply) override {
        return record({"post", where.channel, "", reply.text});
    }
    Delivery direct(const std::string&, const UserId& to, const Reply& reply) override {
        return record({"direct", to.value(), "", reply.text});
    }
    Delivery post_status(const ConversationRef& where, const Reply& reply) override {
        return record({"status", where.channel, "", reply.text});
    }
    Delivery update(const ConversationRef& where, const std::string& ref,
                    const Reply& reply) override {
        return record({"update", where.channel, ref, reply.text});
    }
    std::chrono::milliseconds min_interval() const override { return interval; }

    std::vector<Call> calls;
    std::chrono::milliseconds interval{0};
    bool failing = false;

private:
    Delivery record(Call c) {
        calls.push_back(std::move(c));
        Delivery d;
        if (failing) {
            d.permanent = true;
            d.error = "channel_not_found";
            return d;
        }
        d.ok = true;
        d.message_ref = "msg-" + std::to_string(calls.size());
        return d;
    }
};

std::vector<RecordingPort::Call> of_kind(const RecordingPort& p, const std::string& what) {
    std::vector<RecordingPort::Call> out;
    for (const auto& c : p.calls)
        if (c.what == what) out.push_back(c);
    return out;
}

}  // namespace

TEST_CASE("the status message is posted once and then edited in place", "[status]") {
    TestEnv env;
    OutboxSender sender(env.db(), env.clock());
    RecordingPort port;
    sender.add_port(port);

    env.say("alice", "release plan web \"Web\" at 2026-12-10 14:00");
    sender.deliver_due();
    auto posted = of_kind(port, "status");
    REQUIRE(posted.size() == 1);
    CHECK(posted[0].channel == "terminal");
    CHECK_THAT(posted[0].text, Contains("web — Web: planned, 6 blockers"));

    env.say("alice", "control tick web package-integrity");
    sender.deliver_due();
    auto updates = of_kind(port, "update");
    REQUIRE(updates.size() == 1);
    CHECK(updates[0].ref == "msg-1");
    CHECK_THAT(updates[0].text, Contains("planned, 5 blockers"));
    CHECK(of_kind(port, "status").size() == 1);  // never posted twice

    SECTION("several changes before delivery show only the newest") {
        env.say("alice", "control tick web business-signoff");
        env.say("alice", "control tick web ops-ready");
        env.say("alice", "plan add web deploy \"Go\"");
        port.calls.clear();
        sender.deliver_due();
        auto coalesced = of_kind(port, "update");
        REQUIRE(coalesced.size() == 1);
        CHECK_THAT(coalesced[0].text, Contains("planned, 2 blockers"));
        CHECK(env.count("SELECT count(*) FROM outbox WHERE status='pending'") == 0);
    }
    SECTION("a command that changes nothing does not touch the status") {
        port.calls.clear();
        env.say("bob", "release show web");
        env.say("bob", "release go web");  // refused: not a manager
        sender.deliver_due();
        CHECK(port.calls.empty());
    }
}

TEST_CASE("the shared status message keeps one zone, whoever acts, and names it", "[status]") {
    TestEnv env;
    env.zone = "Europe/Berlin";
    env.say("alice", "release plan web-1 \"Web\" at 2026-12-05 14:00 for 2h");
    auto latest_status = [&] {
        return env.text(
            "SELECT payload FROM outbox WHERE kind = 'status' ORDER BY id DESC LIMIT 1");
    };
    // The workspace took the zone of the first person who used it (Berlin); the status
    // message, read by everyone, shows times in it.
    REQUIRE(env.text("SELECT time_zone FROM workspaces") == "Europe/Berlin");
    const std::string planned = latest_status();
    CHECK_THAT(planned, Catch::Contains("Sat 5 Dec 2026 14:00 CET"));
    // Bob in Sydney ticks a control: the window still reads in Berlin time, not his, and his
    // tick names its zone.
    env.zone = "Australia/Sydney";
    env.say("bob", "control tick web-1 6");
    const std::string ticked = latest_status();
    CHECK_THAT(ticked, Catch::Contains("Sat 5 Dec 2026 14:00 CET"));
    CHECK_THAT(ticked, !Catch::Contains("AEDT"));
    // Each time is also a moment Slack shows in every reader's own zone; the Berlin words are
    // what Teams and the console show.
    const std::string tick_time = std::to_string(env.clock().now().time_since_epoch().count());
    CHECK_THAT(ticked, Catch::Contains("ticked by <@bob> <!date^" + tick_time +
                                       "^{date_short_pretty} {time}|2026-12-01 10:00 CET>"));
    CHECK_THAT(ticked, Catch::Contains("|Sat 5 Dec 2026 14:00 CET> – <!date^"));
    // His own answer is in his zone.
    const std::string own = env.say("bob", "release show web-1");
    CHECK_THAT(own, Catch::Contains("AEDT"));
    CHECK_THAT(own, !Catch::Contains("<!date"));
}

TEST_CASE("deliveries to one channel are spaced by the platform's rate", "[status][outbox]") {
    TestEnv env;
    OutboxSender sender(env.db(), env.clock());
    RecordingPort port;
    port.interval = std::chrono::milliseconds(200);
    sender.add_port(port);
    env.say("alice", "release plan a \"A\" at 2026-12-10 14:00 owner @bob");
    env.say("alice", "release plan b \"B\" at 2026-12-11 14:00 owner @bob");
    // Queued: a DM to bob and a status for each release, all due now.
    CHECK(sender.deliver_due() == 2);  // one per destination: bob's DM, the terminal
    CHECK(env.count("SELECT count(*) FROM outbox WHERE status='pending'") == 2);
    CHECK(sender.deliver_due() == 0);  // too soon for either destination
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    CHECK(sender.deliver_due() == 2);
    CHECK(env.count("SELECT count(*) FROM outbox WHERE status='pending'") == 0);
}

TEST_CASE("a message given up on shows in the release status", "[status][outbox]") {
    TestEnv env;
    OutboxSender sender(env.db(), env.clock());
    RecordingPort port;
    port.failing = true;
    sender.add_port(port);
    env.say("alice", "release plan a \"A\" at 2026-12-10 14:00 owner @bob");
    sender.deliver_due();
    CHECK(env.count("SELECT count(*) FROM outbox WHERE status='failed'") == 2);
    auto show = env.say("alice", "release show a");
    CHECK_THAT(show, Contains("Undelivered messages (2)"));
    CHECK_THAT(show, Contains("gave up after 1 attempt: channel_not_found"));
}
