// Rendering a Reply as Slack Block Kit: the JSON bodies of chat.postMessage and chat.update, the
// survey modal for views.open, and the split of a long reply into several messages. Every
// message the bot posts to Slack passes through here, so the rules Slack enforces by refusing a
// whole message (50 blocks, 3000 characters a section, 150 a header, 75 a button label, 10
// fields a section, 25 elements an actions block, unique action ids) are enforced here by
// splitting or truncating instead. JSON is built with Boost.JSON, which does the escaping; the
// mrkdwn escaping of &, < and > (Slack's control characters) is done here, everywhere text
// lands (the top-level text of a message or an acknowledgement too), keeping only the person
// mentions Reply text may carry.
#include "integrations/slack/block_kit.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/registry.hpp"
#include "commands/text_util.hpp"
#include "integrations/chat_render.hpp"

namespace releasebot::slack {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxBlocks = 50;
constexpr std::size_t kMaxSectionText = 3000;
constexpr std::size_t kMaxHeader = 150;
constexpr std::size_t kMaxButtonText = 75;
constexpr std::size_t kMaxFieldText = 2000;
constexpr std::size_t kFieldsPerSection = 10;
constexpr std::size_t kButtonsPerActions = 25;
constexpr std::size_t kMaxFallbackText = 40000;
constexpr std::size_t kMaxModalTitle = 24;
constexpr std::size_t kMaxModalBlocks = 100;
constexpr std::size_t kMaxLabel = 2000;
constexpr std::size_t kMaxOptionText = 75;
constexpr std::size_t kMaxRadioOptions = 10;
constexpr std::size_t kMaxSelectOptions = 100;
constexpr std::size_t kMaxConfirmTitle = 100;
constexpr std::size_t kMaxConfirmText = 300;
constexpr std::size_t kMaxConfirmButton = 30;
// What a survey input takes: no more than `retro answer` accepts, so a long answer is stopped in
// the form, with the answers still in it, rather than refused after the form has closed.
const std::size_t kMaxInputLength = text_limit("answer");
// A survey block becomes one section per question plus the Answer button.
constexpr std::size_t kQuestionsPerMessage = kMaxBlocks - 1;

// Slack counts characters, not bytes; Reply text is UTF-8 (code_points, code_point_offset,
// shorten).

std::string one_line(std::string s) {
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
}

// The one piece of Slack markup Reply text carries: a person, <@U…> (as mention() writes it)
// or <@U…|name> (as Slack wrote it in what a user typed). Everything else between < and > is
// text: a user who types <!channel> or <https://x|Click here> sees those characters, and nobody
// is pinged or sent anywhere by what someone else typed.
bool is_markup_token(std::string_view inner) {
    if (inner.size() < 2 || inner[0] != '@') return false;
    const std::size_t bar = inner.find('|');
    const std::string_view id = inner.substr(1, bar == std::string_view::npos ? bar : bar - 1);
    if (id.empty()) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
               c == ':';
    });
}

// Reply markup → mrkdwn: &, < and > become entities unless they belong to a mention or a
// moment (see time_at()).
std::string mrkdwn(std::string_view s) {
    std::string out;
    out.reserve(s.size() + s.size() / 8);
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '<') {
            // A moment: Slack shows it in each reader's own zone.
            if (auto t = time_at(s, i)) {
                out += "<!date^";
                out.append(t->seconds);
                out += '^';
                out.append(t->format);
                out += '|';
                out += mrkdwn(t->shown);
                out += '>';
                i = t->close;
                continue;
            }
            std::size_t close = s.find_first_of("<>\n", i + 1);
            if (close != std::string_view::npos && s[close] == '>' &&
                is_markup_token(s.substr(i + 1, close - i - 1))) {
                out.append(s.substr(i, close - i + 1));
                i = close;
                continue;
            }
            out += "&lt;";
        } else if (c == '>') {
            out += "&gt;";
        } else if (c == '&') {
            out += "&amp;";
        } else {
            out += c;
        }
    }
    return out;
}

