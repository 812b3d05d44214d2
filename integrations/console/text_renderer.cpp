// Draws a Reply as terminal text for the console REPL and its pipes: the console is where a
// newcomer first meets releasebot, and where scripts and tests read replies, so the text is
// plain (no colour codes), stable, and aligned by display width rather than by bytes.
#include "integrations/console/text_renderer.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <string_view>
#include <vector>

#include "commands/text_util.hpp"
#include "integrations/chat_render.hpp"

namespace releasebot {

namespace {

bool is_word_char(char c) {
    // Bytes of multi-byte UTF-8 sequences count as word characters, so `*` next to a letter
    // like é is not taken for bold markup either.
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           static_cast<unsigned char>(c) >= 0x80;
}

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// Drops the asterisks of *bold* spans outside `code` spans. An asterisk opens bold only when
// it starts a word and a closing one ends a word on the same line, so "2 * 3" and "a*b" stay.
std::string strip_bold(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool in_code = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '`') {
            in_code = !in_code;
            out += c;
            continue;
        }
        if (c != '*' || in_code) {
            out += c;
            continue;
        }
        bool opens = (i == 0 || (!is_word_char(s[i - 1]) && s[i - 1] != '*')) && i + 1 < s.size() &&
                     !is_space(s[i + 1]) && s[i + 1] != '*';
        std::size_t close = std::string_view::npos;
        if (opens) {
            for (std::size_t j = i + 2; j < s.size(); ++j) {
                if (s[j] == '\n' || s[j] == '`') break;
                if (s[j] == '*' && !is_space(s[j - 1]) &&
                    (j + 1 == s.size() || !is_word_char(s[j + 1]))) {
                    close = j;
                    break;
                }
            }
        }
        if (close == std::string_view::npos) {
            out += c;
            continue;
        }
        out.append(s.substr(i + 1, close - i - 1));
        i = close;
    }
    return out;
}

// The markup of Reply text turned into what a terminal shows.
std::string inline_text(std::string_view s) {
    return strip_bold(plain_mentions(s));
}

// Columns a string takes in a terminal, taken as its number of UTF-8 code points: right for
// the Latin, Greek and Cyrillic names and the dashes and dots releasebot prints.
std::size_t display_width(std::string_view s) {
    return code_points(s);
}

std::string pad_to(std::string s, std::size_t width) {
    std::size_t w = display_width(s);
    if (w < width) s.append(width - w, ' ');
    return s;
}

std::string rtrim(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
    return s;
}

std::string one_line(std::string s) {
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
}

