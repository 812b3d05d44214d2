// Tests of integrations/teams/adaptive_card.cpp: what a Teams user sees for a Reply — an
// Adaptive Card 1.5 whose buttons carry the commands they run, a survey form whose inputs the
// dispatcher reads, mentions Teams can show, and a card that stays under Teams' size limit.
#include "integrations/teams/adaptive_card.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace releasebot;
using namespace releasebot::teams;
namespace json = boost::json;

namespace {

json::object parse(const std::string& s) {
    json::value v = json::parse(s);
    REQUIRE(v.is_object());
    return v.as_object();
}

const json::object& card_in(const json::object& activity) {
    const auto& att = activity.at("attachments").as_array();
    REQUIRE(att.size() == 1);
    CHECK(att[0].at("contentType").as_string() == "application/vnd.microsoft.card.adaptive");
    return att[0].at("content").as_object();
}

// Every object in `v` (depth first) whose "type" is `type`.
void collect(const json::value& v, const std::string& type, std::vector<json::object>& out) {
    if (const auto* o = v.if_object()) {
        if (const auto* t = o->if_contains("type"); t && t->is_string() && t->as_string() == type)
            out.push_back(*o);
        for (const auto& kv : *o) collect(kv.value(), type, out);
    } else if (const auto* a = v.if_array()) {
        for (const auto& e : *a) collect(e, type, out);
    }
}

std::vector<json::object> all(const json::value& v, const std::string& type) {
    std::vector<json::object> out;
    collect(v, type, out);
    return out;
}

std::string str(const json::value& v) {
    return std::string(v.as_string());
}

}  // namespace

TEST_CASE("a checklist becomes a card with one tick action per open item", "[teams][card]") {
    Reply r;
    r.text = "web-2026.12 controls";
    r.header("web-2026.12 — Web release");
    r.fields({{"Window", "Sat 5 Dec 14:00–16:00 UTC"}, {"Owner", "<@29:bob>"}});
    r.checklist({
        {"1. deployment-plan — Deployment plan documented", ItemState::done, "ticked by <@29:bob>",
         "", ""},
        {"2. backout-plan — Backout plan documented", ItemState::open, "", "command",
         "control tick web-2026.12 2"},
    });
    json::object activity = parse(message_activity_json(r, [](const std::string& id) {
        return id == "29:bob" ? std::string("Bob Brown") : std::string();
    }));
    CHECK(activity.at("type").as_string() == "message");
    CHECK(activity.at("summary").as_string() == "web-2026.12 controls");
    const json::object& card = card_in(activity);
    CHECK(card.at("type").as_string() == "AdaptiveCard");
    CHECK(card.at("version").as_string() == "1.5");
    CHECK(card.at("fallbackText").as_string() == "web-2026.12 controls");

    SECTION("the open item has an Action.Execute falling back to Action.Submit, same data") {
        auto executes = all(card, "Action.Execute");
        REQUIRE(executes.size() == 1);
        const auto& ex = executes[0];
        CHECK(ex.at("title").as_string() == "Tick");
        CHECK(ex.at("verb").as_string() == "command");
        CHECK(str(ex.at("data").at("action_id")) == "command");
        CHECK(str(ex.at("data").at("value")) == "control tick web-2026.12 2");
        const auto& fb = ex.at("fallback").as_object();
        CHECK(fb.at("type").as_string() == "Action.Submit");
        CHECK(fb.at("data") == ex.at("data"));
    }
    SECTION("fields are a fact set, and people are Teams mentions with entities") {
        auto facts = all(card, "FactSet");
        REQUIRE(facts.size() == 1);
        const auto& f = facts[0].at("facts").as_array();
        REQUIRE(f.size() == 2);
        CHECK(str(f[1].at("title")) == "Owner");
        CHECK(str(f[1].at("value")) == "<at>Bob Brown</at>");
        const auto& entities = card.at("msteams").at("entities").as_array();
        REQUIRE(entities.size() == 1);
        CHECK(str(entities[0].at("text")) == "<at>Bob Brown</at>");
        CHECK(str(entities[0].at("mentioned").at("id")) == "29:bob");
        CHECK(json::serialize(card).find("<@29:bob>") == std::string::npos);
    }
    SECTION("states are visible in the text") {
        std::string s = json::serialize(card);
        CHECK(s.find("✅ 1. deployment-plan") != std::string::npos);
        CHECK(s.find("⬜ 2. backout-plan") != std::string::npos);
    }
}

