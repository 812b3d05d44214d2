// Tests of the CI webhook (integrations/ci/ci_webhook.hpp): a CI job ticks a control and
// reports a component with one signed request; forged, stale, replayed and malformed requests
// are refused with a clear JSON error and change nothing. handle() is driven directly, and once
// over real HTTP on loopback with libcurl.
#include "integrations/ci/ci_webhook.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "commands/public_links.hpp"
#include "integrations/http/http_server.hpp"
#include "support/loopback_http.hpp"
#include "support/plans.hpp"
#include "support/temp_dir.hpp"
#include "support/test_env.hpp"

using Catch::Matchers::Contains;
using releasebot::HttpRequest;
using releasebot::HttpResponse;
using releasebot::HttpServer;
using releasebot::test::plan_web;
using releasebot::test::TempDir;
using releasebot::test::TestEnv;
namespace ci = releasebot::ci;

namespace {

struct Hook {
    explicit Hook(TestEnv& e) : env(e), pipeline(e.db(), e.clock()) {
        plan_web(env);
        // The fallback text carries both on one line, whatever a renderer wraps.
        std::string out = env.run("alice", "ci secret").reply.text;
        std::smatch m;
        std::regex secret_re("secret: ([0-9a-f]{64}) ");
        INFO(out);
        REQUIRE(std::regex_search(out, m, secret_re));
        secret = m[1];
        std::regex url_re("(/hooks/ci/[0-9]+)");
        REQUIRE(std::regex_search(out, m, url_re));
        path = m[1];
        webhook = std::make_unique<ci::CiWebhook>(pipeline, env.db(), [this] { return now(); });
    }
    long long now() const { return env.clock().now().time_since_epoch().count(); }

    HttpRequest request(const std::string& body, const std::string& delivery,
                        long long at = -1) const {
        std::string ts = std::to_string(at < 0 ? now() : at);
        HttpRequest req;
        req.method = "POST";
        req.target = path;
        req.headers["content-type"] = "application/json";
        req.headers["x-releasebot-timestamp"] = ts;
        req.headers["x-releasebot-delivery"] = delivery;
        req.headers["x-releasebot-signature"] = ci::sign(secret, ts, delivery, body);
        req.body = body;
        return req;
    }
    HttpResponse post(const std::string& body, const std::string& delivery) {
        return webhook->handle(request(body, delivery));
    }
    std::string control_status(const std::string& slug) {
        return env.text("SELECT status FROM release_controls WHERE slug = '" + slug + "'");
    }
    std::int64_t changes() { return env.count("SELECT COUNT(*) FROM audit_log"); }

    TestEnv& env;
    releasebot::Pipeline pipeline;
    std::string secret;
    std::string path;
    std::unique_ptr<ci::CiWebhook> webhook;
};

boost::json::object json(const HttpResponse& r) {
    return boost::json::parse(r.body).as_object();
}

const std::string kTick =
    R"({"action":"control.tick","release":"web-2026.12","control":"package-integrity",)"
    R"("evidence":"https://ci.example.com/run/812","note":"checksums match","by":"gitlab-ci"})";

}  // namespace

TEST_CASE("sign and verify agree, and verify names what is wrong", "[ci]") {
    const std::string secret(64, 'a');
    std::string sig = ci::sign(secret, "1700000000", "d-1", "{}");
    CHECK(sig.rfind("sha256=", 0) == 0);
    CHECK(sig.size() == 71);
    CHECK(ci::verify(secret, "1700000000", "d-1", "{}", sig, 1700000100).ok());
    std::string upper = sig;
    for (std::size_t i = 7; i < upper.size(); ++i)
        upper[i] = static_cast<char>(std::toupper(upper[i]));
    CHECK(ci::verify(secret, "1700000000", "d-1", "{}", upper, 1700000000).ok());
    // The delivery id and timestamp are signed: changing either breaks the signature.
    CHECK_FALSE(ci::verify(secret, "1700000000", "d-2", "{}", sig, 1700000000).ok());
    CHECK_FALSE(ci::verify(secret, "1700000001", "d-1", "{}", sig, 1700000000).ok());
    CHECK_FALSE(ci::verify(secret, "1700000000", "d-1", "{ }", sig, 1700000000).ok());
    auto stale = ci::verify(secret, "1700000000", "d-1", "{}", sig, 1700000301);
    REQUIRE_FALSE(stale.ok());
    CHECK_THAT(stale.error().message, Contains("301 s old"));
    auto future = ci::verify(secret, "1700000000", "d-1", "{}", sig, 1699999000);
    CHECK_THAT(future.error().message, Contains("in the future"));
    auto wrong = ci::verify(std::string(64, 'b'), "1700000000", "d-1", "{}", sig, 1700000000);
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().message.find(secret) == std::string::npos);
    CHECK(wrong.error().message.find(sig.substr(7)) == std::string::npos);
}

