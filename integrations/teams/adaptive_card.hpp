// Reply → Adaptive Card 1.5: header, text blocks, fact sets for fields,
// checklists with one tick action per item (Action.Execute with an Action.Submit fallback, data
// {"action_id","value"}), buttons, the survey as Input.ChoiceSet / Input.Text with a submit
// (data {"action_id":"survey.submit","value":"retro answer <release>"}, inputs "q<n>.answer"),
// tables, context lines, and the plain text fallback; size limits (about 28 KB a message)
// respected by dropping trailing elements with a note.
//
// Mentions: Reply text writes people as <@29:…>; Teams shows a mention only as <at>Name</at>
// with a matching entity, so each becomes one (in the card's msteams.entities, or the
// activity's entities for a text-only message), named by `name_of` (the id when it has no name).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "commands/reply.hpp"

namespace releasebot::teams {

// The display name of a Teams user id ("29:…"), or "" when unknown.
using NameLookup = std::function<std::string(const std::string& user_id)>;

// The activity JSON to send for `reply`: a markdown text message when the reply is only text,
// else {"type":"message","summary":…,"attachments":[card]}.
std::string message_activity_json(const Reply& reply, const NameLookup& name_of = {});

// The Adaptive Card alone (the `value` of an invoke response that replaces the card).
std::string adaptive_card_json(const Reply& reply, const NameLookup& name_of = {});

// Reply text as plain words for where Teams shows no markdown (the message an Action.Execute is
// answered with): *bold* and `code` lose their marks, a mention reads @Name.
std::string plain_text(std::string_view text, const NameLookup& name_of = {});

// The largest activity releasebot sends (Teams refuses messages over about 28 KB).
inline constexpr std::size_t kMaxActivityBytes = 27 * 1024;

}  // namespace releasebot::teams