std::size_t count_fences(std::string_view s) {
    std::size_t n = 0;
    for (std::size_t at = s.find("```"); at != std::string_view::npos; at = s.find("```", at + 3))
        ++n;
    return n;
}

// Escaped mrkdwn cut to `max` characters with an ellipsis, without leaving half an entity or
// half a mention behind, and closing a ``` block the cut left open.
std::string truncate_mrkdwn(std::string_view s, std::size_t max) {
    if (code_points(s) <= max) return std::string(s);
    // Room for the ellipsis and a closing "\n```".
    std::string_view cut = s.substr(0, code_point_offset(s, max - 5));
    std::size_t amp = cut.rfind('&');
    if (amp != std::string_view::npos && cut.find(';', amp) == std::string_view::npos) {
        cut = cut.substr(0, amp);
    }
    std::size_t lt = cut.rfind('<');
    if (lt != std::string_view::npos && cut.find('>', lt) == std::string_view::npos) {
        cut = cut.substr(0, lt);
    }
    std::string out(cut);
    out += "…";
    if (count_fences(cut) % 2 == 1) out += "\n```";
    return out;
}

json::object plain_text(std::string_view text) {
    return {{"type", "plain_text"}, {"text", text}, {"emoji", true}};
}

json::object mrkdwn_text(std::string_view text) {
    return {{"type", "mrkdwn"}, {"text", text}};
}

json::object section(std::string_view reply_text) {
    return {{"type", "section"},
            {"text", mrkdwn_text(truncate_mrkdwn(mrkdwn(reply_text), kMaxSectionText))}};
}

// Reply text as as many sections as its escaped form needs (escaping can make a 3,000-character
// announcement five times longer): cut at line ends, else at spaces, a ``` block closed at the
// end of one section and opened again at the start of the next. Nothing is lost.
std::vector<json::object> sections(std::string_view reply_text) {
    const std::string all = mrkdwn(reply_text);
    std::string_view rest(all);
    std::vector<json::object> out;
    constexpr std::size_t kRoom = kMaxSectionText - 8;  // for a closing and an opening fence
    bool reopen = false;
    while (!rest.empty()) {
        std::string piece = reopen ? "```\n" : "";
        std::size_t take = rest.size();
        if (code_points(rest) > kRoom - piece.size()) {
            take = code_point_offset(rest, kRoom - piece.size());
            std::size_t cut = rest.rfind('\n', take);
            if (cut == std::string_view::npos || cut < take / 2) cut = rest.rfind(' ', take);
            if (cut == std::string_view::npos || cut < take / 2) cut = take;
            // Never inside an entity (&amp;) or a mention (<@U…>).
            const std::size_t amp = rest.rfind('&', cut);
            if (amp != std::string_view::npos && rest.find(';', amp) >= cut) cut = amp;
            const std::size_t lt = rest.rfind('<', cut);
            if (lt != std::string_view::npos && rest.find('>', lt) >= cut) cut = lt;
            if (cut > 0) take = cut;
        }
        piece += rest.substr(0, take);
        rest.remove_prefix(take);
        while (!rest.empty() && (rest.front() == '\n' || rest.front() == ' '))
            rest.remove_prefix(1);
        reopen = count_fences(piece) % 2 == 1;
        if (reopen) piece += "\n```";
        out.push_back(json::object{{"type", "section"}, {"text", mrkdwn_text(piece)}});
    }
    return out;
}

// The label of a checklist item's button: controls are ticked, steps and actions are done.
std::string item_button_label(const ChecklistItem& item) {
    return item.value.rfind("control tick", 0) == 0 ? "Tick" : "Done";
}