TEST_CASE("A signed CI request ticks a control with evidence, once", "[ci]") {
    TestEnv env;
    Hook hook(env);
    HttpResponse res = hook.post(kTick, "pipeline-812-tick");
    INFO(res.body);
    REQUIRE(res.status == 200);
    auto body = json(res);
    CHECK(body.at("ok").as_bool());
    CHECK_THAT(std::string(body.at("result").as_string()),
               Contains("Ticked control 4 `package-integrity` on *web-2026.12*"));
    CHECK(hook.control_status("package-integrity") == "done");
    CHECK(env.text("SELECT done_by FROM release_controls WHERE slug = 'package-integrity'") ==
          "ci:gitlab-ci");
    CHECK(env.text("SELECT evidence_url FROM release_controls WHERE slug = "
                   "'package-integrity'") == "https://ci.example.com/run/812");
    CHECK(env.text("SELECT note FROM release_controls WHERE slug = 'package-integrity'") ==
          "checksums match");
    // The audit log says who: the pipeline.
    CHECK(env.count("SELECT COUNT(*) FROM audit_log WHERE actor = 'ci:gitlab-ci' AND action = "
                    "'control.tick'") == 1);
    CHECK_THAT(env.say("bob", "control list web-2026.12"), Contains("ci:gitlab-ci"));

    SECTION("a retried delivery acts once") {
        std::int64_t before = hook.changes();
        env.say("bob", "control untick web-2026.12 package-integrity");
        HttpResponse again = hook.post(kTick, "pipeline-812-tick");
        CHECK(again.status == 200);
        CHECK(json(again).at("duplicate").as_bool());
        CHECK(hook.control_status("package-integrity") == "open");  // not ticked again
        CHECK(hook.changes() == before + 1);                        // only the untick
    }
    SECTION("a new delivery of a refused change says why, with 422") {
        HttpResponse again = hook.post(kTick, "pipeline-813-tick");
        CHECK(again.status == 422);
        CHECK_THAT(std::string(json(again).at("error").as_string()), Contains("already done"));
    }
}

TEST_CASE("A signed CI request ticks a control someone owns, which a member may not",
          "[ci][owner]") {
    TestEnv env;
    Hook hook(env);
    env.say("alice", "control edit package-integrity owner @dana in web-2026.12");
    CHECK_THAT(env.say("bob", "control tick web-2026.12 package-integrity"),
               Contains("Only the owner of control 4 `package-integrity` on web-2026.12"));
    REQUIRE(hook.control_status("package-integrity") == "open");

    HttpResponse res = hook.post(kTick, "pipeline-812-tick");
    INFO(res.body);
    CHECK(res.status == 200);
    CHECK(hook.control_status("package-integrity") == "done");
    CHECK(env.text("SELECT done_by FROM release_controls WHERE slug = 'package-integrity'") ==
          "ci:gitlab-ci");
}

TEST_CASE("A signed CI request reports a component's version and checksum", "[ci]") {
    TestEnv env;
    Hook hook(env);
    const std::string sha(64, 'c');
    std::string body = R"({"action":"component.report","release":"web-2026.12","program":"web",)"
                       R"("component":"frontend","version":"1.4.2",)"
                       R"("url":"https://artifacts.example.com/frontend-1.4.2.tgz","sha256":")" +
                       sha + R"("})";
    HttpResponse res = hook.post(body, "build-77");
    INFO(res.body);
    REQUIRE(res.status == 200);
    CHECK(env.text("SELECT version || ' ' || sha256 || ' ' || artifact_url || ' ' || updated_by "
                   "FROM components") ==
          "1.4.2 " + sha + " https://artifacts.example.com/frontend-1.4.2.tgz ci");
    CHECK_THAT(env.say("bob", "release show web-2026.12"), Contains("frontend"));
}

