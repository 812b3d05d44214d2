// Retrospectives: surveys per release, their questions, participants and answers, and
// the workspace's survey templates.
//
// Anonymity: in an anonymous retro an answer row holds no user id; it is filed under a ballot,
// HMAC-SHA256(ballot_key, user id), so its author can still change it while the retro is open.
// close() erases the ballot key, after which no stored value ties an answer to a person.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace releasebot {

class Database;

class RetroRepo {
public:
    explicit RetroRepo(Database& db) : db_(db) {}

    // Inserts the retro with its questions and participants (a random ballot key when
    // anonymous); returns its id.
    RetroId create(const Retro& r, const std::vector<UserId>& participants);
    std::optional<Retro> get(RetroId id);
    std::optional<Retro> for_release(ReleaseId r);
    std::vector<RetroParticipant> participants(RetroId id);
    bool is_participant(RetroId id, const UserId& user);
    void add_participant(RetroId id, const UserId& user);

    // Records or replaces `user`'s answer to question `position`, and marks them responded.
    void answer(RetroId id, const UserId& user, int position, const std::string& value);
    // The user's own current answer (while open), if any.
    std::optional<std::string> answer_of(RetroId id, const UserId& user, int position);
    // Every answer, by question then value order; respondent empty when anonymous.
    std::vector<RetroAnswer> answers(RetroId id);
    void mark_reminded(RetroId id, const UserId& user);
    // Closes the retro at `at` and erases its ballot key.
    void close(RetroId id, Instant at);
    // Closed retros of releases that include `program`, newest window first, at most `limit`.
    std::vector<Retro> closed_for_program(WorkspaceId ws, const std::string& program, int limit);

    // Templates.
    std::optional<RetroTemplate> find_template(WorkspaceId ws, const std::string& name);
    std::vector<RetroTemplate> templates(WorkspaceId ws);
    // Inserts or replaces the template of that name with its questions.
    void save_template(const RetroTemplate& t);
    bool remove_template(WorkspaceId ws, const std::string& name);

private:
    Database& db_;
};

}  // namespace releasebot
