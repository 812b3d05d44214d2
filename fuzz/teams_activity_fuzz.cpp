// Fuzzes the Teams activity decoder on what anyone could POST to /api/messages: the receiver
// decodes the body before it checks the JWT (the token is checked against the activity's
// serviceUrl), so decode_activity sees unauthenticated bytes. to_event and conversation_of run
// on whatever decodes, as the receiver does.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "integrations/teams/activity.hpp"

using namespace releasebot;
using namespace releasebot::teams;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view json(reinterpret_cast<const char*>(data), size);

    auto activity = decode_activity(json);
    if (!activity.ok()) {
        FUZZ_CHECK(!activity.error().message.empty(), "decode_activity error has a message");
        return 0;
    }
    (void)to_event(*activity);
    (void)conversation_of(*activity);
    return 0;
}
