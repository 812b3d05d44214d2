// BotAuthenticator (bot_auth.hpp): the Bot Framework's inbound JWT check with OpenSSL and
// http::CurlClient, for a bot that answers every Teams activity of a busy tenant.
//
// The workload is many requests carrying few distinct tokens (the channel reuses a token for
// most of its hour) and a key set that changes a few times a year. So: verified tokens are
// cached by their bytes until they expire and a repeat costs one hash lookup; the key set is
// one immutable snapshot swapped under a mutex; fetching it is single-flight (a burst of first
// requests waits for one metadata + one JWKS download, and every waiter takes that download's
// outcome instead of starting its own); an unknown kid triggers one refetch, then at most one a
// minute, so forged kids cannot make the bot hammer the key server.
#include "integrations/teams/bot_auth.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cctype>
#include <condition_variable>
#include <ctime>
#include <iterator>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "integrations/http/curl_client.hpp"

namespace releasebot::teams {

namespace {

namespace json = boost::json;

constexpr std::size_t kMaxTokenBytes = 16 * 1024;       // Bot Framework tokens are ~1 KB
constexpr std::size_t kMaxDocumentBytes = 1024 * 1024;  // metadata and JWKS
constexpr std::size_t kMaxCachedTokens = 10000;         // a few MB at most
constexpr long kFetchTimeoutMs = 10000;
constexpr int kMinRsaBits = 2048;

// ---- base64 ---------------------------------------------------------------------------------

int base64_value(unsigned char c, bool url_only) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-' || (!url_only && c == '+')) return 62;
    if (c == '_' || (!url_only && c == '/')) return 63;
    return -1;
}

// Decodes base64url without padding (JWT segments) when `url_only`; otherwise either alphabet
// with optional '=' padding (JWKS n/e, which some key sets publish in standard base64).
std::optional<std::string> base64_decode(std::string_view in, bool url_only) {
    if (!url_only) {
        while (!in.empty() && in.back() == '=') in.remove_suffix(1);
    }
    if (in.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(in.size() * 3 / 4);
    unsigned int buffer = 0;
    int bits = 0;
    for (const char ch : in) {
        const int v = base64_value(static_cast<unsigned char>(ch), url_only);
        if (v < 0) return std::nullopt;
        buffer = (buffer << 6) | static_cast<unsigned int>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
        }
    }
    return out;
}

// ---- keys -----------------------------------------------------------------------------------

struct PkeyDeleter {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

struct SigningKey {
    Pkey pkey;            // null when the JWKS entry is unusable
    std::string problem;  // why it is unusable
    bool has_endorsements = false;
    std::vector<std::string> endorsements;
};
using KeySet = std::unordered_map<std::string, std::shared_ptr<const SigningKey>>;

// An RSA public key from its modulus and exponent (big-endian bytes).
Pkey rsa_key(const std::string& n, const std::string& e) {
    BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                             static_cast<int>(n.size()), nullptr);
    BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                             static_cast<int>(e.size()), nullptr);
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM* params = nullptr;
    EVP_PKEY_CTX* ctx = nullptr;
    EVP_PKEY* key = nullptr;
    if (bn_n && bn_e && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1 &&
        (params = OSSL_PARAM_BLD_to_param(bld)) != nullptr &&
        (ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr)) != nullptr &&
        EVP_PKEY_fromdata_init(ctx) == 1) {
        if (EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) key = nullptr;
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    return Pkey(key);
}

const json::string* string_field(const json::object& o, std::string_view name) {
    const json::value* v = o.if_contains(name);
    return v != nullptr ? v->if_string() : nullptr;
}

std::shared_ptr<const SigningKey> parse_key(const json::object& jwk) {
    auto key = std::make_shared<SigningKey>();
    if (const json::value* endorsements = jwk.if_contains("endorsements")) {
        if (const json::array* list = endorsements->if_array()) {
            key->has_endorsements = true;
            for (const auto& item : *list) {
                if (item.is_string()) key->endorsements.emplace_back(item.get_string());
            }
        }
    }
    const json::string* kty = string_field(jwk, "kty");
    const json::string* n = string_field(jwk, "n");
    const json::string* e = string_field(jwk, "e");
    if ((kty != nullptr && *kty != "RSA") || n == nullptr || e == nullptr) {
        key->problem = "is not an RSA key with n and e";
        return key;
    }
    const auto modulus = base64_decode(*n, false);
    const auto exponent = base64_decode(*e, false);
    if (!modulus || !exponent || modulus->empty() || exponent->empty()) {
        key->problem = "has n or e that is neither base64 nor base64url";
        return key;
    }
    key->pkey = rsa_key(*modulus, *exponent);
    if (!key->pkey) {
        key->problem = "is not a valid RSA public key";
    } else if (EVP_PKEY_get_bits(key->pkey.get()) < kMinRsaBits) {
        key->pkey.reset();
        key->problem = "is shorter than 2048 bits";
    }
    return key;
}

