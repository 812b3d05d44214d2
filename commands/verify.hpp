// `release verify <release>` in the domain: the command checks what it can at
// once — every program of the release has a component, every component has an artifact URL and
// a SHA-256 — and records a request; the verify worker (integrations/http/verify_worker.hpp)
// downloads the artifacts off the event thread and hands its findings back as the webhook action
// "verify.result", which record_verify_result() stores and announces in the release's
// conversation. When every artifact matches, the `package-integrity` control is ticked.
#pragma once

#include <map>
#include <string>

#include "commands/context.hpp"
#include "commands/registry.hpp"
#include "commands/result.hpp"

namespace releasebot {

// The handler of `release verify <key>`.
Result<Reply> release_verify(Context& ctx, const ParsedCommand& cmd);

// Records a worker's findings. `fields`: "request" → the request id; "c<component id>" →
// "sha256:<hex>" (what the artifact hashed to) or "error:<why it could not be fetched>".
// A request already finished is left alone (a repeated result does nothing).
// After an artifact of `r` changed (`what`: "api/gateway changed"): a verification holds only
// for the exact URLs and checksums it checked, so a ticked `package-integrity` control is
// opened again, with an audit entry. Returns whether it was.
bool reopen_verification(Context& ctx, const Release& r, const std::string& what);

Result<Reply> record_verify_result(Context& ctx, const std::map<std::string, std::string>& fields);

}  // namespace releasebot
