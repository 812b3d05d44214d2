// SocketModeClient: Slack Socket Mode over a TLS websocket (Boost.Beast on Asio, C++20
// coroutines; Beast and Asio types stay in socket_mode.cpp).
//
// It opens a URL with apps.connections.open (app-level xapp- token), connects with SNI and
// certificate and host-name verification, waits for `hello`, and hands each envelope to the
// Pipeline; the envelope is acknowledged ({"envelope_id":…,"payload":…}) only after its event
// committed, a slash command's reply riding on the ack. On `disconnect` it makes before it
// breaks: a new link is opened first, the old one keeps acknowledging its in-flight envelopes,
// then closes. Drops reconnect with exponential backoff and jitter; `link_disabled` stops it.
// This is the transport: what a payload means, and what its ack says, is the SlackReceiver's
// (receiver.hpp), shared with the Events API over HTTP; committing several envelopes at once is
// the pipeline's (Pipeline::handle_all).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "bot/runtime/pipeline.hpp"
#include "integrations/slack/web_api.hpp"

namespace releasebot::slack {

struct SocketModeOptions {
    int connections = 1;  // 1..10 parallel links
    std::string ca_file;  // extra CA bundle for the websocket TLS (tests)
    // Called (on the client's thread) after each committed event, e.g. to wake the outbox.
    std::function<void()> on_event;
    // The bot-token (xoxb-) Web API for the SlackReceiver: opening the survey modal with the
    // press's trigger_id (views.open) and sharing a slash command's export as a file. Null:
    // surveys are answered by typing and exports come as code blocks. Give the client a
    // SlackWebApi of its own (not the outbox's), since calls on one client take turns.
    SlackWebApi* bot_api = nullptr;
    // users.info (cached) for each event's actor name and time zone; null: the name in the
    // payload and the workspace's zone.
    SlackUserDirectory* users = nullptr;
    // Slack pings every few seconds; a link that has received nothing this long (the client
    // pings it half-way) is dead even if TCP has not noticed (a half-open connection), and is
    // replaced.
    std::chrono::milliseconds idle_timeout{30000};
};

class SocketModeClient {
  public:
    // `app_api` carries the xapp- token (apps.connections.open); the pipeline handles events.
    SocketModeClient(SlackWebApi& app_api, Pipeline& pipeline, SocketModeOptions options = {});
    ~SocketModeClient();

    // Runs until stop() or link_disabled; returns a message saying why it stopped.
    std::string run();
    void stop();

    // Counters for tests and /metrics.
    long acked() const;
    long reconnects() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace releasebot::slack
