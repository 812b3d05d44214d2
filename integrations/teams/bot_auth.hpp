// BotAuthenticator: the Bot Framework's inbound authentication.
//
// Every activity POSTed to /api/messages carries `Authorization: Bearer <JWT>` signed by the
// channel. The token is accepted only when: alg is RS256/RS384/RS512; the key is found by `kid`
// in the JWKS named by the OpenID metadata document's `jwks_uri` (fetched with libcurl, cached,
// refreshed every 24 h, refetched at once on an unknown kid and then at most once a minute; one
// fetch shared by every request that needs it); `iss` equals the issuer setting; `aud` equals the
// bot's app id; `exp` is present and not past and `nbf` not future (5 minutes of skew); the
// `serviceurl` claim equals the activity's serviceUrl, which must be present; the activity's
// channel id is among the key's `endorsements`, which must be present. JWKS `n`/`e` may be
// base64 or base64url. Verified tokens are cached (by the SHA-256 of the token) until they
// expire, so a busy channel pays the RSA check once per token; the per-request checks (time,
// serviceurl, endorsement) still run on every use. Thread-safe. Never logs or returns the token.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "commands/result.hpp"

namespace releasebot::teams {

struct BotAuthOptions {
    std::string app_id;  // the bot's Microsoft app id (the expected `aud`)
    // ToBotFromChannelOpenIdMetadataUrl and ToBotFromChannelTokenIssuer of the official SDKs.
    std::string metadata_url = "https://login.botframework.com/v1/.well-known/openidconfiguration";
    std::string issuer = "https://api.botframework.com";
    std::string ca_file;  // extra CA bundle for the metadata and key fetches (tests)
    std::chrono::seconds clock_skew{300};
    std::chrono::hours key_refresh{24};
    std::chrono::seconds unknown_kid_refetch{60};
    // The current Unix time (tests pass a fixed one); default the system clock.
    std::function<long long()> now_unix;
};

// A compact JWS as the channel sends it, split and decoded but NOT verified (verifying needs the
// key, which BotAuthenticator finds). Public so that it can be fuzzed and tested on its own.
struct JwtParts {
    std::optional<std::string> alg;  // the header's `alg`, when it is a string
    std::string kid;                 // the header's `kid` (empty when absent)
    std::size_t signed_length = 0;   // of "header.payload": the bytes the signature covers
    std::string signature;           // raw bytes
    std::string claims_json;         // the decoded payload, parsed only once the signature holds
};
// Splits and decodes `token`; an error (kind forbidden) says what is malformed.
Result<JwtParts> parse_jwt(std::string_view token);

// The claims releasebot reads from a token's payload; an absent or mistyped claim is nullopt.
struct JwtClaims {
    std::optional<std::string> iss;
    std::optional<std::string> aud;
    std::optional<std::string> service_url;  // `serviceurl`
    std::optional<long long> exp;
    std::optional<long long> nbf;
    bool has_nbf = false;  // present, whether or not it is a number
};
// Reads the claims; an error (kind forbidden) when the payload is not a JSON object.
Result<JwtClaims> parse_claims(std::string_view claims_json);

struct AuthenticatedCaller {
    std::string app_id;       // `aud`
    std::string service_url;  // the `serviceurl` claim
};

class BotAuthenticator {
  public:
    // Throws std::invalid_argument without an app id (a start-up error).
    explicit BotAuthenticator(BotAuthOptions options);
    ~BotAuthenticator();
    BotAuthenticator(const BotAuthenticator&) = delete;
    BotAuthenticator& operator=(const BotAuthenticator&) = delete;

    // Checks the Authorization header value for an activity of `channel_id` ("msteams") sent
    // from `service_url`. The error message says why (for the log and the 401 body) without
    // the token. Its kind is `forbidden` for a token that is wrong, `internal` when the channel's
    // metadata or keys could not be fetched (the message names the URL and the failure). May
    // block for one metadata + key-set download (10 s timeout each) when keys are not cached.
    Result<AuthenticatedCaller> authenticate(const std::string& authorization_header,
                                             const std::string& channel_id,
                                             const std::string& service_url);

    // Metadata and key-set fetches so far (tests and /metrics).
    long metadata_fetches() const;
    long key_fetches() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace releasebot::teams
