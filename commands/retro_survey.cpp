// The release retrospective as a chat survey: who took part in a release, starting a retro
// (the default questions or a workspace template), the survey as each participant receives it,
// the results (response rate, averages and text histograms, every comment, the action items),
// the CSV and Markdown exports, closing, and the two scheduled jobs.
//
// Anonymity is kept by what is shown as much as by what is stored (storage/retro_repo.hpp):
// in an anonymous retro nothing here names who gave an answer, counts stand in for names of
// non-responders, and exports leave the respondent column empty.
#include "commands/retro_survey.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "commands/handler_support.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"
#include "commands/timers.hpp"

namespace releasebot {

namespace {

constexpr int kMaxBar = 20;  // histogram bars longer than this are scaled down

// People read messages addressed to them in their own zone, else the workspace's.
std::string zone_of(Context& ctx, const UserId& user) {
    if (auto p = ctx.store.workspaces.person(ctx.workspace.id, user))
        if (p->time_zone && !p->time_zone->empty()) return *p->time_zone;
    return ctx.workspace.time_zone.empty() ? "UTC" : ctx.workspace.time_zone;
}

std::string pad(std::string s, std::size_t width) {
    std::size_t w = code_points(s);
    if (w < width) s.append(width - w, ' ');
    return s;
}

std::string repeat(const std::string& unit, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += unit;
    return out;
}

std::optional<int> rating_of(const std::string& v) {
    int n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || n < 1 || n > 5) return std::nullopt;
    return n;
}

std::vector<RetroAnswer> answers_to(const std::vector<RetroAnswer>& all, int position) {
    std::vector<RetroAnswer> out;
    for (const auto& a : all)
        if (a.position == position) out.push_back(a);
    return out;
}

// "5 ██ 2" lines, labels padded to one width and bars to another so the counts line up.
std::string histogram(const std::vector<std::pair<std::string, int>>& rows) {
    std::size_t label_width = 0;
    int most = 0;
    for (const auto& [label, n] : rows) {
        label_width = std::max(label_width, code_points(label));
        most = std::max(most, n);
    }
    auto bar_of = [most](int n) {
        if (most <= kMaxBar) return n;
        int scaled = n * kMaxBar / most;
        return n > 0 ? std::max(scaled, 1) : 0;
    };
    int bar_width = bar_of(most);
    std::string out;
    for (const auto& [label, n] : rows) {
        out += pad(label, label_width) + " " + pad(repeat("█", bar_of(n)), bar_width) + " " +
               std::to_string(n) + "\n";
    }
    return out;
}

struct RatingSummary {
    int count = 0;
    double average = 0;
    std::string histogram;
};

RatingSummary summarize_ratings(const std::vector<RetroAnswer>& answers) {
    std::array<int, 6> counts{};
    int sum = 0;
    RatingSummary s;
    for (const auto& a : answers) {
        if (auto n = rating_of(a.value)) {
            ++counts[*n];
            sum += *n;
            ++s.count;
        }
    }
    if (s.count > 0) s.average = static_cast<double>(sum) / s.count;
    std::vector<std::pair<std::string, int>> rows;
    for (int n = 5; n >= 1; --n) rows.emplace_back(std::to_string(n), counts[n]);
    s.histogram = histogram(rows);
    return s;
}

std::string choice_histogram(const RetroQuestion& q, const std::vector<RetroAnswer>& answers) {
    std::vector<std::pair<std::string, int>> rows;
    for (const auto& c : q.choices) {
        int n = static_cast<int>(std::count_if(answers.begin(), answers.end(),
                                               [&](const RetroAnswer& a) { return a.value == c; }));
        rows.emplace_back(c, n);
    }
    return histogram(rows);
}

std::string one_decimal(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string utc_text(Instant t) {
    return format_short(t, "UTC") + " UTC";
}

// Exports are read outside chat: "@bob" rather than mention markup.
std::string plain_user(const UserId& u) {
    return "@" + u.value();
}

// A text answer as one bullet; later lines of a multi-line answer stay inside the bullet.
std::string bullet(const std::string& marker, const std::string& text, const std::string& by) {
    std::string out = marker;
    for (char c : text) {
        out += c;
        if (c == '\n') out += std::string(marker.size(), ' ');
    }
    if (!by.empty()) out += " — " + by;
    return out;
}

std::vector<SurveyQuestion> survey_questions(const Release& r, const Retro& retro) {
    std::vector<SurveyQuestion> out;
    for (const auto& q : retro.questions) {
        SurveyQuestion s;
        s.number = q.position;
        s.kind = to_string(q.kind);
        s.prompt = q.prompt;
        s.choices = q.choices;
        s.answer_command = "retro answer " + r.key + " " + std::to_string(q.position);
        out.push_back(std::move(s));
    }
    return out;
}

std::string anonymity_note(bool anonymous) {
    return anonymous ? "Anonymous: answers are stored without names; only whether someone has "
                       "answered is kept, for one reminder."
                     : "Not anonymous: names are shown next to answers in the results.";
}

Reply nothing_to_do(const std::string& why) {
    return Reply::plain("Nothing to do: " + why + ".");
}

Result<std::vector<RetroQuestion>> questions_for(Context& ctx, const std::string& name) {
    if (iequals(name, "default")) return default_retro_questions();
    if (auto t = ctx.store.retros.find_template(ctx.workspace.id, name)) {
        if (!t->questions.empty()) return t->questions;
    }
    std::vector<std::string> names = {"`default` (built in)"};
    std::vector<std::string> plain;
    for (const auto& t : ctx.store.retros.templates(ctx.workspace.id)) {
        names.push_back("`" + t.name + "`");
        plain.push_back(t.name);
    }
    std::string msg = "There is no retro template `" + name + "`.";
    if (auto near = closest(name, plain); !near.empty()) msg += " Did you mean `" + near + "`?";
    msg += " The templates are " + join_and(names) +
           ". Type `retro template list` to see them, or leave `template` out for the default.";
    return not_found(msg);
}

}  // namespace

// The questions of the built-in `default` template.
std::vector<RetroQuestion> default_retro_questions() {
    std::vector<RetroQuestion> q(5);
    q[0] = {1, QuestionKind::rating, "Overall, how did the release go?", {}};
    q[1] = {2, QuestionKind::text, "What went well?", {}};
    q[2] = {3, QuestionKind::text, "What did not go well?", {}};
    q[3] = {4, QuestionKind::text, "What should we change next time?", {}};
    q[4] = {
        5, QuestionKind::choice, "Should the release process change?", {"yes", "no", "not sure"}};
    return q;
}

std::vector<UserId> release_participants(Context& ctx, const Release& r) {
    std::set<UserId> seen;
    auto add = [&](const std::optional<UserId>& u) {
        if (u && !u->value().empty() && *u != system_user()) seen.insert(*u);
    };
    add(r.owner);
    for (const auto& c : ctx.store.controls.for_release(r.id)) {
        // A role owner stands for everyone holding the role; only those who acted took part.
        if (c.owner && c.owner->kind == Owner::Kind::user) add(UserId(c.owner->name));
        add(c.done_by);
    }
    for (PlanKind plan : {PlanKind::deploy, PlanKind::backout}) {
        for (const auto& s : ctx.store.plans.steps(r.id, plan)) {
            if (s.owner && s.owner->kind == Owner::Kind::user) add(UserId(s.owner->name));
            add(s.done_by);
        }
    }
    for (const auto& c : ctx.store.comms.for_release(r.id)) {
        add(c.author);
        add(c.reviewer);
    }
    return {seen.begin(), seen.end()};
}

Reply retro_survey_message(Context& ctx, const Release& r, const Retro& retro, const UserId& to,
                           bool reminder) {
    std::string zone = zone_of(ctx, to);
    std::string count = plural(static_cast<long>(retro.questions.size()), "question", "questions");
    std::string closes = format_when(retro.closes_at, zone);
    Reply m;
    if (reminder) {
        m.text = "Reminder: the retrospective of " + r.key + " closes " + closes +
                 " and you have not answered yet (" + count + ").";
    } else {
        m.text = "How did " + r.key + " go? The retrospective has " + count + "; answer by " +
                 closes + ".";
    }
    m.header("Retrospective: " + r.key + " — " + r.title);
    std::string intro = reminder ? "A reminder: you have not answered the retrospective of *" +
                                       r.key + "* yet, and it closes " + closes + "."
                                 : "You took part in *" + r.key + "*. How did it go? " + count +
                                       ", about a minute.";
    if (!reminder && retro.opened_by != system_user())
        intro += " (asked by " + who(retro.opened_by) + ")";
    m.section(intro);
    m.survey(survey_questions(r, retro));
    m.context("Answer by typing `retro answer " + r.key + " <question#> <answer>`, e.g. `retro " +
              "answer " + r.key + " 1 4`. You can change your answers until it closes on " +
              closes + ".");
    m.context(anonymity_note(retro.anonymous));
    return m;
}

Result<Reply> start_retro(Context& ctx, const Release& r, const RetroOptions& options) {
    if (auto existing = ctx.store.retros.for_release(r.id)) {
        std::string state = existing->status == "open"
                                ? "open until " + format_when(existing->closes_at, ctx.zone)
                                : "closed";
        return conflict(r.key + " already has a retrospective (" + state +
                        "); a release has one. Type `retro status " + r.key + "` or `retro " +
                        "results " + r.key + "`.");
    }
    if (r.state != ReleaseState::deployed && r.state != ReleaseState::backed_out &&
        r.state != ReleaseState::backout_failed) {
        std::string next;
        if (r.state == ReleaseState::deploying)
            next = " Close it first with `release done " + r.key + "`.";
        else if (r.state == ReleaseState::cancelled)
            next = " A cancelled release has no retrospective.";
        else
            next = " Start it after the release: `release start " + r.key +
                   "`, its steps, then `release done " + r.key + "`.";
        return conflict(r.key + " is " + to_string(r.state) +
                        "; a retrospective starts once it is deployed or backed out." + next);
    }
    auto questions = questions_for(ctx, options.template_name);
    if (!questions) return questions.error();

    std::vector<UserId> people;
    if (options.with.empty()) {
        people = release_participants(ctx, r);
    } else {
        std::set<UserId> seen;
        for (const auto& u : options.with)
            if (u != system_user() && seen.insert(u).second) people.push_back(u);
    }
    if (people.empty()) {
        return invalid("Nobody took part in " + r.key +
                       " that I know of, so there is no one to ask. Name them: `retro start " +
                       r.key + " with @dana @erin`.");
    }

    Retro retro;
    retro.workspace = ctx.workspace.id;
    retro.release = r.id;
    retro.anonymous = options.anonymous;
    retro.template_name =
        iequals(options.template_name, "default") ? "default" : lower(options.template_name);
    retro.opened_by = ctx.actor.user;
    retro.opened_at = ctx.now;
    retro.closes_at = ctx.now + options.closes_in;
    retro.questions = *questions;
    for (std::size_t i = 0; i < retro.questions.size(); ++i)
        retro.questions[i].position = static_cast<int>(i) + 1;
    retro.id = ctx.store.retros.create(retro, people);

    // Everyone asked gets the survey by direct message, the one who started it too: the answer
    // to `retro start` may be read by the whole channel, so it carries no form.
    for (const auto& p : people) ctx.direct(p, retro_survey_message(ctx, r, retro, p, false), r.id);

    Instant remind_at = retro.opened_at + (retro.closes_at - retro.opened_at) / 2;
    const std::pair<const char*, Instant> jobs[] = {{kRetroCloseJob, retro.closes_at},
                                                    {kRetroRemindJob, remind_at}};
    for (const auto& [kind, due] : jobs) {
        ScheduledJob job;
        job.workspace = ctx.workspace.id;
        job.release = r.id;
        job.kind = kind;
        job.due_at = due;
        job.payload = std::to_string(retro.id.value());
        job.status = "pending";
        ctx.store.jobs.schedule(job);
    }

    std::vector<std::string> names;
    for (const auto& p : people) names.push_back(who(p));
    std::string asked = plural(static_cast<long>(people.size()), "person", "people");
    ctx.audit(r.id, "retro.start",
              "asked " + asked + " (" + join_and(names) + ")" +
                  (retro.anonymous ? ", anonymous" : "") + ", template " + retro.template_name +
                  ", closes " + utc_text(retro.closes_at));

    std::string closes = format_when(retro.closes_at, ctx.zone);
    Reply reply;
    reply.text = "Started the retrospective of " + r.key + ": asked " + asked + ", it closes " +
                 closes + (retro.anonymous ? ". Anonymous." : ".");
    reply.section("Started the retrospective of *" + r.key + "* — " + r.title + ". Asked " + asked +
                  ": " + join_and(names) + ".");
    reply.fields({{"Questions", std::to_string(retro.questions.size()) + " (template `" +
                                    retro.template_name + "`)"},
                  {"Closes", closes + " (in " + format_duration(options.closes_in) + ")"},
                  {"Anonymous", retro.anonymous ? "yes — answers are stored without names"
                                                : "no — names are shown with answers"}});
    reply.context("Everyone asked got the survey by direct message; whoever has not answered by " +
                  format_when(remind_at, ctx.zone) + " gets one reminder. Follow it with `retro " +
                  "status " + r.key + "`; close it early with `retro close " + r.key + "`.");
    return reply;
}

Reply retro_results_reply(Context& ctx, const Release& r, const Retro& retro) {
    auto people = ctx.store.retros.participants(retro.id);
    auto answers = ctx.store.retros.answers(retro.id);
    bool open = retro.status == "open";
    std::string rate = response_rate(people);

    Reply m;
    m.text = "Retrospective of " + r.key + (open ? " so far" : "") + ": " + rate + ".";
    m.header("Retrospective results: " + r.key + " — " + r.title + (open ? " (so far)" : ""));
    m.section(rate + (retro.anonymous ? " · anonymous" : "") + " · " +
              (open
                   ? "closes " + format_when(retro.closes_at, ctx.zone)
                   : "closed " + format_when(retro.closed_at.value_or(retro.closes_at), ctx.zone)));
    for (const auto& q : retro.questions) {
        auto mine = answers_to(answers, q.position);
        std::string title = "*" + std::to_string(q.position) + ". " + q.prompt + "*";
        if (mine.empty()) {
            m.section(title + "\n(no answers" + (open ? " yet" : "") + ")");
            continue;
        }
        switch (q.kind) {
            case QuestionKind::rating: {
                auto s = summarize_ratings(mine);
                m.section(title + "\nAverage *" + one_decimal(s.average) + "* from " +
                          plural(s.count, "answer", "answers") + "\n```\n" + s.histogram + "```");
                break;
            }
            case QuestionKind::choice:
                m.section(title + "\n```\n" + choice_histogram(q, mine) + "```");
                break;
            case QuestionKind::text: {
                std::string list = title;
                for (const auto& a : mine)
                    list += "\n" + bullet("• ", a.value,
                                          a.respondent && !retro.anonymous ? who(*a.respondent)
                                                                           : std::string());
                m.section(list);
                break;
            }
        }
    }

    auto actions = ctx.store.actions.for_release(r.id);
    if (actions.empty()) {
        m.context("No action items yet. Add one with `retro action add " + r.key +
                  " \"<text>\" owner @user`.");
    } else {
        m.section("*Action items*");
        std::vector<ChecklistItem> items;
        for (const auto& a : actions) {
            ChecklistItem it;
            it.label = a.text;
            it.state = a.status == "done" ? ItemState::done : ItemState::open;
            it.detail = "owner " + who(a.owner);
            if (a.status != "done") {
                it.action_id = "command";
                it.value = "retro action done " + std::to_string(a.id.value());
            }
            items.push_back(std::move(it));
        }
        m.checklist(std::move(items));
    }
    if (open)
        m.context("So far: it closes " + format_when(retro.closes_at, ctx.zone) +
                  ". Close it now with `retro close " + r.key + "`.");
    m.context("Export: `retro results " + r.key + " csv` or `retro results " + r.key +
              " markdown`.");
    return m;
}

std::string retro_csv(Context& ctx, const Retro& retro) {
    std::string out = "question,kind,prompt,respondent,answer\r\n";
    for (const auto& a : ctx.store.retros.answers(retro.id)) {
        auto q = std::find_if(retro.questions.begin(), retro.questions.end(),
                              [&](const RetroQuestion& x) { return x.position == a.position; });
        if (q == retro.questions.end()) continue;
        std::string respondent =
            a.respondent && !retro.anonymous ? a.respondent->value() : std::string();
        out += std::to_string(a.position) + "," + to_string(q->kind) + "," + csv_field(q->prompt) +
               "," + csv_field(respondent) + "," + csv_field(a.value) + "\r\n";
    }
    return out;
}

std::string retro_markdown(Context& ctx, const Release& r, const Retro& retro) {
    auto people = ctx.store.retros.participants(retro.id);
    auto answers = ctx.store.retros.answers(retro.id);
    bool open = retro.status == "open";
    std::string out = "# Retrospective: " + r.key + " — " + r.title + "\n\n";
    out += "- Response rate: " + response_rate(people) + "\n";
    out += std::string("- Anonymous: ") + (retro.anonymous ? "yes" : "no") + "\n";
    out += "- Opened: " + utc_text(retro.opened_at) + " by " + plain_user(retro.opened_by) + "\n";
    if (open)
        out += "- Closes: " + utc_text(retro.closes_at) + " (still open: results so far)\n";
    else
        out += "- Closed: " + utc_text(retro.closed_at.value_or(retro.closes_at)) + "\n";

    for (const auto& q : retro.questions) {
        auto mine = answers_to(answers, q.position);
        out += "\n## " + std::to_string(q.position) + ". " + q.prompt + "\n\n";
        if (mine.empty()) {
            out += "No answers.\n";
            continue;
        }
        switch (q.kind) {
            case QuestionKind::rating: {
                auto s = summarize_ratings(mine);
                out += "Rating 1–5: average " + one_decimal(s.average) + " from " +
                       plural(s.count, "answer", "answers") + ".\n\n~~~\n" + s.histogram + "~~~\n";
                break;
            }
            case QuestionKind::choice:
                out += "~~~\n" + choice_histogram(q, mine) + "~~~\n";
                break;
            case QuestionKind::text:
                for (const auto& a : mine)
                    out += bullet("- ", a.value,
                                  a.respondent && !retro.anonymous ? plain_user(*a.respondent)
                                                                   : std::string()) +
                           "\n";
                break;
        }
    }

    out += "\n## Action items\n\n";
    auto actions = ctx.store.actions.for_release(r.id);
    if (actions.empty()) out += "None.\n";
    for (const auto& a : actions)
        out += std::string("- [") + (a.status == "done" ? "x" : " ") + "] " + a.text + " — " +
               plain_user(a.owner) + "\n";
    return out;
}

Reply close_retro(Context& ctx, const Release& r, Retro retro, bool by_deadline, bool late) {
    ctx.store.retros.close(retro.id, ctx.now);
    ctx.store.jobs.cancel(r.id, kRetroCloseJob);
    ctx.store.jobs.cancel(r.id, kRetroRemindJob);
    retro.status = "closed";
    retro.closed_at = ctx.now;

    auto people = ctx.store.retros.participants(retro.id);
    std::string rate = response_rate(people);
    ctx.audit(r.id, "retro.close",
              rate + (by_deadline ? " (deadline)" : "") + (late ? " (late)" : ""));

    Reply results = retro_results_reply(ctx, r, retro);
    // The release's channel hears the results; when the command was typed there, the reply
    // already is that message.
    ConversationRef home = release_home(ctx, r);
    bool here = home.platform == ctx.conversation.platform &&
                home.tenant == ctx.conversation.tenant &&
                home.channel == ctx.conversation.channel && home.thread == ctx.conversation.thread;
    if (!here) ctx.post(home, results, r.id);
    return results;
}

Result<Reply> run_retro_timer(Context& ctx, const ScheduledJob& job, bool late) {
    std::int64_t id = 0;
    auto [end, ec] =
        std::from_chars(job.payload.data(), job.payload.data() + job.payload.size(), id);
    if (ec != std::errc() || end != job.payload.data() + job.payload.size())
        return nothing_to_do("retro job " + std::to_string(job.id.value()) + " names no retro");
    auto retro = ctx.store.retros.get(RetroId(id));
    if (!retro || retro->workspace != job.workspace) return nothing_to_do("its retro is gone");
    if (retro->status != "open") return nothing_to_do("the retro is already closed");
    auto r = ctx.store.releases.get(retro->release);
    if (!r) return nothing_to_do("its release is gone");

    if (job.kind == kRetroCloseJob) {
        close_retro(ctx, *r, *retro, true, late);
        return Reply::plain("Closed the retrospective of " + r->key + " at its deadline.");
    }
    if (job.kind != kRetroRemindJob)
        return nothing_to_do("no retro job of kind `" + job.kind + "` is known");

    std::vector<std::string> reminded;
    for (const auto& p : ctx.store.retros.participants(retro->id)) {
        if (p.responded || p.reminded || p.user == ctx.actor.user) continue;
        ctx.notify(p.user, retro_survey_message(ctx, *r, *retro, p.user, true), r->id);
        ctx.store.retros.mark_reminded(retro->id, p.user);
        reminded.push_back(who(p.user));
    }
    if (reminded.empty()) return nothing_to_do("everyone asked has answered or was reminded");
    std::string count = plural(static_cast<long>(reminded.size()), "person", "people");
    // In an anonymous retro the audit log, which every member can read, keeps to a count.
    ctx.audit(
        r->id, "retro.remind",
        "reminded " + (retro->anonymous ? count : join_and(reminded)) + " who had not answered",
        false);
    return Reply::plain("Reminded " + count + " about the retrospective of " + r->key + ".");
}

std::string response_rate(const std::vector<RetroParticipant>& people) {
    const int asked = static_cast<int>(people.size());
    const int answered = static_cast<int>(std::count_if(
        people.begin(), people.end(), [](const RetroParticipant& p) { return p.responded; }));
    // Rounded to the nearest whole percent, halves up.
    const int percent = asked > 0 ? (answered * 200 + asked) / (2 * asked) : 0;
    return std::to_string(answered) + " of " + std::to_string(asked) + " answered (" +
           std::to_string(percent) + "%)";
}

}  // namespace releasebot
