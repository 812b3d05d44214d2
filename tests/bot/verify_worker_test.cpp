// Tests of `release verify` end to end (integrations/http/verify_worker.hpp): artifacts served over
// loopback HTTP are downloaded and hashed by the worker, whose findings go through the real
// pipeline — recorded on the components, announced in the release's channel, and
// `package-integrity` ticked only when every checksum matches.
#include "integrations/http/verify_worker.hpp"

#include <openssl/sha.h>

#include <catch2/catch.hpp>

#include "bot/runtime/pipeline.hpp"
#include "integrations/http/http_server.hpp"
#include "support/temp_dir.hpp"
#include "support/test_env.hpp"

using Catch::Matchers::Contains;
using releasebot::Event;
using releasebot::HttpRequest;
using releasebot::HttpResponse;
using releasebot::HttpServer;
using releasebot::VerifyOptions;
using releasebot::VerifyWorker;
using releasebot::test::TempDir;
using releasebot::test::TestEnv;

namespace {

std::string sha256_hex(const std::string& data) {
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d);
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : d) {
        out += kDigits[b >> 4];
        out += kDigits[b & 0x0F];
    }
    return out;
}

// Serves /artifacts/<name> from a fixed set; anything else is a 404.
struct ArtifactServer {
    ArtifactServer() {
        files["/artifacts/frontend-1.4.2.tgz"] = std::string(200000, 'f') + "frontend";
        files["/artifacts/server-2.0.1.tgz"] = "server build 2.0.1";
        server.route("/artifacts/", [this](const HttpRequest& req) {
            auto it = files.find(req.target);
            if (it == files.end()) return HttpResponse{404, "text/plain", "no such file", {}};
            return HttpResponse{200, "application/octet-stream", it->second, {}};
        });
        port = server.start("127.0.0.1", 0);
    }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port) + path;
    }
    std::map<std::string, std::string> files;
    HttpServer server;
    int port = 0;
};

}  // namespace

TEST_CASE("fetch_sha256 hashes what a URL serves, within limits", "[verify]") {
    ArtifactServer artifacts;
    VerifyOptions options;
    auto sum = releasebot::fetch_sha256(artifacts.url("/artifacts/server-2.0.1.tgz"), options);
    REQUIRE(sum.ok());
    CHECK(*sum == sha256_hex("server build 2.0.1"));

    auto missing = releasebot::fetch_sha256(artifacts.url("/artifacts/nope.tgz"), options);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message == "the server answered HTTP 404");

    options.max_bytes = 1000;
    auto big = releasebot::fetch_sha256(artifacts.url("/artifacts/frontend-1.4.2.tgz"), options);
    REQUIRE_FALSE(big.ok());
    CHECK(big.error().message == "the artifact is larger than the limit of 1000 bytes");

    auto refused = releasebot::fetch_sha256("ftp://127.0.0.1/x", VerifyOptions{});
    CHECK_FALSE(refused.ok());
}

TEST_CASE("release verify downloads, checks and reports through the pipeline", "[verify]") {
    TempDir dir;
    const std::string db_path = dir.file("releasebot.db");
    TestEnv env(db_path);
    ArtifactServer artifacts;
    env.say(
        "alice",
        "release plan web-2026.12 \"Web December\" at 2026-12-10 14:00 program web program api");
    const std::string frontend = artifacts.files["/artifacts/frontend-1.4.2.tgz"];
    REQUIRE_THAT(env.say("alice", "release add web-2026.12 web/frontend@1.4.2 url " +
                                      artifacts.url("/artifacts/frontend-1.4.2.tgz") + " sha256 " +
                                      sha256_hex(frontend)),
                 Contains("Added"));

    releasebot::Pipeline pipeline(env.db(), env.clock());
    std::vector<releasebot::Outcome> outcomes;
    VerifyWorker worker(db_path, [&](const Event& e) { outcomes.push_back(pipeline.handle(e)); });
    auto integrity = [&] {
        return env.text("SELECT status FROM release_controls WHERE slug = 'package-integrity'");
    };

    SECTION("every checksum matches: recorded, announced, control ticked") {
        env.say("alice", "release add web-2026.12 api/server@2.0.1 url " +
                             artifacts.url("/artifacts/server-2.0.1.tgz") + " sha256 " +
                             sha256_hex("server build 2.0.1"));
        REQUIRE_THAT(env.say("bob", "release verify web-2026.12"), Contains("Checking 2"));
        CHECK(worker.run_once() == 1);
        REQUIRE(outcomes.size() == 1);
        CHECK_THAT(outcomes[0].reply.text,
                   Contains("Package check of *web-2026.12*: all 2 artifacts match"));
        CHECK(integrity() == "done");
        CHECK(env.text("SELECT done_by FROM release_controls WHERE slug = 'package-integrity'") ==
              "releasebot");
        CHECK(env.count("SELECT COUNT(*) FROM components WHERE verified_sha256 = sha256") == 2);
        CHECK(env.count("SELECT COUNT(*) FROM verify_requests WHERE status = 'done'") == 1);
        CHECK(env.count("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%Package check%'") == 1);
        // Nothing pending: the next pass does nothing, and a repeated result is a duplicate.
        CHECK(worker.run_once() == 0);
        Event again;
        again.idempotency_key = "verify:1";
        again.kind = releasebot::EventKind::webhook;
        again.action_id = "verify.result";
        again.actor = releasebot::Actor{"console", "local", releasebot::UserId("releasebot"),
                                        "releasebot", std::nullopt};
        CHECK(pipeline.handle(again).duplicate);
    }
    SECTION("a mismatch and a missing file: reported, control left open") {
        env.say("alice", "release add web-2026.12 api/server@2.0.1 url " +
                             artifacts.url("/artifacts/server-2.0.2.tgz") + " sha256 " +
                             std::string(64, 'b'));
        env.db().exec("UPDATE components SET sha256 = '" + std::string(64, 'c') +
                      "' WHERE name = 'frontend'");
        env.say("bob", "release verify web-2026.12");
        CHECK(worker.run_once() == 1);
        REQUIRE(outcomes.size() == 1);
        const std::string& text = outcomes[0].reply.text;
        CHECK_THAT(text, Contains("2 artifacts of 2 failed"));
        CHECK(integrity() == "open");
        CHECK(env.text("SELECT verify_error FROM components WHERE name = 'server'") ==
              "the server answered HTTP 404");
        CHECK_THAT(env.text("SELECT verify_error FROM components WHERE name = 'frontend'"),
                   Contains("checksum mismatch: the artifact hashes to " + sha256_hex(frontend)));
        CHECK(env.count("SELECT COUNT(*) FROM components WHERE verified_sha256 IS NOT NULL") == 0);
    }
}
