// Control commands: the workspace's control templates, and each release's
// checklist copied from them — `control add|edit|remove|list|explain|tick|untick|waive`, and
// `control check`, which gives a release's control a health check (commands/health_check.hpp).
//
// A template is the workspace's definition; every release planned afterwards gets its own copy,
// so editing a template never rewrites the checklist of a release already under way. Commands
// with `to|in|from <release>` work on that copy instead.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "commands/commands.hpp"
#include "commands/gate.hpp"
#include "commands/handler_support.hpp"
#include "commands/health_check.hpp"
#include "commands/model/release_model.hpp"
#include "commands/registry.hpp"
#include "commands/release_view.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"

namespace releasebot {

namespace {

constexpr std::size_t kMinSlug = 2;
constexpr std::size_t kMaxSlug = 40;

bool valid_slug(const std::string& s) {
    if (s.size() < kMinSlug || s.size() > kMaxSlug) return false;
    if (s[0] < 'a' || s[0] > 'z') return false;
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok) return false;
    }
    return true;
}

// The slug a person probably meant ("Ops_Ready" → "ops-ready"), used to make the error's
// example concrete; falls back to a known-good id when nothing sensible is left.
std::string suggest_slug(const std::string& s) {
    std::string out;
    for (char c : lower(s)) {
        bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (keep) {
            out += c;
        } else if (!out.empty() && out.back() != '-') {
            out += '-';
        }
    }
    while (!out.empty() && !(out[0] >= 'a' && out[0] <= 'z')) out.erase(0, 1);
    if (out.size() > kMaxSlug) out.resize(kMaxSlug);
    while (!out.empty() && out.back() == '-') out.pop_back();
    return valid_slug(out) ? out : "ops-ready";
}

Status check_slug(const std::string& slug) {
    if (valid_slug(slug)) return ok_status();
    return invalid("`" + slug + "` is not a valid control id: use 2 to 40 lower-case letters, " +
                   "digits and dashes, starting with a letter, e.g. `" + suggest_slug(slug) + "`.");
}

std::string quoted(const std::string& s) {
    return "\"" + s + "\"";
}

std::string control_ref(const ReleaseControl& c) {
    return "control " + std::to_string(c.position) + " `" + c.slug + "`";
}

std::string necessity(bool mandatory) {
    return mandatory ? "mandatory" : "optional";
}

struct Tally {
    int total = 0, done = 0, waived = 0, open = 0, open_mandatory = 0;
    std::optional<int> first_open_mandatory;  // of those people tick
    int kept_open = 0;                        // mandatory ones releasebot ticks when they hold
};

Tally tally(const std::vector<ReleaseControl>& controls) {
    Tally t;
    for (const auto& c : controls) {
        ++t.total;
        if (c.status == ControlStatus::done) ++t.done;
        if (c.status == ControlStatus::waived) ++t.waived;
        if (c.status == ControlStatus::open) {
            ++t.open;
            if (c.mandatory) {
                ++t.open_mandatory;
                if (model::is_kept_control(c.slug)) {
                    ++t.kept_open;
                } else if (!t.first_open_mandatory) {
                    t.first_open_mandatory = c.position;
                }
            }
        }
    }
    return t;
}

// "4 of 7 done, 1 waived, 2 open (2 mandatory)".
std::string summary_line(const Tally& t) {
    std::string s = std::to_string(t.done) + " of " + std::to_string(t.total) + " done, " +
                    std::to_string(t.waived) + " waived, " + std::to_string(t.open) + " open";
    if (t.open > 0) s += " (" + std::to_string(t.open_mandatory) + " mandatory)";
    return s;
}

// What to do next on a release's checklist, for the context line under a change.
std::string next_hint(const Release& r, const Tally& t) {
    if (t.first_open_mandatory) {
        return "Next: `control tick " + r.key + " " + std::to_string(*t.first_open_mandatory) +
               "` (" + plural(t.open_mandatory, "mandatory control", "mandatory controls") +
               " open)";
    }
    if (t.kept_open > 0) {
        return "releasebot ticks the " + plural(t.kept_open, "open control", "open controls") +
               " itself once what " + (t.kept_open == 1 ? "it stands" : "they stand") +
               " for holds; `release show " + r.key + "` says what is missing";
    }
    if (r.state == ReleaseState::planned) {
        return "Every mandatory control is done or waived. Next: `release go " + r.key + "`";
    }
    return "Every mandatory control is done or waived.";
}

// A template by slug, or by its number in `control list` (templates are numbered too, so the
// same habit works with and without a release).
Result<ControlTemplate> resolve_template(Context& ctx, const std::string& ref) {
    auto all = ctx.store.controls.templates(ctx.workspace.id);
    if (all_digits(ref)) {
        std::size_t n = ref.size() > 6 ? 0 : std::stoul(ref);
        if (n >= 1 && n <= all.size()) return all[n - 1];
        return not_found("Control template " + ref + " does not exist: there are " +
                         plural(static_cast<long>(all.size()), "template", "templates") +
                         ". Type `control list` to see them.");
    }
    if (auto t = ctx.store.controls.find_template(ctx.workspace.id, ref)) return *t;
    std::vector<std::string> slugs;
    for (const auto& t : all) slugs.push_back(t.slug);
    std::string msg = "No control template `" + ref + "`.";
    if (auto near = closest(ref, slugs); !near.empty()) msg += " Did you mean `" + near + "`?";
    msg +=
        " Type `control list` to see the templates, or `control list <release>` for a "
        "release's checklist.";
    return not_found(msg);
}

