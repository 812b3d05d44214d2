// Fuzzes the command language front end: tokenize() and command_registry().parse() on whatever a
// chat user might type (any bytes, invalid UTF-8 included). Besides the sanitizers it checks
// that every failure carries a message the user can act on and that a parsed command names a
// registered spec.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "commands/registry.hpp"
#include "commands/tokenizer.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace releasebot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);

    auto tokens = tokenize(text);
    if (!tokens.ok()) FUZZ_CHECK(!tokens.error().message.empty(), "tokenize error has a message");

    const Registry& registry = command_registry();
    auto parsed = registry.parse(text);
    if (!parsed.ok()) {
        FUZZ_CHECK(!parsed.error().message.empty(), "parse error has a message");
        return 0;
    }
    FUZZ_CHECK(parsed->spec != nullptr, "a parsed command has a spec");
    FUZZ_CHECK(registry.find(parsed->spec->name) == parsed->spec,
               "a parsed command's spec is the registered one");
    // Handlers read their arguments through these; reading every declared one must be safe.
    for (const auto& arg : parsed->spec->args) {
        (void)parsed->get(arg.name);
        (void)parsed->all(arg.name);
        (void)parsed->opt(arg.name);
    }
    return 0;
}
