// Fuzzes the outbox row codecs: decode_reply and decode_destination read JSON that a database
// row (possibly written by an older or damaged binary) holds. A decoded value must encode, and
// the encoding must decode to the same encoding again, or the sender would lose the row.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bot/runtime/reply_codec.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace releasebot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view json(reinterpret_cast<const char*>(data), size);

    if (auto reply = decode_reply(json); reply.ok()) {
        std::string once = encode_reply(*reply);
        auto again = decode_reply(once);
        FUZZ_CHECK(again.ok(), "an encoded reply decodes");
        FUZZ_CHECK(encode_reply(*again) == once, "a reply survives encode/decode unchanged");
    } else {
        FUZZ_CHECK(!reply.error().message.empty(), "decode_reply error has a message");
    }

    if (auto dest = decode_destination(json); dest.ok()) {
        std::string once = encode_destination(*dest);
        auto again = decode_destination(once);
        FUZZ_CHECK(again.ok(), "an encoded destination decodes");
        FUZZ_CHECK(encode_destination(*again) == once,
                   "a destination survives encode/decode unchanged");
    } else {
        FUZZ_CHECK(!dest.error().message.empty(), "decode_destination error has a message");
    }
    return 0;
}
