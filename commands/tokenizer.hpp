// Splits command text into words and quoted strings. Quotes may be straight ("…", '…') or the
// typographic ones chat clients substitute (“…”, ‘…’); a quoted string is one token even when
// empty or full of spaces.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "commands/result.hpp"

namespace releasebot {

struct Token {
    std::string text;
    bool quoted = false;
};

// Errors: an unterminated quote ("missing closing quote after …").
Result<std::vector<Token>> tokenize(std::string_view text);

}  // namespace releasebot
