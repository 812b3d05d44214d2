// TeamsPort: delivers outbox messages to Teams through the Bot Connector (see teams_port.hpp).
// Replies are rendered with adaptive_card.hpp, people's mentions named from the workspace's
// people; each ConnectorResult becomes the Delivery the outbox sender understands: the activity
// id as the message reference, 429/412/5xx as "try again" (with Retry-After when given), every
// other refusal as permanent.
#include "integrations/teams/teams_port.hpp"

#include "integrations/teams/adaptive_card.hpp"
#include "storage/columns.hpp"
#include "storage/database.hpp"
#include "storage/teams_conversation_repo.hpp"
#include "storage/workspace_repo.hpp"

namespace releasebot::teams {

namespace {

Delivery to_delivery(const ConnectorResult& r) {
    Delivery d;
    d.ok = r.ok;
    if (r.ok) {
        d.message_ref = r.id;
        return d;
    }
    d.retry_after = r.retry_after;
    d.permanent = !r.retryable;
    d.error = r.error;
    return d;
}

// The serviceUrl to post to `where` at: the reference's own, else the stored one (audiences name
// a conversation id only); nullopt when neither is known.
std::optional<std::string> service_url_of(Database& db, const ConversationRef& where) {
    if (where.service_url && !where.service_url->empty()) return where.service_url;
    TeamsConversationRepo conversations(db);
    if (auto c = conversations.find(where.tenant, where.channel); c && !c->service_url.empty())
        return c->service_url;
    return std::nullopt;
}

Delivery no_service_url(const ConversationRef& where) {
    Delivery d;
    d.permanent = true;
    d.error = "no Teams serviceUrl is known for conversation " + where.channel +
              "; the bot must be installed there (or spoken to) before it can post";
    return d;
}

}  // namespace

NameLookup names_in(Database& db, const std::string& tenant) {
    return [&db, tenant](const std::string& user_id) -> std::string {
        WorkspaceRepo workspaces(db);
        auto ws = workspaces.find("teams", tenant);
        if (!ws) return {};
        auto person = workspaces.person(ws->id, UserId(user_id));
        return person ? person->display_name : std::string();
    };
}

Delivery TeamsPort::post(const ConversationRef& where, const Reply& reply) {
    std::optional<std::string> service_url = service_url_of(db_, where);
    if (!service_url) return no_service_url(where);
    std::string activity = message_activity_json(reply, names_in(db_, where.tenant));
    if (where.thread && !where.thread->empty()) {
        return to_delivery(
            connector_.reply_to_activity(*service_url, where.channel, *where.thread, activity));
    }
    return to_delivery(connector_.send_to_conversation(*service_url, where.channel, activity));
}

Delivery TeamsPort::direct(const std::string& tenant, const UserId& to, const Reply& reply) {
    TeamsConversationRepo conversations(db_);
    ConversationRef chat{"teams", tenant, "", std::nullopt, std::nullopt};
    if (auto personal = conversations.personal_of(tenant, to.value())) {
        chat.channel = personal->conversation_id;
        chat.service_url = personal->service_url;
    } else {
        // No 1:1 chat yet (the bot was installed in a team, not for this person): create one at
        // the tenant's serviceUrl and remember it, so the next message reuses it.
        auto service_url = conversations.service_url_of(tenant);
        if (!service_url) {
            Delivery d;
            d.permanent = true;
            d.error = "no Teams serviceUrl is known for tenant " + tenant +
                      " to open a chat with " + to.value() +
                      "; the bot must be installed in the tenant first";
            return d;
        }
        ConnectorResult created = connector_.create_conversation(*service_url, tenant, to.value());
        if (!created.ok) return to_delivery(created);
        if (created.id.empty()) {
            Delivery d;
            d.error = "Teams created a chat with " + to.value() + " but returned no id";
            return d;
        }
        TeamsConversation c;
        c.tenant = tenant;
        c.conversation_id = created.id;
        c.conversation_type = "personal";
        c.service_url = *service_url;
        c.user_id = to.value();
        c.updated_at = std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
        conversations.upsert(c);
        chat.channel = created.id;
        chat.service_url = *service_url;
    }
    return post(chat, reply);
}

Delivery TeamsPort::update(const ConversationRef& where, const std::string& message_ref,
                           const Reply& reply) {
    std::optional<std::string> service_url = service_url_of(db_, where);
    if (!service_url) return no_service_url(where);
    std::string activity = message_activity_json(reply, names_in(db_, where.tenant));
    ConnectorResult r =
        connector_.update_activity(*service_url, where.channel, message_ref, activity);
    // The message was deleted (404) or can no longer be edited: post the status anew; the new
    // activity id becomes the status message from now on.
    if (!r.ok && !r.retryable &&
        (r.http_status == 404 || r.http_status == 400 || r.http_status == 403)) {
        return post(where, reply);
    }
    Delivery d = to_delivery(r);
    if (d.ok && d.message_ref.empty()) d.message_ref = message_ref;
    return d;
}

}  // namespace releasebot::teams
