// Retrospective commands: `retro start|answer|status|close|results|invite` and
// the workspace's survey templates, `retro template list|<name> add|show|remove`. The survey,
// the results and the scheduled jobs live in commands/retro_survey.cpp; these are the typed shells.
// (`retro action …` and `retro trends` belong to commands/action_commands.cpp.)
#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "commands/handler_support.hpp"
#include "commands/registry.hpp"
#include "commands/retro_survey.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"

namespace releasebot {

namespace {

constexpr std::size_t kMaxAnswer = 2000;   // characters of a text answer
constexpr std::size_t kMaxPrompt = 300;    // characters of a template question
constexpr std::size_t kMaxQuestions = 20;  // per template
constexpr std::size_t kMaxChoices = 10;
constexpr Seconds kLongestRetro = std::chrono::hours(24 * 30);
constexpr Seconds kShortestRetro = std::chrono::minutes(1);

// Someone's own answer echoed back, kept short enough for one line.
std::string echo(const std::string& v) {
    std::string one = v;
    std::replace(one.begin(), one.end(), '\n', ' ');
    // Up to 80 characters stay whole; a longer answer is cut to 77 and an ellipsis.
    return code_points(one) <= 80 ? one : shorten(one, 78);
}

Result<Retro> load_retro(Context& ctx, const Release& r) {
    if (auto retro = ctx.store.retros.for_release(r.id)) return *retro;
    return not_found(r.key + " has no retrospective yet. Start one with `retro start " + r.key +
                     "` once it is deployed or backed out.");
}

// The release owner or a manager runs a release's retro.
Status require_owner_or_manager(const Context& ctx, const Release& r, const std::string& what) {
    if (r.owner == ctx.actor.user) return ok_status();
    return require_role(
        ctx, Role::manager,
        what + " of a release someone else owns (" + r.key + " is " + who(r.owner) + "'s)");
}

Error closed_error(const Context& ctx, const Release& r, const Retro& retro) {
    return conflict("The retrospective of " + r.key + " closed " +
                    format_when(retro.closed_at.value_or(retro.closes_at), ctx.zone) +
                    "; answers can no longer change. Type `retro results " + r.key +
                    "` to see the results.");
}

// `closes in 2d`, `closes 36h`, or `closes friday 17:00`: how long from now it stays open.
Result<Seconds> closes_in(const Context& ctx, const std::string& raw) {
    std::string text(trim(raw, kTypedSpace));
    std::string span = text;
    if (lower(span).rfind("in ", 0) == 0)
        span = std::string(trim(std::string_view(text).substr(3), kTypedSpace));
    Seconds d{0};
    if (auto parsed = parse_duration(span)) {
        d = *parsed;
    } else if (auto at = parse_when(text, ctx.zone, ctx.now)) {
        if (*at <= ctx.now)
            return invalid("`closes " + raw + "` is in the past. Give a time ahead, like `closes " +
                           "in 2d`.");
        d = *at - ctx.now;
    } else {
        return invalid("Could not read `closes " + raw +
                       "`: say how long it stays open, like `closes in 2d`, or until when, "
                       "like `closes friday 17:00`.");
    }
    if (d > kLongestRetro)
        return invalid("A retrospective stays open for at most 30 days; `closes " + raw + "` is " +
                       format_duration(d) + ". Try `closes in 7d`.");
    if (d < kShortestRetro)
        return invalid("`closes " + raw + "` leaves no time to answer. Try `closes in 2d`.");
    return d;
}

// ---------------------------------------------------------------------------------------------
// retro start

Result<Reply> retro_start(Context& ctx, const ParsedCommand& cmd) {
    auto rel = load_release(ctx, cmd.get("release"));
    if (!rel) return rel.error();
    RB_TRY(require_owner_or_manager(ctx, *rel, "start the retrospective"));
    RetroOptions options;
    for (const auto& u : cmd.all("with")) options.with.emplace_back(u);
    if (!options.with.empty() && cmd.has("everyone")) {
        return usage_error(
            "Ask either the people you name or everyone who took part, not both: "
            "`retro start " +
            rel->key + " with @dana @erin` or `retro start " + rel->key + " everyone`.");
    }
    if (auto closes = cmd.opt("closes")) {
        auto d = closes_in(ctx, *closes);
        if (!d) return d.error();
        options.closes_in = *d;
    }
    options.anonymous = cmd.has("anonymous");
    if (auto t = cmd.opt("template")) options.template_name = *t;
    return start_retro(ctx, *rel, options);
}

// ---------------------------------------------------------------------------------------------
// retro answer

// The stored form of `raw` as an answer to `q`, or what to type instead.
Result<std::string> check_answer(const Release& r, const RetroQuestion& q, const std::string& raw) {
    std::string v(trim(raw, kTypedSpace));
    std::string n = std::to_string(q.position);
    std::string cmd = "retro answer " + r.key + " " + n;
    switch (q.kind) {
        case QuestionKind::rating:
            if (v.size() == 1 && v[0] >= '1' && v[0] <= '5') return v;
            return invalid("Question " + n + " is a rating from 1 (bad) to 5 (great); `" + v +
                           "` is not one. Type e.g. `" + cmd + " 4`.");
        case QuestionKind::choice: {
            if (all_digits(v) && v.size() <= 3) {
                std::size_t i = std::stoul(v);
                if (i >= 1 && i <= q.choices.size()) return q.choices[i - 1];
            }
            for (const auto& c : q.choices)
                if (iequals(c, v)) return c;
            std::vector<std::string> options;
            for (std::size_t i = 0; i < q.choices.size(); ++i)
                options.push_back(std::to_string(i + 1) + " (" + q.choices[i] + ")");
            std::string last = options.back();
            options.pop_back();
            return invalid("Question " + n + " is a choice; `" + v + "` is not one of them. " +
                           "Answer " + join(options, ", ") + " or " + last +
                           ", by number or by its words, e.g. `" + cmd + " 1`.");
        }
        case QuestionKind::text:
            break;
    }
    if (v.empty())
        return invalid("Your answer is empty. Type e.g. `" + cmd + " \"<your answer>\"`.");
    if (code_points(v) > kMaxAnswer)
        return invalid("Your answer is " + std::to_string(code_points(v)) +
                       " characters; an answer holds at most " + std::to_string(kMaxAnswer) +
                       ". Shorten it, or split it over questions.");
    return v;
}

Result<Reply> retro_answer(Context& ctx, const ParsedCommand& cmd) {
    auto rel = load_release(ctx, cmd.get("release"));
    if (!rel) return rel.error();
    auto retro = load_retro(ctx, *rel);
    if (!retro) return retro.error();
    if (!ctx.store.retros.is_participant(retro->id, ctx.actor.user)) {
        return forbidden("You are not in the retrospective of " + rel->key + ". " +
                         who(retro->opened_by) + " started it; ask them (or a manager) to add " +
                         "you with `retro invite " + rel->key + " " + who(ctx.actor.user) + "`.");
    }
    if (retro->status != "open") return closed_error(ctx, *rel, *retro);

    const std::string& number = cmd.get("question");
    int position = number.size() > 4 ? 0 : std::stoi(number);
    auto q = std::find_if(retro->questions.begin(), retro->questions.end(),
                          [&](const RetroQuestion& x) { return x.position == position; });
    if (q == retro->questions.end()) {
        return not_found(
            "The retrospective of " + rel->key + " has " +
            plural(static_cast<long>(retro->questions.size()), "question", "questions") +
            "; there is no question " + number + ". Type `retro status " + rel->key +
            "` to see them, or answer e.g. `retro answer " + rel->key + " 1 4`.");
    }
    auto value = check_answer(*rel, *q, cmd.get("answer"));
    if (!value) return value.error();

    auto before = ctx.store.retros.answer_of(retro->id, ctx.actor.user, position);
    // A reply can outlive the moment: the outbox keeps what it delivered, with its recipient.
    // An anonymous answer is therefore not repeated back, so no stored message holds it beside
    // the name of the person who gave it.
    const bool show = !retro->anonymous;
    const std::string question = "question " + number + " of " + rel->key;
    std::string head;
    if (before && *before == *value) {
        head = show ? "Your answer to " + question + " already is " + echo(*value) +
                          "; nothing changed."
                    : "Your answer to " + question + " is unchanged.";
    } else {
        ctx.store.retros.answer(retro->id, ctx.actor.user, position, *value);
        if (!show) {
            head = (before ? "Changed your answer to " : "Recorded your answer to ") + question +
                   ". It is anonymous, so it is not repeated here.";
        } else if (before) {
            head = "Changed your answer to " + question + " to " + echo(*value) + " (was " +
                   echo(*before) + ").";
        } else {
            head = "Recorded your answer to " + question + ": " + echo(*value) + ".";
        }
        // The audit log is readable by every member and exported. An anonymous answer leaves
        // no entry at all: one naming its author, or only its time, could be set beside who
        // was seen answering then. How many answered is in the `retro.close` entry, who has
        // answered only in the participants (for the one reminder). A named answer records
        // its question number. Answers change nothing the release's status message shows.
        if (!retro->anonymous)
            ctx.audit(rel->id, "retro.answer", "question " + number + (before ? " (changed)" : ""),
                      false);
    }

    int answered = 0;
    std::optional<RetroQuestion> next;
    for (const auto& x : retro->questions) {
        if (ctx.store.retros.answer_of(retro->id, ctx.actor.user, x.position))
            ++answered;
        else if (!next)
            next = x;
    }
    Reply reply;
    reply.visibility = Visibility::ephemeral;
    reply.text = head;
    reply.section(head);
    std::string progress =
        "You have answered " + std::to_string(answered) + " of " +
        plural(static_cast<long>(retro->questions.size()), "question", "questions") +
        (retro->anonymous ? " (anonymously)" : "") + ".";
    if (next) {
        std::string placeholder = next->kind == QuestionKind::rating   ? "<1-5>"
                                  : next->kind == QuestionKind::choice ? "<choice>"
                                                                       : "<your answer>";
        progress += " Next: " + std::to_string(next->position) + ". " + next->prompt +
                    " → `retro " + "answer " + rel->key + " " + std::to_string(next->position) +
                    " " + placeholder + "`";
    }
    reply.context(progress);
    reply.context("You can change any answer until it closes " +
                  format_when(retro->closes_at, ctx.zone) + ".");
    return reply;
}

// ---------------------------------------------------------------------------------------------
// retro status

Result<Reply> retro_status(Context& ctx, const ParsedCommand& cmd) {
    auto rel = load_release(ctx, cmd.get("release"));
    if (!rel) return rel.error();
    auto retro = load_retro(ctx, *rel);
    if (!retro) return retro.error();
    auto people = ctx.store.retros.participants(retro->id);
    std::string rate = response_rate(people);
    bool open = retro->status == "open";
    std::string when =
        open ? "open, closes " + format_when(retro->closes_at, ctx.zone) + " (in " +
                   format_duration(retro->closes_at - ctx.now) + ")"
             : "closed " + format_when(retro->closed_at.value_or(retro->closes_at), ctx.zone);

    Reply reply;
    reply.text = "Retrospective of " + rel->key + ": " + rate + ", " + when + ".";
    reply.header("Retrospective of " + rel->key + " — " + rel->title);
    reply.fields(
        {{"Response", rate},
         {"Status", when},
         {"Anonymous", retro->anonymous ? "yes" : "no"},
         {"Questions",
          std::to_string(retro->questions.size()) + " (template `" + retro->template_name + "`)"},
         {"Started", format_when(retro->opened_at, ctx.zone) + " by " + who(retro->opened_by)}});
    if (retro->anonymous) {
        reply.context("Anonymous: only the count of answers is shown, never who answered.");
    } else {
        std::vector<std::string> missing;
        for (const auto& p : people)
            if (!p.responded) missing.push_back(who(p.user));
        if (!missing.empty())
            reply.section((open ? "Not answered yet: " : "Did not answer: ") + join_and(missing) +
                          ".");
    }
    if (open && ctx.store.retros.is_participant(retro->id, ctx.actor.user)) {
        int mine = 0;
        for (const auto& q : retro->questions)
            if (ctx.store.retros.answer_of(retro->id, ctx.actor.user, q.position)) ++mine;
        reply.context("You have answered " + std::to_string(mine) + " of " +
                      plural(static_cast<long>(retro->questions.size()), "question", "questions") +
                      ": `retro answer " + rel->key + " <question#> <answer>`.");
    }
    reply.context(open ? "Results so far: `retro results " + rel->key +
                             "`. Close it early: `retro close " + rel->key + "`."
                       : "Results: `retro results " + rel->key + "`.");
    return reply;
}

// ---------------------------------------------------------------------------------------------
// retro close, results, invite

Result<Reply> retro_close(Context& ctx, const ParsedCommand& cmd) {
    auto rel = load_release(ctx, cmd.get("release"));
    if (!rel) return rel.error();
    auto retro = load_retro(ctx, *rel);
    if (!retro) return retro.error();
    RB_TRY(require_owner_or_manager(ctx, *rel, "close the retrospective"));
    if (retro->status != "open") {
        return conflict("The retrospective of " + rel->key + " is already closed (" +
                        format_when(retro->closed_at.value_or(retro->closes_at), ctx.zone) +
                        "). Type `retro results " + rel->key + "` to see the results.");
    }
    return close_retro(ctx, *rel, *retro, false, false);
}

Reply export_reply(const Release& r, const Retro& retro, const std::string& format,
                   const std::string& extension, const std::string& body, std::size_t answers) {
    std::string file = "retro-" + r.key + "." + extension;
    std::string count = plural(static_cast<long>(answers), "answer", "answers");
    bool open = retro.status == "open";
    Reply m;
    m.text = "Retrospective of " + r.key + " as " + format + (open ? " so far" : "") + " (" +
             count + "): " + file;
    m.context("Retrospective of *" + r.key + "* as " + format + (open ? " so far" : "") + ", " +
              count + ", times in UTC:");
    m.section("```\n" + body + (body.ends_with("\n") ? "" : "\n") + "```");
    // Platforms that can upload files send the block above as this file.
    m.context("File: " + file);
    m.file = Attachment{file, body, extension == "csv" ? "text/csv" : "text/markdown"};
    return m;
}

Result<Reply> retro_results(Context& ctx, const ParsedCommand& cmd) {
    auto rel = load_release(ctx, cmd.get("release"));
    if (!rel) return rel.error();
    auto retro = load_retro(ctx, *rel);
    if (!retro) return retro.error();
    if (retro->anonymous && retro->status == "open") {
        // Watching anonymous results change between two answers would tell who gave which.
        auto people = ctx.store.retros.participants(retro->id);
        long answered = std::count_if(people.begin(), people.end(),
                                      [](const RetroParticipant& p) { return p.responded; });
        return conflict("The retrospective of " + rel->key + " is anonymous: its results are "
                        "shown when it closes (" + format_when(retro->closes_at, ctx.zone) +
                        "), so no one can tell who answered what from how they change. So far " +
                        std::to_string(answered) + " of " + std::to_string(people.size()) +
                        " have answered. To close it now: `retro close " + rel->key + "`.");
    }
    const std::string& format = cmd.get("format");
    if (format.empty()) return retro_results_reply(ctx, *rel, *retro);
    std::size_t answers = ctx.store.retros.answers(retro->id).size();
    if (format == "csv")
        return export_reply(*rel, *retro, "CSV", "csv", retro_csv(ctx, *retro), answers);
    return export_reply(*rel, *retro, "Markdown", "md", retro_markdown(ctx, *rel, *retro), answers);
}

Result<Reply> retro_invite(Context& ctx, const ParsedCommand& cmd) {
    auto rel = load_release(ctx, cmd.get("release"));
    if (!rel) return rel.error();
    auto retro = load_retro(ctx, *rel);
    if (!retro) return retro.error();
    RB_TRY(require_owner_or_manager(ctx, *rel, "add people to the retrospective"));
    if (retro->status != "open") return closed_error(ctx, *rel, *retro);
    std::vector<std::string> added, already;
    std::set<std::string> seen;
    for (const auto& id : cmd.all("people")) {
        UserId u(id);
        if (!seen.insert(id).second) continue;
        if (ctx.store.retros.is_participant(retro->id, u)) {
            already.push_back(who(u));
            continue;
        }
        ctx.store.retros.add_participant(retro->id, u);
        ctx.notify(u, retro_survey_message(ctx, *rel, *retro, u, false), rel->id);
        added.push_back(who(u));
    }
    if (added.empty()) {
        return conflict(join_and(already) + (already.size() == 1 ? " is" : " are") +
                        " already in the retrospective of " + rel->key + ". Type `retro status " +
                        rel->key + "` to see who answered.");
    }
    ctx.audit(rel->id, "retro.invite", "added " + join_and(added));
    std::string line = "Added " + join_and(added) + " to the retrospective of " + rel->key +
                       "; they got the survey by direct message.";
    Reply reply = Reply::plain(line);
    if (!already.empty())
        reply.context(join_and(already) + (already.size() == 1 ? " was" : " were") +
                      " in it already.");
    return reply;
}

// ---------------------------------------------------------------------------------------------
// retro template

std::string question_kind_label(QuestionKind k) {
    switch (k) {
        case QuestionKind::rating:
            return "rating 1–5";
        case QuestionKind::choice:
            return "choice";
        case QuestionKind::text:
            break;
    }
    return "text";
}

std::vector<std::vector<std::string>> question_rows(const std::vector<RetroQuestion>& qs) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& q : qs)
        rows.push_back({std::to_string(q.position), question_kind_label(q.kind), q.prompt,
                        join(q.choices, " / ")});
    return rows;
}

