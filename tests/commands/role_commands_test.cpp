// Tests of `role grant|revoke|list` through the real pipeline: who may hand out roles, the
// direct message the person gets, the confirmation before a revoke, and the rule that a
// workspace always keeps a manager.
#include <catch2/catch.hpp>

#include "support/test_env.hpp"

using Catch::Matchers::Contains;
using releasebot::test::TestEnv;

namespace {

std::int64_t grants(TestEnv& env, const std::string& user, const std::string& role) {
    return env.count("SELECT COUNT(*) FROM roles WHERE user_id = '" + user + "' AND role = '" +
                     role + "'");
}

}  // namespace

TEST_CASE("role grant gives a role and tells the person by direct message", "[role]") {
    TestEnv env;
    env.say("alice", "role list");  // alice is the workspace's first user: its manager

    std::string out = env.say("alice", "role grant @carol approver");
    CHECK_THAT(out, Contains("@carol is now an approver (was member)."));
    CHECK(grants(env, "carol", "approver") == 1);
    CHECK(env.text("SELECT granted_by FROM roles WHERE user_id = 'carol'") == "alice");
    CHECK(env.count("SELECT COUNT(*) FROM audit_log WHERE action = 'role.grant' AND actor = "
                    "'alice' AND detail LIKE '%carol%approver%'") == 1);

    // One direct message, to carol, saying what she can do now.
    CHECK(env.count("SELECT COUNT(*) FROM outbox") == 1);
    CHECK(env.count("SELECT COUNT(*) FROM outbox WHERE destination LIKE '%carol%' AND payload "
                    "LIKE '%made you an approver in releasebot: you can do everything a "
                    "member does, and review communications%'") == 1);
    CHECK(env.count("SELECT COUNT(*) FROM outbox WHERE destination LIKE '%alice%'") == 0);

    SECTION("the new role takes effect at once") {
        CHECK_THAT(env.say("carol", "role grant @dave manager"),
                   Contains("Only a manager can use `role grant`; you are an approver."));
        env.say("alice", "role grant @carol manager");
        CHECK_THAT(env.say("carol", "role grant @dave approver"),
                   Contains("@dave is now an approver (was member)."));
        CHECK(grants(env, "dave", "approver") == 1);
    }
    SECTION("granting the role someone already has changes nothing") {
        CHECK_THAT(env.say("alice", "role grant @carol approver"),
                   Contains("@carol is already an approver."));
        CHECK(env.count("SELECT COUNT(*) FROM outbox") == 1);
        CHECK(env.count("SELECT COUNT(*) FROM audit_log WHERE action = 'role.grant' AND detail "
                        "LIKE '%carol%'") == 1);
    }
    SECTION("a Slack-style mention works too") {
        CHECK_THAT(env.say("alice", "role grant <@erin|Erin> member"),
                   Contains("@erin is already a member."));
        CHECK(env.count("SELECT COUNT(*) FROM roles WHERE user_id = 'erin'") == 0);
    }
}

TEST_CASE("only managers grant and revoke roles", "[role]") {
    TestEnv env;
    env.say("alice", "role list");

    CHECK(env.say("bob", "role grant @bob manager") ==
          "Only a manager can use `role grant`; you are a member. Type `role list` to see who "
          "can, and ask a manager for `role grant @bob manager`.\n");
    CHECK_THAT(env.say("bob", "role revoke @alice"),
               Contains("Only a manager can use `role revoke`; you are a member."));
    CHECK(env.count("SELECT COUNT(*) FROM roles") == 1);
    CHECK(grants(env, "alice", "manager") == 1);
    CHECK(env.count("SELECT COUNT(*) FROM outbox") == 0);
}

TEST_CASE("role grant refuses what is not a role", "[role]") {
    TestEnv env;
    env.say("alice", "role list");
    CHECK_THAT(env.say("alice", "role grant @carol boss"),
               Contains("`boss` is not a valid role for `role grant`: use `manager`, `approver` "
                        "or `member`."));
    CHECK_THAT(env.say("alice", "role grant carol approver"),
               Contains("`carol` is not a person: name them with @, like `@dana`."));
    CHECK(env.count("SELECT COUNT(*) FROM roles") == 1);
}

