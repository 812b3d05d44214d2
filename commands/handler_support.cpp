// Helpers shared by the command handlers; see handler_support.hpp.
#include "commands/handler_support.hpp"

#include <algorithm>

#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"

namespace releasebot {

Result<Release> load_release(Context& ctx, const std::string& key) {
    if (auto r = ctx.store.releases.find(ctx.workspace.id, key)) return *r;
    std::vector<std::string> keys;
    for (const auto& r : ctx.store.releases.list(ctx.workspace.id, ReleaseFilter::all, ctx.now))
        keys.push_back(r.key);
    std::string msg = "There is no release `" + key + "` here.";
    if (auto guess = closest(key, keys); !guess.empty()) msg += " Did you mean `" + guess + "`?";
    msg += " Type `release list` to see the releases.";
    return not_found(msg);
}

Status require_role(const Context& ctx, Role least, const std::string& what) {
    if (ctx.role >= least) return ok_status();
    return forbidden("Only " + std::string(least == Role::manager ? "a manager" : "an approver") +
                     " can " + what + "; you are " +
                     (ctx.role == Role::approver ? "an approver" : "a member") +
                     ". Type `role list` to see who can, and ask a manager for `role grant " +
                     who(ctx.actor.user) + " " + to_string(least) + "`.");
}

Result<ReleaseControl> resolve_control(Context& ctx, const Release& release,
                                       const std::string& ref) {
    bool number = all_digits(ref);
    auto all = ctx.store.controls.for_release(release.id);
    if (number) {
        int n = ref.size() > 6 ? 0 : std::stoi(ref);
        if (auto c = ctx.store.controls.at(release.id, n)) return *c;
        // Numbers are kept when a control is removed, so they may have gaps: name them.
        std::vector<std::string> numbers;
        for (const auto& c : all) numbers.push_back(std::to_string(c.position));
        return not_found(release.key + " has no control " + ref + ": it has " +
                         plural(static_cast<long>(all.size()), "control", "controls") +
                         (numbers.empty() ? std::string() : ", numbered " + join(numbers, ", ")) +
                         ". Type `control list " + release.key + "` to see them.");
    }
    if (auto c = ctx.store.controls.find(release.id, ref)) return *c;
    std::vector<std::string> slugs;
    for (const auto& c : all) slugs.push_back(c.slug);
    std::string msg = release.key + " has no control `" + ref + "`.";
    if (auto guess = closest(ref, slugs); !guess.empty()) msg += " Did you mean `" + guess + "`?";
    msg += " Type `control list " + release.key + "` to see its controls.";
    return not_found(msg);
}

Result<Instant> when_arg(Context& ctx, const ParsedCommand& cmd, const std::string& name) {
    auto parsed = parse_when_noted(cmd.get(name), ctx.zone, ctx.now);
    if (!parsed) return parsed.error();
    if (!parsed->note.empty()) ctx.notes.push_back(parsed->note);
    return parsed->at;
}

Result<Seconds> duration_arg(const ParsedCommand& cmd, const std::string& name) {
    return parse_duration(cmd.get(name));
}

std::string confirmation_code(const PendingConfirmation& p) {
    // FNV-1a: stable across processes and builds, which std::hash is not.
    std::uint64_t h = 1469598103934665603ULL;
    auto mix = [&h](std::string_view s) {
        for (unsigned char c : s) {
            h ^= c;
            h *= 1099511628211ULL;
        }
    };
    mix(p.command_text);
    mix("|");
    mix(std::to_string(p.created_at.time_since_epoch().count()));
    static constexpr char kHex[] = "0123456789abcdef";
    std::string code;
    for (int i = 0; i < 8; ++i) code.push_back(kHex[(h >> (4 * i)) & 0xF]);
    return code;
}

std::optional<Reply> confirmation_preview(Context& ctx, const std::string& summary) {
    if (ctx.confirmed) return std::nullopt;
    PendingConfirmation p;
    p.workspace = ctx.workspace.id;
    p.user = ctx.actor.user;
    p.command_text = ctx.command_text;
    p.summary = summary;
    p.created_at = ctx.now;
    p.expires_at = ctx.now + std::chrono::minutes(10);
    ctx.store.confirmations.put(p);
    Reply r;
    r.text = "Please confirm: " + summary + ". Type `yes` to go ahead or `no` to drop it.";
    r.visibility = Visibility::ephemeral;
    r.section("*Please confirm:* " + summary + ".");
    // The buttons name this confirmation: pressed after another has taken its place, they say so
    // and do nothing.
    const std::string code = confirmation_code(p);
    r.buttons({{"Yes, go ahead", "command", "yes " + code, Button::Style::danger},
               {"No, drop it", "command", "no " + code, Button::Style::plain}});
    r.context("Nothing has changed yet. This waits 10 minutes.");
    return r;
}

std::string who(const UserId& u) { return mention(u); }

std::string owner_label(const Owner& o) {
    if (o.kind == Owner::Kind::user) return who(UserId(o.name));
    return "any " + o.name;
}

std::string owner_plain(const Owner& o) {
    return o.kind == Owner::Kind::user ? "@" + o.name : "role " + o.name;
}

bool is_owner(const Context& ctx, const std::optional<Owner>& owner) {
    if (!owner) return false;
    if (owner->kind == Owner::Kind::user) return owner->name == ctx.actor.user.value();
    auto role = parse_role(owner->name);
    return role && ctx.role >= *role;
}

ConversationRef release_home(const Context& ctx, const Release& r) {
    if (!r.home_channel) return ctx.conversation;
    return ConversationRef{ctx.workspace.platform, ctx.workspace.tenant, *r.home_channel,
                           r.home_thread, r.home_service_url};
}

Status accepts(const Release& r, model::Change change, std::string_view command) {
    if (auto no = model::refusal(r, change, command)) return conflict(*no);
    return ok_status();
}

Error wrong_state(const Release& r, const std::string& what, const std::string& allowed) {
    return conflict(r.key + " is " + to_string(r.state) + "; `" + what + "` needs it to be " +
                    allowed + ". Type `release show " + r.key + "` to see where it stands.");
}

}  // namespace releasebot
