// Rendering a Reply for Microsoft Teams: an Adaptive Card 1.5 in a message activity (or a plain
// markdown message when the reply is only text), the card alone for invoke responses. Every
// message the bot sends to Teams passes through here. JSON is built with Boost.JSON, which does
// the escaping. Conventions mirror block_kit.cpp so both platforms act the same: each checklist
// item and button is an action whose data is {"action_id","value"} (the value is the command the
// press runs); the survey is a form whose submit carries {"action_id":"survey.submit","value":
// "retro answer <release>"} with one input "q<n>.answer" per question, answers by number for
// ratings and choices, as the typed command takes them.
#include "integrations/teams/adaptive_card.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <map>
#include <string_view>

#include "commands/registry.hpp"
#include "commands/text_util.hpp"
#include "integrations/chat_render.hpp"

namespace releasebot::teams {

namespace json = boost::json;

namespace {

constexpr const char* kCardType = "application/vnd.microsoft.card.adaptive";
// What a survey input takes: no more than `retro answer` accepts, so a long answer is stopped in
// the card rather than refused after it was sent.
const std::size_t kMaxInputLength = text_limit("answer");
constexpr std::size_t kMaxExpandedChoices = 10;

bool is_word_char(char c) {
    auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || u >= 0x80 || c == '_';
}
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Collects the mentions a message uses so each appears once in its entities.
class Mentions {
  public:
    explicit Mentions(const NameLookup& name_of) : name_of_(name_of) {}

    // The name `id` is shown by: the one the markup gave, else the one releasebot knows, else
    // the id; remembered for entities().
    const std::string& name(std::string_view id, std::string_view given_name) {
        auto it = names_.find(std::string(id));
        if (it == names_.end()) {
            std::string name(given_name);
            if (name.empty() && name_of_) name = name_of_(std::string(id));
            if (name.empty()) name = id;
            it = names_.emplace(std::string(id), std::move(name)).first;
        }
        return it->second;
    }
    // "<at>Name</at>" for `id`.
    std::string tag(std::string_view id, std::string_view given_name) {
        return "<at>" + name(id, given_name) + "</at>";
    }

    json::array entities() const {
        json::array out;
        for (const auto& [id, name] : names_) {
            out.push_back(json::object{{"type", "mention"},
                                       {"text", "<at>" + name + "</at>"},
                                       {"mentioned", json::object{{"id", id}, {"name", name}}}});
        }
        return out;
    }
    bool empty() const { return names_.empty(); }

  private:
    const NameLookup& name_of_;
    std::map<std::string, std::string> names_;
};

// The '*' closing a *bold* span that the star at s[at] opens, or npos when it opens none (2*3,
// a footnote*, a star in a word).
std::size_t bold_close(std::string_view s, std::size_t at) {
    const bool opens = (at == 0 || (!is_word_char(s[at - 1]) && s[at - 1] != '*')) &&
                       at + 1 < s.size() && !is_space(s[at + 1]) && s[at + 1] != '*';
    if (!opens) return std::string_view::npos;
    for (std::size_t j = at + 1; j < s.size() && s[j] != '\n'; ++j) {
        if (s[j] == '*' && !is_space(s[j - 1]) && (j + 1 == s.size() || !is_word_char(s[j + 1])))
            return j;
    }
    return std::string_view::npos;
}

// Reply markup → Teams markdown: *bold* → **bold**, <@id> / <@id|name> → <at>name</at>.
// With `escape_html` (message text, which Teams reads as HTML-flavoured markdown) &, < and >
// outside the mention tags become entities, and `code` stays code; card TextBlocks take
// &, < and > literally and have no inline code, so there `code` is shown in bold instead.
std::string teams_markdown(std::string_view s, Mentions& mentions, bool escape_html) {
    std::string out;
    out.reserve(s.size() + 16);
    bool in_code = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '`') {
            in_code = !in_code;
            if (!escape_html) {
                // Only a pair becomes bold; a lone backtick is just a character.
                if (!in_code || s.find('`', i + 1) != std::string_view::npos) {
                    out += "**";
                    continue;
                }
                in_code = false;
            }
        }
        if (auto t = time_at(s, i)) {
            out += teams_markdown(t->shown, mentions, escape_html);
            i = t->close;
            continue;
        }
        if (auto m = mention_at(s, i)) {
            out += mentions.tag(m->id, m->name);
            i = m->close;
            continue;
        }
        if (c == '*' && !in_code) {
            if (const std::size_t j = bold_close(s, i); j != std::string_view::npos) {
                out +=
                    "**" + teams_markdown(s.substr(i + 1, j - i - 1), mentions, escape_html) + "**";
                i = j;
                continue;
            }
        }
        // Inside `code` markdown is literal, entities included, so there the characters stay.
        const bool escape = escape_html && !in_code;
        if (escape && c == '&') {
            out += "&amp;";
        } else if (escape && c == '<') {
            out += "&lt;";
        } else if (escape && c == '>') {
            out += "&gt;";
        } else if (!escape_html && c == '\n') {
            // Card markdown joins single line breaks into one paragraph: a line of its own
            // needs a blank line before it.
            out += "\n\n";
            while (i + 1 < s.size() && s[i + 1] == '\n') ++i;
        } else {
            out += c;
        }
    }
    return out;
}