// ---------------------------------------------------------------------------------------------
// control add

Result<Reply> control_add(Context& ctx, const ParsedCommand& cmd) {
    const std::string& slug = cmd.get("id");
    RB_TRY(check_slug(slug));
    const std::string& title = cmd.get("title");
    if (is_blank(title)) {
        return invalid("A control needs a title: `control add " + slug +
                       " \"Operations ready to take over\"`.");
    }
    bool mandatory = cmd.get("necessity") != "optional";
    auto owner = Owner::from_stored(cmd.opt("owner"));
    auto doc = cmd.opt("doc");
    std::string about = cmd.get("about");

    std::string detail = quoted(title) + " " + necessity(mandatory);
    if (owner) detail += " owner " + owner_plain(*owner);
    if (doc) detail += " doc " + *doc;

    auto release_key = cmd.opt("release");
    if (!release_key) {
        RB_TRY(require_role(ctx, Role::manager, "add a control template"));
        if (auto existing = ctx.store.controls.find_template(ctx.workspace.id, slug)) {
            return conflict("Control template `" + existing->slug + "` already exists (" +
                            quoted(existing->title) + "). Type `control edit " + existing->slug +
                            " \"<new title>\"` to change it, or choose another id.");
        }
        ControlTemplate t;
        t.workspace = ctx.workspace.id;
        t.slug = slug;
        t.title = title;
        t.description = about;
        t.doc_url = doc;
        t.mandatory = mandatory;
        t.owner = owner;
        ctx.store.controls.add_template(t);
        ctx.audit(std::nullopt, "control.add", "template `" + slug + "` " + detail);

        std::string line = "Added control template `" + slug + "` — " + title + " (" +
                           necessity(mandatory) +
                           (owner ? ", owner " + owner_label(*owner) : std::string()) + ").";
        Reply r;
        r.text = line;
        r.section(line);
        r.context(
            "Releases planned from now on get it; releases already planned keep their "
            "checklist. To add it to one: `control add " +
            slug + " " + quoted(title) + " to <release>`.");
        return r;
    }

    auto rel = load_release(ctx, *release_key);
    if (!rel) return rel.error();
    RB_TRY(accepts(*rel, model::Change::edit, "control add … to " + rel->key));
    if (auto existing = ctx.store.controls.find(rel->id, slug)) {
        return conflict("Control `" + existing->slug + "` already exists on " + rel->key +
                        " as number " + std::to_string(existing->position) + " (" +
                        quoted(existing->title) + "). Type `control edit " + existing->slug +
                        " \"<new title>\" in " + rel->key + "` to change it.");
    }
    ReleaseControl c;
    c.release = rel->id;
    c.slug = slug;
    c.title = title;
    c.description = about;
    c.doc_url = doc;
    c.mandatory = mandatory;
    c.owner = owner;
    ctx.store.controls.add(c);
    auto added = ctx.store.controls.find(rel->id, slug);
    if (added) c = *added;
    ctx.audit(rel->id, "control.add", std::to_string(c.position) + " `" + slug + "` " + detail);

    if (owner && owner->kind == Owner::Kind::user) {
        std::string msg = "You own " + control_ref(c) + " on *" + rel->key + "*: " + title +
                          ". Tick it with `control tick " + rel->key + " " + slug + "`.";
        ctx.notify(UserId(owner->name), Reply::plain(msg), rel->id);
    }

    bool reopened = false;
    if (mandatory && rel->state == ReleaseState::approved) {
        reopened = recheck_approval(ctx, *rel);
    }

    std::string line = "Added " + control_ref(c) + " to *" + rel->key + "*: " + title + " (" +
                       necessity(mandatory) +
                       (owner ? ", owner " + owner_label(*owner) : std::string()) + ").";
    Reply r;
    r.text = line;
    r.section(line);
    if (reopened) r.section(withdrawn_note(*rel));
    r.context(
        "Only this release gets it; the workspace's templates are unchanged. Next: "
        "`control tick " +
        rel->key + " " + slug + "`");
    return r;
}

// ---------------------------------------------------------------------------------------------
// control edit

// The requested changes, applied to any control-like record (template or release copy).
struct Edits {
    std::optional<std::string> title;
    std::optional<bool> mandatory;
    std::optional<Owner> owner;
    std::optional<std::string> doc;
    std::optional<std::string> about;

    bool any() const { return title || mandatory || owner || doc || about; }
};

