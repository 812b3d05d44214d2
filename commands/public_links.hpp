// Where this releasebot's HTTP server is reachable from outside (configuration
// `http.public_url`, e.g. "https://releasebot.example.com"), so `calendar link` and `ci secret`
// can show whole URLs. The composition root sets it once at start-up, before any event runs;
// commands only read it. Unset, the commands show the path and say to prefix the address.
#pragma once

#include <string>

namespace releasebot {

// Sets the base URL (a trailing "/" is dropped). Call before events are handled.
void set_public_base_url(std::string url);
// The base URL, or "" when not configured.
const std::string& public_base_url();

}  // namespace releasebot
