// The CI webhook: POST /hooks/ci/<workspace id>, through which a
// pipeline ticks a release control with evidence or reports a component's version, artifact URL
// and SHA-256 — one signed `curl` from a CI job.
//
// Signing: the body is JSON; the request carries
//   X-Releasebot-Timestamp: <Unix seconds>          (accepted within 300 s of now)
//   X-Releasebot-Delivery:  <id unique per delivery; a retry repeats it>
//   X-Releasebot-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<delivery>.<raw body>">
// under the workspace's webhook secret (`ci secret`). The timestamp and delivery id are inside
// the signed text, so neither can be changed to slip a replay past the window or the dedupe.
// Compared in constant time; checked before the body is parsed.
//
// Body: {"action": "control.tick", "release": "web-2026.12", "control": "package-integrity",
//        "evidence": "https://ci.example.com/run/812", "note": "checksums match"}
//    or {"action": "component.report", "release": "web-2026.12", "program": "web",
//        "component": "frontend", "version": "1.4.2", "url": "https://…/frontend.tgz",
//        "sha256": "<64 hex>"}
// ("evidence", "note", "url" and "sha256" optional). An optional "by" names the pipeline
// ("gitlab-ci"); the change is recorded as done by the user "ci:<by>" (default "ci").
//
// Each verified delivery becomes one Event of kind webhook (idempotency key
// "ci:<workspace>:<delivery>") through the Pipeline, so the change, its audit entry and the
// status-message refresh commit together and a retried delivery acts once. Answers are JSON:
// 200 {"ok":true,"result":"…"} (also for a repeated delivery, with "duplicate":true), 4xx
// {"error":"…"} that changes nothing: 400 malformed, 401 bad signature / unknown workspace (the
// same answer for both; also a timestamp outside the window), 404 no workspace id in the path,
// 405 not POST, 413 body over 64 KiB, 422 refused by the command (wrong state, no such release,
// bad value — the message says which). A refused delivery is still spent: its id, sent again,
// is a duplicate.
//
// Why the command text: each action is run as the command a person would type (see
// commands/webhook_actions.hpp), so CI gets no rules of its own to drift from the chat's.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "bot/runtime/pipeline.hpp"
#include "commands/result.hpp"
#include "integrations/http/http_server.hpp"

namespace releasebot {
class Database;
}

namespace releasebot::ci {

// "sha256=<hex>" for the given inputs (what a CI job computes; used by tests).
std::string sign(std::string_view secret, std::string_view timestamp, std::string_view delivery,
                 std::string_view body);

// Ok when `signature` signs `body` at `timestamp` with `delivery` under `secret` and the
// timestamp is within 300 s of `now_unix`; otherwise a forbidden Error saying which check
// failed, never echoing the secret or the expected signature.
Status verify(std::string_view secret, std::string_view timestamp, std::string_view delivery,
              std::string_view body, std::string_view signature, long long now_unix);

class CiWebhook {
  public:
    // `db` is the pipeline's database, read on the same thread to find the workspace's secret.
    // `now_unix` gives the current Unix time for the signature window (tests fix it).
    CiWebhook(Pipeline& pipeline, Database& db, std::function<long long()> now_unix = {});

    HttpResponse handle(const HttpRequest& req);

    // Mounts handle() at /hooks/ci on `server`.
    void mount(HttpServer& server);

  private:
    Pipeline& pipeline_;
    Database& db_;
    std::function<long long()> now_unix_;
};

}  // namespace releasebot::ci
