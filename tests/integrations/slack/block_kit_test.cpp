// Tests for Block Kit rendering (integrations/slack/block_kit.cpp): each Reply block kind becomes
// the Slack blocks a user sees, read back with Boost.JSON; Slack's limits hold (blocks split
// into messages, long text truncated); the survey modal; action ids unique per message and
// stripped again by the decoder; mention markup reaching Slack intact.
#include "integrations/slack/block_kit.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "integrations/slack/slack_decode.hpp"

using namespace releasebot;
using namespace releasebot::slack;
namespace json = boost::json;

namespace {

json::array blocks_of(const Reply& r) {
    return json::parse(blocks_json(r)).as_array();
}

std::string str(const json::value& v) {
    return std::string(v.as_string());
}

std::size_t code_points(const std::string& s) {
    std::size_t n = 0;
    for (char c : s)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
    return n;
}

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Every action_id in a message's blocks (section accessories and actions elements).
std::vector<std::string> action_ids(const json::array& blocks) {
    std::vector<std::string> out;
    for (const auto& b : blocks) {
        const auto& o = b.as_object();
        if (const auto* acc = o.if_contains("accessory")) out.push_back(str(acc->at("action_id")));
        if (const auto* els = o.if_contains("elements")) {
            for (const auto& e : els->as_array())
                if (const auto* id = e.as_object().if_contains("action_id"))
                    out.push_back(str(*id));
        }
    }
    return out;
}

std::vector<SurveyQuestion> retro_questions() {
    return {{1, "rating", "How did the release go?", {}, "retro answer web-2026.12 1"},
            {2, "text", "What should we change?", {}, "retro answer web-2026.12 2"},
            {3,
             "choice",
             "Was the window long enough?",
             {"Yes", "No", "Too long"},
             "retro answer web-2026.12 3"}};
}

}  // namespace

TEST_CASE("header, section, context and divider", "[slack][block_kit]") {
    Reply r;
    r.text = "Release web-2026.12";
    r.header("Release web-2026.12 — Web December")
        .section("*Window* 5 Dec 14:00–16:00 UTC, owner <@U0ANNA>")
        .divider()
        .context("Updated by <@U0BEN|ben> at 14:02");
    auto b = blocks_of(r);
    REQUIRE(b.size() == 4);
    CHECK(str(b[0].at("type")) == "header");
    CHECK(str(b[0].at("text").at("type")) == "plain_text");
    CHECK(str(b[0].at("text").at("text")) == "Release web-2026.12 — Web December");
    CHECK(str(b[1].at("type")) == "section");
    CHECK(str(b[1].at("text").at("type")) == "mrkdwn");
    CHECK(str(b[1].at("text").at("text")) == "*Window* 5 Dec 14:00–16:00 UTC, owner <@U0ANNA>");
    CHECK(str(b[2].at("type")) == "divider");
    CHECK(str(b[3].at("type")) == "context");
    CHECK(str(b[3].at("elements").at(0).at("type")) == "mrkdwn");
    CHECK(str(b[3].at("elements").at(0).at("text")) == "Updated by <@U0BEN|ben> at 14:02");
}

