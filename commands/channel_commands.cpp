// Channel commands: the workspace's audiences — named sets of channels that
// communications are addressed to — `channel add|list|remove`.
//
// One audience name may hold channels on several platforms ("stakeholders" = a Slack channel
// and a Teams channel), so one approved announcement reaches all of them. Adding and removing
// channels is for managers: it decides where the company's announcements go.
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "commands/handler_support.hpp"
#include "commands/registry.hpp"
#include "commands/text_util.hpp"

namespace releasebot {

namespace {

constexpr std::size_t kMaxName = 40;
const char* kPlatforms[] = {"slack", "teams", "console"};
const char* kChannelForms =
    "write <platform>:<id> — `slack:C0123ABCD`, `teams:19:abc@thread.tacv2` or "
    "`console:terminal` — or `here` for the conversation you are typing in";

bool valid_name(const std::string& s) {
    if (s.empty() || s.size() > kMaxName) return false;
    if (!std::isalpha(static_cast<unsigned char>(s[0]))) return false;
    for (char c : s) {
        bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
        if (!ok) return false;
    }
    return !iequals(s, "here");
}

// Audience names travel as comma-separated lists in `comms draft … to a,b`, so commas (and
// spaces) can never be part of one.
Status check_name(const std::string& name) {
    if (valid_name(name)) return ok_status();
    return invalid("`" + name +
                   "` is not an audience name: use up to 40 letters, digits, dashes, dots and "
                   "underscores, starting with a letter, like `stakeholders` or `it-ops` (no "
                   "commas or spaces: communications list audiences as `to stakeholders,it-ops`).");
}

std::string label(const Audience& a) {
    return a.platform + ":" + a.channel;
}

// Where a channel is, as typed: `here`, or <platform>:<id>.
struct Target {
    std::string platform;
    std::string tenant;
    std::string channel;
    std::optional<std::string> service_url;
    bool here = false;
};

// A Teams channel message arrives in the conversation of its thread,
// "19:…@thread.tacv2;messageid=…"; posting there would answer inside that one thread. An
// audience wants the channel itself, which is the id without the suffix.
std::string teams_channel_of(const std::string& conversation) {
    auto suffix = conversation.find(";messageid=");
    return suffix == std::string::npos || suffix == 0 ? conversation
                                                      : conversation.substr(0, suffix);
}

Result<Target> parse_target(const Context& ctx, const std::string& raw) {
    if (iequals(raw, "here")) {
        std::string channel = ctx.conversation.platform == "teams"
                                  ? teams_channel_of(ctx.conversation.channel)
                                  : ctx.conversation.channel;
        return Target{ctx.conversation.platform, ctx.conversation.tenant, channel,
                      ctx.conversation.service_url, true};
    }
    auto colon = raw.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 >= raw.size()) {
        return invalid("`" + raw + "` is not a channel: " + kChannelForms + ".");
    }
    Target t;
    t.platform = lower(raw.substr(0, colon));
    t.channel = raw.substr(colon + 1);
    bool known = false;
    for (const char* p : kPlatforms) known = known || t.platform == p;
    if (!known) {
        return invalid("`" + raw.substr(0, colon) +
                       "` is not a platform releasebot posts to: use slack, teams or console, "
                       "e.g. `slack:C0123ABCD`.");
    }
    if (t.platform == "slack") {
        // Slack posts by channel id; a #name is what people see, so say where the id is.
        for (char c : t.channel) {
            if (!std::isalnum(static_cast<unsigned char>(c))) {
                return invalid("`" + t.channel +
                               "` is not a Slack channel id: Slack channels are named by id, "
                               "like `slack:C0123ABCD` (open the channel's details; the id is at "
                               "the bottom), or type `channel add <audience> here` in the "
                               "channel itself.");
            }
        }
    } else {
        for (char c : t.channel) {
            if (std::isspace(static_cast<unsigned char>(c))) {
                return invalid("`" + raw + "` is not a channel: " + kChannelForms + ".");
            }
        }
        if (t.platform == "teams") t.channel = teams_channel_of(t.channel);
    }
    return t;
}

// "There are no audiences yet." / "Known audiences: a, b." with the way to add one.
std::string known_audiences(Context& ctx, const std::string& example_name) {
    std::vector<std::string> names;
    for (const auto& a : ctx.store.audiences.list(ctx.workspace.id)) {
        if (names.empty() || !iequals(names.back(), a.name)) names.push_back(a.name);
    }
    std::string add = "`channel add " + example_name + " slack:C0123ABCD` (or `channel add " +
                      example_name + " here` in the channel itself)";
    if (names.empty()) return "There are no audiences yet; a manager adds one with " + add + ".";
    return "Known audiences: " + join(names, ", ") + ". A manager adds one with " + add + ".";
}

std::string channels_of(const std::vector<Audience>& members) {
    std::vector<std::string> labels;
    for (const auto& a : members) labels.push_back(label(a));
    return join(labels, ", ");
}

// ---------------------------------------------------------------------------------------------
// channel add

Result<Reply> channel_add(Context& ctx, const ParsedCommand& cmd) {
    std::string name = cmd.get("audience");
    RB_TRY(check_name(name));
    auto target = parse_target(ctx, cmd.get("channel"));
    if (!target) return target.error();
    if (target->here && (cmd.has("tenant") || cmd.has("url"))) {
        return usage_error(
            "`here` already knows this conversation's tenant and address; `tenant` and `url` go "
            "with <platform>:<id>, e.g. `channel add stakeholders teams:19:abc@thread.tacv2 url "
            "https://smba.trafficmanager.net/emea/`.");
    }
    auto existing = ctx.store.audiences.named(ctx.workspace.id, name);
    // Keep the spelling the audience was created with: "Stakeholders" joins "stakeholders".
    if (!existing.empty()) name = existing.front().name;

    Audience a;
    a.workspace = ctx.workspace.id;
    a.name = name;
    a.platform = target->platform;
    a.channel = target->channel;
    if (target->here) {
        a.tenant = target->tenant;
        a.service_url = target->service_url;
    } else {
        a.tenant = cmd.opt("tenant").value_or(ctx.workspace.tenant);
        a.service_url = cmd.opt("url");
        // A Teams channel added from Teams is reached through the same Bot Connector endpoint
        // as the conversation the command came from.
        if (!a.service_url && a.platform == "teams" && ctx.conversation.platform == "teams") {
            a.service_url = ctx.conversation.service_url;
        }
    }
    a.added_by = ctx.actor.user;
    a.added_at = ctx.now;
    if (!ctx.store.audiences.add(a)) {
        return conflict("Audience *" + name + "* already has " + label(a) +
                        ". Type `channel list` to see every audience and its channels.");
    }
    ctx.audit(std::nullopt, "channel.add", name + " " + label(a));

    auto members = ctx.store.audiences.named(ctx.workspace.id, name);
    std::string where = target->here ? "this conversation (" + label(a) + ")" : label(a);
    std::string line = "Added " + where + " to audience *" + name + "*";
    if (members.size() > 1) {
        line +=
            " (now " + std::to_string(members.size()) + " channels: " + channels_of(members) + ")";
    }
    line += ".";
    Reply r;
    r.text = line;
    r.section(line);
    r.context(
        "Announcements to it reach every one of its channels. Draft one: `comms draft "
        "<release> to " +
        name + " on done \"<text>\"`");
    // releasebot can post to a public Slack channel unasked; a private channel or a Teams
    // conversation must have it as a member, or the announcement fails to arrive. So it says
    // hello there now: if the platform refuses, whoever added the channel hears why at once
    // rather than on release day.
    if (a.platform == "slack" || a.platform == "teams") {
        Outbound hello;
        hello.channel =
            ConversationRef{a.platform, a.tenant, a.channel, std::nullopt, a.service_url};
        hello.reply = Reply::plain("releasebot will post announcements to audience *" + name +
                                   "* here (added by " + who(ctx.actor.user) + ").");
        hello.undelivered_to = ctx.actor.user;
        const std::string fix = a.platform == "slack"
                                    ? "Invite releasebot there (`/invite @releasebot`)"
                                    : "Add releasebot to that conversation (install it in its "
                                      "team, or add it to the chat)";
        hello.undelivered = Reply::plain(
            "releasebot cannot post in " + label(a) + ", which you added to audience *" + name +
            "*, so announcements to it would not arrive there. " + fix +
            " and they will; if the channel is the wrong one, type `channel remove " + name + " " +
            a.platform + ":" + a.channel + "`.");
        ctx.outbound.push_back(std::move(hello));
    }
    if (target->platform == "slack") {
        r.context(
            "releasebot says hello there now. A private channel needs it invited first "
            "(`/invite @releasebot`); if Slack refuses, you hear why by direct message.");
    } else if (target->platform == "teams") {
        r.context(
            "releasebot says hello there now. It must be in that conversation (installed in its "
            "team, or a member of the chat); if Teams refuses, you hear why by direct message.");
    }
    return r;
}

// ---------------------------------------------------------------------------------------------
// channel list

Result<Reply> channel_list(Context& ctx, const ParsedCommand&) {
    auto all = ctx.store.audiences.list(ctx.workspace.id);
    if (all.empty()) {
        std::string line = "There are no audiences yet.";
        Reply r;
        r.text = line;
        r.section(line);
        r.context(
            "A manager adds one with `channel add stakeholders slack:C0123ABCD`, or `channel "
            "add stakeholders here` typed in the channel itself.");
        return r;
    }
    std::vector<std::vector<std::string>> rows;
    long audiences = 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
        const auto& a = all[i];
        bool first = i == 0 || !iequals(all[i - 1].name, a.name);
        if (first) ++audiences;
        rows.push_back({a.name, a.platform, a.channel, who(a.added_by)});
    }
    std::string line = "Audiences of this workspace";
    Reply r;
    r.text = line;
    r.header(line);
    r.table({"audience", "platform", "channel", "added by"}, std::move(rows));
    r.context(plural(audiences, "audience", "audiences") + ", " +
              plural(static_cast<long>(all.size()), "channel", "channels") +
              ". Address one with `comms draft <release> to <audience> …`");
    return r;
}