// Reply markup → plain words, for text Teams shows without markdown (the message an
// Action.Execute is answered with): no * or ` marks, a mention as @Name.
std::string plain_words(std::string_view s, Mentions& mentions) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (auto t = time_at(s, i)) {
            out.append(t->shown);
            i = t->close;
            continue;
        }
        if (auto m = mention_at(s, i)) {
            out += "@" + mentions.name(m->id, m->name);
            i = m->close;
            continue;
        }
        if (c == '`') continue;
        if (c == '*') {
            if (const std::size_t j = bold_close(s, i); j != std::string_view::npos) {
                out += plain_words(s.substr(i + 1, j - i - 1), mentions);
                i = j;
                continue;
            }
        }
        out += c;
    }
    return out;
}

class CardRenderer {
  public:
    explicit CardRenderer(Mentions& mentions) : mentions_(mentions) {}
    json::array body;

    void add(const Block& b) {
        switch (b.kind) {
            case Block::Kind::header:
                if (!b.text.empty()) {
                    push(json::object{{"type", "TextBlock"},
                                      {"text", md(b.text)},
                                      {"size", "Large"},
                                      {"weight", "Bolder"},
                                      {"wrap", true},
                                      {"style", "heading"}});
                }
                break;
            case Block::Kind::section:
                add_section(b.text);
                break;
            case Block::Kind::context:
                if (!b.text.empty()) {
                    json::object t = text_block(b.text);
                    t["isSubtle"] = true;
                    t["size"] = "Small";
                    push(std::move(t));
                }
                break;
            case Block::Kind::divider:
                separator_ = true;
                break;
            case Block::Kind::fields: {
                json::array facts;
                for (const auto& [label, value] : b.fields) {
                    if (label.empty() && value.empty()) continue;
                    facts.push_back(
                        json::object{{"title", plain_mentions(label)}, {"value", md(value)}});
                }
                if (!facts.empty()) push(json::object{{"type", "FactSet"}, {"facts", facts}});
                break;
            }
            case Block::Kind::checklist:
                for (const auto& item : b.items) add_item(item);
                break;
            case Block::Kind::table:
                add_table(b);
                break;
            case Block::Kind::buttons: {
                json::array actions;
                for (const auto& btn : b.buttons) {
                    if (btn.label.empty() || btn.action_id.empty()) continue;
                    actions.push_back(
                        action(plain_mentions(btn.label), btn.action_id, btn.value, btn.style));
                }
                if (!actions.empty())
                    push(json::object{{"type", "ActionSet"}, {"actions", actions}});
                break;
            }
            case Block::Kind::survey:
                add_survey(b);
                break;
        }
    }

  private:
    Mentions& mentions_;
    bool separator_ = false;

    std::string md(std::string_view s) { return teams_markdown(s, mentions_, false); }

    json::object text_block(std::string_view s) {
        return {{"type", "TextBlock"}, {"text", md(s)}, {"wrap", true}};
    }

    // Adaptive Card markdown has no code blocks: a ``` block (a histogram, a table typed as
    // text) becomes a monospace TextBlock so its columns still line up.
    void add_section(std::string_view text) {
        while (!text.empty()) {
            std::size_t open = text.find("```");
            std::size_t close = open == std::string_view::npos ? open : text.find("```", open + 3);
            if (close == std::string_view::npos) {
                if (!trimmed(text).empty()) push(text_block(trimmed(text)));
                return;
            }
            if (!trimmed(text.substr(0, open)).empty())
                push(text_block(trimmed(text.substr(0, open))));
            std::string_view code = text.substr(open + 3, close - open - 3);
            if (!code.empty() && code.front() == '\n') code.remove_prefix(1);
            while (!code.empty() && code.back() == '\n') code.remove_suffix(1);
            if (!code.empty()) {
                push(json::object{{"type", "TextBlock"},
                                  {"text", plain_mentions(code)},
                                  {"fontType", "Monospace"},
                                  {"wrap", true}});
            }
            text = text.substr(close + 3);
        }
    }

    static std::string_view trimmed(std::string_view s) { return trim(s, " \n"); }

