// The schema of releasebot, one numbered step at a time. Times are INTEGER seconds since the
// Unix epoch, UTC. Keys and slugs compare case-insensitively (COLLATE NOCASE).
#include "storage/migrations.hpp"

#include <sqlite3.h>

#include <string>
#include <vector>

#include "storage/database.hpp"

namespace releasebot {

namespace {

constexpr std::string_view kCoreSchema = R"sql(
CREATE TABLE workspaces (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    tenant      TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    time_zone   TEXT NOT NULL DEFAULT 'UTC',
    created_at  INTEGER NOT NULL,
    UNIQUE (platform, tenant)
);

CREATE TABLE roles (
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('manager', 'approver', 'member')),
    granted_by   TEXT NOT NULL,
    granted_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);

CREATE TABLE releases (
    id             INTEGER PRIMARY KEY,
    workspace_id   INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    key            TEXT NOT NULL COLLATE NOCASE,
    title          TEXT NOT NULL,
    state          TEXT NOT NULL DEFAULT 'planned' CHECK (state IN
                     ('planned', 'approved', 'deploying', 'deployed', 'backed-out', 'cancelled')),
    window_start   INTEGER NOT NULL,
    duration_s     INTEGER NOT NULL,
    time_zone      TEXT NOT NULL DEFAULT 'UTC',
    env            TEXT,
    owner          TEXT NOT NULL,
    freeze_override TEXT,
    active_plan    TEXT NOT NULL DEFAULT 'deploy' CHECK (active_plan IN ('deploy', 'backout')),
    state_reason   TEXT,
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    started_at     INTEGER,
    finished_at    INTEGER,
    UNIQUE (workspace_id, key)
);
CREATE INDEX releases_by_window ON releases (workspace_id, window_start);

CREATE TABLE release_programs (
    release_id  INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    program     TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (release_id, program)
);
CREATE INDEX release_programs_by_program ON release_programs (program);

CREATE TABLE components (
    id           INTEGER PRIMARY KEY,
    release_id   INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    program      TEXT NOT NULL COLLATE NOCASE,
    name         TEXT NOT NULL COLLATE NOCASE,
    version      TEXT NOT NULL,
    artifact_url TEXT,
    sha256       TEXT,
    updated_by   TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (release_id, program, name)
);

CREATE TABLE control_templates (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    slug         TEXT NOT NULL COLLATE NOCASE,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    doc_url      TEXT,
    mandatory    INTEGER NOT NULL DEFAULT 1,
    owner        TEXT,
    position     INTEGER NOT NULL,
    UNIQUE (workspace_id, slug)
);

CREATE TABLE release_controls (
    id           INTEGER PRIMARY KEY,
    release_id   INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    slug         TEXT NOT NULL COLLATE NOCASE,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    doc_url      TEXT,
    mandatory    INTEGER NOT NULL DEFAULT 1,
    owner        TEXT,
    position     INTEGER NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'waived')),
    done_by      TEXT,
    done_at      INTEGER,
    evidence_url TEXT,
    note         TEXT,
    UNIQUE (release_id, slug)
);

CREATE TABLE plan_steps (
    id           INTEGER PRIMARY KEY,
    release_id   INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    plan         TEXT NOT NULL CHECK (plan IN ('deploy', 'backout')),
    position     INTEGER NOT NULL,
    title        TEXT NOT NULL,
    owner        TEXT,
    expected_s   INTEGER,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'skipped', 'failed')),
    done_by      TEXT,
    done_at      INTEGER,
    note         TEXT
);
CREATE INDEX plan_steps_by_release ON plan_steps (release_id, plan, position);

CREATE TABLE freezes (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('once', 'weekly')),
    starts_at    INTEGER,
    ends_at      INTEGER,
    weekday      INTEGER CHECK (weekday BETWEEN 0 AND 6),
    from_minute  INTEGER,
    to_minute    INTEGER,
    time_zone    TEXT NOT NULL DEFAULT 'UTC',
    reason       TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    release_id   INTEGER REFERENCES releases(id) ON DELETE SET NULL,
    at           INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_release ON audit_log (release_id, id);