// The table as aligned lines (header, rule, rows) of `rows[begin, end)`, columns padded by
// code points as a monospace font shows them.
std::vector<std::string> table_lines(const Block& b, std::size_t begin, std::size_t end) {
    std::size_t ncols = b.columns.size();
    for (std::size_t r = begin; r < end; ++r) ncols = std::max(ncols, b.rows[r].size());
    std::vector<std::vector<std::string>> cells;
    auto add = [&](const std::vector<std::string>& row) {
        std::vector<std::string> line(ncols);
        // Inside the ``` block a cell's `code` marks would show as backticks: they go.
        for (std::size_t i = 0; i < row.size(); ++i) {
            line[i] = one_line(row[i]);
            line[i].erase(std::remove(line[i].begin(), line[i].end(), '`'), line[i].end());
        }
        cells.push_back(std::move(line));
    };
    add(b.columns);
    for (std::size_t r = begin; r < end; ++r) add(b.rows[r]);
    std::vector<std::size_t> widths(ncols, 0);
    for (const auto& line : cells)
        for (std::size_t i = 0; i < ncols; ++i)
            widths[i] = std::max(widths[i], code_points(line[i]));
    auto join = [&](const std::vector<std::string>& line) {
        std::string out;
        for (std::size_t i = 0; i < ncols; ++i) {
            if (i > 0) out += "  ";
            out += line[i];
            if (i + 1 < ncols) out.append(widths[i] - code_points(line[i]), ' ');
        }
        while (!out.empty() && out.back() == ' ') out.pop_back();
        return out;
    };
    std::vector<std::string> out;
    if (!b.columns.empty()) {
        out.push_back(join(cells[0]));
        std::string rule;
        for (std::size_t i = 0; i < ncols; ++i) {
            if (i > 0) rule += "  ";
            rule.append(widths[i], '-');
        }
        out.push_back(rule);
    }
    for (std::size_t i = 1; i < cells.size(); ++i) out.push_back(join(cells[i]));
    return out;
}

std::string fenced(const std::vector<std::string>& lines) {
    std::string body;
    for (const auto& l : lines) body += l + "\n";
    return mrkdwn("```\n" + body + "```");
}

// Row ranges of a table, each small enough for one section (header repeated in each).
std::vector<std::pair<std::size_t, std::size_t>> table_chunks(const Block& b) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    std::size_t begin = 0;
    if (b.rows.empty()) return {{0, 0}};
    while (begin < b.rows.size()) {
        std::size_t end = begin + 1;
        while (end < b.rows.size() &&
               code_points(fenced(table_lines(b, begin, end + 1))) <= kMaxSectionText)
            ++end;
        out.emplace_back(begin, end);
        begin = end;
    }
    return out;
}

// The Answer button's value: the survey itself, compactly, so that a press can open the modal
// at once with nothing but the press in hand (Slack gives 3 seconds to use its trigger_id, and
// the adapter has no store to look the survey up in). Slack caps a value at 2000 characters;
// long prompts and choices are shortened until it fits (the modal repeats them only as labels),
// and a survey that still does not fit gets its answer command alone, to be answered by typing.
constexpr std::size_t kMaxButtonValue = 2000;

std::string survey_button_value(const std::string& prefix, const std::string& title,
                                const Block& b) {
    constexpr std::size_t kUnlimited = static_cast<std::size_t>(-1);
    const std::pair<std::size_t, std::size_t> limits[] = {
        {kUnlimited, kUnlimited}, {150, 75}, {75, 30}, {40, 15}, {25, 12}};
    for (auto [prompt_max, choice_max] : limits) {
        json::array questions;
        for (const auto& q : b.questions) {
            json::object o{{"n", q.number},
                           {"k", q.kind},
                           {"p", shorten(one_line(plain_mentions(q.prompt)), prompt_max)}};
            if (!q.choices.empty()) {
                json::array choices;
                for (const auto& c : q.choices)
                    choices.push_back(
                        json::string(shorten(one_line(plain_mentions(c)), choice_max)));
                o["c"] = std::move(choices);
            }
            questions.push_back(std::move(o));
        }
        std::string value = json::serialize(
            json::object{{"a", prefix}, {"t", shorten(title, kMaxHeader)}, {"q", questions}});
        if (code_points(value) <= kMaxButtonValue) return value;
    }
    return prefix;
}

