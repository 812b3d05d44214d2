// Tests for what releasebot does in Slack beyond posting and editing messages, against the local
// Slack of tests/emulators/slack over real HTTPS and Socket Mode: users.info filling each actor's
// name and time zone (cached, with a TTL), replies meant for one person arriving as
// chat.postEphemeral in the channel they came from, the survey's Answer button opening a modal
// (views.open) whose submission records the answers, and exports shared as files
// (files.getUploadURLExternal, the upload, files.completeUploadExternal) with the code block as
// the fallback. The outbox rows' JSON forms for these (ephemeral destination, attached file) are
// checked here too, old rows included.
#include <curl/curl.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "bot/runtime/outbox_sender.hpp"
#include "bot/runtime/pipeline.hpp"
#include "bot/runtime/reply_codec.hpp"
#include "commands/clock.hpp"
#include "integrations/slack/block_kit.hpp"
#include "integrations/slack/events_http.hpp"
#include "integrations/slack/signature.hpp"
#include "integrations/slack/slack_port.hpp"
#include "integrations/slack/socket_mode.hpp"
#include "integrations/slack/web_api.hpp"
#include "storage/database.hpp"
#include "storage/outbox_repo.hpp"
#include "support/eventually.hpp"
#include "support/slack_emulator.hpp"
#include "support/slack_requests.hpp"
#include "support/temp_dir.hpp"
#include "support/test_env.hpp"
#include "support/text_search.hpp"

namespace releasebot::slack {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using test::contains;
using test::eventually;
using test::SlackEmulator;

constexpr const char* kChannel = "C1RELEASE";

json::array record(SlackEmulator& emulator, const std::string& path, const std::string& field) {
    return json::parse(emulator.get(path)).at(field).as_array();
}

json::array recorded(SlackEmulator& emulator, const std::string& kind) {
    return record(emulator, "messages?kind=" + kind, "messages");
}

std::string str(const json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : std::string();
}

// The action id ("survey.open#3") of the element whose action id starts with `action` in a
// recorded message's blocks, or "".
std::string element_id(const json::value& message, const std::string& action) {
    const auto* blocks = message.as_object().if_contains("blocks");
    if (blocks == nullptr || !blocks->is_array()) return {};
    for (const auto& b : blocks->as_array()) {
        const auto& o = b.as_object();
        std::vector<const json::value*> elements;
        if (const auto* acc = o.if_contains("accessory")) elements.push_back(acc);
        if (const auto* els = o.if_contains("elements"); els && els->is_array())
            for (const auto& e : els->as_array()) elements.push_back(&e);
        for (const auto* e : elements) {
            const auto* id = e->as_object().if_contains("action_id");
            if (id && str(*id).rfind(action, 0) == 0) return str(*id);
        }
    }
    return {};
}

// releasebot on Socket Mode with the bot token, as `releasebot slack` runs it: the client on its
// own thread with its own database connection; the test thread drains the outbox (as the
// delivery thread does) and sets state up by typing commands through a second pipeline.
class SlackBot {
  public:
    explicit SlackBot(SlackEmulator& emulator, bool bot_token = true)
        : path_(dir_.file("releasebot.db")),
          db_(path_),
          worker_db_(path_),
          clock_(test::utc("2026-12-02 14:00")),
          pipeline_(db_, clock_),
          typing_(worker_db_, clock_),
          app_api_(test::kSlackAppToken, emulated(emulator)),
          bot_api_(test::kSlackBotToken, emulated(emulator)),
          outbox_api_(test::kSlackBotToken, emulated(emulator)),
          users_(bot_api_),
          port_(outbox_api_, 0ms),
          sender_(worker_db_, clock_) {
        sender_.add_port(port_);
        SocketModeOptions options;
        options.ca_file = emulator.ca_file();
        if (bot_token) {
            options.bot_api = &bot_api_;
            options.users = &users_;
        }
        client_ = std::make_unique<SocketModeClient>(app_api_, pipeline_, options);
        stopped_ = std::async(std::launch::async, [this] { return client_->run(); });
        REQUIRE(emulator.wait_connections(1, 10000ms));
    }
    ~SlackBot() {
        client_->stop();
        stopped_.wait();
    }

