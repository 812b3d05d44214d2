// Reply → Adaptive Card 1.5 (issue 6, point 4): header, text blocks, fact sets for fields,
// checklists with one tick action per item (Action.Execute with an Action.Submit fallback, data
// {"action_id","value"}), buttons, the survey as Input.ChoiceSet / Input.Text with a submit
// (data {"action_id":"survey.submit", …}), context lines, and the plain text fallback; size
// limits (about 28 KB a card) respected by truncating with a note.
#pragma once

#include <string>

#include "commands/reply.hpp"

namespace releasebot::teams {

// The activity JSON ({"type":"message","text":…,"attachments":[card]}) to send for `reply`.
std::string message_activity_json(const Reply& reply);

// The Adaptive Card alone (the `value` of an invoke response that replaces the card).
std::string adaptive_card_json(const Reply& reply);

}  // namespace releasebot::teams