// Renders Reply blocks into Slack blocks, numbering action ids so each is unique in the
// message (Slack refuses a message with two equal action ids; decode_interactive strips the
// "#<n>" again).
class Renderer {
  public:
    // How hard a message must be packed to fit in 50 blocks. loose: a section per checklist
    // item. compact: items without a button share sections, one line each. dense: every item
    // is a line (their buttons give way; the text says how to tick).
    enum class Packing { loose, compact, dense };

    explicit Renderer(Packing packing = Packing::loose) : packing_(packing) {}

    json::array blocks;

    void add(const Block& b) {
        if (b.kind != Block::Kind::checklist) flush_lines();
        switch (b.kind) {
            case Block::Kind::header: {
                std::string t = one_line(plain_mentions(b.text));
                if (title_.empty()) title_ = t;
                if (!t.empty()) {
                    blocks.push_back(json::object{
                        {"type", "header"}, {"text", plain_text(shorten(t, kMaxHeader))}});
                }
                break;
            }
            case Block::Kind::section:
                if (!b.text.empty()) {
                    for (auto& s : sections(b.text)) blocks.push_back(std::move(s));
                    last_section_ = b.text;
                }
                break;
            case Block::Kind::context:
                if (!b.text.empty()) {
                    json::array elements;
                    elements.push_back(
                        mrkdwn_text(truncate_mrkdwn(mrkdwn(b.text), kMaxSectionText)));
                    blocks.push_back(json::object{{"type", "context"}, {"elements", elements}});
                }
                break;
            case Block::Kind::divider:
                blocks.push_back(json::object{{"type", "divider"}});
                break;
            case Block::Kind::fields:
                add_fields(b);
                break;
            case Block::Kind::checklist:
                for (const auto& item : b.items) add_item(item);
                flush_lines();
                break;
            case Block::Kind::table:
                for (auto [begin, end] : table_chunks(b)) {
                    json::object s{
                        {"type", "section"},
                        {"text", mrkdwn_text(truncate_mrkdwn(fenced(table_lines(b, begin, end)),
                                                             kMaxSectionText))}};
                    blocks.push_back(std::move(s));
                }
                break;
            case Block::Kind::buttons:
                add_buttons(b.buttons);
                break;
            case Block::Kind::survey:
                add_survey(b);
                break;
        }
    }

    // Ends the message: lines still waiting for a section get one.
    json::array finish() {
        flush_lines();
        return std::move(blocks);
    }

  private:
    Packing packing_;
    int next_action_ = 0;
    std::string last_section_;  // Reply text of the latest section, for confirm dialogs
    std::string title_;         // the first header, the title of a survey modal
    std::string lines_;         // packed checklist lines not yet in a section

    void flush_lines() {
        if (lines_.empty()) return;
        for (auto& s : sections(lines_)) blocks.push_back(std::move(s));
        lines_.clear();
    }

    std::string unique(const std::string& action_id) {
        return action_id + "#" + std::to_string(++next_action_);
    }

    json::object button(const Button& b) {
        std::string label = one_line(plain_mentions(b.label));
        json::object o{{"type", "button"},
                       {"text", plain_text(shorten(label, kMaxButtonText))},
                       {"action_id", unique(b.action_id)}};
        if (!b.value.empty()) o["value"] = b.value;
        if (b.style == Button::Style::primary) o["style"] = "primary";
        if (b.style == Button::Style::danger) {
            o["style"] = "danger";
            // Slack asks before a destructive button acts; the dialog says what will run. A
            // one-word value ("yes") only makes sense with the message it answers, so the
            // dialog repeats the section above it.
            std::string what;
            bool full_command = b.value.find(' ') != std::string::npos;
            if (b.action_id == "command" && full_command) {
                what = "This runs `" + b.value + "`.";
            } else if (!last_section_.empty()) {
                what = last_section_;
            } else {
                what = "\"" + label + "\" cannot easily be undone.";
            }
            o["confirm"] =
                json::object{{"title", plain_text(shorten("Are you sure?", kMaxConfirmTitle))},
                             {"text", mrkdwn_text(truncate_mrkdwn(mrkdwn(what), kMaxConfirmText))},
                             {"confirm", plain_text(shorten(label, kMaxConfirmButton))},
                             {"deny", plain_text("Go back")},
                             {"style", "danger"}};
        }
        return o;
    }