template <class C>
std::vector<std::string> apply_edits(C& c, const Edits& e) {
    std::vector<std::string> changes;
    if (e.title && *e.title != c.title) {
        c.title = *e.title;
        changes.push_back("title " + quoted(c.title));
    }
    if (e.mandatory && *e.mandatory != c.mandatory) {
        c.mandatory = *e.mandatory;
        changes.push_back("now " + necessity(c.mandatory));
    }
    if (e.owner && (!c.owner || c.owner->stored() != e.owner->stored())) {
        c.owner = e.owner;
        changes.push_back("owner " + owner_plain(*c.owner));
    }
    if (e.doc && c.doc_url != e.doc) {
        c.doc_url = e.doc;
        changes.push_back("doc " + *c.doc_url);
    }
    if (e.about && *e.about != c.description) {
        c.description = *e.about;
        changes.push_back("description " + quoted(c.description));
    }
    return changes;
}

const char* kEditable =
    "a new \"<title>\", mandatory or optional, owner @user|<role>, doc <url> or "
    "about \"<description>\"";

Result<Reply> control_edit(Context& ctx, const ParsedCommand& cmd) {
    const std::string& ref = cmd.get("id");
    Edits e;
    if (auto t = cmd.opt("title")) {
        if (is_blank(*t)) return invalid("A control's title cannot be empty.");
        e.title = *t;
    }
    if (auto n = cmd.opt("necessity")) e.mandatory = (*n == "mandatory");
    e.owner = Owner::from_stored(cmd.opt("owner"));
    e.doc = cmd.opt("doc");
    e.about = cmd.opt("about");
    if (!e.any()) {
        return invalid(std::string("Nothing to change: give ") + kEditable +
                       ", e.g. `control edit " + ref + " optional owner @dana`.");
    }

    auto release_key = cmd.opt("release");
    if (!release_key) {
        auto t = resolve_template(ctx, ref);
        if (!t) return t.error();
        auto changes = apply_edits(*t, e);
        if (changes.empty()) {
            return invalid("Control template `" + t->slug +
                           "` already reads like that; nothing changed. You can give " + kEditable +
                           ".");
        }
        ctx.store.controls.update_template(*t);
        ctx.audit(std::nullopt, "control.edit",
                  "template `" + t->slug + "`: " + join(changes, ", "));
        std::string line =
            "Edited control template `" + t->slug + "`: " + join(changes, ", ") + ".";
        Reply r;
        r.text = line;
        r.section(line);
        r.context(
            "Releases planned from now on get the new version; releases already planned "
            "keep their copy. To change one: `control edit " +
            t->slug + " … in <release>`.");
        return r;
    }

    auto rel = load_release(ctx, *release_key);
    if (!rel) return rel.error();
    RB_TRY(accepts(*rel, model::Change::edit, "control edit … in " + rel->key));
    auto c = resolve_control(ctx, *rel, ref);
    if (!c) return c.error();
    bool was_mandatory = c->mandatory;
    std::optional<std::string> owner_before =
        c->owner ? std::optional<std::string>(c->owner->stored()) : std::nullopt;
    auto changes = apply_edits(*c, e);
    if (changes.empty()) {
        return invalid(control_ref(*c) + " on " + rel->key +
                       " already reads like that; nothing changed. You can give " + kEditable +
                       ".");
    }
    ctx.store.controls.update(*c);
    ctx.audit(rel->id, "control.edit",
              std::to_string(c->position) + " `" + c->slug + "`: " + join(changes, ", "));

    // A new owner hears that the control is now theirs.
    if (c->owner && c->owner->kind == Owner::Kind::user && c->owner->stored() != owner_before &&
        c->status == ControlStatus::open) {
        ctx.notify(
            UserId(c->owner->name),
            Reply::plain("You own " + control_ref(*c) + " on *" + rel->key + "*: " + c->title +
                         ". Tick it with `control tick " + rel->key + " " + c->slug + "`."),
            rel->id);
    }

    bool reopened = false;
    if (!was_mandatory && c->mandatory && c->status == ControlStatus::open &&
        rel->state == ReleaseState::approved) {
        reopened = recheck_approval(ctx, *rel);
    }
    std::string line =
        "Edited " + control_ref(*c) + " on *" + rel->key + "*: " + join(changes, ", ") + ".";
    Reply r;
    r.text = line;
    r.section(line);
    if (reopened) r.section(withdrawn_note(*rel));
    r.context("Only this release's copy changed; the workspace template is unchanged.");
    return r;
}

// ---------------------------------------------------------------------------------------------
// control remove

