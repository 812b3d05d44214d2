// HTTP load: the Bot Framework channel's side of Teams inbound, as a load generator. K keep-alive
// connections to the bot's listener (plain HTTP on loopback, as releasebot serves it behind a
// TLS-terminating proxy), each POSTing one activity at a time and timing the answer. One Asio
// thread (Boost.Beast), so the harness costs one core at most.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "bench/common.hpp"

namespace releasebot::bench {

struct HttpLoadSpec {
    int port = 0;  // on 127.0.0.1
    std::string target = "/api/messages";
    std::string authorization;  // the Authorization header's value ("Bearer …")
    int concurrency = 1;
    std::uint64_t total = 1000;
    std::chrono::milliseconds max_duration{60000};  // no new requests after this
};

struct HttpLoadResult {
    std::uint64_t sent = 0;
    std::uint64_t ok = 0;      // 2xx
    std::uint64_t failed = 0;  // another status, or no answer
    double seconds = 0;        // first request sent → last answer
    Latencies latency;
    std::map<int, std::uint64_t> statuses;  // 0 = no answer
    std::string first_failure;              // status and body of the first failure
    double ops_per_s() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
};

// Runs the load; `body(seq)` is the JSON body of request `seq`, `answered(seq, status, body)`
// is told each answer. Both are called on the load's thread.
HttpLoadResult run_http_load(
    const HttpLoadSpec& spec, const std::function<std::string(std::uint64_t)>& body,
    const std::function<void(std::uint64_t, int, std::string_view)>& answered);

}  // namespace releasebot::bench