    void add_buttons(const std::vector<Button>& buttons) {
        json::array elements;
        for (const auto& b : buttons) {
            if (b.label.empty() || b.action_id.empty()) continue;
            elements.push_back(button(b));
            if (elements.size() == kButtonsPerActions) {
                blocks.push_back(json::object{{"type", "actions"}, {"elements", elements}});
                elements = json::array();
            }
        }
        if (!elements.empty()) {
            blocks.push_back(json::object{{"type", "actions"}, {"elements", elements}});
        }
    }

    void add_fields(const Block& b) {
        json::array fields;
        for (const auto& [label, value] : b.fields) {
            std::string text;
            if (!label.empty()) text = "*" + mrkdwn(label) + "*";
            if (!value.empty()) text += (text.empty() ? "" : "\n") + mrkdwn(value);
            if (text.empty()) continue;
            fields.push_back(mrkdwn_text(truncate_mrkdwn(text, kMaxFieldText)));
            if (fields.size() == kFieldsPerSection) {
                blocks.push_back(json::object{{"type", "section"}, {"fields", fields}});
                fields = json::array();
            }
        }
        if (!fields.empty())
            blocks.push_back(json::object{{"type", "section"}, {"fields", fields}});
    }

    void add_item(const ChecklistItem& item) {
        std::string text = std::string(state_mark(item.state)) + " " + item.label;
        if (!item.detail.empty()) text += " — " + item.detail;
        if (packing_ == Packing::dense ||
            (packing_ == Packing::compact && item.action_id.empty())) {
            // Without its button, an item says what to type instead.
            if (item.action_id == "command" && !item.value.empty())
                text += " · `" + item.value + "`";
            lines_ += (lines_.empty() ? "" : "\n") + one_line(text);
            return;
        }
        flush_lines();
        json::object s = section(text);
        if (!item.action_id.empty()) {
            Button b{item_button_label(item), item.action_id, item.value, Button::Style::plain};
            s["accessory"] = button(b);
        }
        blocks.push_back(std::move(s));
    }

    void add_survey(const Block& b) {
        std::optional<std::string> prefix;
        for (const auto& q : b.questions) {
            std::string text = "*" + std::to_string(q.number) + ". " + q.prompt + "*";
            std::string cmd = q.answer_command;
            if (q.kind == "rating") {
                text += "\nRate it from 1 (poor) to 5 (great)";
                if (!cmd.empty()) text += ": type `" + cmd + " <1-5>`";
            } else if (q.kind == "choice") {
                std::string list;
                for (std::size_t i = 0; i < q.choices.size(); ++i) {
                    if (i > 0) list += " · ";
                    list += std::to_string(i + 1) + " = " + q.choices[i];
                }
                text += "\nChoose one" + (list.empty() ? "" : " (" + list + ")");
                if (!cmd.empty())
                    text += ": type `" + cmd + " <1-" + std::to_string(q.choices.size()) + ">`";
            } else {
                text += "\nAnswer in your own words";
                if (!cmd.empty()) text += ": type `" + cmd + " <your answer>`";
            }
            blocks.push_back(section(text));
            if (!prefix && !cmd.empty()) prefix = survey_prefix(q);
        }
        if (prefix) {
            add_buttons({Button{"Answer", "survey.open", survey_button_value(*prefix, title_, b),
                                Button::Style::primary}});
        }
    }
};