// ---- HTTP -----------------------------------------------------------------------------------

// GETs `url` and parses the JSON object it answers; the error says what went wrong in words.
Result<json::object> fetch_json(const std::string& url, const std::string& ca_file,
                                const char* what) {
    http::CurlClient client(http::CurlOptions{
        .timeout = std::chrono::milliseconds(kFetchTimeoutMs),
        .ca_file = ca_file,
        .max_body = kMaxDocumentBytes,
    });
    const http::CurlReply reply = client.perform(http::CurlRequest{.url = url});
    const std::string where = std::string(what) + " (" + url + ")";
    if (reply.failure == http::CurlFailure::too_large) {
        return Error{ErrorKind::internal, "the " + where + " is larger than 1 MB"};
    }
    if (reply.failure != http::CurlFailure::none) {
        return Error{ErrorKind::internal, "cannot fetch the " + where + ": " + reply.error};
    }
    if (reply.status != 200) {
        return Error{ErrorKind::internal,
                     "the " + where + " answered HTTP " + std::to_string(reply.status)};
    }
    std::error_code ec;
    json::value doc = json::parse(reply.body, ec);
    if (ec || !doc.is_object()) {
        return Error{ErrorKind::internal, "the " + where + " is not a JSON object"};
    }
    return std::move(doc.as_object());
}

// ---- JWT ------------------------------------------------------------------------------------

const EVP_MD* digest_for(std::string_view alg) {
    if (alg == "RS256") return EVP_sha256();
    if (alg == "RS384") return EVP_sha384();
    if (alg == "RS512") return EVP_sha512();
    return nullptr;
}

bool verify_signature(EVP_PKEY* key, const EVP_MD* md, std::string_view signed_part,
                      const std::string& signature) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (ctx == nullptr) return false;
    bool ok = false;
    EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
    if (EVP_DigestVerifyInit(ctx, &pctx, md, nullptr, key) == 1 &&
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1) {
        ok = EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                              signature.size(),
                              reinterpret_cast<const unsigned char*>(signed_part.data()),
                              signed_part.size()) == 1;
    }
    EVP_MD_CTX_free(ctx);
    return ok;
}

// A numeric date claim (JWT NumericDate; fractions are allowed and dropped).
std::optional<long long> numeric_claim(const json::object& claims, std::string_view name) {
    const json::value* v = claims.if_contains(name);
    if (v == nullptr) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() &&
        v->get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<long long>::max())) {
        return static_cast<long long>(v->get_uint64());
    }
    if (v->is_double() && v->get_double() > -9e18 && v->get_double() < 9e18) {
        return static_cast<long long>(v->get_double());
    }
    return std::nullopt;
}

std::string utc_text(long long unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return text;
}

// A claim value quoted in an error: it comes from the caller, so it is cut short.
std::string quoted(std::string_view value) {
    constexpr std::size_t kMax = 80;
    std::string out = "\"" + std::string(value.substr(0, kMax));
    if (value.size() > kMax) out += "…";
    return out + "\"";
}

Error unauthorized(std::string message) {
    return Error{ErrorKind::forbidden, std::move(message)};
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

std::string sha256(std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), out, &size, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 failed");  // only when OpenSSL itself is broken
    }
    return std::string(reinterpret_cast<const char*>(out), size);
}

// What is remembered of a verified token: the per-request checks run again on a cache hit.
struct VerifiedToken {
    long long exp = 0;
    std::optional<long long> nbf;
    std::string app_id;
    std::string service_url;
    std::vector<std::string> endorsements;
};

}  // namespace

struct BotAuthenticator::Impl {
    BotAuthOptions options;
    std::atomic<long> metadata_fetches{0};
    std::atomic<long> key_fetches{0};

    // The key set and its fetch state, under keys_mu.
    std::mutex keys_mu;
    std::condition_variable fetched;
    std::shared_ptr<const KeySet> keys;  // null until the first successful fetch
    long long keys_fetched_at = 0;       // when `keys` was fetched
    long long refresh_not_before = 0;    // after a failed refresh, no retry before this
    std::optional<long long> unknown_kid_refetch_at;  // the last refetch an unknown kid caused
    bool fetching = false;
    long generation = 0;     // +1 per finished fetch, so waiters know theirs is done
    std::string last_error;  // of the last finished fetch; empty when it succeeded

