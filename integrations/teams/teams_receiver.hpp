// TeamsReceiver: POST /api/messages. Authenticates (BotAuthenticator; with no
// app id, unauthenticated activities are accepted only on a loopback listener), decodes, stores
// the conversation reference of every activity (so proactive messages can reach it later), runs
// the pipeline, and answers: 200 for messages (the reply goes through the outbox, as a reply to
// the activity), an invoke response {statusCode, type, value} for adaptiveCard/action (the reply
// card replaces the card), 400 for a body that is not an activity, 405 for other methods, 401
// for failed authentication (the log says why, never the token).
#pragma once

#include <string>

#include "bot/runtime/pipeline.hpp"
#include "integrations/http/http_server.hpp"

namespace releasebot {
class Database;
}

namespace releasebot::teams {

class BotAuthenticator;

class TeamsReceiver {
  public:
    // `auth` null = no app id configured: allowed only when `loopback_only` (the caller checked
    // the listen address) — the constructor throws otherwise. `db` must be the connection
    // `pipeline` writes through: an activity's conversation reference and its event are stored
    // in one transaction.
    TeamsReceiver(Pipeline& pipeline, Database& db, BotAuthenticator* auth, bool loopback_only);

    HttpResponse handle(const HttpRequest& req);
    // Mounts handle() at /api/messages on `server`.
    void mount(HttpServer& server);

  private:
    Pipeline& pipeline_;
    Database& db_;
    BotAuthenticator* auth_;
};

}  // namespace releasebot::teams