// ---------------------------------------------------------------------------------------------
// channel remove

Result<Reply> channel_remove(Context& ctx, const ParsedCommand& cmd) {
    const std::string& asked = cmd.get("audience");
    auto members = ctx.store.audiences.named(ctx.workspace.id, asked);
    if (members.empty()) {
        return not_found("There is no audience `" + asked + "`. " + known_audiences(ctx, asked));
    }
    const std::string name = members.front().name;

    int removed = 0;
    std::string what;
    if (auto raw = cmd.opt("channel")) {
        auto target = parse_target(ctx, *raw);
        if (!target) return target.error();
        removed =
            ctx.store.audiences.remove(ctx.workspace.id, name, target->platform, target->channel);
        what = target->platform + ":" + target->channel;
        if (removed == 0) {
            return not_found("Audience *" + name + "* has no channel " + what + "; it has " +
                             channels_of(members) + ". Type `channel remove " + name +
                             " <platform>:<id>` with one of those, or `channel remove " + name +
                             "` to remove the whole audience.");
        }
        ctx.audit(std::nullopt, "channel.remove", name + " " + what);
    } else {
        removed = ctx.store.audiences.remove(ctx.workspace.id, name);
        what = channels_of(members);
        ctx.audit(std::nullopt, "channel.remove",
                  name + " (" + plural(removed, "channel", "channels") + ": " + what + ")");
    }
    bool gone = ctx.store.audiences.named(ctx.workspace.id, name).empty();

    std::string line = gone ? "Removed audience *" + name + "* (" + what + ")."
                            : "Removed " + what + " from audience *" + name + "*.";
    Reply r;
    r.text = line;
    r.section(line);

    // Communications keep the names they were addressed to; an audience left with no channels
    // would silently swallow them, so say which ones and what to do.
    if (gone) {
        std::vector<std::string> stranded;
        for (const auto& c : ctx.store.comms.unsent(ctx.workspace.id)) {
            for (const auto& n : c.audiences) {
                if (iequals(n, name)) {
                    stranded.push_back("#" + std::to_string(c.id.value()) + " (" +
                                       to_string(c.status) + ")");
                    break;
                }
            }
        }
        if (!stranded.empty()) {
            r.section("Heads-up: " + join_and(stranded) + (stranded.size() == 1 ? " is" : " are") +
                      " addressed to *" + name + "*, which now has no channels, so " +
                      (stranded.size() == 1 ? "it" : "they") +
                      " would not reach anyone there. Add a channel with `channel add " + name +
                      " <platform>:<id>` before " + (stranded.size() == 1 ? "it goes" : "they go") +
                      " out.");
        }
    }
    if (!gone) {
        r.context("*" + name + "* still has " +
                  channels_of(ctx.store.audiences.named(ctx.workspace.id, name)) + ".");
    }
    return r;
}

}  // namespace

