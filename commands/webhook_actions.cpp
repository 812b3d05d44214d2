// Webhook actions: each is turned into the command text a person would type and run through
// the registry, so a CI pipeline gets exactly the checks, errors and audit entries a person
// would. Field values are checked first, so no value can smuggle in another keyword or an
// unbalanced quote: identifiers must be one word, and free text is quoted with a quote mark it
// does not contain. See webhook_actions.hpp.
#include "commands/webhook_actions.hpp"

#include <algorithm>
#include <optional>

#include "commands/dispatcher.hpp"
#include "commands/health_check.hpp"
#include "commands/verify.hpp"

namespace releasebot {

namespace {

using Fields = std::map<std::string, std::string>;

// Free text in commands is capped well below any platform's message limit.
constexpr std::size_t kMaxField = 2000;

std::optional<std::string> field(const Fields& f, const std::string& name) {
    auto it = f.find(name);
    if (it == f.end() || it->second.empty()) return std::nullopt;
    return it->second;
}

bool is_word(const std::string& s, std::string_view extra) {
    return !s.empty() && s.size() <= 200 && std::all_of(s.begin(), s.end(), [&](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               extra.find(c) != std::string_view::npos;
    });
}

// A required one-word field made of letters, digits and `extra`.
Result<std::string> word_field(const Fields& f, const std::string& name, std::string_view extra,
                               const std::string& example) {
    auto v = field(f, name);
    if (!v)
        return usage_error("The field \"" + name + "\" is missing; for example \"" + name +
                           "\": \"" + example + "\".");
    if (!is_word(*v, extra))
        return usage_error("The field \"" + name + "\" must be one word of letters, digits and " +
                           std::string(extra) + ", like \"" + example + "\".");
    return *v;
}

// An optional URL field: http(s), no spaces or quotes (the command parser checks the rest).
Result<std::optional<std::string>> url_field(const Fields& f, const std::string& name) {
    auto v = field(f, name);
    if (!v) return std::optional<std::string>{};
    bool plain = v->size() <= kMaxField && v->find_first_of(" \t\r\n\"'") == std::string::npos &&
                 (v->rfind("https://", 0) == 0 || v->rfind("http://", 0) == 0);
    if (!plain)
        return usage_error("The field \"" + name +
                           "\" must be an http:// or https:// URL without spaces.");
    return v;
}

// `text` in quotes the tokenizer will give back whole, or an error when every kind of quote
// mark occurs in it.
Result<std::string> quote(const std::string& name, const std::string& text) {
    if (text.size() > kMaxField)
        return usage_error("The field \"" + name + "\" is longer than " +
                           std::to_string(kMaxField) + " bytes.");
    auto has = [&](std::string_view s) { return text.find(s) != std::string::npos; };
    if (!has("\"") && !has("\xE2\x80\x9D")) return "\"" + text + "\"";
    if (!has("'")) return "'" + text + "'";
    if (!has("\xE2\x80\x99")) return "\xE2\x80\x98" + text + "\xE2\x80\x99";
    return usage_error("The field \"" + name +
                       "\" uses both kinds of quote marks; drop one of them.");
}

Result<Reply> control_tick(Context& ctx, const Fields& f, const Registry& registry) {
    auto release = word_field(f, "release", "._-", "web-2026.12");
    if (!release) return release.error();
    auto control = word_field(f, "control", "-_", "package-integrity");
    if (!control) return control.error();
    auto evidence = url_field(f, "evidence");
    if (!evidence) return evidence.error();
    std::string text = "control tick " + *release + " " + *control;
    if (*evidence) text += " evidence " + **evidence;
    if (auto note = field(f, "note")) {
        auto q = quote("note", *note);
        if (!q) return q.error();
        text += " " + *q;
    }
    ctx.automated = true;
    return run_command(ctx, text, registry);
}

Result<Reply> component_report(Context& ctx, const Fields& f, const Registry& registry) {
    auto release = word_field(f, "release", "._-", "web-2026.12");
    if (!release) return release.error();
    auto program = word_field(f, "program", "._-", "web");
    if (!program) return program.error();
    auto component = word_field(f, "component", "._-", "frontend");
    if (!component) return component.error();
    auto version = word_field(f, "version", "._-+~", "1.4.2");
    if (!version) return version.error();
    auto url = url_field(f, "url");
    if (!url) return url.error();
    std::string text =
        "release add " + *release + " " + *program + "/" + *component + "@" + *version;
    if (*url) text += " url " + **url;
    if (auto sha = field(f, "sha256")) {
        if (!is_word(*sha, "")) return usage_error("The field \"sha256\" must be 64 hex digits.");
        text += " sha256 " + *sha;
    }
    return run_command(ctx, text, registry);
}

}  // namespace

bool is_internal_action(std::string_view action) {
    return action == "verify.result" || action == "healthcheck.result";
}

Result<Reply> run_webhook(Context& ctx, std::string_view action, const Fields& fields,
                          const Registry& registry) {
    if (action == "control.tick") return control_tick(ctx, fields, registry);
    if (action == "component.report") return component_report(ctx, fields, registry);
    if (action == "verify.result") return record_verify_result(ctx, fields);
    if (action == "healthcheck.result") return record_health_check_result(ctx, fields);
    return usage_error("The action \"" + std::string(action) +
                       "\" is not one releasebot knows: use \"control.tick\" or "
                       "\"component.report\".");
}

}  // namespace releasebot
