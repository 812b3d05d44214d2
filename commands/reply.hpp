// Reply: the platform-neutral message every handler returns and every renderer draws
// (Slack Block Kit, Teams Adaptive Card, console text).
//
// Text inside blocks uses a small markup all renderers understand: *bold*, _italic_, `code`,
// <@user> mentions (see actor.hpp) and moments each reader sees in their own zone where the
// platform can, <!date^unix^{time}|14:00 CET> (see local_time() in time_parse.hpp; elsewhere
// the text after the bar shows). The `text` field is the plain fallback (notifications, screen
// readers), always set.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "commands/result.hpp"

namespace releasebot {

enum class ItemState { open, done, waived, skipped, failed, current };

struct ChecklistItem {
    std::string label;      // "1. deployment-plan — Deployment plan documented"
    ItemState state = ItemState::open;
    std::string detail;     // "ticked by <@bob> 14:02, evidence https://…"
    std::string action_id;  // button to toggle, empty if none
    std::string value;
};

struct Button {
    enum class Style { plain, primary, danger };
    std::string label;
    std::string action_id;
    std::string value;
    Style style = Style::plain;
};

// One question of a survey block (a retrospective). Platforms draw it as a form or buttons;
// every answer can also be typed: `answer_command` followed by the answer.
struct SurveyQuestion {
    int number = 0;    // 1-based, as typed in the answer command
    std::string kind;  // "rating" (1-5), "text" or "choice"
    std::string prompt;
    std::vector<std::string> choices;  // for choice questions, in order (answerable by number)
    std::string answer_command;        // "retro answer web-2026.12 1"
};

struct Block {
    enum class Kind {
        header,
        section,
        fields,
        checklist,
        table,
        buttons,
        context,
        divider,
        survey
    };
    Kind kind = Kind::section;
    std::string text;                                         // header, section, context
    std::vector<std::pair<std::string, std::string>> fields;  // fields: label, value
    std::vector<ChecklistItem> items;                         // checklist
    std::vector<std::string> columns;                         // table header
    std::vector<std::vector<std::string>> rows;               // table rows
    std::vector<Button> buttons;                              // buttons
    std::vector<SurveyQuestion> questions;                    // survey

    static Block of(Kind k, std::string t = {}) {
        Block b;
        b.kind = k;
        b.text = std::move(t);
        return b;
    }
};

enum class Visibility { channel, ephemeral, direct };

// A document that comes with a reply (a CSV or Markdown export). The reply's blocks still show
// it as text (a code block), so a platform that cannot upload files, or whose upload fails,
// loses nothing; one that can (Slack) sends the file instead of the code block.
struct Attachment {
    std::string filename;  // "retro-web-2026.12.csv"
    std::string content;
    std::string mime = "text/plain";  // "text/csv", "text/markdown"
};

struct Reply {
    std::string text;  // plain fallback
    std::vector<Block> blocks;
    Visibility visibility = Visibility::channel;
    bool is_error = false;
    std::string error_field;         // with is_error: the form answer it is about ("q3")
    std::optional<Attachment> file;  // see Attachment

    // Builders, so handlers read as a description of the message.
    Reply& header(std::string t) { return add(Block::of(Block::Kind::header, std::move(t))); }
    Reply& section(std::string t) { return add(Block::of(Block::Kind::section, std::move(t))); }
    Reply& context(std::string t) { return add(Block::of(Block::Kind::context, std::move(t))); }
    Reply& divider() { return add(Block::of(Block::Kind::divider)); }
    Reply& fields(std::vector<std::pair<std::string, std::string>> f) {
        Block b = Block::of(Block::Kind::fields);
        b.fields = std::move(f);
        return add(std::move(b));
    }
    Reply& checklist(std::vector<ChecklistItem> items) {
        Block b = Block::of(Block::Kind::checklist);
        b.items = std::move(items);
        return add(std::move(b));
    }
    Reply& table(std::vector<std::string> columns, std::vector<std::vector<std::string>> rows) {
        Block b = Block::of(Block::Kind::table);
        b.columns = std::move(columns);
        b.rows = std::move(rows);
        return add(std::move(b));
    }
    Reply& buttons(std::vector<Button> bs) {
        Block b = Block::of(Block::Kind::buttons);
        b.buttons = std::move(bs);
        return add(std::move(b));
    }
    Reply& survey(std::vector<SurveyQuestion> qs) {
        Block b = Block::of(Block::Kind::survey);
        b.questions = std::move(qs);
        return add(std::move(b));
    }
    Reply& add(Block b) {
        blocks.push_back(std::move(b));
        return *this;
    }

    static Reply plain(std::string t) {
        Reply r;
        r.text = t;
        r.section(std::move(t));
        return r;
    }
    static Reply error(std::string t) {
        Reply r = plain(std::move(t));
        r.is_error = true;
        r.visibility = Visibility::ephemeral;
        return r;
    }
    static Reply error(const Error& e) {
        Reply r = error(e.message);
        r.error_field = e.field;
        return r;
    }
};

}  // namespace releasebot
