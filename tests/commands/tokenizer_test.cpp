#include <catch2/catch.hpp>

#include "commands/tokenizer.hpp"

using namespace releasebot;

namespace {
std::vector<std::string> texts(std::string_view in) {
    auto r = tokenize(in);
    REQUIRE(r.ok());
    std::vector<std::string> out;
    for (const auto& t : *r) out.push_back((t.quoted ? "Q:" : "") + t.text);
    return out;
}
}  // namespace

TEST_CASE("tokenizer splits words and quoted strings", "[parser]") {
    using V = std::vector<std::string>;
    CHECK(texts("release plan web \"Web December\" at x") ==
          V{"release", "plan", "web", "Q:Web December", "at", "x"});
    CHECK(texts("  spaced\tout  ") == V{"spaced", "out"});
    CHECK(texts("comms draft 'single quoted'") == V{"comms", "draft", "Q:single quoted"});
    CHECK(texts("a \"\" b") == V{"a", "Q:", "b"});
    SECTION("typographic quotes that chat clients substitute") {
        CHECK(texts("plan add w deploy \xE2\x80\x9CSwitch traffic\xE2\x80\x9D") ==
              V{"plan", "add", "w", "deploy", "Q:Switch traffic"});
        CHECK(texts("x \xE2\x80\x98it\xE2\x80\x99") == V{"x", "Q:it"});
        CHECK(texts("x \"mixed\xE2\x80\x9D y") == V{"x", "Q:mixed", "y"});
    }
    SECTION("an apostrophe inside a word is not a quote") {
        CHECK(texts("don't stop") == V{"don't", "stop"});
    }
}

TEST_CASE("tokenizer reports an unclosed quote", "[parser]") {
    auto r = tokenize("release cancel web \"no reason");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message ==
          "A quote is not closed after `\"no reason`. Put the text between two quotes, like "
          "\"Deploy to prod\".");
}