TEST_CASE("buttons carry their command and style", "[teams][card]") {
    Reply r;
    r.section("Cancel web-2026.12? This cannot be undone.");
    r.buttons({{"Yes, cancel", "command", "yes", Button::Style::danger},
               {"No", "command", "no", Button::Style::plain},
               {"", "command", "ignored", Button::Style::plain}});
    json::object card = parse(adaptive_card_json(r));
    auto executes = all(card, "Action.Execute");
    REQUIRE(executes.size() == 2);
    CHECK(str(executes[0].at("title")) == "Yes, cancel");
    CHECK(str(executes[0].at("style")) == "destructive");
    CHECK(str(executes[0].at("data").at("value")) == "yes");
    CHECK(executes[1].if_contains("style") == nullptr);
}

TEST_CASE("a survey is a form the dispatcher can read", "[teams][card]") {
    Reply r;
    r.text = "Retrospective for web-2026.12";
    r.header("Retrospective: web-2026.12");
    r.survey({
        {1, "rating", "How smooth was the release?", {}, "retro answer web-2026.12 1"},
        {2, "text", "What should we change?", {}, "retro answer web-2026.12 2"},
        {3, "choice", "Best part?", {"Planning", "Comms", "Deploy"}, "retro answer web-2026.12 3"},
    });
    json::object card = parse(adaptive_card_json(r));
    auto choice_sets = all(card, "Input.ChoiceSet");
    auto texts = all(card, "Input.Text");
    REQUIRE(choice_sets.size() == 2);
    REQUIRE(texts.size() == 1);
    CHECK(str(choice_sets[0].at("id")) == "q1.answer");
    CHECK(choice_sets[0].at("choices").as_array().size() == 5);
    CHECK(str(choice_sets[0].at("choices").as_array()[4].at("value")) == "5");
    CHECK(str(texts[0].at("id")) == "q2.answer");
    CHECK(texts[0].at("isMultiline").as_bool());
    CHECK(texts[0].at("maxLength").as_int64() == 2000);
    CHECK(str(choice_sets[1].at("id")) == "q3.answer");
    // Choices answer by number, as `retro answer <release> 3 2` does.
    CHECK(str(choice_sets[1].at("choices").as_array()[1].at("value")) == "2");
    CHECK(str(choice_sets[1].at("choices").as_array()[1].at("title")) == "Comms");

    auto executes = all(card, "Action.Execute");
    REQUIRE(executes.size() == 1);
    CHECK(str(executes[0].at("data").at("action_id")) == "survey.submit");
    CHECK(str(executes[0].at("data").at("value")) == "retro answer web-2026.12");
    // Everything the form does can be typed.
    CHECK(json::serialize(card).find("retro answer web-2026.12 <question> <answer>") !=
          std::string::npos);
}

TEST_CASE("a text-only reply is a plain markdown message", "[teams][card]") {
    Reply r = Reply::plain("*web-2026.12* is approved by <@29:alice>; 3 < 4 & done");
    json::object activity = parse(message_activity_json(r));
    CHECK(activity.if_contains("attachments") == nullptr);
    CHECK(str(activity.at("textFormat")) == "markdown");
    // Markup becomes Teams markdown; the mention (no name known) shows the id.
    CHECK(str(activity.at("text")) ==
          "**web-2026.12** is approved by <at>29:alice</at>; 3 &lt; 4 &amp; done");
    const auto& entities = activity.at("entities").as_array();
    REQUIRE(entities.size() == 1);
    CHECK(str(entities[0].at("mentioned").at("id")) == "29:alice");
}