    // Keyed by the token's SHA-256, so the cache holds no usable token and stays small.
    std::mutex cache_mu;
    std::unordered_map<std::string, std::shared_ptr<const VerifiedToken>> cache;

    long long now() const {
        if (options.now_unix) return options.now_unix();
        return std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }

    // Downloads the metadata document and the key set it names. Called without keys_mu held.
    Result<std::shared_ptr<const KeySet>> download_keys() {
        ++metadata_fetches;
        auto metadata = fetch_json(options.metadata_url, options.ca_file, "OpenID metadata");
        if (!metadata) return metadata.error();
        const json::string* jwks_uri = string_field(*metadata, "jwks_uri");
        if (jwks_uri == nullptr || jwks_uri->empty()) {
            return Error{ErrorKind::internal,
                         "the OpenID metadata (" + options.metadata_url + ") names no jwks_uri"};
        }
        const std::string jwks_url(*jwks_uri);
        // Keys fetched over plain HTTP could be anyone's; only a plain-HTTP metadata URL (a
        // local test setup someone chose) may point at plain-HTTP keys.
        if (options.metadata_url.rfind("https://", 0) == 0 && jwks_url.rfind("https://", 0) != 0) {
            return Error{ErrorKind::internal,
                         "the OpenID metadata names a jwks_uri that is not HTTPS: " + jwks_url};
        }
        ++key_fetches;
        auto jwks = fetch_json(jwks_url, options.ca_file, "signing key set");
        if (!jwks) return jwks.error();
        const json::value* list = jwks->if_contains("keys");
        if (list == nullptr || !list->is_array()) {
            return Error{ErrorKind::internal,
                         "the signing key set (" + jwks_url + ") has no \"keys\" array"};
        }
        auto set = std::make_shared<KeySet>();
        for (const auto& item : list->get_array()) {
            if (!item.is_object()) continue;
            const json::string* kid = string_field(item.get_object(), "kid");
            if (kid == nullptr || kid->empty()) continue;
            set->emplace(std::string(*kid), parse_key(item.get_object()));
        }
        return std::shared_ptr<const KeySet>(std::move(set));
    }

    // The key named `kid`, fetching the key set when it is missing, stale, or lacks `kid` (see
    // the file comment for the refetch rules). Never holds keys_mu while downloading.
    Result<std::shared_ptr<const SigningKey>> find_key(const std::string& kid) {
        std::unique_lock lock(keys_mu);
        const long long t = now();
        const bool stale = !keys || t - keys_fetched_at >= options.key_refresh.count() * 3600;
        if (keys && (!stale || t < refresh_not_before)) {
            // Fresh keys, or a stale set whose refresh failed a moment ago: serve from it.
            if (auto it = keys->find(kid); it != keys->end()) return it->second;
        }
        if (fetching) {
            // Someone else is downloading: share their outcome rather than start another.
            const long mine = generation;
            fetched.wait(lock, [&] { return generation != mine; });
            if (!last_error.empty() && !keys) return Error{ErrorKind::internal, last_error};
            if (keys) {
                if (auto it = keys->find(kid); it != keys->end()) return it->second;
            }
            return unknown_kid(kid);
        }
        const bool kid_missing = keys && !stale;
        if (kid_missing) {
            const long long gap = options.unknown_kid_refetch.count();
            if (unknown_kid_refetch_at && t - *unknown_kid_refetch_at < gap) {
                return unknown_kid(kid);
            }
            unknown_kid_refetch_at = t;
        } else if (keys && t < refresh_not_before) {
            return unknown_kid(kid);
        }
        fetching = true;
        lock.unlock();
        std::optional<Result<std::shared_ptr<const KeySet>>> attempt;
        try {
            attempt.emplace(download_keys());
        } catch (const std::exception& e) {
            // Whatever happened, the waiters must be released or every request would hang.
            attempt.emplace(
                Error{ErrorKind::internal, std::string("key fetch failed: ") + e.what()});
        }
        auto& downloaded = *attempt;
        lock.lock();
        fetching = false;
        ++generation;
        if (downloaded) {
            keys = std::move(downloaded.value());
            keys_fetched_at = now();
            last_error.clear();
        } else {
            last_error = downloaded.error().message;
            // Keep serving the old keys; try the refresh again in a minute.
            refresh_not_before = now() + options.unknown_kid_refetch.count();
        }
        fetched.notify_all();
        if (!keys) return Error{ErrorKind::internal, last_error};
        if (auto it = keys->find(kid); it != keys->end()) return it->second;
        if (!downloaded) return Error{ErrorKind::internal, last_error};
        // A first or 24-hour fetch that still lacks the kid counts as its refetch.
        if (!kid_missing) unknown_kid_refetch_at = now();
        return unknown_kid(kid);
    }

