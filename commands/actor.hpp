// Who is speaking, and where: the platform-neutral identities every Event carries.
#pragma once

#include <optional>
#include <string>

#include "storage/ids.hpp"

namespace releasebot {

struct Actor {
    std::string platform;  // "slack", "teams", "console"
    std::string tenant;    // Slack team_id, Teams tenant id, "local"
    UserId user;
    std::string display_name;
    std::optional<std::string> time_zone;  // IANA name, when the platform tells us
};

struct ConversationRef {
    std::string platform;
    std::string tenant;
    std::string channel;                     // Slack channel id, Teams conversation id, "terminal"
    std::optional<std::string> thread;       // Slack thread_ts, Teams reply-to id
    std::optional<std::string> service_url;  // Teams only
};

// How a user is written inside Reply text; renderers turn it into a platform mention
// (Slack <@U…>, Teams <at>, console @name).
inline std::string mention(const UserId& u) { return "<@" + u.value() + ">"; }

}  // namespace releasebot