    void push(json::object element) {
        if (separator_ && !body.empty()) {
            element["separator"] = true;
            element["spacing"] = "Medium";
        }
        separator_ = false;
        body.push_back(std::move(element));
    }

    // Action.Execute (Universal Actions: the press arrives as an adaptiveCard/action invoke and
    // its answer can replace the card), falling back to Action.Submit (a message with `value`)
    // on clients that predate it. Both carry the same data.
    static json::object action(const std::string& title, const std::string& action_id,
                               const std::string& value, Button::Style style) {
        json::object data{{"action_id", action_id}, {"value", value}};
        json::object submit{{"type", "Action.Submit"}, {"title", title}, {"data", data}};
        json::object execute{
            {"type", "Action.Execute"}, {"title", title}, {"verb", action_id}, {"data", data}};
        if (style == Button::Style::primary) {
            execute["style"] = "positive";
            submit["style"] = "positive";
        } else if (style == Button::Style::danger) {
            execute["style"] = "destructive";
            submit["style"] = "destructive";
        }
        execute["fallback"] = std::move(submit);
        return execute;
    }

    void add_item(const ChecklistItem& item) {
        std::string text = std::string(state_mark(item.state)) + " " + item.label;
        if (!item.detail.empty()) text += " — " + item.detail;
        if (item.action_id.empty()) {
            push(text_block(text));
            return;
        }
        std::string label = item.value.rfind("control tick", 0) == 0 ? "Tick" : "Done";
        json::array left{text_block(text)};
        json::array actions{action(label, item.action_id, item.value, Button::Style::plain)};
        json::array right{json::object{{"type", "ActionSet"}, {"actions", actions}}};
        json::array columns{json::object{{"type", "Column"}, {"width", "stretch"}, {"items", left}},
                            json::object{{"type", "Column"},
                                         {"width", "auto"},
                                         {"verticalContentAlignment", "Center"},
                                         {"items", right}}};
        push(json::object{{"type", "ColumnSet"}, {"columns", columns}});
    }

    void add_table(const Block& b) {
        std::size_t ncols = b.columns.size();
        for (const auto& r : b.rows) ncols = std::max(ncols, r.size());
        if (ncols == 0) return;
        json::array columns;
        for (std::size_t i = 0; i < ncols; ++i) columns.push_back(json::object{{"width", 1}});
        json::array rows;
        auto row = [&](const std::vector<std::string>& cells, bool header) {
            json::array out;
            for (std::size_t i = 0; i < ncols; ++i) {
                json::object t = text_block(i < cells.size() ? cells[i] : "");
                if (header) t["weight"] = "Bolder";
                out.push_back(
                    json::object{{"type", "TableCell"}, {"items", json::array{std::move(t)}}});
            }
            rows.push_back(json::object{{"type", "TableRow"}, {"cells", out}});
        };
        if (!b.columns.empty()) row(b.columns, true);
        for (const auto& r : b.rows) row(r, false);
        push(json::object{{"type", "Table"},
                          {"columns", columns},
                          {"rows", rows},
                          {"firstRowAsHeader", !b.columns.empty()},
                          {"showGridLines", false}});
    }

    void add_survey(const Block& b) {
        std::string prefix;
        for (const auto& q : b.questions) {
            std::string id = "q" + std::to_string(q.number) + ".answer";
            std::string label = std::to_string(q.number) + ". " + plain_mentions(q.prompt);
            json::object input;
            if (q.kind == "rating") {
                json::array choices;
                for (int i = 1; i <= 5; ++i) {
                    std::string t = std::to_string(i);
                    if (i == 1) t += " (poor)";
                    if (i == 5) t += " (great)";
                    choices.push_back(json::object{{"title", t}, {"value", std::to_string(i)}});
                }
                input = {{"type", "Input.ChoiceSet"},
                         {"id", id},
                         {"style", "expanded"},
                         {"choices", choices}};
            } else if (q.kind == "choice" && !q.choices.empty()) {
                json::array choices;
                for (std::size_t i = 0; i < q.choices.size(); ++i) {
                    choices.push_back(json::object{{"title", plain_mentions(q.choices[i])},
                                                   {"value", std::to_string(i + 1)}});
                }
                input = {
                    {"type", "Input.ChoiceSet"},
                    {"id", id},
                    {"style", q.choices.size() <= kMaxExpandedChoices ? "expanded" : "compact"},
                    {"placeholder", "Choose one"},
                    {"choices", choices}};
            } else {
                input = {{"type", "Input.Text"},
                         {"id", id},
                         {"isMultiline", true},
                         {"maxLength", kMaxInputLength},
                         {"placeholder", "Your answer"}};
            }
            input["label"] = label;
            input["isRequired"] = false;
            push(std::move(input));
            if (prefix.empty() && !q.answer_command.empty()) prefix = survey_prefix(q);
        }
        if (prefix.empty()) return;
        json::array actions{
            action("Send answers", "survey.submit", prefix, Button::Style::primary)};
        push(json::object{{"type", "ActionSet"}, {"actions", actions}});
        // Everything a form does can be typed too (keyboards, screen readers, old clients).
        json::object hint = text_block("Or type `" + prefix + " <question> <answer>`.");
        hint["isSubtle"] = true;
        hint["size"] = "Small";
        push(std::move(hint));
    }
};