TEST_CASE("Slack's control characters are escaped; only a person's mention stays markup",
          "[slack][block_kit]") {
    Reply r;
    // What a user typed into a step or a title: nothing in it may ping a channel, link
    // somewhere under another name or name a channel.
    r.section(
        "R&D <beta> ships, ask <@U0ANNA> or <@U0BEN|ben> in <#C0RELEASES>, <!here>, see "
        "<https://evil.example/login|Click to re-auth> & a > b");
    r.text = "Added: Ping <!channel> and <https://evil.example/login|Click>";
    auto b = blocks_of(r);
    CHECK(str(b[0].at("text").at("text")) ==
          "R&amp;D &lt;beta&gt; ships, ask <@U0ANNA> or <@U0BEN|ben> in &lt;#C0RELEASES&gt;, "
          "&lt;!here&gt;, see &lt;https://evil.example/login|Click to re-auth&gt; &amp; a &gt; b");
    CHECK(slack::message_text(r) ==
          "Added: Ping &lt;!channel&gt; and &lt;https://evil.example/login|Click&gt;");
    const json::object posted =
        json::parse(slack::post_message_body("C1", std::nullopt, r)).as_object();
    CHECK(str(posted.at("text")).find("<!channel>") == std::string::npos);

    SECTION("a header is plain text, so a mention there reads as @name") {
        Reply h;
        h.header("Tasks of <@U0BEN|ben> & <@U0ANNA>");
        CHECK(str(blocks_of(h)[0].at("text").at("text")) == "Tasks of @ben & @U0ANNA");
    }
    SECTION("JSON special characters are escaped by the JSON library") {
        Reply q;
        q.section("quote \" backslash \\ newline\nend");
        auto parsed = blocks_of(q);
        CHECK(str(parsed[0].at("text").at("text")) == "quote \" backslash \\ newline\nend");
    }
}

TEST_CASE("a moment is shown in each reader's own zone; its look-alikes stay text",
          "[slack][block_kit]") {
    Reply r;
    r.text = "web-1 ticked <!date^1796475600^{time}|14:00 CET>";
    r.fields({{"Window",
               "<!date^1796475600^{date_short_pretty} {time}|Sat 5 Dec 2026 14:00 CET> – "
               "<!date^1796482800^{time}|16:00> (2h)"}});
    // What a user typed that looks like one: a link hidden in it, or a format releasebot never
    // writes, is shown as the characters typed.
    r.section(
        "<!date^0^{time}^https://evil.example|now> <!date^0^{date_num}|x> <!date^x^{time}|y>");
    auto b = blocks_of(r);
    CHECK(str(b[0].at("fields").at(0).at("text")) ==
          "*Window*\n<!date^1796475600^{date_short_pretty} {time}|Sat 5 Dec 2026 14:00 CET> – "
          "<!date^1796482800^{time}|16:00> (2h)");
    CHECK(str(b[1].at("text").at("text")) ==
          "&lt;!date^0^{time}^https://evil.example|now&gt; &lt;!date^0^{date_num}|x&gt; "
          "&lt;!date^x^{time}|y&gt;");
    // The message's own text is mrkdwn too; a plain-text place shows the words, zone named.
    CHECK(slack::message_text(r) == "web-1 ticked <!date^1796475600^{time}|14:00 CET>");
    Reply h;
    h.header("Due <!date^1796475600^{time}|14:00 CET>");
    CHECK(str(blocks_of(h)[0].at("text").at("text")) == "Due 14:00 CET");
}

TEST_CASE("fields: label and value, at most 10 to a section", "[slack][block_kit]") {
    std::vector<std::pair<std::string, std::string>> fields;
    for (int i = 1; i <= 12; ++i) fields.emplace_back("Field " + std::to_string(i), "value");
    Reply r;
    r.fields(fields);
    auto b = blocks_of(r);
    REQUIRE(b.size() == 2);
    REQUIRE(b[0].at("fields").as_array().size() == 10);
    REQUIRE(b[1].at("fields").as_array().size() == 2);
    CHECK(str(b[0].at("fields").at(0).at("type")) == "mrkdwn");
    CHECK(str(b[0].at("fields").at(0).at("text")) == "*Field 1*\nvalue");
    CHECK(str(b[1].at("fields").at(1).at("text")) == "*Field 12*\nvalue");
}

