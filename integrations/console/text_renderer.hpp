// Renders a Reply as plain terminal text: headers underlined, checklists as [x] / [ ] / [~],
// tables with aligned columns, buttons as the text to type instead, mentions as @name.
#pragma once

#include <string>

#include "commands/reply.hpp"

namespace releasebot {

// The text for `reply`, ending with a newline. No colour codes: safe for pipes and files.
std::string render_text(const Reply& reply);

}  // namespace releasebot