json::array render(const Reply& reply, Renderer::Packing packing = Renderer::Packing::loose) {
    Renderer r(packing);
    for (const auto& b : reply.blocks) r.add(b);
    return r.finish();
}

std::size_t rendered_count(const Block& b) {
    Renderer r;
    r.add(b);
    return r.finish().size();
}

// The notification text, in mrkdwn and within Slack's limit.
std::string fallback_text(const Reply& reply) {
    return truncate_mrkdwn(mrkdwn(summary_text(reply)), kMaxFallbackText);
}

// One message of at most 50 blocks (a status message is edited in place, so it cannot become
// two): checklists packed tighter until it fits; if even that is too long, lines from the
// middle give way to a note saying how many, so the end — blockers, the buttons — is always
// there.
json::array capped_blocks(const Reply& reply) {
    json::array blocks = render(reply);
    for (auto packing : {Renderer::Packing::compact, Renderer::Packing::dense}) {
        if (blocks.size() <= kMaxBlocks) return blocks;
        blocks = render(reply, packing);
    }
    if (blocks.size() <= kMaxBlocks) return blocks;
    const std::size_t head = (kMaxBlocks - 1) / 2;
    const std::size_t tail = kMaxBlocks - 1 - head;
    const std::size_t dropped = blocks.size() - head - tail;
    json::array kept(blocks.begin(), blocks.begin() + static_cast<std::ptrdiff_t>(head));
    json::array elements;
    elements.push_back(mrkdwn_text("…" + std::to_string(dropped) +
                                   " more sections do not fit in one Slack message; the end "
                                   "of the message follows."));
    kept.push_back(json::object{{"type", "context"}, {"elements", elements}});
    for (std::size_t i = blocks.size() - tail; i < blocks.size(); ++i) kept.push_back(blocks[i]);
    return kept;
}

// Reply blocks cut into pieces that each render to few Slack blocks, so split_for_slack can
// pack them into messages of at most 50.
std::vector<Block> units(const Block& b) {
    std::vector<Block> out;
    auto piece = [&](auto fill) {
        Block p = Block::of(b.kind, b.text);
        fill(p);
        out.push_back(std::move(p));
    };
    switch (b.kind) {
        case Block::Kind::checklist:
            for (const auto& item : b.items) piece([&](Block& p) { p.items = {item}; });
            break;
        case Block::Kind::fields:
            for (std::size_t i = 0; i < b.fields.size(); i += kFieldsPerSection) {
                piece([&](Block& p) {
                    p.fields.assign(
                        b.fields.begin() + static_cast<std::ptrdiff_t>(i),
                        b.fields.begin() + static_cast<std::ptrdiff_t>(
                                               std::min(b.fields.size(), i + kFieldsPerSection)));
                });
            }
            break;
        case Block::Kind::buttons:
            for (std::size_t i = 0; i < b.buttons.size(); i += kButtonsPerActions) {
                piece([&](Block& p) {
                    p.buttons.assign(
                        b.buttons.begin() + static_cast<std::ptrdiff_t>(i),
                        b.buttons.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                b.buttons.size(), i + kButtonsPerActions)));
                });
            }
            break;
        case Block::Kind::table:
            for (auto chunk : table_chunks(b)) {
                // Named copies: a lambda may not capture structured bindings before C++20
                // compilers caught up (clang 14 refuses), and the fuzzers build with clang.
                const std::size_t begin = chunk.first, end = chunk.second;
                piece([&](Block& p) {
                    p.columns = b.columns;
                    p.rows.assign(b.rows.begin() + static_cast<std::ptrdiff_t>(begin),
                                  b.rows.begin() + static_cast<std::ptrdiff_t>(end));
                });
            }
            break;
        case Block::Kind::survey:
            for (std::size_t i = 0; i < b.questions.size(); i += kQuestionsPerMessage) {
                piece([&](Block& p) {
                    p.questions.assign(
                        b.questions.begin() + static_cast<std::ptrdiff_t>(i),
                        b.questions.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                  b.questions.size(), i + kQuestionsPerMessage)));
                });
            }
            break;
        default:
            out.push_back(b);
            break;
    }
    return out;
}

}  // namespace

