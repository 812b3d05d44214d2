// VerifyRepo: verify_requests and the verification columns of components (migration 6).
#include "storage/verify_repo.hpp"

#include "storage/columns.hpp"
#include "storage/database.hpp"

namespace releasebot {

namespace {

constexpr const char* kRequestColumns =
    "SELECT id, workspace_id, release_id, requested_by, requested_at, status, finished_at "
    "FROM verify_requests ";

VerifyRequest read_request(const Statement& st) {
    VerifyRequest r;
    r.id = st.get_int(0);
    r.workspace = WorkspaceId(st.get_int(1));
    r.release = ReleaseId(st.get_int(2));
    r.requested_by = UserId(st.get_text(3));
    r.requested_at = instant_of(st.get_int(4));
    r.status = st.get_text(5);
    r.finished_at = instant_of(st.get_opt_int(6));
    return r;
}

}  // namespace

std::int64_t VerifyRepo::request(WorkspaceId ws, ReleaseId release, const UserId& by, Instant now) {
    db_.prepare(
           "INSERT INTO verify_requests (workspace_id, release_id, requested_by, requested_at) "
           "VALUES (?, ?, ?, ?)")
        .bind_all(ws, release, by, seconds_of(now))
        .run();
    return db_.last_insert_id();
}

std::optional<VerifyRequest> VerifyRepo::get(std::int64_t id) {
    auto st = db_.prepare(std::string(kRequestColumns) + "WHERE id = ?");
    st.bind_all(id);
    if (!st.step()) return std::nullopt;
    return read_request(st);
}

std::optional<VerifyRequest> VerifyRepo::pending_for(ReleaseId release) {
    auto st = db_.prepare(std::string(kRequestColumns) +
                          "WHERE release_id = ? AND status = 'pending' ORDER BY id LIMIT 1");
    st.bind_all(release);
    if (!st.step()) return std::nullopt;
    return read_request(st);
}

std::vector<VerifyRequest> VerifyRepo::pending(int limit) {
    auto st =
        db_.prepare(std::string(kRequestColumns) + "WHERE status = 'pending' ORDER BY id LIMIT ?");
    st.bind_all(limit);
    std::vector<VerifyRequest> out;
    while (st.step()) out.push_back(read_request(st));
    return out;
}

void VerifyRepo::finish(std::int64_t id, Instant now) {
    db_.prepare("UPDATE verify_requests SET status = 'done', finished_at = ? WHERE id = ?")
        .bind_all(seconds_of(now), id)
        .run();
}

std::vector<VerifyTarget> VerifyRepo::targets(ReleaseId release) {
    auto st = db_.prepare(
        "SELECT id, artifact_url FROM components "
        "WHERE release_id = ? AND artifact_url IS NOT NULL ORDER BY program, name");
    st.bind_all(release);
    std::vector<VerifyTarget> out;
    while (st.step()) out.push_back({ComponentId(st.get_int(0)), st.get_text(1)});
    return out;
}

void VerifyRepo::record_match(ComponentId c, const std::string& sha256, Instant now) {
    db_.prepare(
           "UPDATE components SET verified_sha256 = ?, verified_at = ?, verify_error = NULL "
           "WHERE id = ?")
        .bind_all(sha256, seconds_of(now), c)
        .run();
}

void VerifyRepo::record_failure(ComponentId c, const std::string& error, Instant now) {
    db_.prepare(
           "UPDATE components SET verified_sha256 = NULL, verified_at = ?, verify_error = ? "
           "WHERE id = ?")
        .bind_all(seconds_of(now), error, c)
        .run();
}

}  // namespace releasebot