TEST_CASE("role revoke asks for confirmation, then leaves the person a member", "[role]") {
    TestEnv env;
    env.say("alice", "role grant @carol approver");

    std::string preview = env.say("alice", "role revoke @carol");
    CHECK_THAT(preview, Contains("Please confirm: Revoke @carol's role approver: they become a "
                                 "member"));
    CHECK_THAT(preview, Contains("yes"));
    CHECK(grants(env, "carol", "approver") == 1);  // nothing changed yet

    SECTION("yes") {
        CHECK_THAT(env.say("alice", "yes"),
                   Contains("Revoked @carol's role approver: they are a member now."));
        CHECK(env.count("SELECT COUNT(*) FROM roles WHERE user_id = 'carol'") == 0);
        CHECK(env.count("SELECT COUNT(*) FROM audit_log WHERE action = 'role.revoke' AND detail "
                        "LIKE '%carol%approver → member%'") == 1);
        CHECK(env.count("SELECT COUNT(*) FROM outbox WHERE destination LIKE '%carol%' AND "
                        "payload LIKE '%revoked your role approver%'") == 1);
        // Members have no row: carol is no longer among the grants.
        CHECK_THAT(env.say("carol", "role list"), !Contains("@carol"));
    }
    SECTION("no") {
        CHECK_THAT(env.say("alice", "no"), Contains("Nothing changed."));
        CHECK(grants(env, "carol", "approver") == 1);
    }
}

TEST_CASE("the last manager cannot be removed", "[role]") {
    TestEnv env;
    env.say("alice", "role list");
    const std::string refusal =
        "@alice is the last manager: grant another manager first (`role grant @someone "
        "manager`), then change @alice's role.\n";

    CHECK(env.say("alice", "role revoke @alice") == refusal);
    CHECK(env.say("alice", "role grant @alice member") == refusal);
    CHECK(env.say("alice", "role grant @alice approver") == refusal);
    CHECK(grants(env, "alice", "manager") == 1);
    CHECK(env.count("SELECT COUNT(*) FROM pending_confirmations") == 0);

    SECTION("with a second manager, the first may step down") {
        env.say("alice", "role grant @bob manager");
        CHECK_THAT(env.say("alice", "role revoke @alice"), Contains("Please confirm"));
        CHECK_THAT(env.say("alice", "yes"), Contains("Revoked @alice's role manager"));
        CHECK(env.count("SELECT COUNT(*) FROM roles WHERE user_id = 'alice'") == 0);
        CHECK(env.say("bob", "role revoke @bob") ==
              "@bob is the last manager: grant another manager first (`role grant @someone "
              "manager`), then change @bob's role.\n");
        // alice is a member now
        CHECK_THAT(env.say("alice", "role grant @carol approver"),
                   Contains("Only a manager can use `role grant`; you are a member."));
    }
}

TEST_CASE("role revoke of someone with no role says they are a member already", "[role]") {
    TestEnv env;
    env.say("alice", "role list");
    CHECK(env.say("alice", "role revoke @zoe") ==
          "@zoe has no role granted, so is a member already. Type `role list` to see who holds "
          "which role.\n");
    CHECK(env.count("SELECT COUNT(*) FROM pending_confirmations") == 0);
}

TEST_CASE("role list shows the grants and what each role may do", "[role]") {
    TestEnv env;
    env.say("alice", "role grant @carol approver");
    env.say("alice", "role grant @dave manager");

    std::string out = env.say("bob", "role list");  // any member may read it
    CHECK_THAT(out, Contains("Who     Role      Granted by  When"));
    CHECK_THAT(out, Contains("@alice  manager   @alice      Tue 1 Dec 2026 09:00 UTC"));
    CHECK_THAT(out, Contains("@dave   manager   @alice      Tue 1 Dec 2026 09:00 UTC"));
    CHECK_THAT(out, Contains("@carol  approver  @alice      Tue 1 Dec 2026 09:00 UTC"));
    CHECK_THAT(out, Contains("Everyone else is a member."));
    CHECK_THAT(out, Contains("member:   can plan releases, tick controls, draft communications "
                             "and answer surveys"));
    CHECK_THAT(out, Contains("approver: can do everything a member does, and review "
                             "communications"));
    CHECK_THAT(out, Contains("manager:  can do everything an approver does, and go, start, back "
                             "out, waive controls, grant roles and override freezes"));
    // managers first, then approvers
    CHECK(out.find("@dave   manager") < out.find("@carol  approver"));
    CHECK_THAT(out, !Contains("@bob"));
}
