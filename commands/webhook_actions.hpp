// The actions a signed webhook (the CI webhook, integrations/ci/) may run, as the pipeline's
// EventKind::webhook: each maps onto the command a person would type, so the same checks,
// audit entries and status-message refresh apply, with the CI pipeline as the actor.
//
//   "control.tick"      fields release, control, [evidence], [note]   → control tick …
//   "component.report"  fields release, program, component, version, [url], [sha256]
//                                                                      → release add …
//   "verify.result"       posted by the `release verify` worker (commands/verify.hpp).
//   "healthcheck.result"  posted by the health-check worker (commands/health_check.hpp).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "commands/context.hpp"
#include "commands/registry.hpp"
#include "commands/result.hpp"

namespace releasebot {

// Whether `action` is one only releasebot's own workers post ("verify.result",
// "healthcheck.result"): the pipeline runs it as releasebot itself, so no adapter may accept it
// from outside (the CI webhook takes only the actions it lists).
bool is_internal_action(std::string_view action);

// Runs webhook action `action` with its `fields` in `ctx`. Errors: `usage` for an unknown
// action or a missing/malformed field (naming it), otherwise whatever the command refuses.
Result<Reply> run_webhook(Context& ctx, std::string_view action,
                          const std::map<std::string, std::string>& fields,
                          const Registry& registry = command_registry());

}  // namespace releasebot
