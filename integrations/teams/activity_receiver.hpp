// ActivityReceiver: what releasebot does with an activity that was read and authenticated —
// the Bot Framework messaging endpoint (messages_endpoint.hpp) is the transport in front of it.
// It stores the conversation reference of every activity (so proactive messages can reach it
// later), runs the activity's event through the pipeline, and says what to answer: nothing more
// than 200 for a message (its reply goes through the outbox, as a reply to the activity), the
// invoke response {statusCode, type, value} for an adaptiveCard/action (the pressed button's
// result as a message, or — for a survey's submit — a card that replaces the form, so it cannot
// be sent twice by mistake).
#pragma once

#include <string>

#include "bot/runtime/pipeline.hpp"
#include "integrations/teams/activity.hpp"

namespace releasebot {
class Database;
}

namespace releasebot::teams {

// The answer to an activity: a status (200, or 501 for an invoke releasebot does not handle) and
// a JSON body, empty when there is nothing to say.
struct ActivityAnswer {
    int status = 200;
    std::string body;
};

class ActivityReceiver {
  public:
    // `db` must be the connection `pipeline` writes through: an activity's conversation
    // reference and its event are stored in one transaction.
    ActivityReceiver(Pipeline& pipeline, Database& db);

    // Stores and runs `activity`; throws on storage faults, having stored nothing (the activity
    // must then not be acknowledged: Teams delivers it again, and the key keeps it harmless).
    ActivityAnswer receive(const TeamsActivity& activity);

  private:
    Pipeline& pipeline_;
    Database& db_;
};

}  // namespace releasebot::teams