Status check_template_name(const std::string& name) {
    bool ok = !name.empty() && name.size() <= 40 &&
              std::isalnum(static_cast<unsigned char>(name[0])) &&
              std::all_of(name.begin(), name.end(), [](char c) {
                  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
              });
    if (!ok)
        return invalid("`" + name + "` is not a template name: use up to 40 letters, digits, " +
                       "dashes and underscores, like `ops-review`.");
    if (name == "default" || name == "list")
        return invalid("`" + name + "` is reserved" +
                       (name == "default" ? " for the built-in questions" : "") +
                       "; choose another name, like `ops-review`.");
    return ok_status();
}

Result<std::vector<std::string>> parse_options(const std::string& name, const std::string& raw) {
    std::vector<std::string> out;
    std::string example = "`retro template " + name +
                          " add choice \"Was the window long enough?\" options "
                          "\"yes|no|not sure\"`";
    std::size_t start = 0;
    while (true) {
        auto bar = raw.find('|', start);
        std::string part(
            trim(std::string_view(raw).substr(start, bar == std::string::npos ? bar : bar - start),
                 kTypedSpace));
        if (part.empty())
            return invalid("An option is empty in \"" + raw + "\": separate options with |, " +
                           "like " + example + ".");
        if (all_digits(part))
            return invalid("Option `" + part + "` is a bare number, which would read as an " +
                           "option's position when answering. Write it out, like `" + part +
                           " days`.");
        for (const auto& o : out)
            if (iequals(o, part)) return invalid("Option `" + part + "` is given twice.");
        out.push_back(part);
        if (bar == std::string::npos) break;
        start = bar + 1;
    }
    if (out.size() < 2)
        return invalid("A choice question needs at least two options: " + example + ".");
    if (out.size() > kMaxChoices)
        return invalid("A choice question takes at most " + std::to_string(kMaxChoices) +
                       " options; this one has " + std::to_string(out.size()) + ".");
    return out;
}

