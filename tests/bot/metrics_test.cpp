// Tests of the metrics registry (bot/runtime/metrics.cpp) and the /healthz and /metrics handlers
// (integrations/http/liveness.cpp): what a Prometheus scrape and a load balancer's health check
// would read.
#include "bot/runtime/metrics.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "integrations/http/liveness.hpp"
#include "storage/database.hpp"
#include "support/metrics_sample.hpp"
#include "support/temp_dir.hpp"

namespace releasebot {
namespace {

using namespace std::chrono_literals;

using test::metric_sample;

// Checks the exposition format 0.0.4 as a scraper parses it: every sample belongs to a family
// announced by # HELP and # TYPE before it, names and labels are well-formed, values are
// numbers, no series appears twice, and histogram buckets are cumulative and end in +Inf,
// with _count equal to the +Inf bucket. Returns the problems found.
std::vector<std::string> format_problems(const std::string& text) {
    std::vector<std::string> problems;
    // name{label="value",…} value — group 1 the name, group 5 the value.
    static const std::string kName = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    static const std::string kLabel = R"([a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*")";
    static const std::regex kSample("^(" + kName + ")(\\{(" + kLabel + "(," + kLabel +
                                    ")*)?\\})? (-?[0-9.eE+-]+|\\+Inf|NaN)$");
    static const std::regex kMeta(R"(^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$)");
    std::map<std::string, std::string> types;
    std::set<std::string> seen;
    std::map<std::string, double> last_bucket;
    std::istringstream in(text);
    std::string line;
    if (text.empty() || text.back() != '\n') problems.push_back("no final newline");
    while (std::getline(in, line)) {
        std::smatch m;
        if (line.rfind("#", 0) == 0) {
            if (!std::regex_match(line, m, kMeta)) {
                problems.push_back("bad comment: " + line);
            } else if (m[1] == "TYPE") {
                types[m[2]] = m[3];
            }
            continue;
        }
        if (!std::regex_match(line, m, kSample)) {
            problems.push_back("bad sample: " + line);
            continue;
        }
        if (!seen.insert(line.substr(0, line.rfind(' '))).second) {
            problems.push_back("repeated series: " + line);
        }
        std::string family = m[1];
        for (const char* suffix : {"_bucket", "_sum", "_count"}) {
            const std::string s = suffix;
            if (family.size() > s.size() &&
                family.compare(family.size() - s.size(), s.size(), s) == 0 &&
                types.count(family.substr(0, family.size() - s.size()))) {
                family = family.substr(0, family.size() - s.size());
            }
        }
        if (!types.count(family)) problems.push_back("no # TYPE before: " + line);
        const double value = m[5] == "+Inf" ? 1e300 : std::stod(m[5]);
        if (std::string(m[1]).find("_bucket") != std::string::npos) {
            if (value < last_bucket[family]) problems.push_back("bucket not cumulative: " + line);
            last_bucket[family] = value;
        }
        if (std::string(m[1]) == family + "_count" &&
            metric_sample(text, family + "_bucket{le=\"+Inf\"}") != value) {
            problems.push_back("_count differs from the +Inf bucket: " + line);
        }
    }
    return problems;
}

HttpRequest get(const std::string& target) {
    return HttpRequest{"GET", target, {}, ""};
}

}  // namespace

TEST_CASE("Events are counted by kind and outcome", "[metrics]") {
    metrics::reset();
    metrics::event("command", EventOutcome::ok, 200us);
    metrics::event("command", EventOutcome::ok, 300us);
    metrics::event("command", EventOutcome::refused, 100us);
    metrics::event("action", EventOutcome::duplicate, 10us);
    metrics::event("something-new", EventOutcome::failed, 1ms);
    const std::string text = metrics::prometheus_text();
    CHECK(metric_sample(text, R"(releasebot_events_total{kind="command",outcome="ok"})") == 2);
    CHECK(metric_sample(text, R"(releasebot_events_total{kind="command",outcome="refused"})") == 1);
    CHECK(metric_sample(text, R"(releasebot_events_total{kind="action",outcome="duplicate"})") == 1);
    CHECK(metric_sample(text, R"(releasebot_events_total{kind="other",outcome="failed"})") == 1);
    CHECK(metric_sample(text, R"(releasebot_events_total{kind="timer",outcome="ok"})") == 0);
    CHECK(metric_sample(text, "releasebot_event_duration_seconds_count") == 5);
    CHECK(format_problems(text).empty());

    metrics::reset();
    CHECK(metric_sample(metrics::prometheus_text(),
                 R"(releasebot_events_total{kind="command",outcome="ok"})") == 0);
}