TEST_CASE("checklist: a section per item with a state mark and a button", "[slack][block_kit]") {
    Reply r;
    r.checklist({
        {"1. deployment-plan — Deployment plan documented", ItemState::open, "owner <@U0ANNA>",
         "command", "control tick web-2026.12 deployment-plan"},
        {"2. backout-plan — Backout plan", ItemState::done, "ticked by <@U0BEN> 14:02", "", ""},
        {"3. security — Security review", ItemState::waived, "waived: \"n/a\"", "", ""},
        {"1. Switch traffic", ItemState::current, "", "command", "release step web-2026.12 1 done"},
        {"2. Smoke test", ItemState::skipped, "", "", ""},
        {"3. Warm caches", ItemState::failed, "", "", ""},
    });
    auto b = blocks_of(r);
    REQUIRE(b.size() == 6);
    CHECK(str(b[0].at("text").at("text")) ==
          "⬜ 1. deployment-plan — Deployment plan documented — owner <@U0ANNA>");
    CHECK(str(b[1].at("text").at("text")) ==
          "✅ 2. backout-plan — Backout plan — ticked by "
          "<@U0BEN> 14:02");
    CHECK(str(b[2].at("text").at("text")) == "➖ 3. security — Security review — waived: \"n/a\"");
    CHECK(str(b[3].at("text").at("text")) == "▶️ 1. Switch traffic");
    CHECK(str(b[4].at("text").at("text")) == "⏭ 2. Smoke test");
    CHECK(str(b[5].at("text").at("text")) == "❌ 3. Warm caches");

    const auto& tick = b[0].at("accessory");
    CHECK(str(tick.at("type")) == "button");
    CHECK(str(tick.at("text").at("text")) == "Tick");
    CHECK(str(tick.at("action_id")) == "command#1");
    CHECK(str(tick.at("value")) == "control tick web-2026.12 deployment-plan");
    const auto& done = b[3].at("accessory");
    CHECK(str(done.at("text").at("text")) == "Done");
    CHECK(str(done.at("action_id")) == "command#2");
    CHECK(str(done.at("value")) == "release step web-2026.12 1 done");
    CHECK_FALSE(b[1].as_object().contains("accessory"));
}

TEST_CASE("action ids are unique in a message and the decoder strips the suffix",
          "[slack][block_kit]") {
    Reply r;
    std::vector<ChecklistItem> items;
    for (int i = 1; i <= 5; ++i)
        items.push_back({"control " + std::to_string(i), ItemState::open, "", "command",
                         "control tick web-1 c" + std::to_string(i)});
    r.checklist(items);
    r.buttons({{"Go", "command", "release go web-1", Button::Style::primary},
               {"Status", "command", "release show web-1", Button::Style::plain}});
    auto b = blocks_of(r);
    auto ids = action_ids(b);
    REQUIRE(ids.size() == 7);
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 7);

    // Pressing the third Tick button sends its suffixed id back; the Event carries the
    // action id the core knows.
    std::string pressed = ids[2];
    CHECK(pressed == "command#3");
    std::string payload =
        R"({"type":"block_actions","user":{"id":"U1","username":"ann"},"team":{"id":"T1"},)"
        R"("channel":{"id":"C1"},"actions":[{"type":"button","action_id":")" +
        pressed + R"(","value":")" + str(b[2].at("accessory").at("value")) + R"("}]})";
    auto e = decode_interactive(payload, "k");
    REQUIRE(e.ok());
    CHECK(e->action_id == "command");
    CHECK(e->value == "control tick web-1 c3");
}