TEST_CASE("The CI webhook refuses bad requests with a JSON error and changes nothing", "[ci]") {
    TestEnv env;
    Hook hook(env);
    std::int64_t audit = hook.changes();
    std::int64_t events = env.count("SELECT COUNT(*) FROM processed_events");
    HttpRequest req = hook.request(kTick, "d-1");
    int status = 0;
    std::string message;

    SECTION("a wrong signature") {
        req.headers["x-releasebot-signature"] =
            ci::sign(std::string(64, '0'), req.headers["x-releasebot-timestamp"], "d-1", kTick);
        status = 401;
        message = "does not match";
    }
    SECTION("a body changed after signing") {
        req.body = std::regex_replace(kTick, std::regex("package-integrity"), "ops-ready");
        status = 401;
        message = "does not match";
    }
    SECTION("a delivery id changed after signing (a replay in disguise)") {
        req.headers["x-releasebot-delivery"] = "d-2";
        status = 401;
        message = "does not match";
    }
    SECTION("a stale timestamp, even signed") {
        req = hook.request(kTick, "d-1", hook.now() - 301);
        status = 401;
        message = "301 s old";
    }
    SECTION("no signature") {
        req.headers.erase("x-releasebot-signature");
        status = 401;
        message = "no X-Releasebot-Signature";
    }
    SECTION("a garbled signature") {
        req.headers["x-releasebot-signature"] = "sha1=abc";
        status = 401;
        message = "\\\"sha256=\\\" followed by 64 hex digits";
    }
    SECTION("no timestamp") {
        req.headers.erase("x-releasebot-timestamp");
        status = 401;
        message = "no X-Releasebot-Timestamp";
    }
    SECTION("no delivery id") {
        req = hook.request(kTick, "");
        status = 400;
        message = "X-Releasebot-Delivery";
    }
    SECTION("an unknown workspace looks like a wrong signature") {
        HttpResponse wrong_sig = [&] {
            HttpRequest r = req;
            r.headers["x-releasebot-signature"] = "sha256=" + std::string(64, 'f');
            return hook.webhook->handle(r);
        }();
        req.target = "/hooks/ci/999";
        HttpResponse res = hook.webhook->handle(req);
        CHECK(res.status == wrong_sig.status);
        CHECK(res.body == wrong_sig.body);
        status = 401;
        message = "does not match";
    }
    SECTION("not JSON") {
        req = hook.request("action=control.tick", "d-1");
        status = 400;
        message = "not valid JSON";
    }
    SECTION("an unknown action") {
        req = hook.request(R"({"action":"release.go","release":"web-2026.12"})", "d-1");
        status = 400;
        message = "not one the CI webhook takes";
    }
    SECTION("an action only releasebot itself may send") {
        req = hook.request(R"({"action":"verify.result","request":"1","c1":"sha256:00"})", "d-1");
        status = 400;
        message = "not one the CI webhook takes";
    }
    SECTION("a misspelt field") {
        req = hook.request(
            R"({"action":"control.tick","release":"web-2026.12","control":"ops-ready",)"
            R"("evidense":"https://x"})",
            "d-1");
        status = 400;
        message = "\\\"evidense\\\" is not one";
    }
    SECTION("a field that is not a string") {
        req =
            hook.request(R"({"action":"control.tick","release":"web-2026.12","control":4})", "d-1");
        status = 400;
        message = "must be a string";
    }
    SECTION("a field that would smuggle another keyword") {
        req = hook.request(R"({"action":"control.tick","release":"web-2026.12 evidence https://x",)"
                           R"("control":"ops-ready"})",
                           "d-1");
        status = 422;
        message = "must be one word";
    }
    SECTION("GET") {
        req.method = "GET";
        status = 405;
        message = "POSTed";
    }
    SECTION("no workspace in the path") {
        req.target = "/hooks/ci";
        status = 404;
        message = "/hooks/ci/<workspace id>";
    }

    HttpResponse res = hook.webhook->handle(req);
    INFO(res.body);
    CHECK(res.status == status);
    CHECK(res.content_type == "application/json");
    CHECK_THAT(res.body, Contains(message));
    CHECK(json(res).contains("error"));
    CHECK(res.body.find(hook.secret) == std::string::npos);
    CHECK(hook.control_status("package-integrity") == "open");
    CHECK(hook.changes() == audit);
    if (status != 422) CHECK(env.count("SELECT COUNT(*) FROM processed_events") == events);
}