    // Types `text` as Slack user `user` in the release channel, straight into the pipeline.
    Outcome type(const std::string& user, const std::string& text) {
        Event e;
        static int n = 0;
        e.idempotency_key = "test:" + std::to_string(++n);
        e.actor = Actor{"slack", test::kSlackTeamId, UserId(user), "", std::nullopt};
        e.conversation =
            ConversationRef{"slack", test::kSlackTeamId, kChannel, std::nullopt, std::nullopt};
        e.text = text;
        Outcome o = typing_.handle(e);
        INFO(text << " → " << o.reply.text);
        REQUIRE_FALSE(o.reply.is_error);
        return o;
    }

    // Delivers the outbox until nothing is pending.
    void deliver() {
        OutboxRepo outbox(worker_db_);
        REQUIRE(eventually([&] {
            sender_.deliver_due();
            return outbox.pending_count() == 0;
        }));
    }

    std::string text(const std::string& sql) {
        auto st = worker_db_.prepare(sql);
        if (!st.step()) return "<no row>";
        return st.is_null(0) ? "<null>" : st.get_text(0);
    }
    std::int64_t count(const std::string& sql) {
        auto st = worker_db_.prepare(sql);
        return st.step() ? st.get_int(0) : -1;
    }

  private:
    test::TempDir dir_;
    std::string path_;
    Database db_;
    Database worker_db_;
    ManualClock clock_;
    Pipeline pipeline_;
    Pipeline typing_;
    SlackWebApi app_api_;
    SlackWebApi bot_api_;
    SlackWebApi outbox_api_;
    SlackUserDirectory users_;
    SlackPort port_;
    OutboxSender sender_;
    std::unique_ptr<SocketModeClient> client_;
    std::future<std::string> stopped_;
};

// web-1 planned, approved, deployed and done by U1ALICE, the workspace's manager.
void deploy_web_release(SlackBot& bot) {
    bot.type("U1ALICE", "release plan web-1 \"Web\" at 2026-12-02 14:00 for 2h");
    bot.type("U1ALICE", "plan add web-1 deploy \"Deploy\" takes 10m");
    bot.type("U1ALICE", "plan add web-1 backout \"Roll back\" takes 10m");
    bot.type("U1ALICE", "release add web-1 web/app@1.0.0");
    for (int i : {4, 6, 7}) bot.type("U1ALICE", "control tick web-1 " + std::to_string(i));
    bot.type("U1ALICE", "release go web-1");
    bot.type("U1ALICE", "release start web-1");
    bot.type("U1ALICE", "release step web-1 1 done");
    bot.type("U1ALICE", "release done web-1");
}

}  // namespace

TEST_CASE("users.info gives each Slack actor a name and a time zone, cached", "[slack]") {
    SlackEmulator emulator;
    emulator.users("U1ALICE", "alice.liddell", "Europe/Berlin");

    SECTION("a slash command is read in the sender's zone and names them") {
        SlackBot bot(emulator);
        std::string id =
            emulator.slash("U1ALICE", kChannel, "plan web-1 \"Web\" at 2026-12-05 14:00 for 1h");
        REQUIRE_FALSE(emulator.wait_ack(id).empty());
        // 14:00 in Berlin is 13:00 UTC in December.
        CHECK(bot.count("SELECT window_start FROM releases WHERE key = 'web-1'") ==
              std::chrono::duration_cast<std::chrono::seconds>(
                  test::utc("2026-12-05 13:00").time_since_epoch())
                  .count());
        CHECK(bot.text("SELECT display_name || ' ' || time_zone FROM people WHERE user_id = "
                       "'U1ALICE'") == "alice.liddell Europe/Berlin");

        // A second command by the same person costs no second lookup.
        id = emulator.slash("U1ALICE", kChannel, "release list");
        REQUIRE_FALSE(emulator.wait_ack(id).empty());
        CHECK(record(emulator, "calls?method=users.info", "calls").size() == 1);
    }
    SECTION("mentions and button presses are filled in too") {
        emulator.users("U1BOB", "bob", "America/New_York");
        SlackBot bot(emulator);
        std::string id = emulator.mention("U1BOB", kChannel, "help");
        REQUIRE_FALSE(emulator.wait_ack(id).empty());
        CHECK(bot.text("SELECT time_zone FROM people WHERE user_id = 'U1BOB'") ==
              "America/New_York");
    }
    SECTION("the cache forgets after its TTL, and a failed lookup is not fatal") {
        SlackWebApi api(test::kSlackBotToken, emulated(emulator));
        auto now = std::chrono::steady_clock::time_point{};
        SlackUserDirectory users(api, 600s, [&] { return now; });

        auto alice = users.lookup("U1ALICE");
        REQUIRE(alice);
        CHECK(alice->display_name == "alice.liddell");
        CHECK(alice->time_zone == "Europe/Berlin");

        emulator.users("U1ALICE", "alice", "Asia/Tokyo");
        now += 599s;
        CHECK(users.lookup("U1ALICE")->time_zone == "Europe/Berlin");  // still cached
        now += 2s;
        CHECK(users.lookup("U1ALICE")->time_zone == "Asia/Tokyo");
        CHECK(record(emulator, "calls?method=users.info", "calls").size() == 2);

        emulator.fault("users.info", 503);
        CHECK_FALSE(users.lookup("U1CAROL"));
        CHECK_FALSE(users.lookup("U1CAROL"));  // not asked again at once
        CHECK(record(emulator, "calls?method=users.info", "calls").size() == 3);
        now += 61s;
        REQUIRE(users.lookup("U1CAROL"));  // Slack is back: asked again
        CHECK(users.lookup("U1CAROL")->display_name == "u1carol");
    }
    SECTION("without the bot token the payload's name stands and no zone is guessed") {
        SlackBot bot(emulator, false);
        std::string id = emulator.slash("U1ALICE", kChannel, "release list");
        REQUIRE_FALSE(emulator.wait_ack(id).empty());
        CHECK(bot.text("SELECT coalesce(time_zone, 'none') FROM people WHERE user_id = "
                       "'U1ALICE'") == "none");
        CHECK(record(emulator, "calls?method=users.info", "calls").empty());
    }
}