TEST_CASE("buttons: an actions block; danger buttons ask first", "[slack][block_kit]") {
    Reply r;
    r.buttons({{"Approve", "command", "comms review 7 approve", Button::Style::primary},
               {"Cancel release", "command", "release cancel web-1", Button::Style::danger},
               {"Later", "command", "", Button::Style::plain}});
    auto b = blocks_of(r);
    REQUIRE(b.size() == 1);
    CHECK(str(b[0].at("type")) == "actions");
    const auto& els = b[0].at("elements").as_array();
    REQUIRE(els.size() == 3);
    CHECK(str(els[0].at("style")) == "primary");
    CHECK_FALSE(els[0].as_object().contains("confirm"));
    CHECK(str(els[0].at("value")) == "comms review 7 approve");

    const auto& danger = els[1].as_object();
    CHECK(str(danger.at("style")) == "danger");
    REQUIRE(danger.contains("confirm"));
    const auto& confirm = danger.at("confirm");
    CHECK(str(confirm.at("title").at("text")) == "Are you sure?");
    CHECK(str(confirm.at("text").at("text")) == "This runs `release cancel web-1`.");
    CHECK(str(confirm.at("confirm").at("text")) == "Cancel release");
    CHECK(str(confirm.at("deny").at("text")) == "Go back");
    CHECK(str(confirm.at("style")) == "danger");

    CHECK_FALSE(els[2].as_object().contains("style"));
    CHECK_FALSE(els[2].as_object().contains("value"));

    SECTION("a one-word confirmation repeats the question it answers") {
        Reply c;
        c.section("*Please confirm:* cancel *web-1* (Sat 5 Dec 14:00).");
        c.buttons({{"Confirm", "command", "yes", Button::Style::danger},
                   {"Cancel", "command", "no", Button::Style::plain}});
        auto cb = blocks_of(c);
        const auto& dialog = cb[1].at("elements").at(0).at("confirm");
        CHECK(str(dialog.at("text").at("text")) ==
              "*Please confirm:* cancel *web-1* (Sat 5 Dec 14:00).");
    }
    SECTION("more than 25 buttons use more than one actions block") {
        std::vector<Button> many;
        for (int i = 0; i < 30; ++i) many.push_back({"B" + std::to_string(i), "command", "help"});
        Reply m;
        m.buttons(many);
        auto mb = blocks_of(m);
        REQUIRE(mb.size() == 2);
        CHECK(mb[0].at("elements").as_array().size() == 25);
        CHECK(mb[1].at("elements").as_array().size() == 5);
    }
}

TEST_CASE("table: a preformatted block aligned by characters", "[slack][block_kit]") {
    Reply r;
    r.table({"Release", "State", "Owner"},
            {{"web-2026.12", "planned", "Zoë"}, {"api-1", "deploying", "<@U0BEN>"}});
    auto b = blocks_of(r);
    REQUIRE(b.size() == 1);
    CHECK(str(b[0].at("type")) == "section");
    CHECK(str(b[0].at("text").at("text")) ==
          "```\n"
          "Release      State      Owner\n"
          "-----------  ---------  --------\n"
          "web-2026.12  planned    Zoë\n"
          "api-1        deploying  <@U0BEN>\n"
          "```");

    SECTION("a cell's `code` marks would show as backticks in the block, so they go") {
        Reply c;
        c.table({"#", "Next"}, {{"1", "run `release go web-1`"}});
        CHECK(str(blocks_of(c)[0].at("text").at("text")) ==
              "```\n#  Next\n-  " + std::string(20, '-') + "\n1  run release go web-1\n```");
    }
    SECTION("a table too long for one section continues in the next, header repeated") {
        std::vector<std::vector<std::string>> rows;
        for (int i = 0; i < 200; ++i) rows.push_back({"row-" + std::to_string(i), "x&y"});
        Reply big;
        big.table({"Name", "Value"}, rows);
        auto bb = blocks_of(big);
        REQUIRE(bb.size() > 1);
        for (const auto& block : bb) {
            std::string text = str(block.at("text").at("text"));
            CHECK(code_points(text) <= 3000);
            CHECK(text.rfind("```\nName ", 0) == 0);
            CHECK(ends_with(text, "```"));
            CHECK(text.find("x&amp;y") != std::string::npos);
        }
        CHECK(str(bb.back().at("text").at("text")).find("row-199") != std::string::npos);
    }
}