Result<Reply> template_list(Context& ctx, const ParsedCommand&) {
    auto all = ctx.store.retros.templates(ctx.workspace.id);
    std::vector<std::vector<std::string>> rows = {
        {"default", std::to_string(default_retro_questions().size()), "built in"}};
    for (const auto& t : all)
        rows.push_back({t.name, std::to_string(t.questions.size()), who(t.created_by)});
    Reply reply;
    reply.text =
        "Retro templates: " + plural(static_cast<long>(all.size()) + 1, "template", "templates") +
        ".";
    reply.header("Retro templates");
    reply.table({"Template", "Questions", "Made by"}, std::move(rows));
    reply.context(
        "See one with `retro template <name> show`; make one with `retro template "
        "<name> add rating|text|choice \"<prompt>\"`; use it with `retro start "
        "<release> template <name>`.");
    return reply;
}

Result<Reply> template_show(Context& ctx, const std::string& name) {
    std::vector<RetroQuestion> qs;
    std::string made;
    if (name == "default") {
        qs = default_retro_questions();
        made = "built in";
    } else if (auto t = ctx.store.retros.find_template(ctx.workspace.id, name)) {
        qs = t->questions;
        made = "made by " + who(t->created_by);
    } else {
        return not_found("There is no retro template `" + name +
                         "`. Type `retro template list` to see them.");
    }
    Reply reply;
    reply.text = "Retro template " + name + ": " +
                 plural(static_cast<long>(qs.size()), "question", "questions") + ".";
    reply.header("Retro template `" + name + "` (" + made + ")");
    reply.table({"#", "Kind", "Question", "Choices"}, question_rows(qs));
    reply.context("Use it with `retro start <release> template " + name + "`.");
    return reply;
}

