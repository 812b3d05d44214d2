// SlackHttpReceiver: the Events API, slash commands and interactivity over HTTP, for installs
// with a public URL. Every request must carry a valid X-Slack-Signature (see signature.hpp);
// url_verification is answered with its challenge; a slash command's reply is the response
// body; events and button presses are acknowledged at once with their replies going through
// the outbox. Retries (X-Slack-Retry-Num) carry the same event id or trigger, so they dedupe.
// This is the HTTP transport only; what a payload means is the SlackReceiver's (receiver.hpp),
// the same one Socket Mode uses.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "bot/runtime/pipeline.hpp"
#include "integrations/http/http_server.hpp"
#include "integrations/slack/receiver.hpp"
#include "integrations/slack/web_api.hpp"

namespace releasebot::slack {

class SlackHttpReceiver {
  public:
    // `now_unix` gives the current Unix time for the signature window (tests pass a fixed one).
    SlackHttpReceiver(Pipeline& pipeline, std::string signing_secret,
                      std::function<long long()> now_unix = {});
    ~SlackHttpReceiver();

    // POST /slack/events (JSON), /slack/commands and /slack/interactive (form bodies).
    HttpResponse handle(const HttpRequest& req);

    // Mounts handle() at /slack/ on `server`.
    void mount(HttpServer& server);

    // The bot-token Web API and the users.info directory (either may be null) for the
    // SlackReceiver: actor names and zones, the survey modal, exports shared as files. Both
    // must outlive the receiver; call before serving.
    void use_web_api(SlackWebApi* bot_api, SlackUserDirectory* users);

  private:
    Pipeline& pipeline_;
    std::string secret_;
    std::function<long long()> now_unix_;
    std::unique_ptr<SlackReceiver> receiver_;
};

}  // namespace releasebot::slack