TEST_CASE("what a user typed comes back as text: no ping, no masked link, in ack or status",
          "[slack]") {
    SlackEmulator emulator;
    SlackBot bot(emulator);
    bot.type("U1ALICE", "release plan web-1 \"Web\" at 2026-12-05 14:00 for 1h");
    bot.deliver();
    // Typed as "Ping <!channel> and <https://evil.example/login|Click to re-auth>"; Slack
    // escapes what people type, so this is how it arrives.
    const std::string id =
        emulator.slash("U1BOB", kChannel,
                       "plan add web-1 deploy \"Ping &lt;!channel&gt; and "
                       "&lt;https://evil.example/login|Click to re-auth&gt; &amp; go\"");
    const std::string ack = emulator.wait_ack(id);
    REQUIRE_FALSE(ack.empty());
    CHECK(bot.text("SELECT title FROM plan_steps") ==
          "Ping <!channel> and <https://evil.example/login|Click to re-auth> & go");
    bot.deliver();
    // The acknowledgement (its text and its blocks) and every message the bot posted or edited
    // show the characters, escaped, never Slack's markup.
    std::vector<std::string> shown{ack};
    for (const auto& m : record(emulator, "messages", "messages"))
        shown.push_back(json::serialize(m));
    bool step_shown = false;
    for (const auto& m : shown) {
        INFO(m);
        CHECK(m.find("<!channel>") == std::string::npos);
        CHECK(m.find("<https://evil.example") == std::string::npos);
        step_shown = step_shown || m.find("&lt;!channel&gt;") != std::string::npos;
    }
    CHECK(step_shown);
    const json::object payload = json::parse(ack).at("payload").as_object();
    CHECK_THAT(str(payload.at("text")), Catch::Contains("&lt;!channel&gt; and &lt;https://evil"));
}

TEST_CASE("an answered confirmation prompt is removed through its response_url", "[slack]") {
    SlackEmulator emulator;
    SlackBot bot(emulator);
    bot.type("U1ALICE", "release plan web-1 \"Web\" at 2026-12-05 14:00 for 1h");
    const std::string asked = emulator.slash("U1ALICE", kChannel, "release cancel web-1");
    const json::value ack = json::parse(emulator.wait_ack(asked));
    std::string yes_action, yes_value;
    for (const auto& b : ack.at("payload").at("blocks").as_array()) {
        const auto* els = b.as_object().if_contains("elements");
        if (els == nullptr) continue;
        for (const auto& e : els->as_array()) {
            const auto* value = e.as_object().if_contains("value");
            if (value != nullptr && str(*value).rfind("yes ", 0) == 0) {
                yes_value = str(*value);
                yes_action = str(e.at("action_id"));
            }
        }
    }
    REQUIRE_FALSE(yes_value.empty());
    CHECK(recorded(emulator, "respond").empty());
    const std::string pressed = emulator.action("U1ALICE", kChannel, "", yes_action, yes_value);
    REQUIRE_FALSE(emulator.wait_ack(pressed).empty());
    CHECK(bot.text("SELECT state FROM releases WHERE key = 'web-1'") == "cancelled");
    // The prompt, answered, is gone: its buttons cannot be pressed again by mistake. It is
    // removed once the ack is out, so it may arrive a moment after the ack.
    json::array responses;
    REQUIRE(test::eventually([&] {
        responses = recorded(emulator, "respond");
        return !responses.empty();
    }));
    REQUIRE(responses.size() == 1);
    CHECK(responses[0].at("delete_original").as_bool());
    CHECK(str(responses[0].at("user")) == "U1ALICE");
}