std::string message_text(const Reply& reply) {
    return truncate_mrkdwn(mrkdwn(reply.text), kMaxFallbackText);
}

std::string form_errors_json(const Reply& reply, const std::map<std::string, std::string>& fields) {
    // The input block the error is about; else the form's first (the message must show).
    std::string block = reply.error_field;
    if (block.empty() && !fields.empty()) {
        block = fields.begin()->first.substr(0, fields.begin()->first.find('.'));
    }
    if (block.empty()) block = "q1";
    // Shown under the input as plain text: no markup marks.
    std::string text = one_line(plain_mentions(reply.text));
    text.erase(std::remove(text.begin(), text.end(), '`'), text.end());
    json::object errors{{block, shorten(text, kMaxLabel)}};
    return json::serialize(
        json::object{{"response_action", "errors"}, {"errors", std::move(errors)}});
}

std::string blocks_json(const Reply& reply) {
    return json::serialize(capped_blocks(reply));
}

std::string post_message_body(const std::string& channel, const std::optional<std::string>& thread,
                              const Reply& reply) {
    json::object body{{"channel", channel}, {"text", fallback_text(reply)}};
    json::array blocks = capped_blocks(reply);
    if (!blocks.empty()) body["blocks"] = std::move(blocks);
    if (thread && !thread->empty()) body["thread_ts"] = *thread;
    // Evidence and artifact links would otherwise unfold into large previews under every
    // checklist and status message.
    body["unfurl_links"] = false;
    body["unfurl_media"] = false;
    return json::serialize(body);
}

std::string update_message_body(const std::string& channel, const std::string& ts,
                                const Reply& reply) {
    json::object body{{"channel", channel}, {"ts", ts}, {"text", fallback_text(reply)}};
    // An empty array clears the old blocks, which is what an update to a text-only reply means.
    body["blocks"] = capped_blocks(reply);
    return json::serialize(body);
}

std::vector<Reply> split_for_slack(const Reply& reply) {
    std::vector<Reply> parts;
    Reply current;
    std::size_t count = 0;
    auto start_part = [&]() {
        current = Reply{};
        current.text = parts.empty() ? reply.text : "(continued) " + reply.text;
        current.visibility = reply.visibility;
        current.is_error = reply.is_error;
        count = 0;
    };
    start_part();
    for (const auto& b : reply.blocks) {
        for (auto& u : units(b)) {
            std::size_t n = rendered_count(u);
            if (count + n > kMaxBlocks && !current.blocks.empty()) {
                parts.push_back(std::move(current));
                start_part();
            }
            count += n;
            current.blocks.push_back(std::move(u));
        }
    }
    parts.push_back(std::move(current));
    return parts;
}

