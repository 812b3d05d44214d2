// LinkServer: Slack's side of Socket Mode as a load generator, in C++ so that the harness is not
// what limits the figures (Node's single thread was, at tens of thousands of envelopes a
// second). A TLS websocket server on 127.0.0.1 (Boost.Beast, one thread) that speaks as the
// Slack emulator's /link/ does — `hello` at once, envelopes, `disconnect` frames, acks taken on
// any open link — and drives a load: envelopes with at most K unacknowledged, each ack's
// latency measured from the moment its envelope was handed to the socket.
//
// The Node emulator (tests/emulators/slack) stays the Web API: its apps.connections.open is
// pointed here with POST /_emulator/bench_link, so users.info, chat.postMessage and the rest are
// still answered by the reference fake.
//
// Counting: an envelope acked once is `acked`, again is `dup`; one never acked by the end of
// the load is `lost`. Nothing is redelivered (Slack would, after 3 s), so a lost ack shows.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/common.hpp"

namespace releasebot::bench {

// What the load sends, and hears back. Called on the server's thread.
class LoadSource {
  public:
    virtual ~LoadSource() = default;
    // The whole Socket Mode frame of envelope `seq` (0-based), whose id is `envelope_id`.
    virtual std::string frame(std::uint64_t seq, std::string_view envelope_id) = 0;
    // Envelope `seq` was acknowledged (the first time) with the frame `ack`.
    virtual void acked(std::uint64_t /*seq*/, std::string_view /*ack*/) {}
};

struct LoadSpec {
    std::uint64_t total = 1000;  // envelopes to send
    int inflight = 1;            // unacknowledged at most; 0 = all at once (a burst)
    // After this many envelopes on one link, it gets `disconnect` (refresh_requested) and no
    // more envelopes; the load goes on on the next link that says hello. 0 = never.
    std::uint64_t refresh_every = 0;
    // No new envelopes after this long (the load then waits for what is in flight).
    std::chrono::milliseconds max_duration{60000};
    // The load ends when no ack came for this long.
    std::chrono::milliseconds stall{5000};
};

struct LoadResult {
    std::uint64_t sent = 0;
    std::uint64_t acked = 0;
    std::uint64_t lost = 0;     // sent, never acked
    std::uint64_t dup = 0;      // acked more than once
    std::uint64_t unknown = 0;  // acks of envelopes this load did not send
    std::uint64_t errors = 0;   // acks whose payload carried an error reply
    double seconds = 0;         // first envelope sent → last ack
    Latencies latency;
    int refreshes = 0;   // disconnect frames sent
    int links_used = 0;  // links that carried envelopes of this load
    double ops_per_s() const { return seconds > 0 ? static_cast<double>(acked) / seconds : 0; }
};

class LinkServer {
  public:
    // Serves TLS with the PEM certificate chain and key (the Slack emulator's, so the bot's
    // SLACK_CA_FILE covers both).
    LinkServer(const std::string& cert_file, const std::string& key_file);
    ~LinkServer();
    LinkServer(const LinkServer&) = delete;
    LinkServer& operator=(const LinkServer&) = delete;

    // "wss://127.0.0.1:<port>/link/".
    std::string url() const;
    // Waits until a link whose hello was written after `since` is open and not told to
    // disconnect; returns when its hello was written, or nullopt after `timeout`.
    std::optional<SteadyClock::time_point> wait_link(std::chrono::milliseconds timeout,
                                                     SteadyClock::time_point since = {});
    // Links accepted so far (websocket upgrades).
    int links_accepted() const;
    // Runs one load to its end (see LoadSpec); one load at a time.
    LoadResult run(LoadSource& source, const LoadSpec& spec);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Slack's payloads, as the emulator builds them (tests/emulators/slack/emulator.js), for loads.
namespace slack_frames {

// A slash command envelope: /release `text` typed by `user` in `channel`.
std::string slash(std::string_view envelope_id, const std::string& user, const std::string& channel,
                  const std::string& text);
// A button press (block_actions) of the action `action_id` with `value`, on a bot message.
std::string block_action(std::string_view envelope_id, const std::string& user,
                         const std::string& channel, const std::string& action_id,
                         const std::string& value);
// A modal submission (view_submission) with private_metadata `metadata` and answers
// {block_id → value} (each a static_select's selected_option, action id "answer").
std::string view_submission(std::string_view envelope_id, const std::string& user,
                            const std::string& metadata,
                            const std::vector<std::pair<std::string, std::string>>& answers);

}  // namespace slack_frames

}  // namespace releasebot::bench