TEST_CASE("a reply for one person reaches them in the channel as an ephemeral message", "[slack]") {
    SlackEmulator emulator;
    SlackBot bot(emulator);

    SECTION("a mention that fails is answered to its author only, in the channel") {
        std::string id = emulator.mention("U1BOB", kChannel, "release show nope-1");
        REQUIRE_FALSE(emulator.wait_ack(id).empty());
        bot.deliver();
        auto ephemerals = recorded(emulator, "ephemeral");
        REQUIRE(ephemerals.size() == 1);
        CHECK(str(ephemerals[0].at("channel")) == kChannel);
        CHECK(str(ephemerals[0].at("user")) == "U1BOB");
        CHECK(contains(str(ephemerals[0].at("text")), "nope-1"));
        CHECK(recorded(emulator, "postMessage").empty());  // no DM, nothing for everyone
        CHECK(record(emulator, "calls?method=conversations.open", "calls").empty());
    }
    SECTION("a button press's private answer is ephemeral too") {
        bot.type("U1ALICE", "release plan web-1 \"Web\" at 2026-12-05 14:00");
        bot.deliver();
        auto posts = recorded(emulator, "postMessage");
        REQUIRE_FALSE(posts.empty());
        const std::string ts = str(posts.back().at("ts"));
        // Pressing a button of a message the bot posted, with a value that is not a command.
        std::string id = emulator.post(
            "action", json::serialize(json::object{{"user", "U1BOB"},
                                                   {"channel", kChannel},
                                                   {"message_ts", ts},
                                                   {"action_id", "command"},
                                                   {"value", "release frobnicate web-1"},
                                                   {"force", true}}));
        id = str(json::parse(id).at("envelope_id"));
        REQUIRE_FALSE(emulator.wait_ack(id).empty());
        bot.deliver();
        auto ephemerals = recorded(emulator, "ephemeral");
        REQUIRE(ephemerals.size() == 1);
        CHECK(str(ephemerals[0].at("user")) == "U1BOB");
        CHECK(str(ephemerals[0].at("channel")) == kChannel);
    }
    SECTION("in a direct message it is simply posted in that DM") {
        std::string id = emulator.message("U1BOB", "D1BOB", "release show nope-1");
        REQUIRE_FALSE(emulator.wait_ack(id).empty());
        bot.deliver();
        CHECK(recorded(emulator, "ephemeral").empty());
        auto posts = recorded(emulator, "postMessage");
        REQUIRE(posts.size() == 1);
        CHECK(str(posts[0].at("channel")) == "D1BOB");
        CHECK(contains(str(posts[0].at("text")), "nope-1"));
    }
    SECTION("when Slack cannot show it in the channel it goes by direct message") {
        emulator.fault_error("chat.postEphemeral", "user_not_in_channel");
        std::string id = emulator.mention("U1BOB", kChannel, "release show nope-1");
        REQUIRE_FALSE(emulator.wait_ack(id).empty());
        bot.deliver();
        CHECK(recorded(emulator, "ephemeral").empty());
        auto posts = recorded(emulator, "postMessage");
        REQUIRE(posts.size() == 1);
        CHECK(str(posts[0].at("channel")) == "D1BOB");
        CHECK(contains(str(posts[0].at("text")), "nope-1"));
    }
}

