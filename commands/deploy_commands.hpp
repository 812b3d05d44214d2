// The commands of a deployed releasebot: `calendar link` and `ci secret` (a manager's
// view of the workspace's calendar URL and CI webhook secret, ephemeral, optionally rotated)
// and `release verify <release>` (records a request that the verify worker, off the event
// thread, downloads and checks; see integrations/http/verify_worker.hpp).
#pragma once

namespace releasebot {

class Registry;

void register_deploy_commands(Registry& r);

}  // namespace releasebot
