// `release verify` and its result; see verify.hpp. The command takes microseconds (it only
// records a request); downloads happen in the worker, and the result comes back through the
// pipeline as one event so its records, audit entries, control tick and announcement commit
// together.
#include "commands/verify.hpp"

#include <algorithm>
#include <vector>

#include "commands/handler_support.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"
#include "commands/timers.hpp"
#include "storage/verify_repo.hpp"

namespace releasebot {

namespace {

constexpr const char* kIntegrityControl = "package-integrity";

std::string component_label(const Component& c) {
    return c.program + "/" + c.name + " " + c.version;
}

// Ticks `package-integrity` for the release when it is open, recording why.
void tick_integrity(Context& ctx, const Release& r, std::size_t artifacts) {
    auto c = ctx.store.controls.find(r.id, kIntegrityControl);
    if (!c || c->status != ControlStatus::open) return;
    c->status = ControlStatus::done;
    c->done_by = ctx.actor.user;
    c->done_at = ctx.now;
    c->note = "release verify: " + plural(static_cast<long>(artifacts), "artifact", "artifacts") +
              " match their SHA-256";
    ctx.store.controls.update(*c);
    ctx.audit(r.id, "control.tick",
              std::to_string(c->position) + " `" + c->slug + "` note \"" + *c->note + "\"");
}

}  // namespace

bool reopen_verification(Context& ctx, const Release& r, const std::string& what) {
    auto c = ctx.store.controls.find(r.id, kIntegrityControl);
    if (!c || c->status != ControlStatus::done) return false;
    c->reopen();
    ctx.store.controls.update(*c);
    ctx.audit(r.id, "control.untick",
              std::to_string(c->position) + " `" + c->slug + "`: the verification is stale (" +
                  what + "); run `release verify " + r.key + "` again");
    return true;
}

Result<Reply> release_verify(Context& ctx, const ParsedCommand& cmd) {
    auto r = load_release(ctx, cmd.get("key"));
    if (!r) return r.error();
    RB_TRY(accepts(*r, model::Change::edit, "release verify"));
    auto components = ctx.store.releases.components(r->id);
    if (components.empty()) {
        return conflict(r->key + " has no components to verify. Add each one with `release add " +
                        r->key + " <program>/<component>@<version> url <artifact> sha256 <hex>`.");
    }
    std::vector<std::string> problems;
    for (const auto& p : r->programs) {
        bool has = std::any_of(components.begin(), components.end(),
                               [&](const Component& c) { return iequals(c.program, p); });
        if (!has)
            problems.push_back("program " + p + " has no component → `release add " + r->key + " " +
                               p + "/<component>@<version> url <artifact> sha256 <hex>`");
    }
    for (const auto& c : components) {
        std::string spec = c.program + "/" + c.name + "@" + c.version;
        if (!c.artifact_url)
            problems.push_back(component_label(c) + " has no artifact URL → `release add " +
                               r->key + " " + spec + " url <artifact>`");
        if (!c.sha256)
            problems.push_back(component_label(c) + " has no SHA-256 → `release add " + r->key +
                               " " + spec + " sha256 <hex>`");
    }
    if (!problems.empty()) {
        std::string list;
        for (const auto& p : problems) list += "\n• " + p;
        return conflict(r->key + " cannot be verified yet:" + list);
    }

    VerifyRepo verify(ctx.store.db);
    if (auto pending = verify.pending_for(r->id)) {
        Reply reply = Reply::plain("Already checking the artifacts of *" + r->key + "* (asked by " +
                                   who(pending->requested_by) + " at " +
                                   format_clock(pending->requested_at, ctx.zone) +
                                   "); the result will be posted in its channel.");
        return reply;
    }
    verify.request(ctx.workspace.id, r->id, ctx.actor.user, ctx.now);
    ctx.audit(r->id, "release.verify",
              "asked to check " +
                  plural(static_cast<long>(components.size()), "artifact", "artifacts") +
                  " against their SHA-256",
              false);
    Reply reply = Reply::plain(
        "Checking " + plural(static_cast<long>(components.size()), "artifact", "artifacts") +
        " of *" + r->key +
        "* against their SHA-256. I'll post the result in the release's "
        "channel when the downloads are done.");
    reply.context("When every artifact matches, control `package-integrity` is ticked.");
    return reply;
}

Result<Reply> record_verify_result(Context& ctx, const std::map<std::string, std::string>& fields) {
    auto it = fields.find("request");
    std::int64_t id = 0;
    try {
        id = it == fields.end() ? 0 : std::stoll(it->second);
    } catch (const std::exception&) {
    }
    VerifyRepo verify(ctx.store.db);
    auto request = verify.get(id);
    if (!request) return usage_error("There is no verify request " + std::to_string(id) + ".");
    if (request->status != "pending")
        return Reply::plain("Verify request " + std::to_string(id) + " was recorded before.");
    verify.finish(id, ctx.now);
    auto r = ctx.store.releases.get(request->release);
    if (!r)
        return Reply::plain("The release of verify request " + std::to_string(id) + " is gone.");

    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> failed;
    std::size_t checked = 0;
    for (const auto& c : ctx.store.releases.components(r->id)) {
        if (!c.artifact_url) continue;
        ++checked;
        auto f = fields.find("c" + std::to_string(c.id.value()));
        std::string error;
        if (f == fields.end()) {
            error = "not checked (added while the check ran)";
        } else if (f->second.rfind("sha256:", 0) == 0) {
            std::string got = lower(f->second.substr(7));
            if (!c.sha256) {
                error = "no SHA-256 recorded";
            } else if (got != *c.sha256) {
                error = "checksum mismatch: the artifact hashes to " + got + ", the release says " +
                        *c.sha256;
            } else {
                verify.record_match(c.id, got, ctx.now);
                rows.push_back({component_label(c), "matches"});
                continue;
            }
        } else {
            error = f->second.rfind("error:", 0) == 0 ? f->second.substr(6) : f->second;
        }
        verify.record_failure(c.id, error, ctx.now);
        rows.push_back({component_label(c), "FAILED: " + error});
        failed.push_back(component_label(c));
    }

    const bool all_ok = failed.empty() && checked > 0;
    std::string headline =
        all_ok ? "Package check of *" + r->key + "*: all " +
                     plural(static_cast<long>(checked), "artifact matches", "artifacts match") +
                     " its SHA-256."
               : "Package check of *" + r->key +
                     "*: " + plural(static_cast<long>(failed.size()), "artifact", "artifacts") +
                     " of " + std::to_string(checked) + " failed: " + join_and(failed) + ".";
    ctx.audit(r->id, "release.verify",
              all_ok ? "all " + std::to_string(checked) + " artifacts match"
                     : std::to_string(failed.size()) + " of " + std::to_string(checked) +
                           " failed: " + join(failed, ", "),
              false);
    if (all_ok) tick_integrity(ctx, *r, checked);

    Reply reply;
    reply.text = headline;
    reply.section(headline);
    reply.table({"Component", "Result"}, std::move(rows));
    reply.context(all_ok ? "Control `package-integrity` is ticked."
                         : "Fix the artifact or its checksum (`release add " + r->key +
                               " <program>/<component>@<version> sha256 <hex>`), then `release "
                               "verify " +
                               r->key + "` again.");
    ctx.post(release_home(ctx, *r), reply, r->id);
    return reply;
}

}  // namespace releasebot