// Each line of `text` with `prefix` in front, every line ending with a newline.
void append_lines(std::string& out, std::string_view text, std::string_view prefix) {
    std::size_t start = 0;
    while (true) {
        std::size_t end = text.find('\n', start);
        std::string_view line = text.substr(
            start, end == std::string_view::npos ? std::string_view::npos : end - start);
        out.append(prefix);
        out.append(line);
        out += '\n';
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
}

const char* mark(ItemState s) {
    switch (s) {
        case ItemState::open:
            return "[ ]";
        case ItemState::done:
            return "[x]";
        case ItemState::waived:
            return "[~]";
        case ItemState::skipped:
            return "[-]";
        case ItemState::failed:
            return "[!]";
        case ItemState::current:
            return "[>]";
    }
    return "[?]";
}

void render_header(std::string& out, const Block& b) {
    std::string t = one_line(inline_text(b.text));
    out += t;
    out += '\n';
    out.append(display_width(t), '=');
    out += '\n';
}

void render_fields(std::string& out, const Block& b) {
    std::size_t widest = 0;
    for (const auto& [label, value] : b.fields) {
        widest = std::max(widest, display_width(inline_text(label)) + 1);
    }
    // A value that runs over several lines continues under its first line, not the labels.
    std::string continuation(widest + 1, ' ');
    for (const auto& [label, value] : b.fields) {
        std::string v = inline_text(value);
        std::size_t nl = v.find('\n');
        out += rtrim(pad_to(inline_text(label) + ":", widest) + " " + v.substr(0, nl));
        out += '\n';
        if (nl != std::string::npos) append_lines(out, v.substr(nl + 1), continuation);
    }
}

void render_checklist(std::string& out, const Block& b) {
    for (const auto& item : b.items) {
        std::string line = std::string(mark(item.state)) + " " + one_line(inline_text(item.label));
        if (!item.detail.empty()) line += " — " + one_line(inline_text(item.detail));
        out += rtrim(std::move(line));
        out += '\n';
    }
}

void render_table(std::string& out, const Block& b) {
    std::size_t ncols = b.columns.size();
    for (const auto& row : b.rows) ncols = std::max(ncols, row.size());
    if (ncols == 0) return;

    auto cells_of = [ncols](const std::vector<std::string>& row) {
        std::vector<std::string> cells(ncols);
        for (std::size_t i = 0; i < row.size(); ++i) cells[i] = one_line(inline_text(row[i]));
        return cells;
    };
    std::vector<std::vector<std::string>> lines;
    lines.push_back(cells_of(b.columns));
    for (const auto& row : b.rows) lines.push_back(cells_of(row));

    std::vector<std::size_t> widths(ncols, 0);
    for (const auto& cells : lines) {
        for (std::size_t i = 0; i < ncols; ++i) {
            widths[i] = std::max(widths[i], display_width(cells[i]));
        }
    }
    auto emit = [&](const std::vector<std::string>& cells) {
        std::string line;
        for (std::size_t i = 0; i < ncols; ++i) {
            if (i > 0) line += "  ";
            line += pad_to(cells[i], widths[i]);
        }
        out += rtrim(std::move(line));
        out += '\n';
    };
    emit(lines[0]);
    std::vector<std::string> rule(ncols);
    for (std::size_t i = 0; i < ncols; ++i) rule[i] = std::string(widths[i], '-');
    emit(rule);
    for (std::size_t r = 1; r < lines.size(); ++r) emit(lines[r]);
}

// Buttons cannot be pressed in a terminal, so they become the text to type instead.
void render_buttons(std::string& out, const Block& b) {
    if (b.buttons.empty()) return;
    std::string line = "Type: ";
    for (std::size_t i = 0; i < b.buttons.size(); ++i) {
        const Button& button = b.buttons[i];
        if (i > 0) line += " · ";
        if (button.action_id == "command" && !button.value.empty()) {
            line += button.value + " — " + one_line(inline_text(button.label));
        } else {
            line += one_line(inline_text(button.label));
        }
    }
    append_lines(out, line, "  ");
}

// A terminal cannot show a form, so each question is numbered with the command that answers
// it; the choices of a choice question follow on their own line, by the number to type.
void render_survey(std::string& out, const Block& b) {
    for (const SurveyQuestion& q : b.questions) {
        std::string line = std::to_string(q.number) + ". " + one_line(inline_text(q.prompt));
        std::string placeholder;
        if (q.kind == "rating") {
            line += " (rating 1–5)";
            placeholder = "<1-5>";
        } else if (q.kind == "choice") {
            line += " (choose one)";
            placeholder =
                q.choices.empty() ? "<choice>" : "<1-" + std::to_string(q.choices.size()) + ">";
        } else {
            line += " (" + (q.kind.empty() ? std::string("text") : q.kind) + ")";
            placeholder = "<your answer>";
        }
        if (!q.answer_command.empty()) line += "  → " + q.answer_command + " " + placeholder;
        out += line;
        out += '\n';
        if (q.kind == "choice" && !q.choices.empty()) {
            std::string list;
            for (std::size_t i = 0; i < q.choices.size(); ++i) {
                if (i > 0) list += " · ";
                list += std::to_string(i + 1) + " = " + one_line(inline_text(q.choices[i]));
            }
            append_lines(out, list, "   ");
        }
    }
}

}  // namespace

std::string render_text(const Reply& reply) {
    std::string out;
    if (reply.blocks.empty()) {
        append_lines(out, inline_text(reply.text), "");
    }
    for (const Block& b : reply.blocks) {
        switch (b.kind) {
            case Block::Kind::header:
                render_header(out, b);
                break;
            case Block::Kind::section:
                append_lines(out, inline_text(b.text), "");
                break;
            case Block::Kind::fields:
                render_fields(out, b);
                break;
            case Block::Kind::checklist:
                render_checklist(out, b);
                break;
            case Block::Kind::table:
                render_table(out, b);
                break;
            case Block::Kind::buttons:
                render_buttons(out, b);
                break;
            case Block::Kind::context:
                append_lines(out, inline_text(b.text), "  ");
                break;
            case Block::Kind::divider:
                out += '\n';
                break;
            case Block::Kind::survey:
                render_survey(out, b);
                break;
        }
    }
    // An attached file needs nothing here: the reply's blocks carry it as text (Attachment).
    while (!out.empty() && out.back() == '\n') out.pop_back();
    out += '\n';
    return out;
}

}  // namespace releasebot
