// What the chat renderers (Slack Block Kit, Teams Adaptive Cards) draw the same way from a
// Reply: mentions where no markup shows, the mark in front of a checklist item, the command a
// survey's Answer control carries, and the words a notification shows. Header-only: small pure
// functions over commands/reply.hpp types.
#pragma once

#include <string>
#include <string_view>

#include "commands/reply.hpp"

namespace releasebot {

// Mention markup as plain words, for places that show no markup (headers, button titles,
// choices): <@U1|ann> → @ann, <@U1> → @U1. Anything that is not a whole mention stays as is.
inline std::string plain_mentions(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s.compare(i, 2, "<@") == 0) {
            const std::size_t close = s.find_first_of("<>\n", i + 2);
            if (close != std::string_view::npos && s[close] == '>' && close > i + 2) {
                const std::string_view inner = s.substr(i + 2, close - i - 2);
                const std::size_t bar = inner.find('|');
                out += '@';
                out.append(bar == std::string_view::npos || bar + 1 == inner.size()
                               ? inner.substr(0, bar)
                               : inner.substr(bar + 1));
                i = close;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

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
