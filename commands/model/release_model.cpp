// The release model (see release_model.hpp): the gate, the approval snapshot and the rules of
// starting and restating components, as pure functions.
#include "commands/model/release_model.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "commands/actor.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"

namespace releasebot::model {

namespace {

std::string owner_text(const Owner& o) {
    return o.kind == Owner::Kind::user ? mention(UserId(o.name)) : "any " + o.name;
}

std::string spec_of(const Component& c) {
    return c.program + "/" + c.name + "@" + c.version;
}

int count_steps(const ReleaseFacts& f, PlanKind kind) {
    return static_cast<int>(std::count_if(f.steps.begin(), f.steps.end(),
                                          [&](const PlanStep& s) { return s.plan == kind; }));
}

// One snapshot line's key: what it is about ("component web/frontend", "step deploy 2"); the
// rest of the line is its value.
std::string line_key(std::string_view line) {
    // Keys are the first two words, except for single-word keys (window, env, programs, freeze).
    const auto first = line.find(' ');
    if (first == std::string_view::npos) return std::string(line);
    const std::string head(line.substr(0, first));
    if (head == "window" || head == "env" || head == "programs" || head == "freeze") return head;
    const auto second = line.find(' ', first + 1);
    if (head == "step") {
        const auto third = second == std::string_view::npos ? second : line.find(' ', second + 1);
        return std::string(line.substr(0, third));
    }
    return std::string(line.substr(0, second));
}

std::map<std::string, std::string> keyed_lines(std::string_view snapshot) {
    std::map<std::string, std::string> out;
    std::size_t at = 0;
    while (at < snapshot.size()) {
        auto end = snapshot.find('\n', at);
        if (end == std::string_view::npos) end = snapshot.size();
        const std::string_view line = snapshot.substr(at, end - at);
        if (!line.empty()) {
            const std::string key = line_key(line);
            out[key] = std::string(line.substr(std::min(line.size(), key.size() + 1)));
        }
        at = end + 1;
    }
    return out;
}

}  // namespace

std::vector<ReleaseState> accepting(Change change) {
    using S = ReleaseState;
    switch (change) {
        case Change::edit:
        case Change::cancel:
        case Change::move:
        case Change::remind:
            return {S::planned, S::approved};
        case Change::rename:
            return {S::planned,  S::approved,   S::deploying,
                    S::deployed, S::backed_out, S::backout_failed};
        case Change::reassign:
        case Change::tick:
        case Change::announce:
            return {S::planned, S::approved, S::deploying};
        case Change::approve:
            return {S::planned};
        case Change::unapprove:
        case Change::start:
            return {S::approved};
        case Change::step:
        case Change::backout:
        case Change::finish:
            return {S::deploying};
    }
    return {};
}

bool allows(ReleaseState state, Change change) {
    const auto states = accepting(change);
    return std::find(states.begin(), states.end(), state) != states.end();
}

std::optional<std::string> refusal(const Release& r, Change change, std::string_view command) {
    if (allows(r.state, change)) return std::nullopt;
    const auto states = accepting(change);
    std::vector<std::string> names;
    for (const auto s : states) names.push_back(to_string(s));
    std::string allowed = names.size() == 1 ? names[0] : join_or(names);
    if (change == Change::step || change == Change::backout || change == Change::finish)
        allowed += " (after `release start`)";
    return r.key + " is " + to_string(r.state) + "; `" + std::string(command) +
           "` needs it to be " + allowed + ". Type `release show " + r.key +
           "` to see where it stands.";
}

ReleaseState after(const Release& r, Change change, bool backout_step_failed) {
    switch (change) {
        case Change::approve:
            return ReleaseState::approved;
        case Change::unapprove:
            return ReleaseState::planned;
        case Change::start:
        case Change::backout:
            return ReleaseState::deploying;
        case Change::finish:
            if (r.active_plan == PlanKind::deploy) return ReleaseState::deployed;
            return backout_step_failed ? ReleaseState::backout_failed : ReleaseState::backed_out;
        case Change::cancel:
            return ReleaseState::cancelled;
        default:
            return r.state;
    }
}

std::vector<Blocker> blockers(const ReleaseFacts& f, Instant now, const std::string& zone) {
    std::vector<Blocker> out;
    const Release& r = f.release;
    const std::string& key = r.key;
    for (const auto& c : f.controls) {
        if (!c.mandatory || c.status != ControlStatus::open) continue;
        // A control releasebot keeps stands for a check below, which names what is missing.
        if (is_kept_control(c.slug)) continue;
        std::string what = "Control " + std::to_string(c.position) + " `" + c.slug + "` (" +
                           c.title + ") is not ticked";
        if (c.owner) what += "; owner " + owner_text(*c.owner);
        out.push_back({what, "control tick " + key + " " + c.slug});
    }
    if (count_steps(f, PlanKind::deploy) == 0)
        out.push_back({"There is no deployment plan", "plan add " + key + " deploy \"<step>\""});
    if (count_steps(f, PlanKind::backout) == 0)
        out.push_back({"There is no backout plan", "plan add " + key + " backout \"<step>\""});

    // The product itself: something ships, every program has its component, and every
    // artifact that can be fetched can be checked.
    if (f.components.empty()) {
        out.push_back({"Nothing ships: the release has no components",
                       "release add " + key + " <program>/<component>@<version>"});
    }
    for (const auto& p : r.programs) {
        const bool has = std::any_of(f.components.begin(), f.components.end(),
                                     [&](const Component& c) { return iequals(c.program, p); });
        if (!has && !f.components.empty())
            out.push_back({"Program " + p + " has no component",
                           "release add " + key + " " + p + "/<component>@<version>  (or " +
                               "`release program remove " + key + " " + p + "`)"});
    }
    for (const auto& c : f.components) {
        if (c.version.empty())
            out.push_back({c.program + "/" + c.name + " has no version",
                           "release add " + key + " " + c.program + "/" + c.name + "@<version>"});
        if (c.artifact_url && !c.sha256)
            out.push_back(
                {c.program + "/" + c.name + " " + c.version + " has an artifact URL but no SHA-256",
                 "release add " + key + " " + spec_of(c) + " sha256 <hex>"});
    }

    for (const auto& h : f.held) {
        out.push_back({"Communication #" + std::to_string(h.id) + " to " + join(h.audiences, ", ") +
                           " is " + (h.rejected ? "rejected" : "waiting for review"),
                       h.rejected ? "comms edit " + std::to_string(h.id) + " \"<text>\""
                                  : "comms review " + std::to_string(h.id) +
                                        " approve  (someone other than its author)"});
    }
    if (f.freeze && !r.freeze_override) {
        out.push_back({"The window overlaps the freeze " + *f.freeze,
                       "release move " + key + " to <when>  (or a manager: release go " + key +
                           " override \"<reason>\")"});
    }
    // A window that has closed can no longer be approved; one that is open still can, so a
    // release approved late can start in what is left of it.
    if (r.state == ReleaseState::planned && r.window_end() <= now)
        out.push_back({"The window " + format_when(r.window_start, zone) + " has passed",
                       "release move " + key + " to <when>"});
    return out;
}

std::optional<PlanStep> mark_step(const PlanStep& step, StepStatus to,
                                  std::optional<std::string> note, const UserId& by, Instant now) {
    const StepStatus from = step.status;
    const bool allowed = from == StepStatus::pending
                             ? to != StepStatus::pending
                             : (from == StepStatus::failed &&
                                (to == StepStatus::done || to == StepStatus::pending)) ||
                                   (from == StepStatus::done && to == StepStatus::failed);
    if (!allowed) return std::nullopt;
    PlanStep marked = step;
    marked.status = to;
    marked.note = std::move(note);
    if (to == StepStatus::pending) {
        marked.done_by.reset();
        marked.done_at.reset();
    } else {
        marked.done_by = by;
        marked.done_at = now;
    }
    return marked;
}

std::string approval_snapshot(const ReleaseFacts& f) {
    const Release& r = f.release;
    std::ostringstream out;
    out << "window " << format_short(r.window_start, "UTC") << " UTC for "
        << format_duration(r.duration) << '\n';
    out << "env " << r.env.value_or("(none)") << '\n';
    std::vector<std::string> programs = r.programs;
    std::sort(programs.begin(), programs.end());
    out << "programs " << (programs.empty() ? std::string("(none)") : join(programs, ", ")) << '\n';
    std::vector<const Component*> components;
    for (const auto& c : f.components) components.push_back(&c);
    std::sort(components.begin(), components.end(), [](const Component* a, const Component* b) {
        return std::tie(a->program, a->name) < std::tie(b->program, b->name);
    });
    for (const Component* c : components) {
        out << "component " << c->program << "/" << c->name << " " << c->version;
        if (c->artifact_url) out << " url " << *c->artifact_url;
        if (c->sha256) out << " sha256 " << *c->sha256;
        out << '\n';
    }
    std::vector<const PlanStep*> steps;
    for (const auto& s : f.steps) steps.push_back(&s);
    std::sort(steps.begin(), steps.end(), [](const PlanStep* a, const PlanStep* b) {
        return std::tie(a->plan, a->position) < std::tie(b->plan, b->position);
    });
    for (const PlanStep* s : steps) {
        out << "step " << to_string(s->plan) << " " << s->position << " \"" << s->title << "\"";
        if (s->owner) out << " owner " << owner_text(*s->owner);
        if (s->expected) out << " takes " << format_duration(*s->expected);
        out << '\n';
    }
    // Optional controls do not gate, so an approval does not cover them; nor does it cover the
    // ones releasebot keeps, which follow the plans, components and announcements.
    for (const auto& c : f.controls) {
        if (c.mandatory && !is_kept_control(c.slug))
            out << "control " << c.slug << " " << to_string(c.status) << '\n';
    }
    if (r.freeze_override) out << "freeze overridden: \"" << *r.freeze_override << "\"\n";
    return out.str();
}

std::vector<std::string> snapshot_changes(std::string_view before, std::string_view after) {
    const auto was = keyed_lines(before);
    const auto now = keyed_lines(after);
    std::vector<std::string> out;
    for (const auto& [key, value] : was) {
        auto it = now.find(key);
        if (it == now.end())
            out.push_back(key + " " + value + " was removed");
        else if (it->second != value)
            out.push_back(key + ": " + value + " → " + it->second);
    }
    for (const auto& [key, value] : now) {
        if (!was.count(key)) out.push_back(key + " " + value + " was added");
    }
    // Lines that differ only in ways the keyed comparison cannot name still count.
    if (out.empty() && before != after) out.push_back("what was approved changed");
    return out;
}

namespace {

// A snapshot taken before releasebot kept any controls names them too; they are left out of the
// comparison, as they are of new snapshots.
std::string without_kept_controls(std::string_view snapshot) {
    std::string out;
    std::size_t start = 0;
    while (start < snapshot.size()) {
        std::size_t end = snapshot.find('\n', start);
        if (end == std::string_view::npos) end = snapshot.size();
        const std::string_view line = snapshot.substr(start, end - start);
        bool kept = false;
        if (line.substr(0, 8) == "control ") {
            const std::string_view rest = line.substr(8);
            kept = is_kept_control(rest.substr(0, rest.find(' ')));
        }
        if (!kept) {
            out.append(line);
            out.push_back('\n');
        }
        start = end + 1;
    }
    return out;
}

}  // namespace

std::optional<Withdrawal> approval_check(const ReleaseFacts& f, std::string_view stored,
                                         Instant now, const std::string& zone) {
    if (f.release.state != ReleaseState::approved) return std::nullopt;
    Withdrawal w;
    if (!stored.empty())
        w.reasons = snapshot_changes(without_kept_controls(stored), approval_snapshot(f));
    for (const auto& b : blockers(f, now, zone)) w.reasons.push_back(b.what);
    if (w.reasons.empty()) return std::nullopt;
    return w;
}

namespace {

constexpr std::string_view kKeptSlugs[] = {"deployment-plan", "backout-plan",
                                           "components-versioned", "comms-approved"};

// What a kept control says when it holds does not change with the count, so a control stays as
// it was ticked while the plan grows.
std::string steps_text(int n, const std::string& plan) {
    return n == 0 ? "the " + plan + " plan has no step yet" : "the " + plan + " plan has steps";
}

KeptControl judge(std::string_view slug, const ReleaseFacts& f) {
    const std::string& key = f.release.key;
    KeptControl k;
    k.slug = std::string(slug);
    if (slug == "deployment-plan" || slug == "backout-plan") {
        const PlanKind kind = slug == "deployment-plan" ? PlanKind::deploy : PlanKind::backout;
        const int n = count_steps(f, kind);
        k.holds = n > 0;
        k.rule = "while the " + to_string(kind) + " plan has a step";
        k.why = steps_text(n, to_string(kind));
        k.fix = "plan add " + key + " " + to_string(kind) + " \"<step>\"";
    } else if (slug == "components-versioned") {
        std::vector<std::string> bare;
        for (const auto& p : f.release.programs)
            if (std::none_of(f.components.begin(), f.components.end(),
                             [&](const Component& c) { return iequals(c.program, p); }))
                bare.push_back(p);
        const bool unversioned = std::any_of(f.components.begin(), f.components.end(),
                                             [](const Component& c) { return c.version.empty(); });
        k.holds = !f.components.empty() && bare.empty() && !unversioned;
        k.rule = "while every program of the release has a component with a version";
        if (f.components.empty()) {
            k.why = "the release has no components yet";
        } else if (!bare.empty()) {
            k.why = "program " + join(bare, ", ") + " has no component";
        } else if (unversioned) {
            k.why = "a component has no version";
        } else {
            k.why = "every program has its component, each with a version";
        }
        k.fix = "release add " + key + " " + (bare.empty() ? std::string("<program>") : bare[0]) +
                "/<component>@<version>";
    } else {
        k.holds = f.held.empty();
        k.rule = "while no announcement of the release waits for review";
        k.why = f.held.empty()
                    ? "no announcement waits for review"
                    : "announcement #" + std::to_string(f.held.front().id) + " waits for review";
        k.fix = f.held.empty() ? "comms list " + key
                               : "comms review " + std::to_string(f.held.front().id) + " approve";
    }
    return k;
}

}  // namespace

bool is_kept_control(std::string_view slug) {
    return std::find(std::begin(kKeptSlugs), std::end(kKeptSlugs), slug) != std::end(kKeptSlugs);
}

std::vector<KeptControl> kept_controls(const ReleaseFacts& f) {
    std::vector<KeptControl> out;
    for (const auto& c : f.controls)
        if (is_kept_control(c.slug)) out.push_back(judge(c.slug, f));
    return out;
}

std::vector<KeptChange> settle_kept_controls(const ReleaseFacts& f, Instant now) {
    std::vector<KeptChange> out;
    for (const auto& c : f.controls) {
        if (!is_kept_control(c.slug) || c.status == ControlStatus::waived) continue;
        const KeptControl k = judge(c.slug, f);
        if (k.holds && c.status == ControlStatus::open) {
            ReleaseControl changed = c;
            changed.status = ControlStatus::done;
            changed.done_by = UserId("releasebot");  // as a health check ticks
            changed.done_at = now;
            changed.note = "kept by releasebot: " + k.why;
            out.push_back({std::move(changed), k.why});
        } else if (!k.holds && c.status == ControlStatus::done) {
            ReleaseControl changed = c;
            changed.reopen();
            out.push_back({std::move(changed), k.why});
        }
    }
    return out;
}

std::optional<Release> collision(const Release& r, const std::vector<Release>& others) {
    for (const auto& o : others) {
        if (o.id == r.id || iequals(o.key, r.key)) continue;
        if (o.state == ReleaseState::cancelled || o.state == ReleaseState::deployed ||
            o.state == ReleaseState::backed_out)
            continue;
        if (!(o.window_start < r.window_end() && r.window_start < o.window_end())) continue;
        if (o.env.value_or("") != r.env.value_or("")) continue;
        for (const auto& p : r.programs) {
            if (std::any_of(o.programs.begin(), o.programs.end(),
                            [&](const std::string& q) { return iequals(p, q); }))
                return o;
        }
    }
    return std::nullopt;
}

StartWindow start_window(const Release& r, Seconds lead) {
    return {r.window_start - lead, r.window_end()};
}

std::optional<std::string> start_refusal(const Release& r, Instant now, const std::string& zone,
                                         Seconds lead) {
    const StartWindow w = start_window(r, lead);
    if (now >= w.opens && now < w.closes) return std::nullopt;
    std::string when = now < w.opens ? "opens " + format_when(r.window_start, zone) +
                                           "; it can start from " + format_clock(w.opens, zone)
                                     : "closed " + format_when(w.closes, zone);
    return r.key + " cannot start now: its window " + when +
           ". Start it then, move it with `release move " + r.key +
           " to <when>`, or a manager can start it anyway with `release start " + r.key +
           " override \"<reason>\"`.";
}

ComponentUpdate restate_component(const std::optional<Component>& before, Component given) {
    ComponentUpdate out{std::move(given), std::nullopt};
    if (!before) return out;
    Component& c = out.component;
    const bool same_version = before->version == c.version;
    if (same_version) {
        // Keep what the command did not restate.
        if (!c.artifact_url) c.artifact_url = before->artifact_url;
        if (!c.sha256 && c.artifact_url == before->artifact_url) c.sha256 = before->sha256;
        return out;
    }
    // A new version is a new artifact: the old one's URL and checksum would fetch and check
    // the wrong file, so they go unless the command names new ones.
    std::vector<std::string> dropped;
    if (!c.artifact_url && before->artifact_url) dropped.push_back("artifact URL");
    if (!c.sha256 && before->sha256) dropped.push_back("SHA-256");
    if (!dropped.empty())
        out.dropped = "The " + join_and(dropped) + " of " + before->version +
                      (dropped.size() == 1 ? " was" : " were") + " dropped";
    return out;
}

bool verification_stale(const Component& before, const Component& after) {
    return before.artifact_url != after.artifact_url || before.sha256 != after.sha256 ||
           before.version != after.version;
}

}  // namespace releasebot::model
