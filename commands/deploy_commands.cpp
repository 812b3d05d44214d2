// `calendar link` and `ci secret`: what a manager needs to connect a calendar client and a CI
// pipeline to the workspace. Both show a secret, so the reply is ephemeral (only the
// manager sees it) and only a manager may ask; rotating one asks for confirmation first, since
// every subscriber or pipeline using the old value stops working at once. The audit log records
// who looked and who rotated, never the values.
#include "commands/deploy_commands.hpp"

#include <functional>
#include <string>

#include "commands/commands.hpp"
#include "commands/handler_support.hpp"
#include "commands/public_links.hpp"
#include "commands/registry.hpp"
#include "commands/time_parse.hpp"
#include "commands/verify.hpp"
#include "storage/workspace_secret_repo.hpp"

namespace releasebot {

namespace {

// The URL of `path`, or the path with a note when no public address is configured.
std::string endpoint(const std::string& path) {
    return public_base_url() + path;
}

void note_missing_base(Reply& r) {
    if (!public_base_url().empty()) return;
    r.context(
        "No public address is configured (`http.public_url` in releasebot.toml), so the "
        "link is shown as a path: put the address this bot is reachable at in front.");
}

Reply secret_reply(std::string text) {
    Reply r;
    r.text = std::move(text);
    r.visibility = Visibility::ephemeral;
    return r;
}

// One of the workspace's secrets as `calendar link` and `ci secret` show it.
struct SecretAccess {
    const char* name;          // "calendar link", as the audit log and confirmations say it
    const char* when_rotated;  // what a rotation breaks, for its confirmation
    const char* shown_action;  // the audit actions of a look and of a rotation
    const char* rotated_action;
    std::string WorkspaceSecrets::*current;
    std::string (WorkspaceSecretRepo::*rotate)(WorkspaceId, Instant);
};

const SecretAccess kCalendarLink{"calendar link",
                                 "calendars subscribed to the old link stop updating",
                                 "calendar.link",
                                 "calendar.rotate",
                                 &WorkspaceSecrets::calendar_token,
                                 &WorkspaceSecretRepo::rotate_calendar_token};
const SecretAccess kCiSecret{"CI webhook secret",
                             "pipelines signing with the old one are refused from now on",
                             "ci.secret.show",
                             "ci.secret.rotate",
                             &WorkspaceSecrets::webhook_secret,
                             &WorkspaceSecretRepo::rotate_webhook_secret};

// Answers with the secret `cmd` asks for: the current one, or with `rotate` a new one. A
// rotation asks for confirmation first: until it is given, the reply is that question. The
// audit log records who looked and who rotated, never the value. `answer` writes the reply
// from the secret and whether it is a new one.
Result<Reply> show_secret(Context& ctx, const ParsedCommand& cmd, const SecretAccess& what,
                          const std::function<Reply(const std::string&, bool)>& answer) {
    const std::string name = what.name;
    WorkspaceSecretRepo secrets(ctx.store.db);
    const bool rotate = cmd.has("rotate");
    if (rotate) {
        if (auto preview = confirmation_preview(
                ctx, "make a new " + name + " for this workspace; " + what.when_rotated))
            return *preview;
    }
    std::string secret = rotate ? (secrets.*what.rotate)(ctx.workspace.id, ctx.now)
                                : secrets.ensure(ctx.workspace.id, ctx.now).*what.current;
    ctx.audit(
        std::nullopt, rotate ? what.rotated_action : what.shown_action,
        rotate ? "made a new " + name + "; the old one no longer works" : "looked up the " + name,
        false);
    Reply r = answer(secret, rotate);
    note_missing_base(r);
    return r;
}

Result<Reply> calendar_link(Context& ctx, const ParsedCommand& cmd) {
    return show_secret(ctx, cmd, kCalendarLink, [](const std::string& token, bool rotate) {
        std::string url = endpoint("/calendar.ics?token=" + token);
        Reply r = secret_reply((rotate ? "New calendar link: " : "Calendar link: ") + url);
        r.section(std::string(rotate ? "*New calendar link*" : "*Calendar link*") +
                  " — only you see this. Subscribe to it in your calendar app (Google Calendar: "
                  "Other calendars → From URL; Outlook: Add calendar → Subscribe from web; Apple "
                  "Calendar: File → New Calendar Subscription):");
        r.section("`" + url + "`");
        r.context(
            "It shows every release window and freeze of this workspace, times in UTC. Anyone "
            "with the link can read it: share it only with the team. `calendar link rotate` "
            "makes a new one and stops the old one.");
        return r;
    });
}

Result<Reply> ci_secret(Context& ctx, const ParsedCommand& cmd) {
    const std::string url = endpoint("/hooks/ci/" + std::to_string(ctx.workspace.id.value()));
    return show_secret(ctx, cmd, kCiSecret, [&url](const std::string& secret, bool rotate) {
        Reply r = secret_reply((rotate ? "New CI webhook secret: " : "CI webhook secret: ") +
                               secret + " — POST signed JSON to " + url);
        r.section(rotate
                      ? "*New CI webhook secret* — pipelines signing with the old one are refused "
                        "from now on. Only you see this."
                      : "*CI webhook* of this workspace. Only you see this.");
        r.fields({{"Webhook URL", "`" + url + "`"}, {"Secret", "`" + secret + "`"}});
        r.section(
            "Keep the secret in your CI's secret store (e.g. `RELEASEBOT_SECRET`). A job ticks a "
            "control like "
            "this:\n```\nbody='{\"action\":\"control.tick\",\"release\":\"web-2026.12\","
            "\"control\":\"package-integrity\",\"evidence\":\"'\"$CI_JOB_URL\"'\"}'\n"
            "ts=$(date +%s); id=\"$CI_JOB_ID-tick\"\n"
            "sig=$(printf '%s.%s.%s' \"$ts\" \"$id\" \"$body\" | openssl dgst -sha256 -hmac "
            "\"$RELEASEBOT_SECRET\" -r | cut -d' ' -f1)\n"
            "curl -fsS -H 'Content-Type: application/json' -H \"X-Releasebot-Timestamp: $ts\" "
            "-H \"X-Releasebot-Delivery: $id\" -H \"X-Releasebot-Signature: sha256=$sig\" "
            "--data-raw \"$body\" " +
            url + "\n```");
        r.context(
            "Or report a build: `{\"action\":\"component.report\",\"release\":…,\"program\":…,"
            "\"component\":…,\"version\":…,\"url\":…,\"sha256\":…}`. The signature covers "
            "timestamp, delivery id and body; requests older than 5 minutes are refused and "
            "a repeated delivery id acts once. `ci secret rotate` makes a new secret.");
        return r;
    });
}

}  // namespace

void register_deploy_commands(Registry& r) {
    r.add({.name = "release verify",
           .args = {positional("key", ArgType::key, "<release>")},
           .summary = "Download each component's artifact and check its SHA-256",
           .example = "release verify web-2026.12",
           .details = "Every program of the release needs a component, and every component an "
                      "artifact URL and a SHA-256 (`release add … url <artifact> sha256 <hex>`). "
                      "The downloads run in the background; the result is posted in the "
                      "release's channel, and when all match, `package-integrity` is ticked.",
           .role = Role::member,
           .changes_state = true,
           .handler = release_verify});
    r.add({.name = "calendar link",
           .args = {flag("rotate")},
           .summary = "Show the workspace's calendar feed URL (iCalendar), or make a new one",
           .example = "calendar link",
           .details = "The link is secret: anyone holding it can read the calendar. Only a "
                      "manager sees it, and only they are shown it. `calendar link rotate` "
                      "replaces it; subscribers of the old link stop getting updates.",
           .role = Role::manager,
           .changes_state = true,
           .handler = calendar_link});
    r.add({.name = "ci secret",
           .args = {flag("rotate")},
           .summary = "Show the CI webhook URL and signing secret, or make a new secret",
           .example = "ci secret",
           .details = "CI pipelines sign their webhook requests with this secret (HMAC-SHA256) to "
                      "tick controls and report components. Only a manager sees it. `ci secret "
                      "rotate` replaces it; pipelines using the old one are refused.",
           .role = Role::manager,
           .changes_state = true,
           .handler = ci_secret});
}

}  // namespace releasebot