CREATE TABLE processed_events (
    key          TEXT PRIMARY KEY,
    processed_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    platform        TEXT NOT NULL,
    destination     TEXT NOT NULL,
    payload         TEXT NOT NULL,
    not_before      INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    release_id      INTEGER REFERENCES releases(id) ON DELETE SET NULL,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX outbox_pending ON outbox (status, not_before);

CREATE TABLE scheduled_jobs (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    release_id   INTEGER REFERENCES releases(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    due_at       INTEGER NOT NULL,
    payload      TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'fired', 'cancelled')),
    fired_at     INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX scheduled_jobs_due ON scheduled_jobs (status, due_at);
)sql";

constexpr std::string_view kPeopleAndConfirmations = R"sql(
CREATE TABLE people (
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    time_zone    TEXT,
    last_seen    INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);

CREATE TABLE pending_confirmations (
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL,
    command_text TEXT NOT NULL,
    summary      TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
)sql";

constexpr std::string_view kCommsAndReminders = R"sql(
-- Where a release lives in chat: the conversation it was planned in. Its reminders and its
-- status message go there. (Platform and tenant are the workspace's.)
ALTER TABLE releases ADD COLUMN home_channel TEXT;
ALTER TABLE releases ADD COLUMN home_thread TEXT;
ALTER TABLE releases ADD COLUMN home_service_url TEXT;

CREATE TABLE audiences (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT NOT NULL COLLATE NOCASE,
    platform     TEXT NOT NULL,
    tenant       TEXT NOT NULL,
    channel      TEXT NOT NULL,
    service_url  TEXT,
    added_by     TEXT NOT NULL,
    added_at     INTEGER NOT NULL,
    UNIQUE (workspace_id, name, platform, channel)
);

CREATE TABLE communications (
    id             INTEGER PRIMARY KEY,
    workspace_id   INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    release_id     INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    author         TEXT NOT NULL,
    body           TEXT NOT NULL,
    audiences      TEXT NOT NULL,
    trigger_kind   TEXT NOT NULL CHECK (trigger_kind IN ('now', 'at', 'start', 'done', 'backout')),
    trigger_at     INTEGER,
    status         TEXT NOT NULL DEFAULT 'draft'
                     CHECK (status IN ('draft', 'approved', 'rejected', 'sent', 'cancelled')),
    reviewer       TEXT,
    reviewed_at    INTEGER,
    review_comment TEXT,
    sent_at        INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX communications_by_release ON communications (release_id, id);

CREATE TABLE reminder_offsets (
    release_id   INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    offset_s     INTEGER NOT NULL,
    PRIMARY KEY (release_id, offset_s)
) WITHOUT ROWID;

-- The one status message of each release per conversation, edited in place.
CREATE TABLE status_messages (
    release_id   INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    destination  TEXT NOT NULL,
    message_ref  TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (release_id, destination)
) WITHOUT ROWID;

-- 'post' says something new; 'status' replaces the release's status message.
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'post' CHECK (kind IN ('post', 'status'));
)sql";

constexpr std::string_view kRetrospectives = R"sql(
-- Early life support after `release done`.
ALTER TABLE releases ADD COLUMN els_until INTEGER;
ALTER TABLE releases ADD COLUMN els_owner TEXT;

CREATE TABLE retro_templates (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT NOT NULL COLLATE NOCASE,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TABLE retro_template_questions (
    template_id  INTEGER NOT NULL REFERENCES retro_templates(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('rating', 'text', 'choice')),
    prompt       TEXT NOT NULL,
    choices      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (template_id, position)
) WITHOUT ROWID;

CREATE TABLE retros (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    release_id   INTEGER NOT NULL UNIQUE REFERENCES releases(id) ON DELETE CASCADE,
    anonymous    INTEGER NOT NULL DEFAULT 0,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    template     TEXT NOT NULL DEFAULT 'default',
    -- For an anonymous retro: the key of the keyed hash that lets a person change their own
    -- answers while it is open. Erased at close, after which answers cannot be tied to anyone.
    ballot_key   BLOB,
    opened_by    TEXT NOT NULL,
    opened_at    INTEGER NOT NULL,
    closes_at    INTEGER NOT NULL,
    closed_at    INTEGER
);

CREATE TABLE retro_questions (
    retro_id     INTEGER NOT NULL REFERENCES retros(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('rating', 'text', 'choice')),
    prompt       TEXT NOT NULL,
    choices      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (retro_id, position)
) WITHOUT ROWID;

-- Who takes part and whether they have answered; nothing about what they answered.
CREATE TABLE retro_participants (
    retro_id     INTEGER NOT NULL REFERENCES retros(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL,
    responded    INTEGER NOT NULL DEFAULT 0,
    reminded     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (retro_id, user_id)
) WITHOUT ROWID;

-- What was answered. `respondent` is the user id in a named retro and NULL in an anonymous one,
-- where `ballot` is a keyed hash (see retros.ballot_key) instead. No timestamps: the order of
-- answers must not betray who gave them.
CREATE TABLE retro_answers (
    retro_id     INTEGER NOT NULL REFERENCES retros(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    ballot       TEXT NOT NULL,
    respondent   TEXT,
    value        TEXT NOT NULL,
    PRIMARY KEY (retro_id, position, ballot)
) WITHOUT ROWID;

CREATE TABLE retro_actions (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    release_id   INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    text         TEXT NOT NULL,
    owner        TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    done_by      TEXT,
    done_at      INTEGER
);
CREATE INDEX retro_actions_open ON retro_actions (workspace_id, status);
)sql";


// Teams conversation references: where the bot was installed or spoken to, with the
// serviceUrl replies and proactive messages must go to. Personal conversations carry the user.
constexpr std::string_view kTeamsConversations = R"sql(
CREATE TABLE teams_conversations (
    tenant            TEXT NOT NULL,
    conversation_id   TEXT NOT NULL,
    conversation_type TEXT NOT NULL CHECK (conversation_type IN ('personal', 'groupChat', 'channel')),
    service_url       TEXT NOT NULL,
    user_id           TEXT,
    team_id           TEXT,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (tenant, conversation_id)
) WITHOUT ROWID;
CREATE INDEX teams_conversations_by_user ON teams_conversations (tenant, user_id)
    WHERE user_id IS NOT NULL;
)sql";

// Deployment: the per-workspace secrets of the inbound endpoints — the key CI signs
// webhooks with and the calendar feed's token — and `release verify`: its requests, worked
// off the event thread, and what each component's last check found. A component counts as
// verified only while verified_sha256 equals its sha256, so a new checksum needs a new check.
constexpr std::string_view kDeployment = R"sql(
CREATE TABLE workspace_secrets (
    workspace_id        INTEGER PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    webhook_secret      TEXT NOT NULL,
    calendar_token      TEXT NOT NULL,
    webhook_rotated_at  INTEGER NOT NULL,
    calendar_rotated_at INTEGER NOT NULL
);

ALTER TABLE components ADD COLUMN verified_sha256 TEXT;
ALTER TABLE components ADD COLUMN verified_at INTEGER;
ALTER TABLE components ADD COLUMN verify_error TEXT;

CREATE TABLE verify_requests (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    release_id   INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    requested_by TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
    finished_at  INTEGER
);
CREATE INDEX verify_requests_pending ON verify_requests (status, id);
)sql";

// When the sender first handed a row to the platform. Written and committed before the call,
// so after a crash between the call and mark_sent the restarted sender knows the message may
// be out already and asks the platform before posting it again (nothing twice).
constexpr const char* kOutboxAttempts = R"sql(
ALTER TABLE outbox ADD COLUMN attempt_started_at INTEGER;
)sql";

