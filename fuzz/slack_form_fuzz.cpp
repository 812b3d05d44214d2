// Fuzzes the application/x-www-form-urlencoded decoder of Slack's HTTP slash commands:
// http::form_fields on any body, and decode_slash_command_form on top of it. Decoding only ever
// shrinks the text ("%41" → "A", "+" → " "), so no field may be longer than the body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "integrations/http/form.hpp"
#include "integrations/slack/slack_decode.hpp"

using namespace releasebot;
using namespace releasebot::slack;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);

    if (auto form = http::form_fields(body); form.ok()) {
        for (const auto& [name, value] : *form)
            FUZZ_CHECK(name.size() + value.size() <= size,
                       "a decoded field is no longer than the body");
    } else {
        FUZZ_CHECK(!form.error().message.empty(), "form_fields error has a message");
    }

    if (auto e = decode_slash_command_form(body, "fuzz"); !e.ok())
        FUZZ_CHECK(!e.error().message.empty(), "slash command form error has a message");
    return 0;
}