Result<Reply> control_remove(Context& ctx, const ParsedCommand& cmd) {
    const std::string& ref = cmd.get("id");
    auto release_key = cmd.opt("release");
    if (!release_key) {
        auto t = resolve_template(ctx, ref);
        if (!t) return t.error();
        ctx.store.controls.remove_template(t->id);
        ctx.audit(std::nullopt, "control.remove", "template `" + t->slug + "` " + quoted(t->title));
        std::string line = "Removed control template `" + t->slug + "` — " + t->title + ".";
        Reply r;
        r.text = line;
        r.section(line);
        r.context(
            "Releases planned from now on will not get it; releases already planned keep "
            "their copy (`control remove " +
            t->slug + " from <release>` removes one).");
        return r;
    }

    auto rel = load_release(ctx, *release_key);
    if (!rel) return rel.error();
    RB_TRY(accepts(*rel, model::Change::edit, "control remove … from " + rel->key));
    auto c = resolve_control(ctx, *rel, ref);
    if (!c) return c.error();
    // Removing a control drops it from the gate like a waiver does, but leaves no reason
    // behind, so it is confirmed first.
    if (auto preview = confirmation_preview(
            ctx, "Remove " + control_ref(*c) + " (" + c->title + ") from " + rel->key +
                     ": the go/no-go gate will no longer check it")) {
        return *preview;
    }
    ctx.store.controls.remove(c->id);
    ctx.audit(rel->id, "control.remove",
              std::to_string(c->position) + " `" + c->slug + "` " + quoted(c->title) + " (was " +
                  to_string(c->status) + ")");
    std::string line = "Removed " + control_ref(*c) + " from *" + rel->key + "*: " + c->title + ".";
    Reply r;
    r.text = line;
    r.section(line);
    r.context("The other controls keep their numbers. `control list " + rel->key +
              "` shows the checklist.");
    return r;
}

// ---------------------------------------------------------------------------------------------
// control list

Reply template_list(Context& ctx) {
    auto all = ctx.store.controls.templates(ctx.workspace.id);
    Reply r;
    if (all.empty()) {
        r.text = "This workspace has no control templates.";
        r.section(r.text);
        r.context(
            "A manager adds one with `control add ops-ready \"Operations ready to take "
            "over\"`.");
        return r;
    }
    std::vector<std::vector<std::string>> rows;
    int n = 0;
    for (const auto& t : all) {
        rows.push_back({std::to_string(++n), t.slug, t.title, t.mandatory ? "yes" : "no",
                        t.owner ? owner_label(*t.owner) : "—", t.doc_url.value_or("—")});
    }
    r.text = "Control templates: " + plural(n, "control", "controls") + " every new release gets.";
    r.header("Control templates");
    r.table({"#", "id", "title", "mandatory", "owner", "doc"}, std::move(rows));
    r.context(
        "`control explain <id>` tells what one is for; `control list <release>` shows a "
        "release's checklist.");
    return r;
}

Result<Reply> control_list(Context& ctx, const ParsedCommand& cmd) {
    auto key = cmd.opt("release");
    if (!key) return template_list(ctx);
    auto rel = load_release(ctx, *key);
    if (!rel) return rel.error();
    auto controls = ctx.store.controls.for_release(rel->id);
    Tally t = tally(controls);

    // The same items `release show` draws (health checks and their last results included), so
    // a checklist reads alike everywhere.
    std::vector<ChecklistItem> items = control_items(ctx, *rel);
    Reply r;
    r.text = rel->key + " controls: " + summary_line(t);
    r.header("Controls of " + rel->key + " — " + rel->title + " (" + to_string(rel->state) + ")");
    if (items.empty()) {
        r.section("No controls on this release. Add one with `control add <id> \"<title>\" to " +
                  rel->key + "`.");
    } else {
        r.checklist(std::move(items));
    }
    r.section(summary_line(t));
    if (model::allows(rel->state, model::Change::tick)) r.context(next_hint(*rel, t));
    return r;
}

// ---------------------------------------------------------------------------------------------
// control explain

Result<Reply> control_explain(Context& ctx, const ParsedCommand& cmd) {
    const std::string& ref = cmd.get("id");
    auto key = cmd.opt("release");
    std::string slug, title, description;
    std::optional<std::string> doc;
    bool mandatory = true;
    std::optional<Owner> owner;
    std::optional<ReleaseControl> in_release;
    std::optional<Release> rel;

    if (key) {
        auto r = load_release(ctx, *key);
        if (!r) return r.error();
        rel = *r;
        auto c = resolve_control(ctx, *rel, ref);
        if (!c) return c.error();
        in_release = *c;
        slug = c->slug;
        title = c->title;
        description = c->description;
        doc = c->doc_url;
        mandatory = c->mandatory;
        owner = c->owner;
    } else {
        auto t = resolve_template(ctx, ref);
        if (!t) return t.error();
        slug = t->slug;
        title = t->title;
        description = t->description;
        doc = t->doc_url;
        mandatory = t->mandatory;
        owner = t->owner;
    }

    Reply r;
    r.text = "`" + slug + "` — " + title + " (" + necessity(mandatory) + ")";
    r.header(slug + " — " + title);
    if (description.empty()) {
        r.section("No description yet. A manager can add one with `control edit " + slug +
                  " about \"<why it matters>\"`.");
    } else {
        r.section("*Why it matters:* " + description);
    }
    r.fields({{"Required", mandatory ? "mandatory: `release go` waits for it"
                                     : "optional: `release go` does not wait for it"},
              {"Owner", owner ? owner_label(*owner) : "nobody in particular"},
              {"Doc", doc.value_or("none")}});

    if (in_release) {
        const auto& c = *in_release;
        std::string status = to_string(c.status);
        auto items = control_items(ctx, *rel);
        auto pos = static_cast<std::size_t>(c.position);
        if (c.status != ControlStatus::open && pos >= 1 && pos <= items.size()) {
            status = items[pos - 1].detail;
        }
        r.fields({{"In " + rel->key, std::to_string(c.position) + ". " + status}});
        if (auto check = ctx.store.controls.health_check(c.id)) {
            r.fields({{"Health check", health_check_summary(ctx, *check)}});
        }
        if (c.status == ControlStatus::open && model::allows(rel->state, model::Change::tick)) {
            r.context("Tick it with `control tick " + rel->key + " " + c.slug +
                      " evidence <url> \"note\"`");
        }
        return r;
    }

    // Where the control still stands between a release and its deployment.
    std::vector<std::string> open_in;
    for (const auto& release :
         ctx.store.releases.list(ctx.workspace.id, ReleaseFilter::all, ctx.now)) {
        if (!model::allows(release.state, model::Change::tick)) continue;
        auto c = ctx.store.controls.find(release.id, slug);
        if (c && c->status == ControlStatus::open) {
            open_in.push_back(release.key + " (" + to_string(release.state) + ", number " +
                              std::to_string(c->position) + ")");
        }
    }
    if (open_in.empty()) {
        r.context("Not open on any release under way.");
    } else {
        r.section("Still open on " + join(open_in, ", ") + ".");
        r.context("`control explain " + slug + " in <release>` shows its status there.");
    }
    return r;
}

