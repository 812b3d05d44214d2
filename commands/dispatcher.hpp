// Dispatcher: from an actor and their text to a Reply. Prepares the Context (workspace found or
// created and seeded, the person recorded, the first user made manager, role and zone resolved),
// parses the text against the registry, checks the role the command needs, and runs it.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "commands/actor.hpp"
#include "commands/context.hpp"
#include "commands/registry.hpp"
#include "commands/result.hpp"

namespace releasebot {

// Builds the context for `actor` speaking in `conversation` at `now`. Writes (workspace,
// person, first manager) happen in the caller's transaction.
Context make_context(Store& store, Instant now, const Actor& actor,
                     const ConversationRef& conversation);

// Parses and runs a typed command.
Result<Reply> run_command(Context& ctx, std::string_view text,
                          const Registry& registry = command_registry());

// Runs a form submission (a survey modal): `value` is the command the form answers
// ("retro answer web-2026.12") and each field "q<n>.answer" one answer to question n.
Result<Reply> run_submission(Context& ctx, std::string_view value,
                             const std::map<std::string, std::string>& fields,
                             const Registry& registry = command_registry());

// Runs a button press: action ids map onto the same commands a person could type
// ("confirm" → `yes`, "control.tick" → `control tick <release> <id>`, …).
Result<Reply> run_action(Context& ctx, std::string_view action_id, std::string_view value,
                         const Registry& registry = command_registry());

}  // namespace releasebot
