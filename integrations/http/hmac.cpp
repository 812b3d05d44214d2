// Request signing helpers (hmac.hpp) on OpenSSL's one-shot HMAC() and CRYPTO_memcmp.
#include "integrations/http/hmac.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

namespace releasebot::http {

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int len = 0;
    // HMAC() only fails on allocation failure or a bad digest; both are bugs, not input errors.
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(),
             &len) == nullptr) {
        return {};
    }
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (unsigned int i = 0; i < len; ++i) {
        out += kDigits[digest[i] >> 4];
        out += kDigits[digest[i] & 0x0F];
    }
    return out;
}

bool append_lower_hex(std::string_view digits, std::string& out) {
    for (char c : digits) {
        const bool digit = c >= '0' && c <= '9';
        const bool lower = c >= 'a' && c <= 'f';
        const bool upper = c >= 'A' && c <= 'F';
        if (!digit && !lower && !upper) return false;
        out += upper ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return true;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {

// A signed request older (or newer) than this is refused even when its signature is right.
constexpr long long kWindowSeconds = 300;
constexpr std::size_t kMaxTimestampDigits = 12;

}  // namespace

std::optional<long long> signed_age(std::string_view timestamp, long long now_unix) {
    if (timestamp.empty() || timestamp.size() > kMaxTimestampDigits) return std::nullopt;
    long long ts = 0;
    for (char c : timestamp) {
        if (c < '0' || c > '9') return std::nullopt;
        ts = ts * 10 + (c - '0');
    }
    return now_unix - ts;
}

std::string outside_replay_window(long long age) {
    if (age <= kWindowSeconds && age >= -kWindowSeconds) return {};
    return "The request's timestamp is " + std::to_string(age < 0 ? -age : age) + " s " +
           (age < 0 ? "in the future" : "old");
}

}  // namespace releasebot::http
