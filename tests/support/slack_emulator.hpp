// SlackEmulator: the local Slack of tests/emulators/slack (emulator.js, on Node) as a child
// process of one test. It makes a self-signed certificate for 127.0.0.1/localhost with the
// openssl CLI (once per test process), starts `node emulator.js` on an ephemeral port, waits for
// its "listening <port>" line, and offers the emulator's control API (users typing commands,
// pressing buttons, submitting modals; what the bot posted and acknowledged; faults) through
// libcurl. The destructor stops the process; the emulator also exits when this process dies,
// because it watches its stdin pipe.
//
// Point releasebot at it with api_url() and ca_file(), and the tokens below.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "integrations/slack/web_api.hpp"

namespace releasebot::test {

// The only tokens the emulator accepts.
inline constexpr const char* kSlackBotToken = "xoxb-test-bot";
inline constexpr const char* kSlackAppToken = "xapp-test-app";
// Who the bot is in the emulated workspace (auth.test).
inline constexpr const char* kSlackBotUserId = "U0BOT";
inline constexpr const char* kSlackTeamId = "T0EMULATOR";

struct SlackEmulatorOptions {
    bool tls = true;
    int ack_timeout_ms = 3000;     // an envelope not acked by then is redelivered
    int max_redeliveries = 3;      // then the emulator gives up on it, as Slack does
    double rate_per_second = 1;    // chat.postMessage per channel; 0 = unlimited
    int rate_burst = 3;            // messages a quiet channel accepts at once
    int ping_interval_ms = 10000;  // websocket pings from the emulator; 0 = none
    int drain_close_ms = 10000;    // after a disconnect frame, the link is closed by then
    bool verbose = false;          // log every call and frame into log()
};

struct HttpReply {
    long status = 0;  // 0 when the request failed before an HTTP answer
    std::string body;
    std::string retry_after;  // the Retry-After header, if any
    std::string error;        // curl's error when status is 0
};

class SlackEmulator {
  public:
    explicit SlackEmulator(bool tls = true);
    explicit SlackEmulator(const SlackEmulatorOptions& options);
    ~SlackEmulator();
    SlackEmulator(const SlackEmulator&) = delete;
    SlackEmulator& operator=(const SlackEmulator&) = delete;

    int port() const;
    std::string api_url() const;   // "https://127.0.0.1:<port>/api/" ("http://…" without TLS)
    std::string base_url() const;  // "https://127.0.0.1:<port>"
    std::string ca_file() const;   // the certificate to trust; empty without TLS

    // Users acting in Slack. Each sends an envelope on an open Socket Mode link (queued until
    // one is open) and returns its envelope id.
    std::string slash(const std::string& user, const std::string& channel, const std::string& text,
                      const std::string& command = "/release");
    std::string mention(const std::string& user, const std::string& channel,
                        const std::string& text);
    // A press of the element `action_id` (with `value`, when given) on the bot's message
    // `message_ts`; the emulator refuses a press of a button the message does not show.
    std::string action(const std::string& user, const std::string& channel,
                       const std::string& message_ts, const std::string& action_id,
                       const std::string& value = "");
    // Submits a modal: `values` is {block_id: {action_id: value}}; the view is `view_id`, or
    // the last one the bot opened for `user`. Required inputs left out are refused.
    std::string submit(const std::string& user,
                       const std::map<std::string, std::map<std::string, std::string>>& values,
                       const std::string& view_id = "");
    // A direct message `text` from `user` to the bot in the IM `channel` ("D…"): a `message`
    // event (channel_type im).
    std::string message(const std::string& user, const std::string& channel,
                        const std::string& text);
    // Sets a user's name and IANA time zone (users.info).
    void users(const std::string& id, const std::string& name, const std::string& tz);

    // Faults.
    void disconnect(const std::string& reason = "refresh_requested");
    void drop();  // closes every link without a close frame
    // The next `count` calls of `method` ("chat.postMessage", "link" for the websocket upgrade,
    // "*" for any) answer `status` (429 with Retry-After `retry_after`, 5xx), after `delay_ms`;
    // status 0 with a delay only slows them down.
    void fault(const std::string& method, int status, int count = 1, int retry_after = 1,
               int delay_ms = 0);
    // The next `count` calls of `method` answer HTTP 200 with {"ok":false,"error":`error`}.
    void fault_error(const std::string& method, const std::string& error, int count = 1);
    void reset();  // forgets messages, acks, envelopes, faults, users; keeps the links

    // Waiting for the bot.
    bool wait_connections(int open,
                          std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));
    // The ack of `envelope_id` as JSON ({"envelope_id","payload","connection",…}), or "" when
    // none arrived in time.
    std::string wait_ack(const std::string& envelope_id,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

    // The control API, raw: get("messages?channel=C1") → the JSON answer. Throws
    // std::runtime_error when the emulator refuses (the message says why).
    std::string get(const std::string& path);
    std::string post(const std::string& path, const std::string& json);

    // A Web API call as a client would make it (POST <api_url><method>); `token` empty = none.
    HttpReply call(const std::string& method, const std::string& body,
                   const std::string& token = kSlackBotToken,
                   const std::string& content_type = "application/json; charset=utf-8");
    // Any request to the emulator; `path` starts with "/".
    HttpReply request(const std::string& verb, const std::string& path, const std::string& body,
                      const std::vector<std::string>& headers);

    // What the emulator wrote on stderr so far (its log with `verbose`, and any crash).
    std::string log() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// releasebot's Slack Web API options for `emulator`: its URL, its certificate, and `timeout`.
inline slack::ApiOptions emulated(const SlackEmulator& emulator,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return slack::ApiOptions{emulator.api_url(), emulator.ca_file(), timeout};
}

}  // namespace releasebot::test
