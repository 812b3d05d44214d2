// Tests of the console text renderer: every block kind drawn exactly, alignment by display
// width with non-ASCII names, and the inline markup (mentions, bold, code).
#include "integrations/console/text_renderer.hpp"

#include <catch2/catch.hpp>

#include "commands/reply_markup.hpp"

namespace releasebot {
namespace {

ChecklistItem item(std::string label, ItemState state, std::string detail = {}) {
    ChecklistItem i;
    i.label = std::move(label);
    i.state = state;
    i.detail = std::move(detail);
    return i;
}

}  // namespace

TEST_CASE("a header is underlined with = to its display width", "[console]") {
    SECTION("ASCII") {
        CHECK(render_text(Reply{}.header("web-2026.12")) == "web-2026.12\n===========\n");
    }
    SECTION("non-ASCII letters count once each") {
        CHECK(render_text(Reply{}.header("Zoë — déploiement")) ==
              "Zoë — déploiement\n=================\n");
    }
    SECTION("markup is resolved before measuring") {
        CHECK(render_text(Reply{}.header("*Release* by <@U1|bob>")) ==
              "Release by @bob\n===============\n");
    }
}

TEST_CASE("a section is its text, mentions and bold resolved, code kept", "[console]") {
    CHECK(render_text(Reply::plain("Planned *web-2026.12* for <@alice>: type `release show "
                                   "web-2026.12`.")) ==
          "Planned web-2026.12 for @alice: type `release show web-2026.12`.\n");
    SECTION("several lines stay several lines") {
        CHECK(render_text(Reply::plain("one\ntwo")) == "one\ntwo\n");
    }
    SECTION("an error renders like any other reply") {
        Reply r = Reply::error("No release `web-9` here. Type `release list` to see them.");
        CHECK(render_text(r) == "No release `web-9` here. Type `release list` to see them.\n");
    }
}

TEST_CASE("bold markup is removed only around words", "[console]") {
    auto [in, out] = GENERATE(table<std::string, std::string>({
        {"*bold*", "bold"},
        {"a *bold phrase* here", "a bold phrase here"},
        {"*Blockers*:", "Blockers:"},
        {"2 * 3 * 4", "2 * 3 * 4"},
        {"a*b*c", "a*b*c"},
        {"`*not bold*`", "`*not bold*`"},
        {"*unclosed", "*unclosed"},
        {"**", "**"},
        {"*one* and *two*", "one and two"},
        {"_italic_ stays", "_italic_ stays"},
    }));
    CAPTURE(in);
    CHECK(render_text(Reply::plain(in)) == out + "\n");
}

TEST_CASE("mentions become @id or @name, moments their words", "[console]") {
    auto [in, out] = GENERATE(table<std::string, std::string>({
        {"<@alice>", "@alice"},
        {"<@U024BE7LH|bob>", "@bob"},
        {"ticked by <@alice> and <@bob>", "ticked by @alice and @bob"},
        {"<@U1|>", "@U1"},
        {"<@>", "<@>"},
        {"<@not closed", "<@not closed"},
        {"a <https://example.com|link>", "a <https://example.com|link>"},
        {"<@Zoë>", "@Zoë"},
        {"<@a b>", "<@a b>"},  // ids have no spaces
        {"<@U1|Zoë Ångström>", "@Zoë Ångström"},
        // A moment shows in the zone it was written for, the zone named.
        {"by <@alice> <!date^1796475600^{time}|14:00 CET>.", "by @alice 14:00 CET."},
        {"<!date^1796475600^{date_short_pretty} {time}|Sat 5 Dec 2026 14:00 CET>",
         "Sat 5 Dec 2026 14:00 CET"},
        {"<!date^1^{time}^https://x|y>", "<!date^1^{time}^https://x|y>"},
    }));
    CAPTURE(in);
    CHECK(plain_mentions(in) == out);
}

TEST_CASE("fields are aligned Label: value lines", "[console]") {
    Reply r;
    r.fields({{"Window", "Tue 12 Jan 2027 14:00 UTC, 2h"},
              {"State", "planned"},
              {"Owner", "<@alice>"},
              {"Programs", "api, web"}});
    CHECK(render_text(r) ==
          "Window:   Tue 12 Jan 2027 14:00 UTC, 2h\n"
          "State:    planned\n"
          "Owner:    @alice\n"
          "Programs: api, web\n");

    SECTION("a non-ASCII label pads by code points") {
        Reply n;
        n.fields({{"Zoë", "1"}, {"Owner", "2"}});
        CHECK(render_text(n) == "Zoë:   1\nOwner: 2\n");
    }
    SECTION("a multi-line value continues under its first line") {
        Reply m;
        m.fields({{"Key", "web"}, {"Notes", "first\nsecond"}});
        CHECK(render_text(m) == "Key:   web\nNotes: first\n       second\n");
    }
}

TEST_CASE("checklist items show their state as a mark", "[console]") {
    Reply r;
    r.checklist({
        item("1. deployment-plan — Deployment plan documented", ItemState::done,
             "ticked by <@bob> 14:02"),
        item("2. backout-plan — Backout plan documented", ItemState::open),
        item("3. business-signoff — Business sign-off", ItemState::waived,
             "waived by <@alice>: Signed off by email"),
        item("Step 2", ItemState::skipped, "skipped"),
        item("Step 3", ItemState::failed, "failed: timeout"),
        item("Step 4", ItemState::current),
    });
    CHECK(render_text(r) ==
          "[x] 1. deployment-plan — Deployment plan documented — ticked by @bob 14:02\n"
          "[ ] 2. backout-plan — Backout plan documented\n"
          "[~] 3. business-signoff — Business sign-off — waived by @alice: Signed off by email\n"
          "[-] Step 2 — skipped\n"
          "[!] Step 3 — failed: timeout\n"
          "[>] Step 4\n");
}

TEST_CASE("a table aligns its columns by display width", "[console]") {
    Reply r;
    r.table({"Key", "Window", "Owner"}, {{"web-2026.12", "2027-01-12 14:00", "<@alice>"},
                                         {"hotfix-1", "2027-01-19 10:00", "<@U9|Zoë Ångström>"},
                                         {"x", "", "@bob"}});
    CHECK(render_text(r) ==
          "Key          Window            Owner\n"
          "-----------  ----------------  -------------\n"
          "web-2026.12  2027-01-12 14:00  @alice\n"
          "hotfix-1     2027-01-19 10:00  @Zoë Ångström\n"
          "x                              @bob\n");

    SECTION("a non-ASCII cell widens its column by code points, not bytes") {
        Reply n;
        n.table({"Name", "Role"}, {{"Zoë", "manager"}, {"Al", "member"}});
        CHECK(render_text(n) ==
              "Name  Role\n"
              "----  -------\n"
              "Zoë   manager\n"
              "Al    member\n");
    }
    SECTION("rows longer than the header get columns of their own") {
        Reply n;
        n.table({"A"}, {{"1", "two"}});
        CHECK(render_text(n) == "A\n-  ---\n1  two\n");
    }
}

TEST_CASE("buttons become the commands to type", "[console]") {
    Reply r;
    r.buttons({{"Confirm", "command", "yes", Button::Style::primary},
               {"Cancel", "command", "no", Button::Style::plain}});
    CHECK(render_text(r) == "  Type: yes — Confirm · no — Cancel\n");

    SECTION("a button that is not a command shows its label only") {
        Reply n;
        n.buttons({{"Tick", "control.tick", "web-2026.12:1", Button::Style::plain},
                   {"Show", "command", "release show web-2026.12", Button::Style::plain}});
        CHECK(render_text(n) == "  Type: Tick · release show web-2026.12 — Show\n");
    }
}

TEST_CASE("context lines are indented, a divider is a blank line", "[console]") {
    Reply r;
    r.header("web-2026.12 — Web and API December")
        .section("State: *planned*")
        .divider()
        .context("Type `release go web-2026.12` when ready.\nAsk <@alice> for help.");
    CHECK(render_text(r) ==
          "web-2026.12 — Web and API December\n"
          "==================================\n"
          "State: planned\n"
          "\n"
          "  Type `release go web-2026.12` when ready.\n"
          "  Ask @alice for help.\n");
}

TEST_CASE("a reply always ends with exactly one newline", "[console]") {
    SECTION("trailing newlines and dividers collapse") {
        Reply r = Reply::plain("done\n\n");
        r.divider();
        CHECK(render_text(r) == "done\n");
    }
    SECTION("a reply with no blocks shows its fallback text") {
        Reply r;
        r.text = "Only <@bob> text";
        CHECK(render_text(r) == "Only @bob text\n");
    }
    SECTION("an empty reply is one newline") {
        CHECK(render_text(Reply{}) == "\n");
    }
}

TEST_CASE("a survey is numbered prompts with the command that answers each", "[console][retro]") {
    Reply r;
    r.survey({{1, "rating", "Overall, how did it go?", {}, "retro answer web-2026.12 1"},
              {2, "text", "What went *well* for <@U1|bob>?", {}, "retro answer web-2026.12 2"},
              {3,
               "choice",
               "Change the process?",
               {"yes", "no", "not sure"},
               "retro answer web-2026.12 3"},
              {4, "text", "Anything else?", {}, ""}});
    CHECK(render_text(r) ==
          "1. Overall, how did it go? (rating 1–5)  → retro answer web-2026.12 1 <1-5>\n"
          "2. What went well for @bob? (text)  → retro answer web-2026.12 2 <your answer>\n"
          "3. Change the process? (choose one)  → retro answer web-2026.12 3 <1-3>\n"
          "   1 = yes · 2 = no · 3 = not sure\n"
          "4. Anything else? (text)\n");
}

}  // namespace releasebot