namespace {

// Starts web-1's retro with bob; once the survey reached him by DM, with its Answer button, he
// presses that button. Returns the press's envelope id.
std::string press_survey_answer(SlackEmulator& emulator, SlackBot& bot) {
    deploy_web_release(bot);
    bot.type("U1ALICE", "retro start web-1 with <@U1BOB>");
    bot.deliver();
    json::value survey;
    for (const auto& m : recorded(emulator, "postMessage"))
        if (str(m.at("channel")) == "D1BOB" && !element_id(m, "survey.open").empty()) survey = m;
    REQUIRE(survey.is_object());
    return emulator.action("U1BOB", "D1BOB", str(survey.at("ts")),
                           element_id(survey, "survey.open"));
}

}  // namespace

TEST_CASE("the survey's Answer button opens a modal whose submission records the answers",
          "[slack]") {
    SlackEmulator emulator;
    emulator.users("U1BOB", "bob", "UTC");
    emulator.post("config", R"({"trigger_ttl_ms":60000})");  // a loaded machine is slow

    SECTION("views.open with the press's trigger, then submit") {
        SlackBot bot(emulator);
        std::string id = press_survey_answer(emulator, bot);
        REQUIRE_FALSE(emulator.wait_ack(id).empty());

        auto views = recorded(emulator, "view");
        REQUIRE(views.size() == 1);
        CHECK(str(views[0].at("user")) == "U1BOB");
        CHECK(str(views[0].at("private_metadata")) == "retro answer web-1");
        // The survey's title, too long for a modal's, is its first line; then the questions.
        const auto& blocks = views[0].at("blocks").as_array();
        REQUIRE(blocks.size() == 6);
        CHECK(str(blocks[0].at("type")) == "section");
        CHECK(contains(str(blocks[0].at("text").at("text")), "web-1"));
        const json::array inputs(blocks.begin() + 1, blocks.end());
        CHECK(str(inputs[0].at("label").at("text")) == "1. Overall, how did the release go?");
        CHECK(str(inputs[4].at("element").at("type")) == "radio_buttons");
        // Opening a form changes nothing: no event was recorded for the press.
        CHECK(bot.count("SELECT count(*) FROM retro_answers") == 0);

        id = emulator.submit("U1BOB", {{"q1", {{"answer", "4"}}},
                                       {"q2", {{"answer", "The backout plan was clear"}}},
                                       {"q5", {{"answer", "2"}}}});
        REQUIRE_FALSE(emulator.wait_ack(id).empty());
        CHECK(bot.text("SELECT group_concat(position || '=' || value, '; ') FROM (SELECT * FROM "
                       "retro_answers ORDER BY position)") ==
              "1=4; 2=The backout plan was clear; 5=no");
        bot.deliver();
        // The thanks go to bob alone: a modal belongs to no channel, so by DM.
        auto posts = recorded(emulator, "postMessage");
        CHECK(contains(str(posts.back().at("text")), "3 answers recorded"));
        CHECK(str(posts.back().at("channel")) == "D1BOB");
    }
    SECTION("a refused answer is shown in the form, which keeps the answers") {
        SlackBot bot(emulator);
        std::string id = press_survey_answer(emulator, bot);
        REQUIRE_FALSE(emulator.wait_ack(id).empty());
        // The retro is closed while bob's form is open: his answers are refused next to
        // question 1, and the form stays open with them.
        bot.type("U1ALICE", "retro close web-1");
        bot.deliver();
        const std::size_t posted = recorded(emulator, "postMessage").size();
        id = emulator.submit("U1BOB", {{"q1", {{"answer", "4"}}},
                                       {"q2", {{"answer", "The backout plan was clear"}}}});
        const json::object ack = json::parse(emulator.wait_ack(id)).as_object();
        INFO(json::serialize(ack));
        REQUIRE(ack.at("payload").is_object());
        CHECK(str(ack.at("payload").at("response_action")) == "errors");
        const json::object& errors = ack.at("payload").at("errors").as_object();
        REQUIRE(errors.size() == 1);
        REQUIRE(errors.contains("q1"));
        CHECK_FALSE(str(errors.at("q1")).empty());
        CHECK(str(errors.at("q1")).find('`') == std::string::npos);
        // Slack found the block it names in the form.
        CHECK_FALSE(ack.contains("errors"));
        CHECK(bot.count("SELECT count(*) FROM retro_answers") == 0);
        bot.deliver();
        CHECK(recorded(emulator, "postMessage").size() == posted);  // not said again by DM
        CHECK_THAT(str(errors.at("q1")), Catch::Contains("closed"));
    }
    SECTION("without the bot token the press tells how to answer by typing") {
        SlackBot bot(emulator, false);
        std::string id = press_survey_answer(emulator, bot);
        REQUIRE_FALSE(emulator.wait_ack(id).empty());
        bot.deliver();
        CHECK(recorded(emulator, "view").empty());
        auto posts = recorded(emulator, "postMessage");
        CHECK(contains(str(posts.back().at("text")), "Retrospective of web-1"));
        CHECK(contains(json::serialize(posts.back()), "retro answer web-1 &lt;question#&gt;"));
    }
}