TEST_CASE("Ack latency is a cumulative histogram in seconds", "[metrics]") {
    metrics::reset();
    metrics::ack_latency(300us);  // ≤ 0.0005
    metrics::ack_latency(800us);  // ≤ 0.001
    metrics::ack_latency(2s);     // ≤ 3
    metrics::ack_latency(10s);    // only +Inf
    const std::string text = metrics::prometheus_text();
    CAPTURE(text);
    CHECK(metric_sample(text, R"(releasebot_ack_latency_seconds_bucket{le="0.00025"})") == 0);
    CHECK(metric_sample(text, R"(releasebot_ack_latency_seconds_bucket{le="0.0005"})") == 1);
    CHECK(metric_sample(text, R"(releasebot_ack_latency_seconds_bucket{le="0.001"})") == 2);
    CHECK(metric_sample(text, R"(releasebot_ack_latency_seconds_bucket{le="1"})") == 2);
    CHECK(metric_sample(text, R"(releasebot_ack_latency_seconds_bucket{le="3"})") == 3);
    CHECK(metric_sample(text, R"(releasebot_ack_latency_seconds_bucket{le="+Inf"})") == 4);
    CHECK(metric_sample(text, "releasebot_ack_latency_seconds_count") == 4);
    CHECK(metric_sample(text, "releasebot_ack_latency_seconds_sum") == Approx(12.0011));
    CHECK(format_problems(text).empty());
}

TEST_CASE("Outbox deliveries, failures, scheduler lag and reconnects are exposed", "[metrics]") {
    metrics::reset();
    metrics::outbox_delivered("slack");
    metrics::outbox_delivered("slack");
    metrics::outbox_delivered("teams");
    metrics::outbox_failed("slack", false);
    metrics::outbox_failed("teams", true);
    metrics::scheduler_lag(120ms);
    metrics::reconnect("slack");
    const std::string text = metrics::prometheus_text("# TYPE x_gauge gauge\nx_gauge 7\n");
    CHECK(metric_sample(text, R"(releasebot_outbox_delivered_total{platform="slack"})") == 2);
    CHECK(metric_sample(text, R"(releasebot_outbox_delivered_total{platform="teams"})") == 1);
    CHECK(metric_sample(text, R"(releasebot_outbox_failures_total{platform="slack",permanent="false"})") ==
          1);
    CHECK(metric_sample(text, R"(releasebot_outbox_failures_total{platform="teams",permanent="true"})") ==
          1);
    CHECK(metric_sample(text, R"(releasebot_scheduler_lag_seconds_bucket{le="0.1"})") == 0);
    CHECK(metric_sample(text, R"(releasebot_scheduler_lag_seconds_bucket{le="0.25"})") == 1);
    CHECK(metric_sample(text, R"(releasebot_reconnects_total{platform="slack"})") == 1);
    CHECK(metric_sample(text, "x_gauge") == 7);  // the caller's gauges, appended as given
    CHECK(format_problems(text).empty());
}

TEST_CASE("The format checker of these tests finds broken exposition text", "[metrics]") {
    CHECK_FALSE(format_problems("x_total 1\n").empty());                   // no TYPE
    CHECK_FALSE(format_problems("# TYPE x counter\nx{a=b} 1\n").empty());  // unquoted label
    CHECK_FALSE(format_problems("# TYPE x counter\nx 1\nx 2\n").empty());  // repeated
    CHECK_FALSE(format_problems("# TYPE x counter\nx one\n").empty());     // not a number
    CHECK(format_problems("# HELP x Things.\n# TYPE x counter\nx{a=\"b\"} 1\n").empty());
}

