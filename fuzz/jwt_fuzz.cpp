// Fuzzes the Bot Framework JWT parser on what anyone can put in the Authorization header of a
// POST to /api/messages: parse_jwt splits and decodes the token before any key is looked up, and
// parse_claims reads the payload the signature covers. Two inputs in one: the bytes as a whole
// token, and the bytes as a payload wrapped in a well-formed token, which must come back out of
// parse_jwt unchanged (so the claims reader is reached by every input, not only by the rare
// mutation that survives base64url).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "integrations/teams/bot_auth.hpp"

using namespace releasebot;
using namespace releasebot::teams;

namespace {

std::string base64url(std::string_view in) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                           (static_cast<unsigned char>(in[i + 1]) << 8) |
                           static_cast<unsigned char>(in[i + 2]);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    if (i + 1 == in.size()) {
        const unsigned v = static_cast<unsigned char>(in[i]) << 16;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
    } else if (i + 2 == in.size()) {
        const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                           (static_cast<unsigned char>(in[i + 1]) << 8);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
    }
    return out;
}

void check_claims(std::string_view claims_json) {
    auto claims = parse_claims(claims_json);
    if (!claims) {
        FUZZ_CHECK(!claims.error().message.empty(), "parse_claims error has a message");
        return;
    }
    FUZZ_CHECK(claims->has_nbf || !claims->nbf, "an nbf value only when the claim is present");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    // The bytes as the whole bearer token.
    auto parts = parse_jwt(input);
    if (parts) {
        FUZZ_CHECK(parts->signed_length < input.size() && input[parts->signed_length] == '.',
                   "the signed part ends at the second dot");
        check_claims(parts->claims_json);
    } else {
        FUZZ_CHECK(!parts.error().message.empty(), "parse_jwt error has a message");
    }

    // The bytes as the payload of a well-formed token.
    const std::string header = base64url(R"({"alg":"RS256","kid":"fuzz"})");
    const std::string token = header + "." + base64url(input) + "." + base64url("signature");
    auto wrapped = parse_jwt(token);
    FUZZ_CHECK(wrapped.ok(), "a well-formed token parses");
    FUZZ_CHECK(wrapped->alg && *wrapped->alg == "RS256" && wrapped->kid == "fuzz",
               "the header's alg and kid come back");
    FUZZ_CHECK(wrapped->claims_json == input, "the payload comes back byte for byte");
    FUZZ_CHECK(wrapped->signature == "signature", "the signature comes back byte for byte");
    FUZZ_CHECK(wrapped->signed_length == header.size() + 1 + base64url(input).size(),
               "the signed part is header.payload");
    check_claims(wrapped->claims_json);
    return 0;
}
