// The markup inside Reply text (see reply.hpp), read back: a person's mention and a moment each
// reader sees in their own zone, found at a position, and the whole text as plain words for
// places that show no markup (headers, exports, a calendar, a notification). Header-only.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace releasebot {

// A mention in Reply text starting at s[at]: <@id> or <@id|name>. Its id, the name it carries
// ("" when none) and the index of its closing '>'; nullopt when s[at] starts no whole mention.
struct MentionSpan {
    std::string_view id;
    std::string_view name;
    std::size_t close = 0;
};
inline std::optional<MentionSpan> mention_at(std::string_view s, std::size_t at) {
    if (s.compare(at, 2, "<@") != 0) return std::nullopt;
    const std::size_t close = s.find_first_of("<>\n", at + 2);
    if (close == std::string_view::npos || s[close] != '>' || close == at + 2) return std::nullopt;
    const std::string_view inner = s.substr(at + 2, close - at - 2);
    const std::size_t bar = inner.find('|');
    // Ids have no spaces; the name after the bar may ("Zoë Ångström").
    if (inner.substr(0, bar).find_first_of(" \t") != std::string_view::npos) return std::nullopt;
    return MentionSpan{inner.substr(0, bar),
                       bar == std::string_view::npos ? std::string_view() : inner.substr(bar + 1),
                       close};
}

// A moment in Reply text starting at s[at], as local_time() writes it:
// <!date^1765000800^{time}|14:00 CET>. Its seconds, its Slack format, the words shown where no
// local time can be (the zone named) and the index of its closing '>'. Only the two formats
// local_time() writes count, and never one with a link, so text shaped like it but made for
// something else stays text.
struct TimeSpan {
    std::string_view seconds;
    std::string_view format;
    std::string_view shown;
    std::size_t close = 0;
};
inline std::optional<TimeSpan> time_at(std::string_view s, std::size_t at) {
    constexpr std::string_view kOpen = "<!date^";
    if (s.compare(at, kOpen.size(), kOpen) != 0) return std::nullopt;
    const std::size_t close = s.find_first_of("<>\n", at + kOpen.size());
    if (close == std::string_view::npos || s[close] != '>') return std::nullopt;
    const std::string_view inner = s.substr(at + kOpen.size(), close - at - kOpen.size());
    const std::size_t caret = inner.find('^');
    const std::size_t bar = inner.find('|');
    if (caret == 0 || caret == std::string_view::npos || bar == std::string_view::npos ||
        bar < caret || bar + 1 == inner.size())
        return std::nullopt;
    const std::string_view seconds = inner.substr(0, caret);
    const std::string_view format = inner.substr(caret + 1, bar - caret - 1);
    if (seconds.find_first_not_of("0123456789") != std::string_view::npos || seconds.size() > 12)
        return std::nullopt;
    if (format != "{date_short_pretty} {time}" && format != "{time}") return std::nullopt;
    return TimeSpan{seconds, format, inner.substr(bar + 1), close};
}

// Mention and time markup as plain words, for places that show no markup (headers, button
// titles, choices, notifications): <@U1|ann> → @ann, <@U1> → @U1, a moment → its words with the
// zone named. Anything that is not whole markup stays as is.
inline std::string plain_mentions(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (auto t = time_at(s, i)) {
            out.append(t->shown);
            i = t->close;
            continue;
        }
        if (auto m = mention_at(s, i)) {
            out += '@';
            out.append(m->name.empty() ? m->id : m->name);
            i = m->close;
            continue;
        }
        out += s[i];
    }
    return out;
}

}  // namespace releasebot
