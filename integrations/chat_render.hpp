// What the chat renderers (Slack Block Kit, Teams Adaptive Cards) draw the same way from a
// Reply: mentions and moments where no markup shows, the mark in front of a checklist item, the
// command a survey's Answer control carries, and the words a notification shows. Header-only: small
// pure functions over commands/reply.hpp types.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "commands/reply.hpp"
#include "commands/reply_markup.hpp"

namespace releasebot {

// The emoji in front of a checklist item in its state.
inline const char* state_mark(ItemState s) {
    switch (s) {
        case ItemState::open:
            return "⬜";
        case ItemState::done:
            return "✅";
        case ItemState::waived:
            return "➖";
        case ItemState::skipped:
            return "⏭";
        case ItemState::failed:
            return "❌";
        case ItemState::current:
            return "▶️";
    }
    return "⬜";
}

// The answer command of a survey without its question number: "retro answer web-2026.12 1" →
// "retro answer web-2026.12", what the Answer button (Slack) or the submit (Teams) carries; the
// form adds each question's number to it.
inline std::string survey_prefix(const SurveyQuestion& q) {
    const std::string suffix = " " + std::to_string(q.number);
    const std::string& c = q.answer_command;
    if (c.size() > suffix.size() && c.compare(c.size() - suffix.size(), suffix.size(), suffix) == 0)
        return c.substr(0, c.size() - suffix.size());
    return c;
}

// The words a notification (and a screen reader) shows for `reply`, as markup: the reply's own
// text, else the first header, section or context that has words, else "releasebot". Each
// platform turns the markup into its own notification text.
inline std::string summary_text(const Reply& reply) {
    if (!reply.text.empty()) return reply.text;
    for (const auto& b : reply.blocks) {
        if ((b.kind == Block::Kind::header || b.kind == Block::Kind::section ||
             b.kind == Block::Kind::context) &&
            !b.text.empty())
            return b.text;
    }
    return "releasebot";
}

}  // namespace releasebot
