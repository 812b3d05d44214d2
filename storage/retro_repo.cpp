// RetroRepo: retrospectives — one survey per release, its questions copied from a template,
// its participants, their answers — and the workspace's survey templates. A retro has a handful
// of questions and at most a few dozen participants; everything is read per retro.
//
// Anonymity (see retro_repo.hpp): in an anonymous retro an answer is filed under its ballot,
// hex HMAC-SHA256(ballot_key, user id), and `respondent` stays NULL. The key is 32 random bytes
// kept (as hex) in retros.ballot_key only while the retro is open, so a person can change their
// own answer; close() sets it NULL, after which nothing stored ties an answer to anyone. Who has
// answered lives in retro_participants, apart from what was answered. In a named retro the
// ballot is the user id itself and `respondent` holds it too.
//
// Choices of a choice question are stored in one column joined by '|': the command language
// takes them as "a|b|c", so a choice can never contain one.
#include "storage/retro_repo.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <string_view>

#include "storage/columns.hpp"
#include "storage/database.hpp"

namespace releasebot {

namespace {

constexpr int kBallotKeyBytes = 32;

std::string to_hex(const unsigned char* bytes, std::size_t n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out += kDigits[bytes[i] >> 4];
        out += kDigits[bytes[i] & 0x0f];
    }
    return out;
}

// A fresh ballot key from the OpenSSL CSPRNG. Failing to get randomness is an environment
// fault, never something to paper over with a weaker key.
std::string new_ballot_key() {
    unsigned char key[kBallotKeyBytes];
    if (RAND_bytes(key, kBallotKeyBytes) != 1)
        throw DatabaseError("retro: no randomness available for a ballot key");
    return to_hex(key, kBallotKeyBytes);
}

std::string ballot_of(const std::string& key, const UserId& user) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    const std::string& id = user.value();
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(id.data()), id.size(), md, &len))
        throw DatabaseError("retro: HMAC-SHA256 failed");
    return to_hex(md, len);
}

std::string join_choices(const std::vector<std::string>& choices) {
    std::string out;
    for (const auto& c : choices) {
        if (!out.empty()) out += '|';
        out += c;
    }
    return out;
}

std::vector<std::string> split_choices(std::string_view s) {
    std::vector<std::string> out;
    if (s.empty()) return out;
    while (true) {
        auto bar = s.find('|');
        out.emplace_back(s.substr(0, bar));
        if (bar == std::string_view::npos) break;
        s.remove_prefix(bar + 1);
    }
    return out;
}

RetroQuestion read_question(const Statement& st) {
    RetroQuestion q;
    q.position = static_cast<int>(st.get_int(0));
    q.kind = parse_question_kind(st.get_text(1)).value_or(QuestionKind::text);
    q.prompt = st.get_text(2);
    q.choices = split_choices(st.get_text(3));
    return q;
}

constexpr std::string_view kRetroColumns =
    "r.id, r.workspace_id, r.release_id, r.anonymous, r.status, r.template, r.opened_by, "
    "r.opened_at, r.closes_at, r.closed_at";

std::string select_retros(std::string_view rest) {
    std::string sql = "SELECT ";
    sql += kRetroColumns;
    sql += " FROM retros r ";
    sql += rest;
    return sql;
}

Retro read_retro(const Statement& st) {
    Retro r;
    r.id = RetroId(st.get_int(0));
    r.workspace = WorkspaceId(st.get_int(1));
    r.release = ReleaseId(st.get_int(2));
    r.anonymous = st.get_int(3) != 0;
    r.status = st.get_text(4);
    r.template_name = st.get_text(5);
    r.opened_by = UserId(st.get_text(6));
    r.opened_at = Instant(Seconds(st.get_int(7)));
    r.closes_at = Instant(Seconds(st.get_int(8)));
    if (auto c = st.get_opt_int(9)) r.closed_at = Instant(Seconds(*c));
    return r;
}

std::vector<RetroQuestion> questions_of(Database& db, RetroId id) {
    auto st = db.prepare(
        "SELECT position, kind, prompt, choices FROM retro_questions WHERE retro_id = ? "
        "ORDER BY position");
    st.bind_all(id);
    std::vector<RetroQuestion> out;
    while (st.step()) out.push_back(read_question(st));
    return out;
}

std::vector<Retro> read_retros(Database& db, Statement& st) {
    std::vector<Retro> out;
    while (st.step()) out.push_back(read_retro(st));
    for (auto& r : out) r.questions = questions_of(db, r.id);
    return out;
}

// The first retro `sql` selects with `key` bound to its one parameter; nullopt when none.
template <class Key>
std::optional<Retro> first_retro(Database& db, const std::string& sql, const Key& key) {
    auto st = db.prepare(sql);
    st.bind_all(key);
    auto all = read_retros(db, st);
    if (all.empty()) return std::nullopt;
    return all.front();
}

