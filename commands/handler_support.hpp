// Small helpers every command handler uses: loading a release by key with a helpful error,
// resolving a control or step reference, role checks, the confirmation preview, and showing
// people and owners.
#pragma once

#include <optional>
#include <string>

#include "commands/context.hpp"
#include "commands/model/release_model.hpp"
#include "commands/registry.hpp"
#include "commands/result.hpp"
#include "storage/records.hpp"

namespace releasebot {

// The release with `key` in the actor's workspace, or "No release `key` here. Type
// `release list` to see the releases." (with the closest key suggested when one is close).
Result<Release> load_release(Context& ctx, const std::string& key);

// Ok when the actor holds at least `least`; otherwise a forbidden error naming the role needed,
// who can grant it (`role list`), and what the actor is.
Status require_role(const Context& ctx, Role least, const std::string& what);

// A control of `release` by its slug or its number in `control list`.
Result<ReleaseControl> resolve_control(Context& ctx, const Release& release,
                                       const std::string& ref);

// Parses the `<when>` argument `name` in the reader's zone. A local time in a DST gap or
// overlap leaves a note in ctx.notes saying which time was used.
Result<Instant> when_arg(Context& ctx, const ParsedCommand& cmd, const std::string& name);
// Parses the `<duration>` argument `name`.
Result<Seconds> duration_arg(const ParsedCommand& cmd, const std::string& name);

// For commands that are hard to undo: when the actor has not confirmed yet, stores the command
// as pending and returns the preview (with Confirm / Cancel buttons and "type `yes`") that the
// handler must return; returns nullopt when the command is being run confirmed.
// A short code naming one pending confirmation (its command and when it was asked), carried by
// its buttons, so a press of an old button is told apart from the confirmation waiting now.
std::string confirmation_code(const PendingConfirmation& p);

std::optional<Reply> confirmation_preview(Context& ctx, const std::string& summary);

// "@alice" for console, "<@U123>" markup for every platform (renderers resolve it).
std::string who(const UserId& u);
// "<@alice>" or "every approver".
std::string owner_label(const Owner& o);
// "@dana" / "role approver", for audit details, which are plain text (CSV export).
std::string owner_plain(const Owner& o);
// Whether the actor is the owner (by user, or by holding the owner role).
bool is_owner(const Context& ctx, const std::optional<Owner>& owner);

// The conversation a release lives in (where it was planned): its reminders and status message
// go there. Falls back to the current conversation for releases planned before it was recorded.
ConversationRef release_home(const Context& ctx, const Release& r);

// The standard error for a release in the wrong state: "web-2026.12 is deploying; `<what>`
// needs it to be <allowed>."
Error wrong_state(const Release& r, const std::string& what, const std::string& allowed);

// Ok when `r`'s state accepts `change` (the model's lifecycle); otherwise the model's refusal,
// naming `command`.
Status accepts(const Release& r, model::Change change, std::string_view command);

}  // namespace releasebot
