// A new workspace's defaults: the OpenUP release controls as templates.
#pragma once

#include <string>

#include "storage/records.hpp"
#include "storage/store.hpp"

namespace releasebot {

// Finds the workspace of (platform, tenant), creating it with the default control templates
// when it does not exist. `time_zone` is used only when creating.
Workspace ensure_workspace(Store& store, const std::string& platform, const std::string& tenant,
                           const std::string& time_zone, Instant now);

}  // namespace releasebot