Result<Reply> template_add(Context& ctx, const ParsedCommand& cmd, const std::string& name) {
    RB_TRY(require_role(ctx, Role::manager, "change retro templates"));
    RB_TRY(check_template_name(name));
    auto kind = parse_question_kind(cmd.get("kind"));
    if (!kind)
        return usage_error(
            "Say which kind of question: rating, text or choice, e.g. `retro "
            "template " +
            name + " add rating \"How calm was the window?\"`.");
    std::string prompt(trim(cmd.get("prompt"), kTypedSpace));
    if (prompt.empty())
        return usage_error("The question needs its words: `retro template " + name + " add " +
                           to_string(*kind) + " \"How calm was the window?\"`.");
    if (code_points(prompt) > kMaxPrompt)
        return invalid("A question holds at most " + std::to_string(kMaxPrompt) +
                       " characters; this one has " + std::to_string(code_points(prompt)) + ".");
    std::vector<std::string> choices;
    if (*kind == QuestionKind::choice) {
        auto options = cmd.opt("options");
        if (!options)
            return usage_error("A choice question needs its options: `retro template " + name +
                               " add choice \"" + prompt + "\" options \"yes|no|not sure\"`.");
        auto parsed = parse_options(name, *options);
        if (!parsed) return parsed.error();
        choices = *parsed;
    } else if (cmd.has("options")) {
        return usage_error("Only a choice question has options; a " + to_string(*kind) +
                           " question takes none. Drop `options`, or make it `choice`.");
    }

    RetroTemplate t;
    if (auto existing = ctx.store.retros.find_template(ctx.workspace.id, name)) {
        t = *existing;
    } else {
        t.workspace = ctx.workspace.id;
        t.name = name;
        t.created_by = ctx.actor.user;
        t.created_at = ctx.now;
    }
    if (t.questions.size() >= kMaxQuestions)
        return conflict("Template `" + name + "` already has " + std::to_string(kMaxQuestions) +
                        " questions, the most a survey should ask.");
    RetroQuestion q{static_cast<int>(t.questions.size()) + 1, *kind, prompt, choices};
    t.questions.push_back(q);
    ctx.store.retros.save_template(t);
    ctx.audit(std::nullopt, "retro.template",
              "template " + name + ": added question " + std::to_string(q.position) + " (" +
                  to_string(*kind) + ") \"" + prompt + "\"" +
                  (choices.empty() ? "" : " options " + join(choices, "|")));

    std::string line = "Added question " + std::to_string(q.position) + " to retro template `" +
                       name + "`: " + prompt + " (" + question_kind_label(*kind) + ").";
    Reply reply;
    reply.text = line;
    reply.section(line);
    reply.table({"#", "Kind", "Question", "Choices"}, question_rows(t.questions));
    reply.context("Use it with `retro start <release> template " + name + "`.");
    return reply;
}