std::string survey_view_json(const Reply& reply, const std::string& metadata) {
    const Block* survey = nullptr;
    std::string title;
    for (const auto& b : reply.blocks) {
        if (b.kind == Block::Kind::header && title.empty())
            title = one_line(plain_mentions(b.text));
        if (b.kind == Block::Kind::survey && !survey) survey = &b;
    }
    if (!survey) return {};
    if (title.empty()) title = "Survey";

    auto option = [](std::string_view text, const std::string& value) {
        return json::object{
            {"text", plain_text(shorten(one_line(plain_mentions(text)), kMaxOptionText))},
            {"value", value}};
    };
    json::array blocks;
    // A modal's title holds 24 characters, too few for most release keys: the whole title is
    // the form's first line, and the modal's own title is short enough to be whole.
    if (code_points(title) > kMaxModalTitle) {
        blocks.push_back(json::object{{"type", "section"},
                                      {"text", plain_text(shorten(title, kMaxSectionText))}});
        title = "Retrospective";
    }
    for (const auto& q : survey->questions) {
        if (blocks.size() == kMaxModalBlocks) break;
        json::object element;
        if (q.kind == "rating") {
            json::array options;
            for (int i = 1; i <= 5; ++i)
                options.push_back(option(std::to_string(i), std::to_string(i)));
            element = {{"type", "static_select"},
                       {"action_id", "answer"},
                       {"placeholder", plain_text("1 (poor) to 5 (great)")},
                       {"options", options}};
        } else if (q.kind == "choice" && !q.choices.empty()) {
            json::array options;
            // Choices are answered by their number, as the typed command takes them.
            for (std::size_t i = 0; i < q.choices.size() && i < kMaxSelectOptions; ++i)
                options.push_back(option(q.choices[i], std::to_string(i + 1)));
            if (q.choices.size() <= kMaxRadioOptions) {
                element = {
                    {"type", "radio_buttons"}, {"action_id", "answer"}, {"options", options}};
            } else {
                element = {{"type", "static_select"},
                           {"action_id", "answer"},
                           {"placeholder", plain_text("Choose one")},
                           {"options", options}};
            }
        } else {
            element = {{"type", "plain_text_input"},
                       {"action_id", "answer"},
                       {"multiline", true},
                       {"max_length", kMaxInputLength}};
        }
        std::string label = std::to_string(q.number) + ". " + one_line(plain_mentions(q.prompt));
        blocks.push_back(json::object{{"type", "input"},
                                      {"block_id", "q" + std::to_string(q.number)},
                                      {"optional", true},
                                      {"label", plain_text(shorten(label, kMaxLabel))},
                                      {"element", element}});
    }
    json::object view{{"type", "modal"},
                      {"callback_id", "survey"},
                      {"title", plain_text(shorten(title, kMaxModalTitle))},
                      {"submit", plain_text("Send")},
                      {"close", plain_text("Cancel")},
                      {"private_metadata", metadata},
                      {"blocks", blocks}};
    return json::serialize(view);
}

SurveyButton decode_survey_button(const std::string& value) {
    SurveyButton out;
    if (value.empty() || value.front() != '{') {
        out.answer_prefix = value;  // a survey too large for the value: its command only
        return out;
    }
    boost::system::error_code ec;
    json::value doc = json::parse(value, ec);
    const json::object* o = ec ? nullptr : doc.if_object();
    if (o == nullptr) return out;
    auto text = [](const json::object& obj, const char* key) -> std::string {
        const json::value* v = obj.if_contains(key);
        return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    out.answer_prefix = text(*o, "a");
    const json::value* qs = o->if_contains("q");
    if (out.answer_prefix.empty() || qs == nullptr || !qs->is_array()) return out;
    std::vector<SurveyQuestion> questions;
    for (const auto& qv : qs->get_array()) {
        const json::object* q = qv.if_object();
        if (q == nullptr) return out;
        SurveyQuestion sq;
        const json::value* n = q->if_contains("n");
        if (n == nullptr || !n->is_int64() || n->get_int64() < 1 || n->get_int64() > 1000)
            return out;
        sq.number = static_cast<int>(n->get_int64());
        sq.kind = text(*q, "k");
        sq.prompt = text(*q, "p");
        if (const json::value* c = q->if_contains("c"); c != nullptr && c->is_array()) {
            for (const auto& choice : c->get_array()) {
                if (!choice.is_string()) return out;
                sq.choices.emplace_back(choice.get_string());
            }
        }
        if (sq.kind != "rating" && sq.kind != "text" && sq.kind != "choice") return out;
        sq.answer_command = out.answer_prefix + " " + std::to_string(sq.number);
        questions.push_back(std::move(sq));
    }
    if (questions.empty()) return out;
    Reply survey;
    std::string title = text(*o, "t");
    survey.text = title.empty() ? "Survey" : title;
    if (!title.empty()) survey.header(title);
    survey.survey(std::move(questions));
    out.survey = std::move(survey);
    return out;
}

}  // namespace releasebot::slack