// The ballot `user` files answers under in retro `id`, and whether the retro is anonymous.
// Asking for the ballot of a closed anonymous retro is a bug: its key is gone on purpose.
struct Ballot {
    std::string value;
    bool anonymous = false;
};

Ballot ballot_for(Database& db, RetroId id, const UserId& user) {
    auto st = db.prepare("SELECT anonymous, ballot_key FROM retros WHERE id = ?");
    st.bind_all(id);
    if (!st.step()) throw std::logic_error("retro: no retro " + std::to_string(id.value()));
    if (st.get_int(0) == 0) return {user.value(), false};
    auto key = st.get_opt_text(1);
    if (!key) throw std::logic_error("retro: the ballot key of a closed retro is gone");
    return {ballot_of(*key, user), true};
}

std::vector<RetroTemplate> read_templates(Database& db, Statement& st) {
    std::vector<RetroTemplate> out;
    while (st.step()) {
        RetroTemplate t;
        t.id = st.get_int(0);
        t.workspace = WorkspaceId(st.get_int(1));
        t.name = st.get_text(2);
        t.created_by = UserId(st.get_text(3));
        t.created_at = Instant(Seconds(st.get_int(4)));
        out.push_back(std::move(t));
    }
    for (auto& t : out) {
        auto q = db.prepare(
            "SELECT position, kind, prompt, choices FROM retro_template_questions "
            "WHERE template_id = ? ORDER BY position");
        q.bind_all(t.id);
        while (q.step()) t.questions.push_back(read_question(q));
    }
    return out;
}

}  // namespace

RetroId RetroRepo::create(const Retro& r, const std::vector<UserId>& participants) {
    std::optional<std::string> key;
    if (r.anonymous) key = new_ballot_key();
    db_.prepare(
           "INSERT INTO retros (workspace_id, release_id, anonymous, status, template, ballot_key, "
           "opened_by, opened_at, closes_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind_all(r.workspace, r.release, r.anonymous, r.status, r.template_name, key, r.opened_by,
                  seconds_of(r.opened_at), seconds_of(r.closes_at), seconds_of(r.closed_at))
        .run();
    RetroId id(db_.last_insert_id());
    int position = 0;
    for (const auto& q : r.questions) {
        db_.prepare(
               "INSERT INTO retro_questions (retro_id, position, kind, prompt, choices) "
               "VALUES (?, ?, ?, ?, ?)")
            .bind_all(id, ++position, to_string(q.kind), q.prompt, join_choices(q.choices))
            .run();
    }
    for (const auto& u : participants) add_participant(id, u);
    return id;
}

std::optional<Retro> RetroRepo::get(RetroId id) {
    static const std::string sql = select_retros("WHERE r.id = ?");
    return first_retro(db_, sql, id);
}

std::optional<Retro> RetroRepo::for_release(ReleaseId r) {
    static const std::string sql = select_retros("WHERE r.release_id = ?");
    return first_retro(db_, sql, r);
}

std::vector<RetroParticipant> RetroRepo::participants(RetroId id) {
    auto st = db_.prepare(
        "SELECT user_id, responded, reminded FROM retro_participants WHERE retro_id = ? "
        "ORDER BY user_id");
    st.bind_all(id);
    std::vector<RetroParticipant> out;
    while (st.step()) {
        RetroParticipant p;
        p.user = UserId(st.get_text(0));
        p.responded = st.get_int(1) != 0;
        p.reminded = st.get_int(2) != 0;
        out.push_back(std::move(p));
    }
    return out;
}

bool RetroRepo::is_participant(RetroId id, const UserId& user) {
    auto st = db_.prepare("SELECT 1 FROM retro_participants WHERE retro_id = ? AND user_id = ?");
    st.bind_all(id, user);
    return st.step();
}

void RetroRepo::add_participant(RetroId id, const UserId& user) {
    db_.prepare("INSERT OR IGNORE INTO retro_participants (retro_id, user_id) VALUES (?, ?)")
        .bind_all(id, user)
        .run();
}

void RetroRepo::answer(RetroId id, const UserId& user, int position, const std::string& value) {
    Ballot b = ballot_for(db_, id, user);
    std::optional<std::string> respondent;
    if (!b.anonymous) respondent = user.value();
    db_.prepare(
           "INSERT INTO retro_answers (retro_id, position, ballot, respondent, value) "
           "VALUES (?, ?, ?, ?, ?) "
           "ON CONFLICT (retro_id, position, ballot) DO UPDATE SET value = excluded.value")
        .bind_all(id, position, b.value, respondent, value)
        .run();
    db_.prepare("UPDATE retro_participants SET responded = 1 WHERE retro_id = ? AND user_id = ?")
        .bind_all(id, user)
        .run();
}