TEST_CASE("exports are shared as files, with the code block when the upload fails", "[slack]") {
    SlackEmulator emulator;

    SECTION("retro results csv over Socket Mode: the file lands in the channel") {
        SlackBot bot(emulator);
        deploy_web_release(bot);
        bot.type("U1ALICE", "retro start web-1 with <@U1BOB>");
        bot.type("U1BOB", "retro answer web-1 2 \"Smooth, with a comma\"");
        std::string id = emulator.slash("U1ALICE", kChannel, "retro results web-1 csv");
        std::string ack = emulator.wait_ack(id);
        REQUIRE_FALSE(ack.empty());
        CHECK_FALSE(json::parse(ack).at("payload").is_object());  // the file says it all

        auto uploads = recorded(emulator, "upload");
        REQUIRE(uploads.size() == 1);
        CHECK(str(uploads[0].at("channel")) == kChannel);
        CHECK(contains(str(uploads[0].at("initial_comment")), "retro-web-1.csv"));
        const auto& file = uploads[0].at("files").at(0);
        CHECK(str(file.at("filename")) == "retro-web-1.csv");
        const std::string csv = str(file.at("content"));
        CHECK(csv.rfind("question,kind,prompt,respondent,answer\r\n", 0) == 0);
        CHECK(contains(csv, "U1BOB"));
        CHECK(contains(csv, "\"Smooth, with a comma\""));
    }
    SECTION("a failed upload answers with the code block instead") {
        SlackBot bot(emulator);
        deploy_web_release(bot);
        bot.type("U1ALICE", "retro start web-1 with <@U1BOB>");
        emulator.fault("files.getUploadURLExternal", 500);
        std::string id = emulator.slash("U1ALICE", kChannel, "retro results web-1 csv");
        std::string ack = emulator.wait_ack(id);
        REQUIRE_FALSE(ack.empty());
        CHECK(recorded(emulator, "upload").empty());
        CHECK(contains(ack, "question,kind,prompt,respondent,answer"));
        CHECK(contains(ack, "```"));
    }
    SECTION("through the outbox: a mention's export is uploaded, else posted as text") {
        SlackWebApi api(test::kSlackBotToken, emulated(emulator));
        SlackPort port(api, 0ms);
        ConversationRef channel{"slack", test::kSlackTeamId, kChannel, std::nullopt, std::nullopt};
        Reply r = Reply::plain("Audit of web-1 as CSV: audit-web-1.csv");
        r.section("```\nat,actor,action\n```");
        r.file = Attachment{"audit-web-1.csv", "at,actor,action\r\n", "text/csv"};

        Delivery d = port.post(channel, r);
        CHECK(d.ok);
        auto uploads = recorded(emulator, "upload");
        REQUIRE(uploads.size() == 1);
        CHECK(str(uploads[0].at("files").at(0).at("content")) == "at,actor,action\r\n");
        CHECK(recorded(emulator, "postMessage").empty());

        emulator.fault("files.completeUploadExternal", 503);
        d = port.post(channel, r);
        CHECK(d.ok);
        CHECK(recorded(emulator, "upload").size() == 1);
        auto posts = recorded(emulator, "postMessage");
        REQUIRE(posts.size() == 1);
        CHECK(contains(json::serialize(posts[0]), "at,actor,action"));
    }
}

