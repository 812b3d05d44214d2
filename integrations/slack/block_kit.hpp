// Rendering releasebot's platform-neutral Reply as Slack Block Kit JSON (Boost.JSON inside the
// .cpp): header, mrkdwn sections, fields, checklists as sections with a tick button, action
// buttons (with a confirm dialog for danger-styled ones), tables as preformatted text, context
// lines, dividers, and the survey as a modal view of input blocks. Slack's limits (50 blocks a
// message, 3000 characters a section, 150 a header, 75 a button label) are respected by
// splitting or truncating with a note; the `text` fallback is always set.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "commands/actor.hpp"
#include "commands/reply.hpp"

namespace releasebot::slack {

// Mention markup <@id> is already Slack's; *bold*/_italic_/`code` are mrkdwn as they are.
// The JSON array of blocks for `reply` (at most 50).
std::string blocks_json(const Reply& reply);
// The reply's text as the top-level `text` of an acknowledgement or a message: escaped as
// mrkdwn, so what a user typed in it stays text, and within Slack's length.
std::string message_text(const Reply& reply);
// The answer to a survey form's view_submission that a refusal needs: {"response_action":
// "errors", "errors": {block: words}}, so the form stays open with its answers and shows what
// to fix next to the answer it is about (reply.error_field, else the first of `fields`).
std::string form_errors_json(const Reply& reply, const std::map<std::string, std::string>& fields);

// The full chat.postMessage body for `reply` in `channel` (thread_ts when `thread` is set).
std::string post_message_body(const std::string& channel, const std::optional<std::string>& thread,
                              const Reply& reply);
// The chat.update body replacing message `ts` in `channel`.
std::string update_message_body(const std::string& channel, const std::string& ts,
                                const Reply& reply);
// A reply longer than one message allows, split into several messages' worth of Replies.
std::vector<Reply> split_for_slack(const Reply& reply);

// The survey block of `reply` as a views.open modal ("type":"modal") whose private_metadata is
// `metadata`; empty when the reply has no survey.
std::string survey_view_json(const Reply& reply, const std::string& metadata);

// What an Answer button (action id "survey.open") carries: the survey's answer command without
// the question number ("retro answer web-2026.12", the modal's private_metadata) and, when it
// fitted in the button's value, the survey itself as a Reply for survey_view_json.
struct SurveyButton {
    std::string answer_prefix;
    std::optional<Reply> survey;
};
SurveyButton decode_survey_button(const std::string& value);

}  // namespace releasebot::slack