void register_channel_commands(Registry& r) {
    r.add({.name = "channel add",
           .args = {positional("audience", ArgType::word, "<audience>"),
                    positional("channel", ArgType::word, "<platform>:<id>|here"),
                    optional_keyword("tenant", "tenant", ArgType::word, "<tenant>"),
                    optional_keyword("url", "url", ArgType::url, "<service-url>")},
           .summary = "Add a channel to a named audience for announcements",
           .example = "channel add stakeholders slack:C0123ABCD",
           .details = "Platforms: slack, teams, console. One audience may hold channels on "
                      "several platforms: `channel add stakeholders teams:19:abc@thread.tacv2` "
                      "next to a Slack channel makes every announcement to stakeholders reach "
                      "both. `here` adds the conversation you are typing in. The tenant is the "
                      "workspace's unless you give `tenant <id>`; a Teams channel added from "
                      "outside Teams may need `url <service-url>` (its Bot Connector address).",
           .role = Role::manager,
           .changes_state = true,
           .handler = channel_add});
    r.add({.name = "channel list",
           .args = {},
           .summary = "The audiences and their channels",
           .example = "channel list",
           .role = Role::member,
           .handler = channel_list});
    r.add({.name = "channel remove",
           .args = {positional("audience", ArgType::word, "<audience>"),
                    optional_positional("channel", ArgType::word, "<platform>:<id>|here")},
           .summary = "Remove an audience, or one of its channels",
           .example = "channel remove stakeholders teams:19:abc@thread.tacv2",
           .role = Role::manager,
           .changes_state = true,
           .handler = channel_remove});
}

}  // namespace releasebot
