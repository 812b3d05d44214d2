// Health checks of release controls in the domain; see health_check.hpp. The worker only
// reads the database; every poll's outcome is written here, in the pipeline's transaction, so a
// tick, its audit entry, the owner's note, the channel message and the status-message refresh
// commit together or not at all.
#include "commands/health_check.hpp"

#include <cctype>
#include <optional>
#include <vector>

#include "commands/handler_support.hpp"
#include "commands/model/release_model.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"

namespace releasebot {

namespace {

constexpr std::size_t kMaxUrl = 2048;

HealthCheckTiming& timing() {
    static HealthCheckTiming t;
    return t;
}

std::optional<std::int64_t> number_field(const std::map<std::string, std::string>& fields,
                                         const std::string& name) {
    auto it = fields.find(name);
    if (it == fields.end() || it->second.size() > 18 || !all_digits(it->second))
        return std::nullopt;
    return std::stoll(it->second);
}

// "answered 503" or "got no answer (connection refused)".
std::string outcome_text(const HealthCheck& h) {
    if (h.last_status) return "answered " + std::to_string(*h.last_status);
    return "got no answer (" + h.last_error.value_or("unknown error") + ")";
}

std::string control_label(const ReleaseControl& c) {
    return "control " + std::to_string(c.position) + " `" + c.slug + "`";
}

// The tick a 2xx answer earns: as releasebot, the answer as its note (the URL shown without
// its query, which may hold a token), announced like a person's tick would be.
void tick_by_health_check(Context& ctx, const Release& r, ReleaseControl& c,
                          const std::string& evidence) {
    c.status = ControlStatus::done;
    c.done_by = ctx.actor.user;
    c.done_at = ctx.now;
    c.evidence_url.reset();
    c.note = evidence;
    ctx.store.controls.update(c);
    ctx.audit(r.id, "control.tick",
              std::to_string(c.position) + " `" + c.slug + "` note \"" + evidence + "\"");
    if (c.owner && c.owner->kind == Owner::Kind::user) {
        ctx.notify(UserId(c.owner->name),
                   Reply::plain("Your " + control_label(c) + " on *" + r.key +
                                "* was ticked by its health check: " + evidence + "."),
                   r.id);
    }
    std::string line = "Health check passed: ticked " + control_label(c) + " on *" + r.key + "* (" +
                       c.title + ") — " + evidence + ".";
    Reply post;
    post.text = line;
    post.section(line);
    post.context("Polling of this URL has stopped. `control untick " + r.key + " " + c.slug +
                 "` reopens the control, and polling resumes until the window opens.");
    ctx.post(release_home(ctx, r), post, r.id);
}

}  // namespace

void set_health_check_timing(HealthCheckTiming t) {
    timing() = t;
}

const HealthCheckTiming& health_check_timing() {
    return timing();
}

std::string display_url(const std::string& url) {
    const std::size_t scheme = url.find("://");
    const std::size_t authority = scheme == std::string::npos ? 0 : scheme + 3;
    const std::size_t cut = url.find_first_of("?#", authority);
    std::string shown = url.substr(0, cut);
    const std::size_t path = shown.find('/', authority);
    const std::size_t at = shown.rfind('@', path == std::string::npos ? std::string::npos : path);
    if (at != std::string::npos && at >= authority) shown.erase(authority, at + 1 - authority);
    if (cut != std::string::npos && url[cut] == '?') shown += "?…";
    return shown;
}

Result<std::string> parse_health_check_url(const std::string& typed, const std::string& usage) {
    std::string url = typed;
    // Slack sends a link as <https://x> or <https://x|label>.
    if (url.size() > 2 && url.front() == '<' && url.back() == '>') {
        url = url.substr(1, url.size() - 2);
        if (auto bar = url.find('|'); bar != std::string::npos) url.resize(bar);
    }
    const std::string shown = "`" + display_url(url) + "`";
    const std::string instead =
        " Type `" + usage + "`, e.g. with https://status.example.com/health";
    if (url.size() > kMaxUrl) {
        return usage_error("That health-check URL is longer than " + std::to_string(kMaxUrl) +
                           " characters." + instead + ".");
    }
    for (char c : url) {
        if (std::iscntrl(static_cast<unsigned char>(c)) || c == ' ' || c == '"' || c == '<' ||
            c == '>' || c == '\\') {
            return usage_error(shown +
                               " is not a URL releasebot can poll: it holds spaces, quotes or "
                               "angle brackets." +
                               instead + ".");
        }
    }
    const std::string l = lower(url);
    const std::size_t scheme = l.rfind("https://", 0) == 0 ? 8 : l.rfind("http://", 0) == 0 ? 7 : 0;
    if (scheme == 0) {
        return usage_error(shown +
                           " is not a health-check URL: releasebot polls http:// and https:// "
                           "addresses only." +
                           instead + ", or `off` to remove the check.");
    }
    std::string authority = url.substr(scheme, url.find_first_of("/?#", scheme) - scheme);
    if (auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
    std::string host = authority;
    std::string port;
    if (!host.empty() && host.front() == '[') {
        const std::size_t close = host.find(']');
        if (close != std::string::npos && close + 1 < host.size() && host[close + 1] == ':')
            port = host.substr(close + 2);
        host = close == std::string::npos ? std::string() : host.substr(0, close + 1);
    } else if (auto colon = host.rfind(':'); colon != std::string::npos) {
        port = host.substr(colon + 1);
        host.resize(colon);
    }
    if (host.empty() || host == "[]") {
        return usage_error(shown + " names no host to poll." + instead + ".");
    }
    if (authority.find(':') != std::string::npos && authority.back() != ']') {
        const bool digits = port.size() <= 5 && all_digits(port);
        if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535) {
            return usage_error(shown + " has a port that is not a number from 1 to 65535." +
                               instead + ".");
        }
    }
    return url;
}

std::string health_check_summary(const Context& ctx, const HealthCheck& check) {
    std::string out = display_url(check.url) + " — ";
    if (!check.last_at) return out + "not polled yet";
    // A poll of today reads best as a time; an older one needs its date.
    const bool recent = ctx.now - *check.last_at < Seconds{12 * 3600};
    const std::string when =
        recent ? format_clock(*check.last_at, ctx.zone) : format_short(*check.last_at, ctx.zone);
    if (check.last_status)
        return out + "last " + std::to_string(*check.last_status) + " at " + when;
    return out + "last: " + check.last_error.value_or("no answer") + " at " + when;
}

Result<Reply> record_health_check_result(Context& ctx,
                                         const std::map<std::string, std::string>& fields) {
    auto id = number_field(fields, "control");
    auto url = fields.find("url");
    if (!id || url == fields.end())
        return usage_error("A health-check result needs the fields \"control\" and \"url\".");
    auto c = ctx.store.controls.get(ReleaseControlId(*id));
    auto r = c ? ctx.store.releases.get(c->release) : std::nullopt;
    if (!c || !r || r->workspace != ctx.workspace.id)
        return Reply::plain("The control of this health check is gone; nothing to record.");
    auto check = ctx.store.controls.health_check(c->id);
    if (!check || check->url != url->second) {
        return Reply::plain("The health check of " + control_label(*c) + " on " + r->key +
                            " changed while it was polled; this result is dropped.");
    }

    const bool first_poll = !check->last_at;
    auto status = number_field(fields, "status");
    auto at = number_field(fields, "at");
    check->last_at = at ? Instant(Seconds(*at)) : ctx.now;
    check->last_status.reset();
    check->last_error.reset();
    if (status && *status >= 100 && *status <= 999) {
        check->last_status = static_cast<int>(*status);
    } else {
        auto error = fields.find("error");
        check->last_error = error == fields.end() ? "no answer" : error->second;
    }
    ctx.store.controls.record_health_result(c->id, check->last_status, check->last_error,
                                            *check->last_at);

    const std::string evidence = "health check GET " + display_url(check->url) + " " +
                                 outcome_text(*check) + " at " +
                                 format_when(*check->last_at, ctx.zone);
    const bool passed =
        check->last_status && *check->last_status >= 200 && *check->last_status <= 299;
    if (passed && c->status == ControlStatus::open && model::allows(r->state, model::Change::tick)) {
        tick_by_health_check(ctx, *r, *c, evidence);
        return Reply::plain("Ticked " + control_label(*c) + " on " + r->key + ": " + evidence +
                            ".");
    }
    if (!passed && first_poll && c->status == ControlStatus::open) {
        // Said once per URL, so a check that keeps failing does not fill the channel; the
        // latest result is always in `control list`.
        std::string line = "Health check of " + control_label(*c) + " on *" + r->key + "*: GET " +
                           display_url(check->url) + " " + outcome_text(*check) +
                           ". I'll keep polling until the window opens at " +
                           format_when(r->window_start, ctx.zone) +
                           " and tick the control on the first 2xx answer.";
        Reply post;
        post.text = line;
        post.section(line);
        post.context("`control list " + r->key + "` shows the latest result.");
        ctx.post(release_home(ctx, *r), post, r->id);
    }
    return Reply::plain("Recorded: " + evidence + ".");
}

}  // namespace releasebot