TEST_CASE("survey in a message: how to answer by text, and an Answer button",
          "[slack][block_kit]") {
    Reply r;
    r.header("Retrospective: web-2026.12").survey(retro_questions());
    auto b = blocks_of(r);
    REQUIRE(b.size() == 5);  // header, three questions, the button
    CHECK(str(b[1].at("text").at("text")) ==
          "*1. How did the release go?*\nRate it from 1 (poor) to 5 (great): type `retro answer "
          "web-2026.12 1 &lt;1-5&gt;`");
    CHECK(
        str(b[2].at("text").at("text")).find("`retro answer web-2026.12 2 &lt;your answer&gt;`") !=
        std::string::npos);
    CHECK(str(b[3].at("text").at("text")).find("1 = Yes · 2 = No · 3 = Too long") !=
          std::string::npos);
    CHECK(str(b[3].at("text").at("text")).find("`retro answer web-2026.12 3 &lt;1-3&gt;`") !=
          std::string::npos);
    const auto& button = b[4].at("elements").at(0);
    CHECK(str(button.at("text").at("text")) == "Answer");
    CHECK(str(button.at("action_id")) == "survey.open#1");
    CHECK(str(button.at("style")) == "primary");
    // The button carries the survey, so a press can open the modal with nothing else in hand.
    SurveyButton carried = decode_survey_button(str(button.at("value")));
    CHECK(carried.answer_prefix == "retro answer web-2026.12");
    REQUIRE(carried.survey);
    CHECK(survey_view_json(*carried.survey, carried.answer_prefix) ==
          survey_view_json(r, "retro answer web-2026.12"));
}

TEST_CASE("the Answer button's value stays within Slack's 2000 characters", "[slack][block_kit]") {
    SECTION("long prompts and choices are shortened until the survey fits") {
        std::vector<SurveyQuestion> qs;
        for (int i = 1; i <= 12; ++i) {
            qs.push_back({i,
                          "choice",
                          std::string(300, 'p'),
                          {std::string(60, 'a'), std::string(60, 'b'), std::string(60, 'c')},
                          "retro answer web-2026.12 " + std::to_string(i)});
        }
        Reply r;
        r.header("Retrospective: web-2026.12").survey(qs);
        auto b = blocks_of(r);
        std::string value = str(b.back().at("elements").at(0).at("value"));
        CHECK(code_points(value) <= 2000);
        SurveyButton carried = decode_survey_button(value);
        REQUIRE(carried.survey);
        const auto& questions = carried.survey->blocks.back().questions;
        REQUIRE(questions.size() == 12);
        CHECK(questions[11].number == 12);
        CHECK(questions[11].choices.size() == 3);
        CHECK(questions[11].prompt.size() < 300);
        CHECK(questions[11].answer_command == "retro answer web-2026.12 12");
    }
    SECTION("a survey that cannot fit carries its answer command alone") {
        std::vector<SurveyQuestion> qs;
        for (int i = 1; i <= 45; ++i) {
            qs.push_back({i,
                          "text",
                          "Question " + std::to_string(i) + std::string(60, 'x'),
                          {},
                          "retro answer web-2026.12 " + std::to_string(i)});
        }
        Reply r;
        r.survey(qs);
        auto b = blocks_of(r);
        std::string value = str(b.back().at("elements").at(0).at("value"));
        CHECK(value == "retro answer web-2026.12");
        SurveyButton carried = decode_survey_button(value);
        CHECK(carried.answer_prefix == "retro answer web-2026.12");
        CHECK_FALSE(carried.survey);
    }
    SECTION("a damaged value opens nothing") {
        CHECK_FALSE(decode_survey_button(R"({"a":"retro answer x","q":[{"n":0}]})").survey);
        CHECK_FALSE(decode_survey_button("{not json").survey);
        CHECK_FALSE(
            decode_survey_button(R"({"a":"retro answer x","q":[{"n":1,"k":"poll","p":"?"}]})")
                .survey);
    }
}