std::optional<std::string> RetroRepo::answer_of(RetroId id, const UserId& user, int position) {
    Ballot b = ballot_for(db_, id, user);
    auto st = db_.prepare(
        "SELECT value FROM retro_answers WHERE retro_id = ? AND position = ? AND ballot = ?");
    st.bind_all(id, position, b.value);
    if (!st.step()) return std::nullopt;
    return st.get_text(0);
}

std::vector<RetroAnswer> RetroRepo::answers(RetroId id) {
    // Ordered by value, never by ballot or insertion: neither order may hint at an author.
    auto st = db_.prepare(
        "SELECT position, value, respondent FROM retro_answers WHERE retro_id = ? "
        "ORDER BY position, value, respondent");
    st.bind_all(id);
    std::vector<RetroAnswer> out;
    while (st.step()) {
        RetroAnswer a;
        a.position = static_cast<int>(st.get_int(0));
        a.value = st.get_text(1);
        if (auto r = st.get_opt_text(2)) a.respondent = UserId(*r);
        out.push_back(std::move(a));
    }
    return out;
}

void RetroRepo::mark_reminded(RetroId id, const UserId& user) {
    db_.prepare("UPDATE retro_participants SET reminded = 1 WHERE retro_id = ? AND user_id = ?")
        .bind_all(id, user)
        .run();
}

void RetroRepo::close(RetroId id, Instant at) {
    db_.prepare(
           "UPDATE retros SET status = 'closed', closed_at = ?, ballot_key = NULL WHERE id = ?")
        .bind_all(seconds_of(at), id)
        .run();
}

std::vector<Retro> RetroRepo::closed_for_program(WorkspaceId ws, const std::string& program,
                                                 int limit) {
    static const std::string sql = select_retros(
        "JOIN releases rel ON rel.id = r.release_id "
        "WHERE r.workspace_id = ? AND r.status = 'closed' AND EXISTS (SELECT 1 FROM "
        "release_programs p WHERE p.release_id = r.release_id AND p.program = ?) "
        "ORDER BY rel.window_start DESC, r.id DESC LIMIT ?");
    auto st = db_.prepare(sql);
    st.bind_all(ws, program, limit);
    return read_retros(db_, st);
}

std::optional<RetroTemplate> RetroRepo::find_template(WorkspaceId ws, const std::string& name) {
    auto st = db_.prepare(
        "SELECT id, workspace_id, name, created_by, created_at FROM retro_templates "
        "WHERE workspace_id = ? AND name = ?");
    st.bind_all(ws, name);
    auto all = read_templates(db_, st);
    if (all.empty()) return std::nullopt;
    return all.front();
}

std::vector<RetroTemplate> RetroRepo::templates(WorkspaceId ws) {
    auto st = db_.prepare(
        "SELECT id, workspace_id, name, created_by, created_at FROM retro_templates "
        "WHERE workspace_id = ? ORDER BY name");
    st.bind_all(ws);
    return read_templates(db_, st);
}

// Replacing keeps the template's row (and so its id and creation) and rewrites its questions:
// retros copy questions when they start, so no running retro changes under anyone's feet.
void RetroRepo::save_template(const RetroTemplate& t) {
    db_.prepare(
           "INSERT INTO retro_templates (workspace_id, name, created_by, created_at) "
           "VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id, name) DO NOTHING")
        .bind_all(t.workspace, t.name, t.created_by, seconds_of(t.created_at))
        .run();
    std::int64_t id = 0;
    {
        auto st = db_.prepare("SELECT id FROM retro_templates WHERE workspace_id = ? AND name = ?");
        st.bind_all(t.workspace, t.name);
        if (!st.step()) throw std::logic_error("retro: template vanished while saving it");
        id = st.get_int(0);
    }
    db_.prepare("DELETE FROM retro_template_questions WHERE template_id = ?").bind_all(id).run();
    int position = 0;
    for (const auto& q : t.questions) {
        db_.prepare(
               "INSERT INTO retro_template_questions (template_id, position, kind, prompt, "
               "choices) VALUES (?, ?, ?, ?, ?)")
            .bind_all(id, ++position, to_string(q.kind), q.prompt, join_choices(q.choices))
            .run();
    }
}

bool RetroRepo::remove_template(WorkspaceId ws, const std::string& name) {
    db_.prepare("DELETE FROM retro_templates WHERE workspace_id = ? AND name = ?")
        .bind_all(ws, name)
        .run();
    return db_.changes() > 0;
}

}  // namespace releasebot