TEST_CASE("the Events API receiver does the same with the bot token", "[slack]") {
    SlackEmulator emulator;
    emulator.users("U1ALICE", "alice.liddell", "Europe/Berlin");
    emulator.post("config", R"({"trigger_ttl_ms":60000})");
    test::TempDir dir;
    Database db(dir.file("releasebot.db"));
    ManualClock clock(test::utc("2026-12-02 14:00"));
    Pipeline pipeline(db, clock);
    using test::kSlackRequestTime;
    using test::kSlackSigningSecret;
    using test::url_escape;
    SlackHttpReceiver receiver(pipeline, kSlackSigningSecret, [] { return kSlackRequestTime; });
    SlackWebApi api(test::kSlackBotToken, emulated(emulator));
    SlackUserDirectory users(api);
    receiver.use_web_api(&api, &users);

    auto signed_post = [&](const std::string& path, const std::string& body) {
        HttpRequest req;
        req.method = "POST";
        req.target = path;
        req.body = body;
        req.headers["x-slack-request-timestamp"] = std::to_string(kSlackRequestTime);
        req.headers["x-slack-signature"] =
            sign(kSlackSigningSecret, std::to_string(kSlackRequestTime), body);
        return receiver.handle(req);
    };
    // A trigger the emulator issued, as Slack issues one per slash command or press.
    auto trigger = [&] {
        json::object slash{{"user", "U1ALICE"}, {"channel", kChannel}, {"text", "help"}};
        return str(json::parse(emulator.post("slash", json::serialize(slash))).at("trigger_id"));
    };
    auto slash = [&](const std::string& text) {
        return signed_post(
            "/slack/commands",
            "team_id=" + std::string(test::kSlackTeamId) + "&channel_id=" + kChannel +
                "&user_id=U1ALICE&user_name=alice&command=%2Frelease" +
                "&text=" + url_escape(text) + "&trigger_id=" + url_escape(trigger()));
    };
    auto type = [&](const std::string& text) {
        HttpResponse r = slash(text);
        INFO(text << " → " << r.body);
        REQUIRE(r.status == 200);
        CHECK_FALSE(contains(r.body, "\"ephemeral\""));
    };

    // users.info: alice's 14:00 is Berlin's.
    type("plan web-1 \"Web\" at 2026-12-05 14:00 for 1h");
    {
        auto st = db.prepare("SELECT window_start FROM releases WHERE key = 'web-1'");
        REQUIRE(st.step());
        CHECK(st.get_int(0) == std::chrono::duration_cast<std::chrono::seconds>(
                                   test::utc("2026-12-05 13:00").time_since_epoch())
                                   .count());
    }

    // The Answer button opens the modal.
    Reply survey;
    survey.header("Retrospective: web-1")
        .survey({{1, "rating", "Overall, how did the release go?", {}, "retro answer web-1 1"}});
    json::value rendered = json::parse(blocks_json(survey));
    const json::value& button = rendered.as_array().back().at("elements").at(0);
    json::object press{
        {"type", "block_actions"},
        {"user",
         json::object{{"id", "U1ALICE"}, {"username", "alice"}, {"team_id", test::kSlackTeamId}}},
        {"team", json::object{{"id", test::kSlackTeamId}}},
        {"channel", json::object{{"id", kChannel}}},
        {"trigger_id", trigger()},
        {"actions", json::array{json::object{{"type", "button"},
                                             {"action_id", button.at("action_id")},
                                             {"value", button.at("value")}}}}};
    HttpResponse pressed =
        signed_post("/slack/interactive", "payload=" + url_escape(json::serialize(press)));
    CHECK(pressed.status == 200);
    auto views = recorded(emulator, "view");
    REQUIRE(views.size() == 1);
    CHECK(str(views[0].at("private_metadata")) == "retro answer web-1");

    // An export is shared as a file, and the HTTP answer then says nothing more.
    {
        Pipeline typing(db, clock);
        // The release must be done for a retrospective; typed into the same database.
        auto run = [&](const std::string& text) {
            Event e;
            static int n = 0;
            e.idempotency_key = "http-test:" + std::to_string(++n);
            e.actor = Actor{"slack", test::kSlackTeamId, UserId("U1ALICE"), "", std::nullopt};
            e.conversation =
                ConversationRef{"slack", test::kSlackTeamId, kChannel, std::nullopt, std::nullopt};
            e.text = text;
            INFO(text);
            REQUIRE_FALSE(typing.handle(e).reply.is_error);
        };
        run("plan add web-1 deploy \"Deploy\" takes 10m");
        run("plan add web-1 backout \"Roll back\" takes 10m");
        run("release add web-1 web/app@1.0.0");
        for (int i : {4, 6, 7}) run("control tick web-1 " + std::to_string(i));
        clock.set(test::utc("2026-12-05 13:50"));
        run("release go web-1");
        run("release start web-1");
        run("release step web-1 1 done");
        run("release done web-1");
        run("retro start web-1 with <@U1ALICE>");
    }
    HttpResponse exported = slash("retro results web-1 csv");
    CHECK(exported.status == 200);
    CHECK(exported.body.empty());
    auto uploads = recorded(emulator, "upload");
    REQUIRE(uploads.size() == 1);
    CHECK(str(uploads[0].at("files").at(0).at("filename")) == "retro-web-1.csv");
}