// ---------------------------------------------------------------------------------------------
// control tick / untick / waive

Result<Release> release_for_ticks(Context& ctx, const ParsedCommand& cmd, const std::string& what) {
    auto rel = load_release(ctx, cmd.get("release"));
    if (!rel) return rel.error();
    RB_TRY(accepts(*rel, model::Change::tick, what));
    return rel;
}

std::string when_by(const Context& ctx, const ReleaseControl& c) {
    std::string s;
    if (c.done_by) s += " by " + who(*c.done_by);
    if (c.done_at) s += " on " + format_when(*c.done_at, ctx.zone);
    return s;
}

// A control with an owner (a person or a role) is ticked and unticked by that owner, an approver
// or a manager; one without an owner by any member. A signed CI webhook ticks for the owner.
Status check_control_owner(const Context& ctx, const Release& rel, const ReleaseControl& c,
                           const std::string& verb) {
    if (!c.owner || ctx.automated || ctx.role >= Role::approver || is_owner(ctx, c.owner))
        return ok_status();
    const std::string owner = owner_label(*c.owner);
    const std::string ask = c.owner->kind == Owner::Kind::user
                                ? "Ask " + owner + " to " + verb + " it"
                                : "Ask one of them to " + verb + " it";
    return forbidden("Only the owner of " + control_ref(c) + " on " + rel.key + " (" + owner +
                     "), an approver or a manager can " + verb + " it; you are a member. " + ask +
                     ", or type `role list` to see the approvers and managers.");
}

// The controls the model keeps (a plan present, components versioned, announcements approved)
// are ticked and reopened by releasebot as what they stand for changes, never by hand; a
// manager may still waive one, or clear its waiver.
Status check_not_kept(Context& ctx, const Release& rel, const ReleaseControl& c,
                      const std::string& verb) {
    if (!model::is_kept_control(c.slug) || c.status == ControlStatus::waived) return ok_status();
    for (const auto& k : model::kept_controls(load_facts(ctx, rel))) {
        if (k.slug != c.slug) continue;
        std::string msg = "Nobody needs to " + verb + " " + control_ref(c) + " on " + rel.key +
                          ": releasebot keeps it, ticked " + k.rule + ". Now " + k.why + ".";
        if (!k.holds) msg += " Next: `" + k.fix + "`.";
        return k.holds && verb == "tick" ? conflict(msg) : invalid(msg);
    }
    return ok_status();
}