// The notification and screen-reader text.
std::string fallback_text(const Reply& reply) {
    return plain_mentions(summary_text(reply));
}

json::object card_of(const Reply& reply, Mentions& mentions, std::size_t budget) {
    const std::string fallback = fallback_text(reply);
    CardRenderer r(mentions);
    for (const auto& b : reply.blocks) r.add(b);
    if (r.body.empty())
        r.body.push_back(json::object{{"type", "TextBlock"}, {"text", fallback}, {"wrap", true}});
    json::array body = std::move(r.body);

    auto make = [&](json::array b) {
        json::object card{{"type", "AdaptiveCard"},
                          {"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
                          {"version", "1.5"},
                          {"fallbackText", fallback},
                          {"body", std::move(b)}};
        json::object msteams{{"width", "Full"}};
        if (!mentions.empty()) msteams["entities"] = mentions.entities();
        card["msteams"] = std::move(msteams);
        return card;
    };
    json::object card = make(body);
    if (json::serialize(card).size() <= budget) return card;

    // Too big for one Teams message: keep what fits from the top (the header, the blockers and
    // the first items matter most) and say what was left out.
    // The size grows with the number of elements kept, so the most that fit is found by
    // bisection instead of serializing the card once per element dropped.
    const std::size_t total = body.size();
    auto cut = [&](std::size_t keep) {
        json::array part(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(keep));
        part.push_back(
            json::object{{"type", "TextBlock"},
                         {"text", "…and " + std::to_string(total - keep) +
                                      " more parts that do not fit in one Teams message."},
                         {"isSubtle", true},
                         {"wrap", true}});
        return make(std::move(part));
    };
    std::size_t lo = 0;      // fits (an empty body with the note always does)
    std::size_t hi = total;  // does not fit
    while (hi - lo > 1) {
        std::size_t mid = lo + (hi - lo) / 2;
        if (json::serialize(cut(mid)).size() <= budget)
            lo = mid;
        else
            hi = mid;
    }
    return cut(lo);
}

// A reply that is only text goes as a markdown message: a card around one line of text only
// looks heavier and is read less well by screen readers.
bool text_only(const Reply& reply) {
    for (const auto& b : reply.blocks) {
        if (b.kind != Block::Kind::section && b.kind != Block::Kind::context &&
            b.kind != Block::Kind::divider)
            return false;
    }
    return true;
}

std::string truncate_utf8(std::string s, std::size_t max) {
    if (s.size() <= max) return s;
    s.resize(character_boundary(s, max));
    return s + "…";
}

}  // namespace

std::string adaptive_card_json(const Reply& reply, const NameLookup& name_of) {
    Mentions mentions(name_of);
    return json::serialize(card_of(reply, mentions, kMaxActivityBytes - 512));
}

std::string plain_text(std::string_view text, const NameLookup& name_of) {
    Mentions mentions(name_of);
    return plain_words(text, mentions);
}

std::string message_activity_json(const Reply& reply, const NameLookup& name_of) {
    Mentions mentions(name_of);
    json::object activity{{"type", "message"}};
    if (text_only(reply)) {
        std::string text;
        for (const auto& b : reply.blocks) {
            if (b.text.empty()) continue;
            if (!text.empty()) text += "\n\n";
            text += teams_markdown(b.kind == Block::Kind::context ? "_" + b.text + "_" : b.text,
                                   mentions, true);
        }
        if (text.empty()) text = teams_markdown(fallback_text(reply), mentions, true);
        activity["textFormat"] = "markdown";
        activity["text"] = truncate_utf8(std::move(text), kMaxActivityBytes - 2048);
        if (!mentions.empty()) activity["entities"] = mentions.entities();
        return json::serialize(activity);
    }
    std::string summary = truncate_utf8(fallback_text(reply), 1000);
    json::object card = card_of(reply, mentions, kMaxActivityBytes - summary.size() - 512);
    activity["summary"] = summary;
    activity["attachments"] =
        json::array{json::object{{"contentType", kCardType}, {"content", std::move(card)}}};
    return json::serialize(activity);
}

}  // namespace releasebot::teams