TEST_CASE("survey_view_json: a modal of input blocks", "[slack][block_kit]") {
    Reply r;
    r.header("Retrospective: web-2026.12 — Web December").survey(retro_questions());
    std::string view_text = survey_view_json(r, "retro answer web-2026.12");
    REQUIRE_FALSE(view_text.empty());
    auto view = json::parse(view_text).as_object();
    CHECK(str(view.at("type")) == "modal");
    CHECK(str(view.at("private_metadata")) == "retro answer web-2026.12");
    std::string title = str(view.at("title").at("text"));
    // The modal's title has room for 24 characters: the whole title, key and all, is the
    // form's first line instead of being cut.
    CHECK(title == "Retrospective");
    CHECK(str(view.at("submit").at("text")) == "Send");

    auto all_blocks = view.at("blocks").as_array();
    REQUIRE(all_blocks.size() == 4);
    CHECK(str(all_blocks[0].at("type")) == "section");
    CHECK(str(all_blocks[0].at("text").at("text")) == "Retrospective: web-2026.12 — Web December");
    const json::array blocks(all_blocks.begin() + 1, all_blocks.end());
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        CHECK(str(blocks[i].at("type")) == "input");
        CHECK(str(blocks[i].at("block_id")) == "q" + std::to_string(i + 1));
        CHECK(str(blocks[i].at("element").at("action_id")) == "answer");
    }
    CHECK(str(blocks[0].at("label").at("text")) == "1. How did the release go?");

    const auto& rating = blocks[0].at("element");
    CHECK(str(rating.at("type")) == "static_select");
    const auto& options = rating.at("options").as_array();
    REQUIRE(options.size() == 5);
    CHECK(str(options[0].at("value")) == "1");
    CHECK(str(options[4].at("value")) == "5");

    const auto& text = blocks[1].at("element");
    CHECK(str(text.at("type")) == "plain_text_input");
    CHECK(text.at("multiline").as_bool());
    // No more than `retro answer` takes, so Slack stops a long answer in the form.
    CHECK(text.at("max_length").as_int64() == 2000);

    const auto& choice = blocks[2].at("element");
    CHECK(str(choice.at("type")) == "radio_buttons");
    REQUIRE(choice.at("options").as_array().size() == 3);
    CHECK(str(choice.at("options").at(2).at("text").at("text")) == "Too long");
    CHECK(str(choice.at("options").at(2).at("value")) == "3");

    SECTION("a reply without a survey has no view") {
        CHECK(survey_view_json(Reply::plain("hello"), "m").empty());
    }
    SECTION("what the modal submits decodes into the answers the survey asked") {
        std::string submission =
            R"({"type":"view_submission","user":{"id":"U1","username":"ann"},"team":{"id":"T1"},)"
            R"("view":{"private_metadata":")" +
            str(view.at("private_metadata")) +
            R"(","state":{"values":{"q1":{"answer":{"type":"static_select","selected_option":)" +
            json::serialize(options[3]) +
            R"(}},"q3":{"answer":{"type":"radio_buttons","selected_option":)" +
            json::serialize(choice.at("options").at(0)) + R"(}}}}}})";
        auto e = decode_interactive(submission, "k");
        REQUIRE(e.ok());
        CHECK(e->value == "retro answer web-2026.12");
        CHECK(e->fields.at("q1.answer") == "4");
        CHECK(e->fields.at("q3.answer") == "1");
    }
}

TEST_CASE("Slack's limits: blocks split into messages, long text truncated", "[slack][block_kit]") {
    SECTION("60 sections become two messages of 50 and 10") {
        Reply r;
        r.text = "Audit of web-2026.12";
        r.visibility = Visibility::direct;
        for (int i = 1; i <= 60; ++i) r.section("entry " + std::to_string(i));
        auto parts = split_for_slack(r);
        REQUIRE(parts.size() == 2);
        CHECK(blocks_of(parts[0]).size() == 50);
        CHECK(blocks_of(parts[1]).size() == 10);
        CHECK(str(blocks_of(parts[1])[0].at("text").at("text")) == "entry 51");
        CHECK(parts[0].text == "Audit of web-2026.12");
        CHECK(parts[1].text.find("Audit of web-2026.12") != std::string::npos);
        CHECK(parts[1].visibility == Visibility::direct);

        // Unsplit, one message still holds at most 50 blocks, says how many sections from the
        // middle were left out, and keeps its end.
        auto capped = blocks_of(r);
        REQUIRE(capped.size() == 50);
        CHECK(str(capped[24].at("type")) == "context");
        CHECK_THAT(str(capped[24].at("elements").at(0).at("text")),
                   Catch::Contains("11 more sections do not fit"));
        CHECK(str(capped[49].at("text").at("text")) == "entry 60");
    }
    SECTION("a status message of 70 controls keeps its blockers and buttons in one message") {
        std::vector<ChecklistItem> items;
        for (int i = 1; i <= 70; ++i) {
            const bool open = i > 60;
            items.push_back({std::to_string(i) + ". control-" + std::to_string(i),
                             open ? ItemState::open : ItemState::done,
                             open ? "" : "ticked by <@U0BEN>", open ? "command" : "",
                             open ? "control tick web-1 " + std::to_string(i) : ""});
        }
        // A status message: its checklist, then its blockers and its Go button.
        auto status_of = [](const std::vector<ChecklistItem>& checklist,
                            const std::string& blockers) {
            Reply r;
            r.header("web-1").checklist(checklist).section(blockers).buttons(
                {{"Go", "command", "release go web-1", Button::Style::primary}});
            return blocks_of(r);
        };
        auto serialized = [](const json::array& blocks) {
            std::string all;
            for (const auto& block : blocks) all += json::serialize(block);
            return all;
        };
        auto b = status_of(items, "*Blockers*: 6 — controls 61–66 open");
        CHECK(b.size() <= 50);
        // The open controls keep their Tick buttons; the done ones share sections.
        CHECK(action_ids(b).size() == 11);
        const std::string all = serialized(b);
        for (int i = 1; i <= 70; ++i) {
            const std::string n = std::to_string(i);
            CHECK_THAT(all, Catch::Contains(" " + n + ". control-" + n + " ") ||
                                Catch::Contains(" " + n + ". control-" + n + "\""));
        }
        CHECK(str(b[b.size() - 2].at("text").at("text")) == "*Blockers*: 6 — controls 61–66 open");
        CHECK(str(b.back().at("type")) == "actions");

        SECTION("with 200 open controls every line is still there, each saying what to type") {
            std::vector<ChecklistItem> many;
            for (int i = 1; i <= 200; ++i)
                many.push_back({std::to_string(i) + ". c", ItemState::open, "", "command",
                                "control tick web-1 " + std::to_string(i)});
            auto bb = status_of(many, "*Blockers*: 200");
            CHECK(bb.size() <= 50);
            const std::string text = serialized(bb);
            for (int i = 1; i <= 200; ++i) {
                const std::string n = std::to_string(i);
                CHECK_THAT(text, Catch::Contains(n + ". c · `control tick web-1 " + n + "`"));
            }
            CHECK(str(bb[bb.size() - 2].at("text").at("text")) == "*Blockers*: 200");
            CHECK(str(bb.back().at("type")) == "actions");
        }
    }
    SECTION("a long announcement full of & < > is all there, over several sections") {
        std::string body;
        while (code_points(body) < 2950) body += "R&D <beta> & a > b; ";
        Reply r;
        r.section(body);
        auto b = blocks_of(r);
        REQUIRE(b.size() > 1);
        std::string joined;
        for (const auto& block : b) {
            const std::string t = str(block.at("text").at("text"));
            CHECK(code_points(t) <= 3000);
            joined += (joined.empty() ? "" : " ") + t;
        }
        std::string expected;
        for (char c : body) {
            if (c == '&')
                expected += "&amp;";
            else if (c == '<')
                expected += "&lt;";
            else if (c == '>')
                expected += "&gt;";
            else
                expected += c;
        }
        while (!expected.empty() && expected.back() == ' ') expected.pop_back();
        while (!joined.empty() && joined.back() == ' ') joined.pop_back();
        CHECK(joined == expected);
    }
    SECTION("a checklist of 60 items splits between items, ids unique in each message") {
        std::vector<ChecklistItem> items;
        for (int i = 1; i <= 60; ++i)
            items.push_back({"control " + std::to_string(i), ItemState::open, "", "command",
                             "control tick web-1 c" + std::to_string(i)});
        Reply r;
        r.header("Controls").checklist(items);
        auto parts = split_for_slack(r);
        REQUIRE(parts.size() == 2);
        std::size_t total = 0;
        for (const auto& p : parts) {
            auto b = blocks_of(p);
            CHECK(b.size() <= 50);
            auto ids = action_ids(b);
            CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
            total += ids.size();
        }
        CHECK(total == 60);
    }
    SECTION("a short reply is one message, unchanged") {
        Reply r = Reply::plain("done");
        auto parts = split_for_slack(r);
        REQUIRE(parts.size() == 1);
        CHECK(parts[0].text == "done");
        CHECK(parts[0].blocks.size() == 1);
    }
    SECTION("a 5000-character section goes on in a second section, nothing cut") {
        Reply r;
        r.section(std::string(5000, 'x'));
        auto b = blocks_of(r);
        REQUIRE(b.size() == 2);
        CHECK(code_points(str(b[0].at("text").at("text"))) <= 3000);
        CHECK(str(b[0].at("text").at("text")) + str(b[1].at("text").at("text")) ==
              std::string(5000, 'x'));
    }
    SECTION("a split never leaves half an entity, and a code block goes on in the next") {
        Reply r;
        std::string s = "```\n";
        while (s.size() < 5000) s += "a&b ";
        r.section(s);
        auto b = blocks_of(r);
        REQUIRE(b.size() >= 2);
        const std::string first = str(b[0].at("text").at("text"));
        const std::string second = str(b[1].at("text").at("text"));
        CHECK(code_points(first) <= 3000);
        CHECK(ends_with(first, "\n```"));
        CHECK(second.rfind("```\n", 0) == 0);
        const std::string before = first.substr(0, first.size() - 4);
        CHECK(before.substr(before.rfind('&'), 5) == "&amp;");
    }
    SECTION("multi-byte text is counted in characters, not bytes") {
        Reply r;
        std::string s;
        for (int i = 0; i < 2500; ++i) s += "é";
        r.section(s);
        CHECK(str(blocks_of(r)[0].at("text").at("text")) == s);  // 2500 characters fit
    }
    SECTION("header 150, button label 75, fallback text 40000") {
        Reply r;
        r.text = std::string(50000, 't');
        r.header(std::string(200, 'h'));
        r.buttons({{std::string(100, 'b'), "command", "help"}});
        auto body = json::parse(post_message_body("C1", std::nullopt, r)).as_object();
        std::string header = str(body.at("blocks").at(0).at("text").at("text"));
        CHECK(code_points(header) == 150);
        CHECK(ends_with(header, "…"));
        std::string label = str(body.at("blocks").at(1).at("elements").at(0).at("text").at("text"));
        CHECK(code_points(label) == 75);
        CHECK(code_points(str(body.at("text"))) <= 40000);
    }
}

TEST_CASE("message bodies for chat.postMessage and chat.update", "[slack][block_kit]") {
    Reply r;
    r.text = "web-2026.12 is approved; <@U0ANNA> starts at 14:00 & not before";
    r.section("*Approved*");
    auto post = json::parse(post_message_body("C0RELEASES", std::string("1764579000.000100"), r))
                    .as_object();
    CHECK(str(post.at("channel")) == "C0RELEASES");
    CHECK(str(post.at("thread_ts")) == "1764579000.000100");
    CHECK(str(post.at("text")) ==
          "web-2026.12 is approved; <@U0ANNA> starts at 14:00 &amp; not before");
    CHECK(post.at("blocks").as_array().size() == 1);

    auto top = json::parse(post_message_body("C0RELEASES", std::nullopt, r)).as_object();
    CHECK_FALSE(top.contains("thread_ts"));

    auto update =
        json::parse(update_message_body("C0RELEASES", "1764580500.000700", r)).as_object();
    CHECK(str(update.at("channel")) == "C0RELEASES");
    CHECK(str(update.at("ts")) == "1764580500.000700");
    CHECK(update.at("blocks").as_array().size() == 1);

    SECTION("a reply with no text still has a fallback") {
        Reply bare;
        bare.header("Release calendar");
        auto b = json::parse(post_message_body("C1", std::nullopt, bare)).as_object();
        CHECK(str(b.at("text")) == "Release calendar");
    }
}