Result<Reply> control_tick(Context& ctx, const ParsedCommand& cmd) {
    auto rel = release_for_ticks(ctx, cmd, "control tick");
    if (!rel) return rel.error();
    auto c = resolve_control(ctx, *rel, cmd.get("control"));
    if (!c) return c.error();
    RB_TRY(check_not_kept(ctx, *rel, *c, "tick"));
    RB_TRY(check_control_owner(ctx, *rel, *c, "tick"));
    if (c->status == ControlStatus::done) {
        return conflict("Control " + std::to_string(c->position) + " `" + c->slug + "` on " +
                        rel->key + " is already done: ticked" + when_by(ctx, *c) +
                        ". To tick it again, untick it first: `control untick " + rel->key + " " +
                        c->slug + "`.");
    }
    if (c->status == ControlStatus::waived) {
        return conflict("Control " + std::to_string(c->position) + " `" + c->slug + "` on " +
                        rel->key + " was waived" + when_by(ctx, *c) +
                        (c->note ? " (reason: " + *c->note + ")" : std::string()) +
                        ", so it needs no tick. A manager can clear the waiver with `control "
                        "untick " +
                        rel->key + " " + c->slug + "`.");
    }
    c->status = ControlStatus::done;
    c->done_by = ctx.actor.user;
    c->done_at = ctx.now;
    c->evidence_url = cmd.opt("evidence");
    c->note = cmd.opt("note");
    if (c->note && is_blank(*c->note)) c->note.reset();
    ctx.store.controls.update(*c);

    std::string detail = std::to_string(c->position) + " `" + c->slug + "`";
    if (c->evidence_url) detail += " evidence " + *c->evidence_url;
    if (c->note) detail += " note " + quoted(*c->note);
    ctx.audit(rel->id, "control.tick", detail);

    if (c->owner && c->owner->kind == Owner::Kind::user) {
        std::string msg = who(ctx.actor.user) + " ticked your " + control_ref(*c) + " on *" +
                          rel->key + "*: " + c->title;
        if (c->evidence_url) msg += " (evidence " + *c->evidence_url + ")";
        ctx.notify(UserId(c->owner->name), Reply::plain(msg + "."), rel->id);
    }

    Tally t = tally(ctx.store.controls.for_release(rel->id));
    std::string line = "Ticked " + control_ref(*c) + " on *" + rel->key + "*: " + c->title + ".";
    Reply r;
    r.text = line;
    r.section(line);
    std::vector<std::pair<std::string, std::string>> f;
    if (c->evidence_url) f.emplace_back("Evidence", *c->evidence_url);
    if (c->note) f.emplace_back("Note", *c->note);
    if (!f.empty()) r.fields(std::move(f));
    r.context(summary_line(t) + ". " + next_hint(*rel, t));
    return r;
}

Result<Reply> control_untick(Context& ctx, const ParsedCommand& cmd) {
    auto rel = release_for_ticks(ctx, cmd, "control untick");
    if (!rel) return rel.error();
    auto c = resolve_control(ctx, *rel, cmd.get("control"));
    if (!c) return c.error();
    RB_TRY(check_not_kept(ctx, *rel, *c, "untick"));
    RB_TRY(check_control_owner(ctx, *rel, *c, "untick"));
    if (c->status == ControlStatus::open) {
        return conflict("Control " + std::to_string(c->position) + " `" + c->slug + "` on " +
                        rel->key +
                        " is not ticked, so there is nothing to untick. Type `control "
                        "list " +
                        rel->key + "` to see the checklist.");
    }
    // A waiver is a manager's decision; clearing it is one too.
    if (c->status == ControlStatus::waived) {
        RB_TRY(require_role(ctx, Role::manager, "clear a waiver"));
    }
    std::string was = (c->status == ControlStatus::done ? "ticked" : "waived") + when_by(ctx, *c);
    std::string was_plain = std::string(c->status == ControlStatus::done ? "ticked" : "waived") +
                            (c->done_by ? " by @" + c->done_by->value() : std::string());
    c->reopen();
    ctx.store.controls.update(*c);
    ctx.audit(rel->id, "control.untick",
              std::to_string(c->position) + " `" + c->slug + "` (was " + was_plain + ")");
    bool reopened = c->mandatory && recheck_approval(ctx, *rel);
    if (c->owner && c->owner->kind == Owner::Kind::user) {
        ctx.notify(
            UserId(c->owner->name),
            Reply::plain(who(ctx.actor.user) + " unticked your " + control_ref(*c) + " on *" +
                         rel->key + "*: " + c->title + " (it was " + was +
                         "). Tick it again with `control tick " + rel->key + " " + c->slug + "`."),
            rel->id);
    }

    std::string line =
        "Unticked " + control_ref(*c) + " on *" + rel->key + "*: it was " + was + ".";
    Reply r;
    r.text = line;
    r.section(line);
    if (reopened) r.section(withdrawn_note(*rel));
    r.context("Tick it again with `control tick " + rel->key + " " + c->slug + "`");
    return r;
}

// The spec requires a manager, so the dispatcher has already refused everyone else.
Result<Reply> control_waive(Context& ctx, const ParsedCommand& cmd) {
    auto rel = release_for_ticks(ctx, cmd, "control waive");
    if (!rel) return rel.error();
    auto c = resolve_control(ctx, *rel, cmd.get("control"));
    if (!c) return c.error();
    auto reason = cmd.opt("reason");
    if (!reason || is_blank(*reason)) {
        return usage_error("A waiver needs a reason, in quotes: `control waive " + rel->key + " " +
                           c->slug + " \"signed off by email, see OPS-12\"`.");
    }
    if (c->status == ControlStatus::waived) {
        return conflict("Control " + std::to_string(c->position) + " `" + c->slug + "` on " +
                        rel->key + " is already waived" + when_by(ctx, *c) +
                        (c->note ? " (reason: " + *c->note + ")" : std::string()) + ".");
    }
    if (c->status == ControlStatus::done) {
        return conflict("Control " + std::to_string(c->position) + " `" + c->slug + "` on " +
                        rel->key + " is already done: ticked" + when_by(ctx, *c) +
                        ". Nothing to waive; to waive it instead, `control untick " + rel->key +
                        " " + c->slug + "` first.");
    }
    if (auto preview = confirmation_preview(ctx, "Waive control " + std::to_string(c->position) +
                                                     " `" + c->slug + "` on " + rel->key +
                                                     " (reason: " + *reason + ")")) {
        return *preview;
    }
    c->status = ControlStatus::waived;
    c->done_by = ctx.actor.user;
    c->done_at = ctx.now;
    c->evidence_url.reset();
    c->note = *reason;
    ctx.store.controls.update(*c);
    ctx.audit(rel->id, "control.waive",
              std::to_string(c->position) + " `" + c->slug + "` reason " + quoted(*reason));

    if (c->owner && c->owner->kind == Owner::Kind::user) {
        ctx.notify(UserId(c->owner->name),
                   Reply::plain(who(ctx.actor.user) + " waived your " + control_ref(*c) + " on *" +
                                rel->key + "*: " + *reason + "."),
                   rel->id);
    }

    Tally t = tally(ctx.store.controls.for_release(rel->id));
    std::string line = "Waived " + control_ref(*c) + " on *" + rel->key + "*: " + c->title + ".";
    Reply r;
    r.text = line;
    r.section(line);
    r.fields({{"Reason", *reason}});
    r.context(summary_line(t) + ". " + next_hint(*rel, t));
    return r;
}

