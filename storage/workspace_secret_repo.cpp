// WorkspaceSecretRepo: one row per workspace in workspace_secrets (migration 6). Read on every
// CI webhook and calendar request, written only when a manager asks for or rotates a secret.
#include "storage/workspace_secret_repo.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "storage/columns.hpp"
#include "storage/database.hpp"

namespace releasebot {

namespace {

// 32 random bytes as 64 lower-case hex digits: 256 bits, more than HMAC-SHA256 can use.
std::string random_hex() {
    std::array<unsigned char, 32> bytes{};
    // RAND_bytes fails only when the system has no entropy source at all: a start-up fault.
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        throw std::runtime_error("OpenSSL RAND_bytes failed: no source of randomness");
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(64);
    for (unsigned char b : bytes) {
        out += kDigits[b >> 4];
        out += kDigits[b & 0x0F];
    }
    return out;
}

std::string new_calendar_token(WorkspaceId ws) {
    return std::to_string(ws.value()) + "." + random_hex();
}

}  // namespace

std::optional<WorkspaceSecrets> WorkspaceSecretRepo::get(WorkspaceId ws) {
    auto st = db_.prepare(
        "SELECT webhook_secret, calendar_token, webhook_rotated_at, calendar_rotated_at "
        "FROM workspace_secrets WHERE workspace_id = ?");
    st.bind_all(ws);
    if (!st.step()) return std::nullopt;
    WorkspaceSecrets s;
    s.workspace = ws;
    s.webhook_secret = st.get_text(0);
    s.calendar_token = st.get_text(1);
    s.webhook_rotated_at = instant_of(st.get_int(2));
    s.calendar_rotated_at = instant_of(st.get_int(3));
    return s;
}

WorkspaceSecrets WorkspaceSecretRepo::ensure(WorkspaceId ws, Instant now) {
    if (auto s = get(ws)) return *s;
    WorkspaceSecrets s{ws, random_hex(), new_calendar_token(ws), now, now};
    db_.prepare(
           "INSERT INTO workspace_secrets (workspace_id, webhook_secret, calendar_token, "
           "webhook_rotated_at, calendar_rotated_at) VALUES (?, ?, ?, ?, ?)")
        .bind_all(ws, s.webhook_secret, s.calendar_token, seconds_of(now), seconds_of(now))
        .run();
    return s;
}

std::string WorkspaceSecretRepo::rotate_webhook_secret(WorkspaceId ws, Instant now) {
    ensure(ws, now);
    std::string secret = random_hex();
    db_.prepare(
           "UPDATE workspace_secrets SET webhook_secret = ?, webhook_rotated_at = ? "
           "WHERE workspace_id = ?")
        .bind_all(secret, seconds_of(now), ws)
        .run();
    return secret;
}

std::string WorkspaceSecretRepo::rotate_calendar_token(WorkspaceId ws, Instant now) {
    ensure(ws, now);
    std::string token = new_calendar_token(ws);
    db_.prepare(
           "UPDATE workspace_secrets SET calendar_token = ?, calendar_rotated_at = ? "
           "WHERE workspace_id = ?")
        .bind_all(token, seconds_of(now), ws)
        .run();
    return token;
}

std::optional<WorkspaceId> WorkspaceSecretRepo::workspace_for_calendar_token(
    const std::string& token) {
    // "<id>.<64 hex>": the id finds the row; only then is the whole token compared, in
    // constant time, so response times say nothing about how much of a guess was right.
    auto dot = token.find('.');
    if (dot == std::string::npos || dot == 0 || dot > 18 || token.size() != dot + 1 + 64)
        return std::nullopt;
    std::int64_t id = 0;
    for (std::size_t i = 0; i < dot; ++i) {
        if (token[i] < '0' || token[i] > '9') return std::nullopt;
        id = id * 10 + (token[i] - '0');
    }
    auto s = get(WorkspaceId(id));
    if (!s || s->calendar_token.size() != token.size()) return std::nullopt;
    if (CRYPTO_memcmp(s->calendar_token.data(), token.data(), token.size()) != 0)
        return std::nullopt;
    return s->workspace;
}

}  // namespace releasebot