// Health checks: a release's control may carry a URL the health-check worker
// polls before the window, ticking the control on a 2xx answer. The last poll's result is kept
// with it (the HTTP status when the server answered, else why not) for `control list`. Columns
// of release_controls rather than a table of their own, so they go wherever a control goes:
// removed with it, exported and imported with it.
constexpr std::string_view kHealthChecks = R"sql(
ALTER TABLE release_controls ADD COLUMN health_check_url TEXT;
ALTER TABLE release_controls ADD COLUMN health_check_status INTEGER;
ALTER TABLE release_controls ADD COLUMN health_check_at INTEGER;
ALTER TABLE release_controls ADD COLUMN health_check_error TEXT;
CREATE INDEX release_controls_health_checks ON release_controls (release_id)
    WHERE health_check_url IS NOT NULL;
)sql";

// Lookups by release on the event path, which scanned whole tables (found by bench/: with many
// reminders pending, every `release plan` read every pending job, and every status message the
// outbox sent read every pending row). Partial indexes: only the rows those queries can match.
constexpr std::string_view kReleaseLookups = R"sql(
CREATE INDEX scheduled_jobs_pending_by_release ON scheduled_jobs (release_id, kind)
    WHERE status = 'pending';
CREATE INDEX outbox_pending_status_messages ON outbox (release_id, destination, id)
    WHERE kind = 'status' AND status = 'pending';
