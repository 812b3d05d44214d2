// Tokenizer for command text: whitespace-separated words and quoted strings (straight or
// typographic quotes, since Slack and Teams "smarten" what people type).
#include "commands/tokenizer.hpp"

namespace releasebot {

namespace {

// The closing quote for an opening one at `s[i]`, and the opening's byte length; 0 if none.
struct QuoteMatch {
    std::string_view close;
    std::size_t open_len = 0;
};

QuoteMatch opening_quote(std::string_view s, std::size_t i) {
    if (s[i] == '"') return {"\"", 1};
    if (s[i] == '\'') return {"'", 1};
    // U+201C “ … U+201D ”  and  U+2018 ‘ … U+2019 ’ (UTF-8: E2 80 9C/9D, E2 80 98/99)
    if (s.substr(i, 3) == "\xE2\x80\x9C") return {"\xE2\x80\x9D", 3};
    if (s.substr(i, 3) == "\xE2\x80\x98") return {"\xE2\x80\x99", 3};
    // Some clients produce ” at both ends.
    if (s.substr(i, 3) == "\xE2\x80\x9D") return {"\xE2\x80\x9D", 3};
    return {};
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view text) {
    std::vector<Token> out;
    std::size_t i = 0;
    while (i < text.size()) {
        if (is_space(text[i])) {
            ++i;
            continue;
        }
        QuoteMatch q = opening_quote(text, i);
        // An apostrophe inside a word (don't) is not a quote: quotes open only at word start.
        if (q.open_len > 0) {
            std::size_t start = i + q.open_len;
            std::size_t end = text.find(q.close, start);
            std::size_t close_len = q.close.size();
            // A straight double quote may be closed by a typographic one and vice versa.
            if (end == std::string_view::npos && q.close == "\"") {
                end = text.find("\xE2\x80\x9D", start);
                close_len = 3;
            } else if (end == std::string_view::npos && q.close == "\xE2\x80\x9D") {
                end = text.find('"', start);
                close_len = 1;
            }
            if (end == std::string_view::npos) {
                std::string_view rest = text.substr(i);
                if (rest.size() > 40) rest = rest.substr(0, 40);
                return usage_error("A quote is not closed after `" + std::string(rest) +
                                   "`. Put the text between two quotes, like \"Deploy to prod\".");
            }
            out.push_back({std::string(text.substr(start, end - start)), true});
            i = end + close_len;
            continue;
        }
        std::size_t start = i;
        while (i < text.size() && !is_space(text[i])) ++i;
        out.push_back({std::string(text.substr(start, i - start)), false});
    }
    return out;
}

}  // namespace releasebot
