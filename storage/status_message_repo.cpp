// StatusMessageRepo: one row per release and conversation, holding the platform's id of the
// status message (Slack ts, Teams activity id) so later changes edit it instead of posting.
#include "storage/status_message_repo.hpp"

#include "storage/database.hpp"

namespace releasebot {

std::optional<std::string> StatusMessageRepo::find(ReleaseId r, const std::string& destination) {
    auto st = db_.prepare(
        "SELECT message_ref FROM status_messages WHERE release_id = ? AND destination = ?");
    st.bind_all(r, destination);
    if (!st.step()) return std::nullopt;
    return st.get_text(0);
}

void StatusMessageRepo::put(ReleaseId r, const std::string& destination,
                            const std::string& message_ref, Instant at) {
    db_.prepare(
           "INSERT INTO status_messages (release_id, destination, message_ref, updated_at) "
           "VALUES (?, ?, ?, ?) ON CONFLICT (release_id, destination) DO UPDATE SET "
           "message_ref = excluded.message_ref, updated_at = excluded.updated_at")
        .bind_all(r, destination, message_ref, static_cast<std::int64_t>(at.time_since_epoch().count()))
        .run();
}

}  // namespace releasebot