// ---------------------------------------------------------------------------------------------
// control check

// What the health-check worker will do with a URL just set, given the window and its timing.
std::string polling_plan(const Context& ctx, const Release& r, const ReleaseControl& c) {
    const HealthCheckTiming& timing = health_check_timing();
    if (c.status != ControlStatus::open) {
        return std::string("It is ") + (c.status == ControlStatus::done ? "ticked" : "waived") +
               " already, so it is polled only if it is unticked before the window opens.";
    }
    if (ctx.now >= r.window_start) return "The window has opened, so it is not polled.";
    const Instant from = r.window_start - timing.lead;
    const std::string every = "every " + format_duration(timing.interval);
    if (ctx.now >= from) {
        return "Polling starts now, " + every + " until the window opens at " +
               format_when(r.window_start, ctx.zone) + "; the first 2xx answer ticks it.";
    }
    return "Polling starts at " + format_when(from, ctx.zone) + " (" +
           format_duration(timing.lead) + " before the window), " + every +
           " until the window opens; the first 2xx answer ticks it.";
}

Result<Reply> control_check_off(Context& ctx, const Release& rel, const ReleaseControl& c,
                                const std::optional<HealthCheck>& current) {
    if (!current) {
        return conflict(
            "Control " + std::to_string(c.position) + " `" + c.slug + "` on " + rel.key +
            " has no health check, so there is nothing to turn off. Give it one with `control "
            "check " +
            rel.key + " " + c.slug + " https://status.example.com/health`.");
    }
    const std::string was = display_url(current->url);
    ctx.store.controls.set_health_check(c.id, std::nullopt);
    ctx.audit(rel.id, "control.check",
              std::to_string(c.position) + " `" + c.slug + "` off (was " + was + ")");
    std::string line = "Removed the health check of " + control_ref(c) + " on *" + rel.key +
                       "*: " + was + " is no longer polled.";
    Reply r;
    r.text = line;
    r.section(line);
    if (c.status == ControlStatus::open) {
        r.context("The control stays open: tick it with `control tick " + rel.key + " " + c.slug +
                  " evidence <url>`.");
    }
    return r;
}

Result<Reply> control_check(Context& ctx, const ParsedCommand& cmd) {
    auto rel = load_release(ctx, cmd.get("release"));
    if (!rel) return rel.error();
    RB_TRY(accepts(*rel, model::Change::edit, "control check"));
    auto c = resolve_control(ctx, *rel, cmd.get("control"));
    if (!c) return c.error();
    auto current = ctx.store.controls.health_check(c->id);
    const std::string& target = cmd.get("target");
    if (iequals(target, "off")) return control_check_off(ctx, *rel, *c, current);

    auto url =
        parse_health_check_url(target, "control check " + rel->key + " " + c->slug + " <url>");
    if (!url) return url.error();
    if (current && current->url == *url) {
        return invalid(control_ref(*c) + " on " + rel->key +
                       " already has that health check; nothing changed. `control list " +
                       rel->key + "` shows its last result.");
    }
    ctx.store.controls.set_health_check(c->id, *url);
    std::string detail = std::to_string(c->position) + " `" + c->slug + "` " + display_url(*url);
    if (current) detail += " (was " + display_url(current->url) + ")";
    ctx.audit(rel->id, "control.check", detail);

    std::string line = "Health check set on " + control_ref(*c) + " of *" + rel->key + "*: GET " +
                       display_url(*url) + ".";
    Reply r;
    r.text = line;
    r.section(line);
    r.section(polling_plan(ctx, *rel, *c));
    r.context("`control list " + rel->key + "` shows the last result; `control check " + rel->key +
              " " + c->slug + " off` removes the check.");
    return r;
}

}  // namespace

