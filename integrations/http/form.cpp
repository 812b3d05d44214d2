// Form bodies and query strings with Boost.URL (form.hpp). Boost.URL 1.81 is a compiled
// library; boost_url.cpp builds it into this one, so no package beyond Boost's headers is needed.
#include "integrations/http/form.hpp"

#include <simdjson.h>

#include <boost/url/grammar/parse.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/pct_encoded_rule.hpp>
#include <boost/url/url_view.hpp>

namespace releasebot::http {

namespace {

namespace urls = boost::urls;

// A form body is read as sent: every byte but '%' (and the separators `Stop`) stands for itself.
template <char... Stop>
struct TextBut {
    constexpr bool operator()(char c) const noexcept { return c != '%' && ((c != Stop) && ...); }
};

// A field's name runs to '=' or '&', its value to '&'; both may hold %-escapes.
constexpr auto kName = urls::pct_encoded_rule(TextBut<'=', '&'>{});
constexpr auto kValue = urls::pct_encoded_rule(TextBut<'&'>{});

// Decodes the name or value the rule reads at `it`, '+' as a space. A rule stops just past the
// '%' of a bad escape, which the message names by its byte in the body.
template <class Rule>
Result<std::string> decode_next(std::string_view body, const char*& it, const Rule& rule) {
    auto encoded = urls::grammar::parse(it, body.data() + body.size(), rule);
    if (!encoded) {
        const std::size_t at = std::string_view(body.data(), it - body.data()).rfind('%');
        return invalid("The form body has a bad %-escape at byte " + std::to_string(at) +
                       "; '%' must be followed by two hex digits.");
    }
    urls::encoding_opts opts;
    opts.space_as_plus = true;
    return encoded->decode(opts);
}

}  // namespace

Result<std::map<std::string, std::string>> form_fields(std::string_view body) {
    if (body.size() > kMaxFormBody) {
        return invalid("The form body is " + std::to_string(body.size()) +
                       " bytes; releasebot reads at most " + std::to_string(kMaxFormBody) + ".");
    }
    std::map<std::string, std::string> fields;
    const char* it = body.data();
    const char* const end = body.data() + body.size();
    while (it != end) {
        auto name = decode_next(body, it, kName);
        if (!name) return name.error();
        Result<std::string> value = std::string();
        if (it != end && *it == '=') value = decode_next(body, ++it, kValue);
        if (!value) return value.error();
        if (!simdjson::validate_utf8(name->data(), name->size()) ||
            !simdjson::validate_utf8(value->data(), value->size())) {
            return invalid("A field of the form body is not valid UTF-8 once %-decoded.");
        }
        // The first occurrence wins: Slack sends each field once.
        if (!name->empty()) fields.emplace(std::move(*name), std::move(*value));
        if (it != end) ++it;  // the '&'
    }
    return fields;
}

std::string query_value(std::string_view target, std::string_view name) {
    auto url = urls::parse_origin_form(target);
    if (!url) return {};
    for (const auto& param : url->params()) {
        if (param.key == name && param.has_value) return param.value;
    }
    return {};
}

}  // namespace releasebot::http
