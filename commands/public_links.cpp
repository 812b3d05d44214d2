// The public base URL of the HTTP endpoints; see public_links.hpp. Written once at start-up
// before any event thread runs, read afterwards, so a plain static needs no lock.
#include "commands/public_links.hpp"

namespace releasebot {

namespace {

std::string& base() {
    static std::string url;
    return url;
}

}  // namespace

void set_public_base_url(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    base() = std::move(url);
}

const std::string& public_base_url() {
    return base();
}

}  // namespace releasebot