void register_control_commands(Registry& r) {
    r.add({.name = "control add",
           .args = {positional("id", ArgType::slug, "<id>"),
                    positional("title", ArgType::text, "\"<title>\""),
                    choice("necessity", {"mandatory", "optional"}, false),
                    optional_keyword("owner", "owner", ArgType::owner, "@user|<role>"),
                    optional_keyword("doc", "doc", ArgType::url, "<url>"),
                    optional_keyword("about", "about", ArgType::text, "\"<description>\""),
                    optional_keyword("to", "release", ArgType::key, "<release>")},
           .summary = "Add a control template (managers), or a control to one release",
           .example = "control add ops-ready \"Operations ready to take over\" owner @dana "
                      "doc https://wiki.example.com/ops-ready",
           .details = "Without `to`, adds a template that every release planned from now on "
                      "gets (managers only). With `to <release>`, adds the control to that "
                      "release only. The id is 2 to 40 lower-case letters, digits and dashes, "
                      "starting with a letter. Controls are mandatory unless you say optional.",
           .role = Role::member,
           .changes_state = true,
           .handler = control_add});
    r.add({.name = "control edit",
           .args = {positional("id", ArgType::slug, "<id|n>"),
                    optional_positional("title", ArgType::text, "\"<title>\""),
                    choice("necessity", {"mandatory", "optional"}, false),
                    optional_keyword("owner", "owner", ArgType::owner, "@user|<role>"),
                    optional_keyword("doc", "doc", ArgType::url, "<url>"),
                    optional_keyword("about", "about", ArgType::text, "\"<description>\""),
                    optional_keyword("in", "release", ArgType::key, "<release>")},
           .summary = "Change a control template, or one release's copy with `in <release>`",
           .example = "control edit ops-ready optional owner approver",
           .details = "Editing a template changes what releases planned from now on get; "
                      "releases already planned keep their copy (edit it with `in <release>`).",
           .role = Role::manager,
           .changes_state = true,
           .handler = control_edit});
    r.add({.name = "control remove",
           .args = {positional("id", ArgType::slug, "<id|n>"),
                    optional_keyword("from", "release", ArgType::key, "<release>")},
           .summary = "Remove a control template, or a control from one release",
           .example = "control remove ops-ready from web-2026.12",
           .details = "Removing a release's control asks for confirmation: like a waiver, the "
                      "gate stops checking it.",
           .role = Role::manager,
           .changes_state = true,
           .handler = control_remove});
    r.add({.name = "control list",
           .args = {optional_positional("release", ArgType::key, "<release>")},
           .summary = "A release's checklist, or the workspace's control templates",
           .example = "control list web-2026.12",
           .role = Role::member,
           .handler = control_list});
    r.add({.name = "control explain",
           .args = {positional("id", ArgType::slug, "<id|n>"),
                    optional_keyword("in", "release", ArgType::key, "<release>")},
           .summary = "What a control is for, who owns it, and where it is still open",
           .example = "control explain package-integrity",
           .role = Role::member,
           .handler = control_explain});
    r.add({.name = "control tick",
           .args = {positional("release", ArgType::key, "<release>"),
                    positional("control", ArgType::slug, "<id|n>"),
                    optional_keyword("evidence", "evidence", ArgType::url, "<url>"),
                    optional_positional("note", ArgType::text, "\"note\"")},
           .summary = "Mark a release's control as done, with evidence",
           .example = "control tick web-2026.12 package-integrity evidence "
                      "https://ci.example.com/run/812 \"checksums match\"",
           .role = Role::member,
           .changes_state = true,
           .handler = control_tick});
    r.add({.name = "control untick",
           .args = {positional("release", ArgType::key, "<release>"),
                    positional("control", ArgType::slug, "<id|n>")},
           .summary = "Reopen a ticked control (a waived one needs a manager)",
           .example = "control untick web-2026.12 3",
           .role = Role::member,
           .changes_state = true,
           .handler = control_untick});
    r.add({.name = "control check",
           .args = {positional("release", ArgType::key, "<release>"),
                    positional("control", ArgType::slug, "<id|n>"),
                    positional("target", ArgType::word, "<url>|off")},
           .summary = "Give a release's control a health check that ticks it, or remove it (off)",
           .example = "control check web-2026.12 ops-ready https://status.example.com/health",
           .details = "Before the window opens (from the configured lead time, 60 minutes by "
                      "default), releasebot polls the URL with GET and ticks the control, as "
                      "releasebot, on the first 2xx answer; any other answer is kept as the "
                      "last result, shown by `control list <release>`. Only http:// and "
                      "https:// URLs; the query string (which may hold a token) is never "
                      "shown or logged. `off` removes the check.",
           .role = Role::manager,
           .changes_state = true,
           .handler = control_check});
    r.add({.name = "control waive",
           .args = {positional("release", ArgType::key, "<release>"),
                    positional("control", ArgType::slug, "<id|n>"),
                    optional_positional("reason", ArgType::text, "\"reason\"")},
           .summary = "Waive a control for one release, with a reason",
           .example = "control waive web-2026.12 business-signoff \"signed off by email, see "
                      "OPS-12\"",
           .details = "The reason, in quotes, is required; it is kept with the control and in the "
                      "audit log. Asks for confirmation first.",
           .role = Role::manager,
           .changes_state = true,
           .handler = control_waive});
}

}  // namespace releasebot
