// ConfirmationRepo: the one command each person may have waiting for their `yes`. Expiry is
// stored but not enforced here: the confirming command compares expires_at with its own clock
// and tells the person the preview ran out, which a silent filter could not.
#include "storage/confirmation_repo.hpp"

#include "storage/columns.hpp"
#include "storage/database.hpp"

namespace releasebot {

void ConfirmationRepo::put(const PendingConfirmation& c) {
    db_.prepare(
           "INSERT INTO pending_confirmations (workspace_id, user_id, command_text, summary, "
           "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) "
           "ON CONFLICT (workspace_id, user_id) DO UPDATE SET "
           "command_text = excluded.command_text, summary = excluded.summary, "
           "created_at = excluded.created_at, expires_at = excluded.expires_at")
        .bind_all(c.workspace, c.user, c.command_text, c.summary, seconds_of(c.created_at),
                  seconds_of(c.expires_at))
        .run();
}

std::optional<PendingConfirmation> ConfirmationRepo::get(WorkspaceId ws, const UserId& user) {
    auto st = db_.prepare(
        "SELECT workspace_id, user_id, command_text, summary, created_at, expires_at "
        "FROM pending_confirmations WHERE workspace_id = ? AND user_id = ?");
    st.bind_all(ws, user);
    if (!st.step()) return std::nullopt;
    PendingConfirmation c;
    c.workspace = WorkspaceId(st.get_int(0));
    c.user = UserId(st.get_text(1));
    c.command_text = st.get_text(2);
    c.summary = st.get_text(3);
    c.created_at = Instant(Seconds(st.get_int(4)));
    c.expires_at = Instant(Seconds(st.get_int(5)));
    return c;
}

void ConfirmationRepo::clear(WorkspaceId ws, const UserId& user) {
    db_.prepare("DELETE FROM pending_confirmations WHERE workspace_id = ? AND user_id = ?")
        .bind_all(ws, user)
        .run();
}

}  // namespace releasebot