TEST_CASE("no Slack or Reply markup reaches a Teams user as characters", "[teams][card]") {
    const NameLookup names = [](const std::string& id) {
        return id == "29:1qGx" ? std::string("Bob Jones") : std::string();
    };
    SECTION("the message an Action.Execute answers with is plain words, mentions by name") {
        CHECK(plain_text("Ticked 4 on *web-1*, ticked by <@29:1qGx>. Type `help`.", names) ==
              "Ticked 4 on web-1, ticked by @Bob Jones. Type help.");
        CHECK(plain_text("<@29:zz|Zed> and <@29:unknown>: 2*3 = 6", names) ==
              "@Zed and @29:unknown: 2*3 = 6");
    }
    SECTION("a card TextBlock shows inline code in bold, having no code of its own") {
        Reply r;
        r.section("Tick it with `control tick web-1 4`, or *wait*. A lone ` stays.");
        r.buttons({{"Go", "command", "release go web-1", Button::Style::primary}});
        json::object activity = parse(message_activity_json(r, names));
        const auto blocks = all(card_in(activity), "TextBlock");
        REQUIRE_FALSE(blocks.empty());
        CHECK(str(blocks[0].at("text")) ==
              "Tick it with **control tick web-1 4**, or **wait**. A lone ` stays.");
    }
    SECTION("a text message keeps inline code, which Teams messages show literally") {
        json::object activity = parse(message_activity_json(
            Reply::plain("Type `comms draft <release> to x`, if 1 < 2."), names));
        CHECK(str(activity.at("text")) == "Type `comms draft <release> to x`, if 1 &lt; 2.");
    }
    SECTION("a moment shows as the time in the workspace's zone, the zone named") {
        CHECK(plain_text("ticked by <@29:1qGx> <!date^1796475600^{time}|14:00 CET>", names) ==
              "ticked by @Bob Jones 14:00 CET");
        Reply r;
        r.fields({{"Window",
                   "<!date^1796475600^{date_short_pretty} {time}|Sat 5 Dec 2026 14:00 "
                   "CET> – <!date^1796482800^{time}|16:00> (2h)"}});
        r.buttons({{"Go", "command", "release go web-1", Button::Style::primary}});
        const std::string card = json::serialize(card_in(parse(message_activity_json(r, names))));
        CHECK(card.find("Sat 5 Dec 2026 14:00 CET – 16:00 (2h)") != std::string::npos);
        CHECK(card.find("date^") == std::string::npos);
    }
    SECTION("each line of a card's text is a line of its own") {
        Reply r;
        r.section("Blockers (2)\n• Control 4 open\n• Control 6 open");
        r.buttons({{"Go", "command", "release go web-1", Button::Style::primary}});
        const auto blocks = all(card_in(parse(message_activity_json(r, names))), "TextBlock");
        REQUIRE_FALSE(blocks.empty());
        CHECK(str(blocks[0].at("text")) == "Blockers (2)\n\n• Control 4 open\n\n• Control 6 open");
    }
}

TEST_CASE("a card too big for Teams is cut with a note", "[teams][card]") {
    Reply r;
    r.text = "A long checklist";
    r.header("Many controls");
    std::vector<ChecklistItem> items;
    for (int i = 1; i <= 400; ++i) {
        items.push_back({std::to_string(i) + ". control-" + std::to_string(i) +
                             " — a control with a fairly long description to fill the card",
                         ItemState::open, "", "command",
                         "control tick web-2026.12 " + std::to_string(i)});
    }
    r.checklist(items);
    std::string activity = message_activity_json(r);
    CHECK(activity.size() <= kMaxActivityBytes);
    json::object a = parse(activity);
    std::string s = json::serialize(card_in(a));
    CHECK(s.find("Many controls") != std::string::npos);  // the top is kept
    CHECK(s.find("control tick web-2026.12 1\"") != std::string::npos);
    CHECK(s.find("control tick web-2026.12 400\"") == std::string::npos);
    CHECK(s.find("more parts that do not fit in one Teams message") != std::string::npos);
}

TEST_CASE("tables are Adaptive Card tables with a header row", "[teams][card]") {
    Reply r;
    r.table({"Question", "Average"}, {{"1. Smooth?", "4.5"}, {"2. Comms?", "3.0"}});
    json::object card = parse(adaptive_card_json(r));
    auto tables = all(card, "Table");
    REQUIRE(tables.size() == 1);
    CHECK(tables[0].at("firstRowAsHeader").as_bool());
    CHECK(tables[0].at("rows").as_array().size() == 3);
    CHECK(json::serialize(card).find("4.5") != std::string::npos);
}