Result<Reply> template_remove(Context& ctx, const std::string& name) {
    RB_TRY(require_role(ctx, Role::manager, "change retro templates"));
    if (name == "default")
        return invalid("The `default` template is built in and cannot be removed.");
    if (!ctx.store.retros.remove_template(ctx.workspace.id, name))
        return not_found("There is no retro template `" + name +
                         "`. Type `retro template list` to see them.");
    ctx.audit(std::nullopt, "retro.template", "removed template " + name);
    Reply reply = Reply::plain("Removed retro template `" + name + "`.");
    reply.context("Retrospectives already started with it keep their questions.");
    return reply;
}

Result<Reply> retro_template(Context& ctx, const ParsedCommand& cmd) {
    std::string name = lower(cmd.get("name"));
    const std::string& action = cmd.get("action");
    if (action == "add") return template_add(ctx, cmd, name);
    if (cmd.has("kind") || cmd.has("prompt") || cmd.has("options"))
        return usage_error("`retro template " + name + " " + action + "` takes nothing more. " +
                           "To add a question: `retro template " + name +
                           " add rating \"How did it go?\"`.");
    if (action == "show") return template_show(ctx, name);
    return template_remove(ctx, name);
}

}  // namespace

void register_retro_commands(Registry& r) {
    r.add({.name = "retro start",
           .args = {positional("release", ArgType::key, "<release>"),
                    repeated_keyword("with", "with", ArgType::user, "@user"), flag("everyone"),
                    optional_keyword("closes", "closes", ArgType::text, "in <duration>"),
                    flag("anonymous"),
                    optional_keyword("template", "template", ArgType::word, "<name>")},
           .summary = "Start a release's retrospective: a survey to everyone who took part",
           .example = "retro start web-2026.12 closes in 2d anonymous",
           .details = "Asks everyone who owned, ticked, reviewed or stepped in the release (or the "
                      "people named with `with`) by direct message. It closes after 48h unless "
                      "`closes in <duration>` says otherwise; non-responders get one reminder "
                      "halfway. `anonymous` stores answers without names.",
           .role = Role::member,
           .changes_state = true,
           .handler = retro_start});
    r.add({.name = "retro answer",
           .args = {positional("release", ArgType::key, "<release>"),
                    positional("question", ArgType::integer, "<question#>"),
                    positional("answer", ArgType::text, "<answer>")},
           .summary = "Answer a question of a retrospective (again to change the answer)",
           .example = "retro answer web-2026.12 2 \"The backout plan was clear\"",
           .details = "Ratings are 1 to 5; choices by number or by their words; text up to 2000 "
                      "characters. Answers can change until the retrospective closes.",
           .role = Role::member,
           .changes_state = true,
           .handler = retro_answer});
    r.add({.name = "retro status",
           .args = {positional("release", ArgType::key, "<release>")},
           .summary = "How many have answered a retrospective, and when it closes",
           .example = "retro status web-2026.12",
           .role = Role::member,
           .handler = retro_status});
    r.add({.name = "retro close",
           .args = {positional("release", ArgType::key, "<release>")},
           .summary = "Close a retrospective now and post its results",
           .example = "retro close web-2026.12",
           .role = Role::member,
           .changes_state = true,
           .handler = retro_close});
    r.add({.name = "retro results",
           .args = {positional("release", ArgType::key, "<release>"),
                    choice("format", {"csv", "markdown"}, false)},
           .summary = "A retrospective's results, or its answers as CSV or Markdown",
           .example = "retro results web-2026.12 markdown",
           .details = "Response rate, each rating's average and distribution, each choice's "
                      "counts, every comment by question and the action items. `csv` gives RFC "
                      "4180 CSV (respondent empty when anonymous), `markdown` a document.",
           .role = Role::member,
           .handler = retro_results});
    ArgSpec people = positional("people", ArgType::user, "@user");
    people.repeated = true;
    r.add({.name = "retro invite",
           .args = {positional("release", ArgType::key, "<release>"), people},
           .summary = "Add people to an open retrospective and send them the survey",
           .example = "retro invite web-2026.12 @erin @frank",
           .role = Role::member,
           .changes_state = true,
           .handler = retro_invite});
    r.add({.name = "retro template list",
           .args = {},
           .summary = "List the workspace's retrospective templates",
           .example = "retro template list",
           .role = Role::member,
           .handler = template_list});
    r.add({.name = "retro template",
           .args = {positional("name", ArgType::word, "<name>"),
                    choice("action", {"add", "show", "remove"}),
                    choice("kind", {"rating", "text", "choice"}, false),
                    optional_positional("prompt", ArgType::text, "\"<prompt>\""),
                    optional_keyword("options", "options", ArgType::text, "\"a|b|c\"")},
           .summary = "Show, extend or remove a retrospective template (managers change them)",
           .example = "retro template ops-review add choice \"Was the window long enough?\" "
                      "options \"yes|no|not sure\"",
           .details = "`add` appends a question (rating 1–5, free text, or a choice of 2 to 10 "
                      "options) and makes the template if it is new. `default` is built in.",
           .role = Role::member,
           .changes_state = true,
           .handler = retro_template});
}

}  // namespace releasebot