TEST_CASE("/healthz says whether the database answers and each adapter is up", "[metrics]") {
    test::TempDir dir;
    Database db(dir.file("r.db"));
    liveness::reset();

    SECTION("every adapter up: 200 ok") {
        liveness::set("slack_http", "listening");
        liveness::expect_links("slack_socket_mode", 2);
        liveness::link("slack_socket_mode", 0, true);
        liveness::link("slack_socket_mode", 1, true);
        HttpResponse r = liveness::healthz(db, get("/healthz"));
        CHECK(r.status == 200);
        auto body = boost::json::parse(r.body).as_object();
        CHECK(body.at("status").as_string() == "ok");
        CHECK(body.at("database").as_string() == "reachable");
        CHECK(body.at("adapters").at("slack_socket_mode").as_string() == "connected");
        CHECK(body.at("adapters").at("slack_http").as_string() == "listening");
        CHECK(body.at("outbox_pending").as_int64() == 0);
    }
    SECTION("one link of two down: 200 degraded") {
        liveness::expect_links("slack_socket_mode", 2);
        liveness::link("slack_socket_mode", 1, true);
        HttpResponse r = liveness::healthz(db, get("/healthz"));
        CHECK(r.status == 200);
        auto body = boost::json::parse(r.body).as_object();
        CHECK(body.at("status").as_string() == "degraded");
        CHECK(body.at("adapters").at("slack_socket_mode").as_string() == "degraded");
    }
    SECTION("still connecting: 503 unavailable") {
        liveness::expect_links("slack_socket_mode", 1);
        HttpResponse r = liveness::healthz(db, get("/healthz"));
        CHECK(r.status == 503);
        auto body = boost::json::parse(r.body).as_object();
        CHECK(body.at("status").as_string() == "unavailable");
        CHECK(body.at("adapters").at("slack_socket_mode").as_string() == "connecting");
        liveness::link("slack_socket_mode", 0, true);
        CHECK(liveness::healthz(db, get("/healthz")).status == 200);
        liveness::link("slack_socket_mode", 0, false);
        CHECK(liveness::healthz(db, get("/healthz")).status == 503);
    }
    SECTION("a database whose queries fail: 503") {
        liveness::set("slack_http", "listening");
        CHECK(liveness::healthz(db, get("/healthz")).status == 200);
        // Another connection breaks the schema under this one, as a bad restore would.
        Database other(dir.file("r.db"));
        other.exec("DROP TABLE outbox");
        HttpResponse r = liveness::healthz(db, get("/healthz"));
        CHECK(r.status == 503);
        auto body = boost::json::parse(r.body).as_object();
        CHECK(body.at("database").as_string() == "unreachable");
        CHECK(body.at("status").as_string() == "unavailable");
        CHECK_FALSE(body.contains("outbox_pending"));
        CHECK(metric_sample(liveness::metrics_endpoint(db, get("/metrics")).body,
                            "releasebot_database_up") == 0);
    }
    SECTION("other paths and methods") {
        CHECK(liveness::healthz(db, get("/healthzz")).status == 404);
        HttpRequest post{"POST", "/healthz", {}, ""};
        CHECK(liveness::healthz(db, post).status == 405);
    }
}

TEST_CASE("/metrics adds the outbox depth and adapter gauges to the counters", "[metrics]") {
    test::TempDir dir;
    Database db(dir.file("r.db"));
    liveness::reset();
    metrics::reset();
    liveness::set("slack_http", "listening");
    liveness::expect_links("slack_socket_mode", 1);
    metrics::event("command", EventOutcome::ok, 1ms);
    HttpResponse r = liveness::metrics_endpoint(db, get("/metrics"));
    CHECK(r.status == 200);
    CHECK(r.content_type == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(metric_sample(r.body, "releasebot_outbox_depth") == 0);
    CHECK(metric_sample(r.body, "releasebot_database_up") == 1);
    CHECK(metric_sample(r.body, R"(releasebot_adapter_up{adapter="slack_http"})") == 1);
    CHECK(metric_sample(r.body, R"(releasebot_adapter_up{adapter="slack_socket_mode"})") == 0);
    CHECK(metric_sample(r.body, R"(releasebot_events_total{kind="command",outcome="ok"})") == 1);
    CHECK(format_problems(r.body).empty());
    liveness::reset();
}

}  // namespace releasebot
