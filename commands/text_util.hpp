// Small text helpers for the command language: case folding (ASCII), edit distance for "did
// you mean", joining.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace releasebot {

std::string lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
// Levenshtein distance, case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` if it is close enough to be a likely typo, else "".
std::string closest(std::string_view word, const std::vector<std::string>& candidates);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// "a", "a and b", "a, b and c".
std::string join_and(const std::vector<std::string>& parts);
// "1 step", "3 steps".
std::string plural(long n, std::string_view one, std::string_view many);

}  // namespace releasebot