CREATE INDEX outbox_failed_by_release ON outbox (release_id, id) WHERE status = 'failed';
)sql";

// Found by bench/ once migration 9 was in: the outbox sender reads the pending rows in id order,
// which the (status, not_before) index cannot give, so each read sorted every due row; and a
// release's retro actions were found by reading them all. The queries name these indexes
// (INDEXED BY), since the planner would otherwise take the older ones that avoid a sort.
constexpr std::string_view kOrderedLookups = R"sql(
CREATE INDEX outbox_pending_in_order ON outbox (id, not_before) WHERE status = 'pending';
CREATE INDEX retro_actions_by_release ON retro_actions (release_id, id);
)sql";

// Widens a CHECK constraint of `table` by adding `added` after the listed value `after`.
// SQLite cannot change a constraint in place, so the table is rebuilt: a copy is created from
// the table's own CREATE statement with the new value added (so columns added by any earlier
// step come along), the rows are copied, the old table is dropped and the copy takes its name,
// and its indexes are made again. This runs with foreign keys off (see
// Migration::rebuilds_tables): with them on, dropping a table would delete every row that
// references it. Does nothing when the value is already admitted.
void widen_check(Database& db, const std::string& table, const std::string& after,
                 const std::string& added) {
    std::string create;
    {
        auto st = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?");
        st.bind_all(table);
        if (!st.step()) throw DatabaseError("the database has no " + table + " table to upgrade");
        create = st.get_text(0);
    }
    std::vector<std::string> dependents;
    {
        auto st = db.prepare(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type <> 'table' "
            "AND sql IS NOT NULL ORDER BY rowid");
        st.bind_all(table);
        while (st.step()) dependents.push_back(st.get_text(0));
    }
    if (create.find("'" + added + "'") != std::string::npos) return;
    const std::string known = "'" + after + "'";
    const auto at = create.find(known);
    const auto head = create.find(table);
    if (at == std::string::npos || head == std::string::npos)
        throw DatabaseError("the " + table + " table of " + db.path() +
                            " does not list its values as expected; it was not upgraded");
    create.replace(at, known.size(), known + ", '" + added + "'");
    create.replace(head, table.size(), table + "_rebuilt");
    db.exec(create);
    db.exec("INSERT INTO " + table + "_rebuilt SELECT * FROM " + table);
    db.exec("DROP TABLE " + table);
    db.exec("ALTER TABLE " + table + "_rebuilt RENAME TO " + table);
    for (const auto& sql : dependents) db.exec(sql);
}

// A release whose backout failed ends as 'backout-failed' (production may be half rolled back),
// which the CHECK constraint on releases.state must admit.
void allow_backout_failed(Database& db) {
    widen_check(db, "releases", "backed-out", "backout-failed");
}

// Announcements may go out when a release is cancelled ('cancel' trigger); and a plan step may
// be owned by a role as well as a person, so its owner is stored as a control's is:
// "user:<id>" or "role:<name>".
void cancel_trigger_and_step_owners(Database& db) {
    widen_check(db, "communications", "backout", "cancel");
    db.exec(
        "UPDATE plan_steps SET owner = 'user:' || owner WHERE owner IS NOT NULL "
        "AND owner NOT LIKE 'user:%' AND owner NOT LIKE 'role:%'");
}

