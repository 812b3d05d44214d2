// The workloads of the scenarios: the command mix of the storm (10 % `release plan`, 60 %
// `release show`, 30 % `control tick`), its Slack framing, the retro burst's survey answers, and
// Teams activities as the Bot Framework channel sends them.
//
// The mix ticks controls that are still open, so every command does the work a user would see:
// first the seeded releases' controls (release-major, so consecutive ticks touch different
// releases), then those of releases the storm itself planned, once their plan was acknowledged.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/link_server.hpp"

namespace releasebot::bench {

class CommandMix {
  public:
    enum class Op : std::uint8_t { plan, show, tick };
    struct Command {
        Op op;
        std::string text;  // as typed after `/release` (Slack) — see full_text()
        std::string key;   // the release it names
    };

    // `seeded` releases exist (release_key(0…seeded-1)); `tag` makes planned keys unique.
    CommandMix(int seeded, std::string tag);
    // The next command (position n of the run decides its kind: n % 10 == 0 plan, 1–3 tick,
    // else show).
    Command next();
    // The plan of `key` was acknowledged: its seven controls may be ticked now.
    void planned(const std::string& key);
    // "release plan …", "release show …", "control tick …": the command as typed elsewhere.
    static std::string full_text(const Command& c);
    // Whether `reply` (an ack or answer text) is the success of `op`, not a refusal.
    static bool succeeded(Op op, std::string_view reply);

  private:
    int seeded_;
    std::string tag_;
    std::uint64_t n_ = 0;
    std::uint64_t seeded_ticks_ = 0;                 // next seeded (release, control) to tick
    std::deque<std::pair<std::string, int>> fresh_;  // controls of acknowledged plans
    std::uint64_t rng_ = 0x9e3779b97f4a7c15ULL;
    std::uint64_t random();
};

// The storm as Slack slash commands, from `users` people in `channels` channels.
class StormSource : public LoadSource {
  public:
    StormSource(int seeded, const std::string& tag, int users, int channels);
    // Before each load: forgets the per-envelope bookkeeping of the last one.
    void begin(std::uint64_t total);
    std::string frame(std::uint64_t seq, std::string_view envelope_id) override;
    void acked(std::uint64_t seq, std::string_view ack) override;
    std::uint64_t refused() const { return refused_; }
    // One acknowledged reply of each kind (for --verbose).
    std::string samples() const;

  private:
    CommandMix mix_;
    int users_;
    int channels_;
    std::vector<CommandMix::Op> ops_;
    std::vector<std::string> plan_keys_;  // by seq, for plans
    std::uint64_t refused_ = 0;
    std::string samples_[3];
};

// Survey answers of the retro burst: respondent seq / 5 answers question seq % 5 + 1 of the
// retrospective of `key`; even envelopes are button presses (block_actions: the `command`
// button `retro answer …`), odd ones modal submissions (view_submission).
class RetroSource : public LoadSource {
  public:
    explicit RetroSource(std::string key) : key_(std::move(key)) {}
    std::string frame(std::uint64_t seq, std::string_view envelope_id) override;

  private:
    std::string key_;
};

// Slash commands from a list, in turn (warm-ups).
class TextSource : public LoadSource {
  public:
    TextSource(std::vector<std::string> users, std::string channel, std::string text)
        : users_(std::move(users)), channel_(std::move(channel)), text_(std::move(text)) {}
    std::string frame(std::uint64_t seq, std::string_view envelope_id) override;

  private:
    std::vector<std::string> users_;
    std::string channel_;
    std::string text_;
};

// A Teams message activity mentioning the bot, as the emulator builds them
// (tests/emulators/teams/emulator.js), in channel conversation `conversation` from `user`.
std::string teams_message(const std::string& activity_id, const std::string& service_url,
                          const std::string& app_id, const std::string& user,
                          const std::string& conversation, const std::string& text);

}  // namespace releasebot::bench
