// MessagesEndpoint: the Bot Framework messaging endpoint, POST /api/messages — the Teams
// transport. Authenticates (BotAuthenticator; with no app id, unauthenticated activities are
// accepted only on a loopback listener), decodes the activity, and hands it to the
// ActivityReceiver (activity_receiver.hpp), which stores and runs it and says what to answer.
// Answers 400 for a body that is not an activity, 405 for other methods, 401 for failed
// authentication (the log says why, never the token), 500 when storage failed (Teams retries).
#pragma once

#include "bot/runtime/pipeline.hpp"
#include "integrations/http/http_server.hpp"
#include "integrations/teams/activity_receiver.hpp"

namespace releasebot {
class Database;
}

namespace releasebot::teams {

class BotAuthenticator;

class MessagesEndpoint {
  public:
    // `auth` null = no app id configured: allowed only when `loopback_only` (the caller checked
    // the listen address) — the constructor throws otherwise. `db` must be the connection
    // `pipeline` writes through (see ActivityReceiver).
    MessagesEndpoint(Pipeline& pipeline, Database& db, BotAuthenticator* auth, bool loopback_only);

    HttpResponse handle(const HttpRequest& req);
    // Mounts handle() at /api/messages on `server`.
    void mount(HttpServer& server);

  private:
    ActivityReceiver receiver_;
    BotAuthenticator* auth_;
};

}  // namespace releasebot::teams