// Approval as a snapshot: what `release go` approved (the gate's inputs, as text), so that any
// later change to them is seen and withdraws the approval; and the approved releases of a
// workspace found without a scan, since every change that could touch one looks them up.
constexpr std::string_view kApprovalSnapshots = R"sql(
ALTER TABLE releases ADD COLUMN approval_snapshot TEXT;
CREATE INDEX releases_approved ON releases (workspace_id) WHERE state = 'approved';
)sql";

// A message sent only if another is given up on (telling who added a channel that releasebot
// cannot post there), found by the key of the message it waits on.
constexpr std::string_view kHeldMessages = R"sql(
ALTER TABLE outbox ADD COLUMN held_for TEXT;
CREATE INDEX outbox_held ON outbox (held_for) WHERE held_for IS NOT NULL;
)sql";

}  // namespace

const std::vector<Migration>& migrations() {
    static const std::vector<Migration> all = {
        {1, "core: releases, controls, plans, freezes, roles, audit, events, outbox, jobs",
         kCoreSchema},
        {2, "people and pending confirmations", kPeopleAndConfirmations},
        {3, "audiences, communications, reminders, status messages", kCommsAndReminders},
        {4, "retrospectives, action items, early life support", kRetrospectives},
        {5, "Teams conversation references", kTeamsConversations},
        {6, "workspace secrets, component verification", kDeployment},
        {7, "outbox delivery attempts in flight", kOutboxAttempts},
        {8, "health checks on release controls", kHealthChecks},
        {9, "indexes for lookups by release", kReleaseLookups},
        {10, "indexes for the outbox in order and retro actions by release", kOrderedLookups},
        {11, "approval snapshots", kApprovalSnapshots},
        {12, "release state backout-failed", {}, allow_backout_failed, true},
        {13,
         "announcements on cancel, plan steps owned by roles",
         {},
         cancel_trigger_and_step_owners,
         true},
        {14, "messages held until another is given up on", kHeldMessages},
    };
    return all;
}

namespace {

bool foreign_keys_on(Database& db) {
    auto st = db.prepare("PRAGMA foreign_keys");
    return st.step() && st.get_int(0) != 0;
}

// Turns foreign key enforcement off for one step that rebuilds tables and back on after it,
// however the step ends. SQLite ignores the pragma inside a transaction, so this wraps it.
class ForeignKeysOff {
  public:
    ForeignKeysOff(Database& db, bool needed) : db_(db), restore_(needed && foreign_keys_on(db)) {
        if (restore_) db_.exec("PRAGMA foreign_keys = OFF");
    }
    ~ForeignKeysOff() {
        if (!restore_) return;
        try {
            db_.exec("PRAGMA foreign_keys = ON");
        } catch (const DatabaseError&) {
            // Only a broken connection refuses this pragma; it fails on its next use anyway.
        }
    }
    ForeignKeysOff(const ForeignKeysOff&) = delete;
    ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;

  private:
    Database& db_;
    bool restore_;
};

// A rebuilt table must leave every reference intact before its step commits.
void check_foreign_keys(Database& db, const Migration& m) {
    auto st = db.prepare("PRAGMA foreign_key_check");
    if (st.step())
        throw DatabaseError("schema step " + std::to_string(m.version) + " (" +
                            std::string(m.description) + ") would leave a row of " +
                            st.get_text(0) + " pointing at nothing; the database was not changed");
}

}  // namespace

void migrate_to(Database& db, int version) {
    int current = db.schema_version();
    for (const auto& m : migrations()) {
        if (m.version <= current || m.version > version) continue;
        ForeignKeysOff fk(db, m.rebuilds_tables);
        Transaction tx(db);
        if (!m.sql.empty()) db.exec(m.sql);
        if (m.apply) m.apply(db);
        if (m.rebuilds_tables) check_foreign_keys(db, m);
        db.exec("PRAGMA user_version = " + std::to_string(m.version));
        tx.commit();
    }
}

void check_schema_version(Database& db) {
    int latest = migrations().back().version;
    int current = db.schema_version();
    if (current > latest) {
        throw DatabaseError("database " + db.path() + " has schema version " +
                            std::to_string(current) + " but this releasebot knows only up to " +
                            std::to_string(latest) + ": upgrade releasebot to open it");
    }
}

void migrate(Database& db) {
    check_schema_version(db);
    migrate_to(db, migrations().back().version);
}

}  // namespace releasebot
