// Fuzzes the Slack JSON decoders on untrusted bytes: a Socket Mode frame and, when it is an
// envelope, its payload through the decoder its type selects (as the Socket Mode client does);
// and the same bytes directly as an Events API callback, a slash command and an interactivity
// payload (as the HTTP receiver does). Nothing here may throw or crash, and every refusal must
// say why.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "integrations/slack/slack_decode.hpp"

using namespace releasebot;
using namespace releasebot::slack;

namespace {

void decode_payload(const std::string& type, std::string_view payload, const std::string& key) {
    if (type == "events_api") {
        auto e = decode_event_callback(payload);
        (void)decode_url_verification(payload);
        if (!e.ok() && e.error().message.empty())
            FUZZ_CHECK(decode_url_verification(payload).has_value(),
                       "an empty error message means url_verification");
    } else if (type == "slash_commands") {
        auto e = decode_slash_command_json(payload, key);
        if (!e.ok()) FUZZ_CHECK(!e.error().message.empty(), "slash command error has a message");
    } else if (type == "interactive") {
        auto e = decode_interactive(payload, key);
        if (!e.ok()) FUZZ_CHECK(!e.error().message.empty(), "interactive error has a message");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view json(reinterpret_cast<const char*>(data), size);

    if (auto frame = decode_socket_frame(json); frame.ok()) {
        decode_payload(frame->type, frame->payload, frame->envelope_id);
    } else {
        FUZZ_CHECK(!frame.error().message.empty(), "socket frame error has a message");
    }
    decode_payload("events_api", json, "fuzz");
    decode_payload("slash_commands", json, "fuzz");
    decode_payload("interactive", json, "fuzz");
    return 0;
}
