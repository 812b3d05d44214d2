// Decoding what Slack sends releasebot — Socket Mode envelopes, slash commands (JSON in Socket
// Mode, form-encoded over HTTP), Events API callbacks and interactivity payloads — into
// releasebot's own Event. simdjson's types stay inside slack_decode.cpp. Every malformed input
// is an Error value with a message saying what was wrong; nothing here throws.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "bot/runtime/event.hpp"
#include "commands/result.hpp"

namespace releasebot::slack {

// One Socket Mode frame: `hello`, `disconnect`, or an envelope to acknowledge.
struct SocketFrame {
    std::string type;         // hello | disconnect | events_api | slash_commands | interactive
    std::string envelope_id;  // empty for hello and disconnect
    std::string payload;      // the raw JSON of "payload" (objects only), for the decoders below
    bool accepts_response_payload = false;
    int retry_attempt = 0;
    std::string
        reason;  // disconnect: warning | refresh_requested | too_many_websockets | link_disabled
};
Result<SocketFrame> decode_socket_frame(std::string_view json);

// A slash command payload (Socket Mode JSON object) → a command Event; the text after the
// command name becomes the command text ("/release plan x …" → "release plan x …").
// `idempotency_key` is the envelope id (Socket Mode) or a digest of the request (HTTP).
Result<Event> decode_slash_command_json(std::string_view json, const std::string& idempotency_key);
// The same from an HTTP form body (application/x-www-form-urlencoded).
Result<Event> decode_slash_command_form(std::string_view body, const std::string& idempotency_key);

// An Events API callback (the `payload` of an events_api envelope, or the HTTP body):
// `app_mention` and direct `message` events → a command Event keyed by event_id, with the bot
// mention removed; other events → nullopt (acknowledged, ignored); `url_verification` is for
// decode_url_verification to answer, so here it is an Error saying what its challenge lacks.
Result<std::optional<Event>> decode_event_callback(std::string_view json);
// The challenge of a url_verification body, if it is one.
std::optional<std::string> decode_url_verification(std::string_view json);

// Interactivity: `block_actions` → an action Event (action_id, value, the message's channel);
// `view_submission` → a submission Event (fields by block_id.action_id → value, the view's
// private_metadata in event.value). Keyed by `idempotency_key` (Socket Mode: the envelope id);
// an empty one keys the event by the payload's trigger_id ("slack:trigger:<id>"), which Slack
// keeps when it retries an HTTP delivery and never gives two interactions — a payload without
// one is then an Error.
Result<Event> decode_interactive(std::string_view json, const std::string& idempotency_key);

}  // namespace releasebot::slack
