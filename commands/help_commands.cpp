// `help [topic]`: generated from the registry, so it never drifts from what parses.
#include <algorithm>

#include "commands/commands.hpp"
#include "commands/registry.hpp"
#include "commands/text_util.hpp"

namespace releasebot {

namespace {

const char* topic_blurb(const std::string& topic) {
    if (topic == "release") return "plan, approve and run releases";
    if (topic == "control") return "the release controls checklist, ticks and health checks";
    if (topic == "plan") return "deployment and backout plans";
    if (topic == "channel") return "where announcements go (audiences)";
    if (topic == "comms") return "stakeholder announcements: draft, review, send";
    if (topic == "remind") return "reminders before the window";
    if (topic == "retro") return "the release retrospective survey and its action items";
    if (topic == "freeze") return "freeze (blackout) windows";
    if (topic == "role") return "who may do what";
    if (topic == "my") return "your open tasks";
    if (topic == "audit") return "the audit log of a release or of the workspace";
    if (topic == "calendar") return "the releases as a calendar feed to subscribe to";
    if (topic == "ci") return "the webhook your CI signs to tick controls and report components";
    if (topic == "help") return "this help";
    return "";
}

std::string role_note(const CommandSpec& s) {
    if (s.role == Role::manager) return " (managers)";
    if (s.role == Role::approver) return " (approvers and managers)";
    return "";
}

Result<Reply> help(Context&, const ParsedCommand& cmd) {
    const Registry& reg = command_registry();
    std::vector<std::string> topic_words;
    for (const auto& w : cmd.all("topic")) topic_words.push_back(lower(w));
    std::string topic = join(topic_words, " ");

    if (topic.empty()) {
        Reply reply;
        reply.text = "releasebot commands. Type `help <topic>` for details and examples.";
        reply.header("releasebot — commands");
        for (const auto& t : reg.topics()) {
            std::string lines = "*" + t + "* — " + topic_blurb(t);
            for (const auto& s : reg.specs())
                if (!s.hidden && s.topic() == t) lines += "\n  `" + s.usage() + "`";
            reply.section(lines);
        }
        reply.context("Times like `2026-12-05 14:00`, `tomorrow 9:30`, `fri 14:00 Europe/Berlin` "
                      "or `in 3h`; durations like `90m`, `2h`, `3d`. Type `help release plan` "
                      "for one command.");
        return reply;
    }

    std::vector<const CommandSpec*> matches;
    for (const auto& s : reg.specs()) {
        if (s.hidden) continue;
        if (iequals(s.name, topic) || iequals(s.topic(), topic)) matches.push_back(&s);
    }
    // An exact command name shows that command only.
    if (auto exact = reg.find(topic); exact && !exact->hidden && matches.size() > 1 &&
                                      exact->name.find(' ') != std::string::npos)
        matches = {exact};
    if (matches.empty()) {
        std::string guess = closest(topic, reg.topics());
        std::string msg = "There is no help topic `" + topic + "`.";
        if (!guess.empty()) msg += " Did you mean `help " + guess + "`?";
        msg += " Topics: " + join(reg.topics(), ", ") + ".";
        return usage_error(msg);
    }
    Reply reply;
    reply.text = "Help for " + topic;
    reply.header("help " + topic);
    for (const auto* s : matches) {
        std::string text = "`" + s->usage() + "`\n" + s->summary + role_note(*s) + ".";
        if (!s->details.empty()) text += "\n" + s->details;
        text += "\nExample: `" + s->example + "`";
        reply.section(text);
    }
    return reply;
}

}  // namespace

void register_help_commands(Registry& r) {
    ArgSpec topic = optional_positional("topic", ArgType::word, "<topic>");
    topic.repeated = true;
    r.add({.name = "help",
           .args = {topic},
           .summary = "List the commands, or explain one topic or command",
           .example = "help release",
           .handler = help});
}

}  // namespace releasebot
