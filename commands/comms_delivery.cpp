// Sending stakeholder communications; see comms_delivery.hpp. Every path that puts a communication
// in front of its audiences — approval with `now`, `comms send`, a timed job, a release event —
// ends here, so the message looks the same and is recorded the same wherever it came from.
#include "commands/comms_delivery.hpp"

#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "commands/handler_support.hpp"
#include "commands/text_util.hpp"

namespace releasebot {

namespace {

// The announcement as its audiences see it. The header is plain text (no emoji) so that every
// renderer, including a terminal that counts columns by code point, draws it the same.
Reply announcement(const Communication& c, const Release& r) {
    std::string title = r.key + " — " + r.title;
    Reply m;
    m.text = title + ": " + c.body;
    m.header(title);
    m.section(c.body);
    m.context(c.reviewer ? "Approved by " + who(*c.reviewer) + " · releasebot" : "releasebot");
    return m;
}

}  // namespace

void send_communication(Context& ctx, Communication& c, const Release& r) {
    Reply message = announcement(c, r);
    // Two audiences may share a channel ("everyone" and "stakeholders" both holding #general);
    // the channel hears the announcement once.
    std::set<std::tuple<std::string, std::string, std::string>> seen;
    std::vector<std::string> reached;
    std::vector<std::string> empty;
    int channels = 0;
    for (const auto& name : c.audiences) {
        auto members = ctx.store.audiences.named(c.workspace, name);
        if (members.empty()) {
            empty.push_back(name);
            continue;
        }
        reached.push_back(name);
        for (const auto& a : members) {
            if (!seen.emplace(a.platform, a.tenant, a.channel).second) continue;
            ctx.post(ConversationRef{a.platform, a.tenant, a.channel, std::nullopt, a.service_url},
                     message, r.id);
            ++channels;
        }
    }

    c.status = CommsStatus::sent;
    c.sent_at = ctx.now;
    c.updated_at = ctx.now;
    ctx.store.comms.update(c);

    std::string ref = "#" + std::to_string(c.id.value());
    std::string detail = ref + " to " + plural(channels, "channel", "channels");
    if (!reached.empty()) detail += " (" + join(reached, ", ") + ")";
    if (!empty.empty()) detail += "; no channels in " + join(empty, ", ");
    ctx.audit(r.id, "comms.send", detail);

    // Commands refuse to send to an audience without channels, so this happens only when a
    // channel was removed after approval and a timer or a release event sent it: the author
    // must hear that part of the audience was missed.
    if (!empty.empty()) {
        std::string msg =
            "Communication " + ref + " for *" + r.key + "* went out to " +
            plural(channels, "channel", "channels") + ", but " + join_and(empty) +
            (empty.size() == 1 ? " has" : " have") + " no channels, so it did not reach " +
            (empty.size() == 1 ? "it" : "them") + ". Add one with `channel add " + empty.front() +
            " <platform>:<id>` and draft a follow-up if they still need to hear.";
        ctx.notify(c.author, Reply::plain(msg), r.id);
    }
}

std::vector<Communication> announce_release_event(Context& ctx, const Release& r,
                                                  CommsTrigger event) {
    std::vector<Communication> waiting;
    for (auto& c : ctx.store.comms.for_release(r.id)) {
        if (c.trigger != event) continue;
        if (c.status == CommsStatus::approved && !c.sent_at) {
            send_communication(ctx, c, r);
        } else if (c.status == CommsStatus::draft || c.status == CommsStatus::rejected) {
            waiting.push_back(std::move(c));
        }
    }
    return waiting;
}

std::vector<Communication> unapproved_communications(Context& ctx, const Release& r) {
    std::vector<Communication> out;
    for (auto& c : ctx.store.comms.for_release(r.id)) {
        // A message for the day the release is cancelled is not part of deploying it.
        if (c.trigger == CommsTrigger::cancel) continue;
        if (c.status == CommsStatus::draft || c.status == CommsStatus::rejected) {
            out.push_back(std::move(c));
        }
    }
    return out;
}

}  // namespace releasebot