    Error unknown_kid(const std::string& kid) const {
        return unauthorized("the token is signed with key " + quoted(kid) +
                            ", which the channel's key set (" + options.metadata_url +
                            ") does not publish");
    }

    // The checks that depend on the request or on the time: run on every request, cached or not.
    Result<AuthenticatedCaller> check_use(const VerifiedToken& token, const std::string& channel_id,
                                          const std::string& service_url) const {
        const long long t = now();
        const long long skew = options.clock_skew.count();
        if (token.exp + skew < t) {
            return unauthorized("the token expired at " + utc_text(token.exp));
        }
        if (token.nbf && *token.nbf - skew > t) {
            return unauthorized("the token is not valid before " + utc_text(*token.nbf));
        }
        if (token.service_url != service_url) {
            return unauthorized("the token's serviceurl claim " + quoted(token.service_url) +
                                " is not the activity's serviceUrl " + quoted(service_url));
        }
        if (!contains(token.endorsements, channel_id)) {
            return unauthorized("the token's signing key is not endorsed for channel " +
                                quoted(channel_id));
        }
        return AuthenticatedCaller{token.app_id, token.service_url};
    }

    Result<VerifiedToken> verify(std::string_view token) {
        auto parts = parse_jwt(token);
        if (!parts) return parts.error();
        const EVP_MD* md = parts->alg ? digest_for(*parts->alg) : nullptr;
        if (md == nullptr) {
            return unauthorized("the token is signed with " +
                                (parts->alg ? quoted(*parts->alg) : std::string("no alg")) +
                                "; only RS256, RS384 and RS512 are accepted");
        }
        const std::string& kid = parts->kid;
        if (kid.empty()) return unauthorized("the token's header names no signing key (kid)");

        auto key = find_key(kid);
        if (!key) return key.error();
        const SigningKey& signing_key = *key.value();
        if (!signing_key.pkey) {
            return unauthorized("the token's signing key " + quoted(kid) + " " +
                                signing_key.problem);
        }
        if (!verify_signature(signing_key.pkey.get(), md, token.substr(0, parts->signed_length),
                              parts->signature)) {
            return unauthorized("the token's signature does not verify with key " + quoted(kid));
        }

        auto claims = parse_claims(parts->claims_json);
        if (!claims) return claims.error();
        if (claims->iss != options.issuer) {
            return unauthorized("the token was issued by " +
                                (claims->iss ? quoted(*claims->iss) : "nobody (no iss)") +
                                ", not " + quoted(options.issuer));
        }
        if (claims->aud != options.app_id) {
            return unauthorized("the token is for audience " +
                                (claims->aud ? quoted(*claims->aud) : "(none)") +
                                ", not this bot's app id " + quoted(options.app_id));
        }
        VerifiedToken verified;
        if (!claims->exp) return unauthorized("the token has no expiry (exp claim)");
        verified.exp = *claims->exp;
        if (claims->has_nbf) {
            if (!claims->nbf) return unauthorized("the token's nbf claim is not a number");
            verified.nbf = claims->nbf;
        }
        if (!claims->service_url || claims->service_url->empty()) {
            return unauthorized("the token has no serviceurl claim");
        }
        if (!signing_key.has_endorsements) {
            return unauthorized("the token's signing key " + quoted(kid) +
                                " carries no endorsements, so no channel may use it");
        }
        verified.app_id = *claims->aud;
        verified.service_url = *claims->service_url;
        verified.endorsements = signing_key.endorsements;
        return verified;
    }

    void remember(const std::string& digest, VerifiedToken verified) {
        auto entry = std::make_shared<const VerifiedToken>(std::move(verified));
        std::lock_guard lock(cache_mu);
        if (cache.size() >= kMaxCachedTokens) {
            const long long t = now() - options.clock_skew.count();
            for (auto it = cache.begin(); it != cache.end();) {
                it = it->second->exp < t ? cache.erase(it) : std::next(it);
            }
            if (cache.size() >= kMaxCachedTokens) cache.clear();
        }
        cache.insert_or_assign(digest, std::move(entry));
    }

