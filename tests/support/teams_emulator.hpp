// TeamsEmulator: the local Bot Framework channel of tests/emulators/teams (emulator.js, on Node)
// as a child process of one test, like SlackEmulator. Over HTTPS (a self-signed certificate made
// with the openssl CLI; trust it with ca_file()) it serves the OpenID metadata document, the
// JWKS (its own RSA keys, endorsed for "msteams"), an OAuth2 token endpoint, and the Connector
// REST API (/v3/conversations/…), recording what the bot sent. It plays Teams users: it POSTs
// activities to the bot's messaging endpoint with a JWT it signs, or a deliberately bad one.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "integrations/teams/bot_auth.hpp"
#include "integrations/teams/connector.hpp"
#include "support/slack_emulator.hpp"  // HttpReply

namespace releasebot::test {

// The bot's registration in the emulated tenant.
inline constexpr const char* kTeamsAppId = "00000000-0000-4000-8000-00000000b07a";
inline constexpr const char* kTeamsAppPassword = "test-app-password";
inline constexpr const char* kTeamsTenantId = "tenant-emulator";
inline constexpr const char* kTeamsIssuer = "https://api.botframework.com";

// What is wrong with the token the emulator attaches.
enum class TeamsToken {
    valid,
    none,            // no Authorization header
    expired,         // exp an hour ago
    no_exp,          // no exp claim at all
    not_yet_valid,   // nbf an hour ahead
    wrong_audience,  // aud another app id
    wrong_issuer,
    wrong_service_url,  // serviceurl claim differs from the activity's
    forged,             // signed with a key not in the JWKS, under a known kid
    unknown_kid,        // signed with a key whose kid is not (yet) in the JWKS
    alg_none,
    hs256_public_key,  // HS256 with the public key as the HMAC secret
    not_endorsed,      // signed with a key whose endorsements lack "msteams"
};

struct TeamsUser {
    std::string id;    // "29:alice"
    std::string name;  // "Alice"
    std::string aad;   // AAD object id
};

// registered: the bot has an app id; activities carry JWTs and the Connector wants a token.
// local: no app registration, as Microsoft 365 Agents Playground: activities come without a
// JWT, and the Connector takes calls only without a token.
enum class TeamsChannel { registered, local };

class TeamsEmulator {
  public:
    explicit TeamsEmulator(TeamsChannel channel = TeamsChannel::registered);
    ~TeamsEmulator();
    TeamsEmulator(const TeamsEmulator&) = delete;
    TeamsEmulator& operator=(const TeamsEmulator&) = delete;

    int port() const;
    std::string base_url() const;      // "https://127.0.0.1:<port>"
    std::string service_url() const;   // base_url() + "/amer/" (activities' serviceUrl)
    std::string metadata_url() const;  // OpenID metadata document
    std::string token_url() const;     // OAuth2 client-credentials endpoint
    std::string ca_file() const;
    // The options of a bot registered here: a BotAuthenticator that trusts this channel's keys
    // (app id, metadata URL, issuer, CA file) and a ConnectorClient with the bot's credentials
    // and this token endpoint.
    teams::BotAuthOptions bot_auth_options() const;
    teams::ConnectorOptions connector_options() const;

    // A signed JWT for the bot as the channel would send (tests of BotAuthenticator).
    std::string token(TeamsToken kind = TeamsToken::valid, const std::string& service_url = "");

    // POSTs `activity_json` to `bot_url` (e.g. "http://127.0.0.1:<port>/api/messages") with a
    // token of `kind`; returns the bot's answer.
    HttpReply send(const std::string& bot_url, const std::string& activity_json,
                   TeamsToken kind = TeamsToken::valid);

    // Activities as Teams sends them (serviceUrl, tenant, channelData, ids filled in).
    // `conversation` "personal:<user>" style ids are fine; `type` personal|groupChat|channel.
    // A submit or execute carries replyToId = the bot's last activity in that conversation
    // (the card it comes from), as Teams does.
    std::string message(const TeamsUser& from, const std::string& conversation,
                        const std::string& text, const std::string& type = "channel",
                        bool mention_bot = true);
    std::string submit(const TeamsUser& from, const std::string& conversation,
                       const std::string& value_json, const std::string& type = "channel");
    std::string execute(const TeamsUser& from, const std::string& conversation,
                        const std::string& verb, const std::string& data_json,
                        const std::string& type = "channel");
    // installed(): a conversationUpdate whose membersAdded is `user_or_bot_added`; its `from` is
    // that user, or "29:installer" when the bot itself was added (see installed_by()).
    std::string installed(const TeamsUser& user_or_bot_added, const std::string& conversation,
                          const std::string& type = "personal");

    // What the bot sent: {"activities":[{"conversation","id","replyToId","method","activity"}]}
    // (each also has "kind": send | reply | update | delete | create, "seq" and "time").
    std::string sent(const std::string& conversation = "");
    // Conversations the bot created (proactive 1:1): JSON array.
    std::string created_conversations();

    // Faults: the next `count` calls to `what` ("token", "connector", "metadata", "jwks")
    // answer `status` (429 with Retry-After `retry_after`), optionally after `delay_ms`.
    void fault(const std::string& what, int status, int count = 1, int retry_after = 1,
               int delay_ms = 0);
    // Publishes a new signing key (new kid) and signs with it from now on.
    void rotate_key();
    // How often the metadata document, the JWKS and the token endpoint were fetched.
    long fetches(const std::string& what);
    void reset();  // forgets recorded activities and faults

    // The control API, raw: get("sent?conversation=…") → the JSON answer. Throws
    // std::runtime_error when the emulator refuses (the message says why).
    std::string get(const std::string& path);
    std::string post(const std::string& path, const std::string& json);
    std::string log() const;

    // Added after the first contract:
    // Any request to the emulator, as a client makes it; `path` starts with "/" (e.g.
    // "/amer/v3/conversations/…" with an "Authorization: Bearer …" header).
    HttpReply request(const std::string& verb, const std::string& path, const std::string& body,
                      const std::vector<std::string>& headers);
    // An access token from the emulator's token endpoint, as the bot would get it.
    std::string access_token();
    // A conversationUpdate in which `installer` added `added` (the bot: bot_user()).
    std::string installed_by(const TeamsUser& installer, const TeamsUser& added,
                             const std::string& conversation, const std::string& type = "personal");
    // The bot as a Teams account ("28:<app id>").
    static TeamsUser bot_user();
    // The kid the emulator signs valid tokens with now.
    std::string signing_kid();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace releasebot::test