TEST_CASE("A rotated CI secret refuses the old one", "[ci]") {
    TestEnv env;
    Hook hook(env);
    env.say("alice", "ci secret rotate");
    std::string out = env.say("alice", "yes");
    CHECK_THAT(out, Contains("New CI webhook secret"));
    CHECK(out.find(hook.secret) == std::string::npos);
    CHECK(hook.post(kTick, "d-1").status == 401);
    CHECK(hook.control_status("package-integrity") == "open");
}

TEST_CASE("The CI webhook over HTTP on loopback", "[ci][http]") {
    TempDir dir;
    TestEnv env(dir.file("releasebot.db"));
    Hook hook(env);
    HttpServer server;
    hook.webhook->mount(server);
    int port = server.start("127.0.0.1", 0);
    std::string url = "http://127.0.0.1:" + std::to_string(port) + hook.path;
    auto send = [&](const HttpRequest& req) {
        std::vector<std::string> headers;
        for (const auto& [k, v] : req.headers) headers.push_back(k + ": " + v);
        return releasebot::test::http_call("POST", url, headers, req.body);
    };

    auto stale = send(hook.request(kTick, "run-1", hook.now() - 600));
    CHECK(stale.status == 401);
    CHECK_THAT(stale.body, Contains("600 s old"));
    HttpRequest forged = hook.request(kTick, "run-1");
    forged.headers["x-releasebot-signature"] = "sha256=" + std::string(64, '1');
    CHECK(send(forged).status == 401);
    CHECK(hook.control_status("package-integrity") == "open");

    auto good = send(hook.request(kTick, "run-1"));
    CHECK(good.status == 200);
    CHECK(good.headers["content-type"] == "application/json");
    CHECK(hook.control_status("package-integrity") == "done");
    auto replay = send(hook.request(kTick, "run-1"));
    CHECK(replay.status == 200);
    CHECK_THAT(replay.body, Contains("\"duplicate\":true"));
    CHECK(env.count("SELECT COUNT(*) FROM audit_log WHERE action = 'control.tick' AND detail "
                    "LIKE '%package-integrity%'") == 1);
    server.stop();
}

TEST_CASE("The curl command `ci secret` shows ticks a control as it says", "[ci][http]") {
    // What a CI job would run: the snippet from the `ci secret` reply, with bash, openssl and
    // curl, against the real server on loopback, signed with the real clock.
    TempDir dir;
    TestEnv env(dir.file("releasebot.db"));
    plan_web(env);
    releasebot::Pipeline pipeline(env.db(), env.clock());
    ci::CiWebhook webhook(pipeline, env.db());  // the system clock, as `date +%s` uses
    HttpServer server;
    webhook.mount(server);
    int port = server.start("127.0.0.1", 0);
    releasebot::set_public_base_url("http://127.0.0.1:" + std::to_string(port));
    auto reply = env.run("alice", "ci secret").reply;
    releasebot::set_public_base_url("");
    std::string secret = std::regex_replace(
        reply.text, std::regex(".*secret: ([0-9a-f]{64}) .*", std::regex::extended), "$1");
    REQUIRE(secret.size() == 64);
    std::string script;
    for (const auto& b : reply.blocks) {
        auto open = b.text.find("```\n");
        if (open == std::string::npos) continue;
        script = b.text.substr(open + 4, b.text.rfind("```") - open - 4);
    }
    REQUIRE_THAT(script, Contains("curl"));
    std::ofstream(dir.file("ci.sh")) << script;
    std::string cmd = "cd " + dir.file("") + " && RELEASEBOT_SECRET=" + secret +
                      " CI_JOB_URL=https://ci.example.com/jobs/42 CI_JOB_ID=42 bash ci.sh 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[4096];
    while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    int status = pclose(p);
    INFO(out);
    CHECK(status == 0);
    CHECK_THAT(out, Contains("\"ok\":true"));
    CHECK(env.text("SELECT evidence_url FROM release_controls WHERE slug = "
                   "'package-integrity'") == "https://ci.example.com/jobs/42");
    server.stop();
}