TEST_CASE("a platform without ephemeral messages gets them as direct messages", "[slack]") {
    // The console and Teams implement post and direct only; ChatPort's default decides.
    struct Recorder final : ChatPort {
        std::vector<std::string> calls;
        std::string platform() const override { return "console"; }
        Delivery post(const ConversationRef& where, const Reply& r) override {
            calls.push_back("post " + where.channel + ": " + r.text);
            return Delivery{true};
        }
        Delivery direct(const std::string&, const UserId& to, const Reply& r) override {
            calls.push_back("direct " + to.value() + ": " + r.text);
            return Delivery{true};
        }
    } port;
    Database db(":memory:");
    ManualClock clock(test::default_start());
    OutboxSender sender(db, clock);
    sender.add_port(port);
    Outbound o;
    o.channel = ConversationRef{"console", "local", "terminal", std::nullopt, std::nullopt};
    o.ephemeral_to = UserId("bob");
    OutboxRow row;
    row.idempotency_key = "e-1";
    row.platform = "console";
    row.destination = encode_destination(
        destination_of(o, Actor{"console", "local", UserId("bob"), "", std::nullopt}));
    row.payload = encode_reply(Reply::plain("Only for bob."));
    row.not_before = clock.now();
    row.created_at = clock.now();
    REQUIRE(OutboxRepo(db).enqueue(row));
    CHECK(sender.deliver_due() == 1);
    CHECK(port.calls == std::vector<std::string>{"direct bob: Only for bob."});
}

TEST_CASE("outbox rows carry ephemeral destinations and attached files", "[slack]") {
    Actor alice{"slack", "T1", UserId("U1ALICE"), "alice", std::nullopt};
    ConversationRef channel{"slack", "T1", kChannel, std::string("1700000000.000100"),
                            std::nullopt};

    SECTION("an ephemeral destination round-trips") {
        Outbound o;
        o.channel = channel;
        o.ephemeral_to = UserId("U1BOB");
        Destination d = destination_of(o, alice);
        auto back = decode_destination(encode_destination(d));
        REQUIRE(back);
        REQUIRE(back->channel);
        CHECK(back->channel->thread == channel.thread);
        CHECK(back->ephemeral_to == UserId("U1BOB"));
        CHECK_FALSE(back->user);
    }
    SECTION("rows written before ephemeral destinations and files still decode") {
        auto d = decode_destination(
            R"({"platform":"slack","tenant":"T1","channel":{"platform":"slack","tenant":"T1","channel":"C1"}})");
        REQUIRE(d);
        CHECK_FALSE(d->ephemeral_to);
        auto r = decode_reply(R"({"text":"hi","visibility":"channel","blocks":[]})");
        REQUIRE(r);
        CHECK_FALSE(r->file);
    }
    SECTION("an ephemeral destination without a channel is refused") {
        auto d = decode_destination(R"({"platform":"slack","tenant":"T1","user":"U1",)"
                                    R"("ephemeral_to":"U2"})");
        CHECK_FALSE(d);
        Outbound o;
        o.direct_to = UserId("U1");
        o.ephemeral_to = UserId("U2");
        CHECK_THROWS(destination_of(o, alice));
    }
    SECTION("a file round-trips") {
        Reply r = Reply::plain("Results: retro-web-1.csv");
        r.file = Attachment{"retro-web-1.csv", "a,b\r\n\"x, y\",2\r\n", "text/csv"};
        auto back = decode_reply(encode_reply(r));
        REQUIRE(back);
        REQUIRE(back->file);
        CHECK(back->file->filename == "retro-web-1.csv");
        CHECK(back->file->content == "a,b\r\n\"x, y\",2\r\n");
        CHECK(back->file->mime == "text/csv");
        CHECK_FALSE(decode_reply(R"({"text":"x","blocks":[],"file":{"content":"a"}})"));
    }
}

}  // namespace releasebot::slack
