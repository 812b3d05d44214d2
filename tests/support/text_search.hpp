// Searching the text a bot answered: the line that holds something (tables and checklists are
// one item per line), all its lines, and a plain "contains" for checks outside Catch matchers.
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace releasebot::test {

// The first line of `text` holding `needle`, or "" so that a Contains on it fails visibly.
inline std::string line_of(const std::string& text, const std::string& needle) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.find(needle) != std::string::npos) return line;
    }
    return "";
}

// Every line of `text`, without its line break.
inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

// Whether `needle` occurs in `haystack`, exactly as written.
inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace releasebot::test