    std::shared_ptr<const VerifiedToken> cached(const std::string& digest) {
        std::lock_guard lock(cache_mu);
        const auto it = cache.find(digest);
        if (it == cache.end()) return nullptr;
        if (it->second->exp + options.clock_skew.count() < now()) {
            cache.erase(it);
            return nullptr;
        }
        return it->second;
    }
};

Result<JwtParts> parse_jwt(std::string_view token) {
    const auto first_dot = token.find('.');
    const auto second_dot =
        first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
    if (second_dot == std::string_view::npos ||
        token.find('.', second_dot + 1) != std::string_view::npos) {
        return unauthorized("the bearer token is not a JWT (three dot-separated parts)");
    }
    const auto header_text = base64_decode(token.substr(0, first_dot), true);
    auto payload_text =
        base64_decode(token.substr(first_dot + 1, second_dot - first_dot - 1), true);
    auto signature = base64_decode(token.substr(second_dot + 1), true);
    if (!header_text || !payload_text || !signature) {
        return unauthorized("the bearer token is not a JWT (its parts are not base64url)");
    }
    std::error_code ec;
    json::value header = json::parse(*header_text, ec);
    if (ec || !header.is_object()) {
        return unauthorized("the bearer token's JWT header is not a JSON object");
    }
    JwtParts parts;
    if (const json::string* alg = string_field(header.get_object(), "alg"))
        parts.alg = std::string(*alg);
    if (const json::string* kid = string_field(header.get_object(), "kid"))
        parts.kid = std::string(*kid);
    parts.signed_length = second_dot;
    parts.signature = std::move(*signature);
    parts.claims_json = std::move(*payload_text);
    return parts;
}

Result<JwtClaims> parse_claims(std::string_view claims_json) {
    std::error_code ec;
    json::value payload = json::parse(claims_json, ec);
    if (ec || !payload.is_object()) return unauthorized("the token's claims are not a JSON object");
    const json::object& o = payload.get_object();
    JwtClaims claims;
    if (const json::string* iss = string_field(o, "iss")) claims.iss = std::string(*iss);
    if (const json::string* aud = string_field(o, "aud")) claims.aud = std::string(*aud);
    if (const json::string* url = string_field(o, "serviceurl"))
        claims.service_url = std::string(*url);
    claims.exp = numeric_claim(o, "exp");
    claims.has_nbf = o.contains("nbf");
    if (claims.has_nbf) claims.nbf = numeric_claim(o, "nbf");
    return claims;
}

BotAuthenticator::BotAuthenticator(BotAuthOptions options) : impl_(std::make_unique<Impl>()) {
    if (options.app_id.empty()) {
        throw std::invalid_argument("BotAuthenticator needs the bot's app id (the token audience)");
    }
    impl_->options = std::move(options);
}

BotAuthenticator::~BotAuthenticator() = default;

Result<AuthenticatedCaller> BotAuthenticator::authenticate(const std::string& authorization_header,
                                                           const std::string& channel_id,
                                                           const std::string& service_url) {
    if (authorization_header.empty()) {
        return unauthorized("the request has no Authorization header (\"Bearer <token>\")");
    }
    constexpr std::string_view scheme = "bearer ";
    if (authorization_header.size() <= scheme.size() ||
        !std::equal(scheme.begin(), scheme.end(), authorization_header.begin(), [](char a, char b) {
            return a == std::tolower(static_cast<unsigned char>(b));
        })) {
        return unauthorized("the Authorization header is not \"Bearer <token>\"");
    }
    const std::string token = authorization_header.substr(scheme.size());
    if (token.size() > kMaxTokenBytes) return unauthorized("the bearer token is too long");
    if (service_url.empty()) {
        return unauthorized("the activity has no serviceUrl to check the token against");
    }
    if (channel_id.empty()) {
        return unauthorized("the activity has no channelId to check the key's endorsements");
    }
    const std::string digest = sha256(token);
    if (auto hit = impl_->cached(digest)) return impl_->check_use(*hit, channel_id, service_url);

    auto verified = impl_->verify(token);
    if (!verified) return verified.error();
    auto caller = impl_->check_use(*verified, channel_id, service_url);
    // Only the token's own validity is remembered; a use with the wrong service URL or channel
    // fails the same way on the next request. Expired tokens are not worth a slot.
    if (verified->exp + impl_->options.clock_skew.count() >= impl_->now()) {
        impl_->remember(digest, std::move(verified.value()));
    }
    return caller;
}

long BotAuthenticator::metadata_fetches() const {
    return impl_->metadata_fetches.load();
}

long BotAuthenticator::key_fetches() const {
    return impl_->key_fetches.load();
}

}  // namespace releasebot::teams
