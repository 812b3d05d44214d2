// The scenarios' workloads (see workload.hpp).
#include "bench/workload.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <iterator>

#include "bench/seed.hpp"

namespace releasebot::bench {

namespace {

// The controls of a new release's default checklist that people tick (releasebot ticks the
// others itself as plans, components and announcements arrive).
constexpr int kTickable[] = {4, 6, 7};
constexpr int kControls = static_cast<int>(std::size(kTickable));

// 10:00 UTC, 200 days from today plus `day` days: windows of the releases the storm plans,
// after the seeded ones and always ahead.
std::string storm_window(std::uint64_t day) {
    using namespace std::chrono;
    const year_month_day ymd{floor<days>(system_clock::now()) +
                             days{200 + static_cast<int>(day % 500)}};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u 10:00", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buf;
}

std::string channel_id(int i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "C0HOME%05d", i);
    return buf;
}

std::string json_string(const std::string& s) {
    return boost::json::serialize(boost::json::string_view(s));
}

}  // namespace

// ---- CommandMix -----------------------------------------------------------------------------

CommandMix::CommandMix(int seeded, std::string tag) : seeded_(seeded), tag_(std::move(tag)) {}

std::uint64_t CommandMix::random() {
    // xorshift64: cheap, and the same sequence every run.
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    return rng_;
}

CommandMix::Command CommandMix::next() {
    const std::uint64_t n = n_++;
    const std::uint64_t slot = n % 10;
    if (slot == 0) {
        char key[64];
        std::snprintf(key, sizeof key, "st-%s-%llu", tag_.c_str(),
                      static_cast<unsigned long long>(n));
        return {Op::plan,
                std::string("plan ") + key + " \"Storm release " + std::to_string(n) + "\" at " +
                    storm_window(n / 10) + " for 1h",
                key};
    }
    if (slot <= 3) {
        std::string key;
        int control = 0;
        if (seeded_ticks_ < static_cast<std::uint64_t>(seeded_) * kControls) {
            key = release_key(static_cast<int>(seeded_ticks_ % seeded_));
            control = kTickable[seeded_ticks_ / seeded_];
            ++seeded_ticks_;
        } else if (!fresh_.empty()) {
            key = fresh_.front().first;
            control = fresh_.front().second;
            fresh_.pop_front();
        }
        if (!key.empty()) {
            return {Op::tick, "control tick " + key + " " + std::to_string(control), key};
        }
        // Nothing left open to tick (a very long run): a show keeps the mix's pace.
    }
    const std::string key = release_key(static_cast<int>(random() % seeded_));
    return {Op::show, "show " + key, key};
}

void CommandMix::planned(const std::string& key) {
    for (int c : kTickable) fresh_.emplace_back(key, c);
}

std::string CommandMix::full_text(const Command& c) {
    return c.op == Op::tick ? c.text : "release " + c.text;
}

bool CommandMix::succeeded(Op op, std::string_view reply) {
    switch (op) {
        case Op::plan:
            return reply.find("Planned ") != std::string_view::npos;
        case Op::tick:
            return reply.find("Ticked ") != std::string_view::npos;
        case Op::show:
            return reply.find(" \xE2\x80\x94 ") != std::string_view::npos;  // "key — title"
    }
    return false;
}

// ---- StormSource ----------------------------------------------------------------------------

StormSource::StormSource(int seeded, const std::string& tag, int users, int channels)
    : mix_(seeded, tag), users_(users), channels_(channels) {}

void StormSource::begin(std::uint64_t total) {
    ops_.assign(total, CommandMix::Op::show);
    plan_keys_.assign(total, std::string());
}

std::string StormSource::frame(std::uint64_t seq, std::string_view envelope_id) {
    CommandMix::Command c = mix_.next();
    ops_[seq] = c.op;
    if (c.op == CommandMix::Op::plan) plan_keys_[seq] = c.key;
    return slack_frames::slash(envelope_id, bench_user(static_cast<int>(seq % users_)),
                               channel_id(static_cast<int>(seq % channels_)), c.text);
}

void StormSource::acked(std::uint64_t seq, std::string_view ack) {
    const CommandMix::Op op = ops_[seq];
    // The null bot's acks carry no reply: nothing to check.
    if (ack.find("\"payload\"") == std::string_view::npos) return;
    const bool ok = CommandMix::succeeded(op, ack);
    if (!ok) ++refused_;
    auto& sample = samples_[static_cast<int>(op)];
    if (sample.empty() || (!ok && sample.rfind("REFUSED", 0) != 0))
        sample = (ok ? "" : "REFUSED ") + std::string(ack.substr(0, 400));
    if (op == CommandMix::Op::plan && ok) mix_.planned(plan_keys_[seq]);
}

std::string StormSource::samples() const {
    return "plan: " + samples_[0] + "\nshow: " + samples_[1] + "\ntick: " + samples_[2];
}

// ---- RetroSource ----------------------------------------------------------------------------

std::string RetroSource::frame(std::uint64_t seq, std::string_view envelope_id) {
    const int respondent = static_cast<int>(seq / 5);
    const int question = static_cast<int>(seq % 5) + 1;
    std::string answer;
    switch (question) {
        case 1:
            answer = std::to_string(1 + respondent % 5);  // a rating
            break;
        case 5:
            answer = std::to_string(1 + respondent % 3);  // a choice, by number
            break;
        default:
            answer = "Answer " + std::to_string(seq) + " from the burst";
    }
    const std::string user = bench_user(respondent);
    if (seq % 2 == 0) {
        return slack_frames::block_action(
            envelope_id, user, "C0RETRO", "command",
            "retro answer " + key_ + " " + std::to_string(question) + " " + answer);
    }
    return slack_frames::view_submission(envelope_id, user, "retro answer " + key_,
                                         {{"q" + std::to_string(question), answer}});
}

std::string TextSource::frame(std::uint64_t seq, std::string_view envelope_id) {
    return slack_frames::slash(envelope_id, users_[seq % users_.size()], channel_, text_);
}

// ---- Teams ----------------------------------------------------------------------------------

std::string teams_message(const std::string& activity_id, const std::string& service_url,
                          const std::string& app_id, const std::string& user,
                          const std::string& conversation, const std::string& text) {
    const std::string bot = R"({"id":"28:)" + app_id + R"(","name":"releasebot"})";
    const std::string team = "19:team-emulator@thread.tacv2";
    return R"({"type":"message","id":)" + json_string(activity_id) +
           R"(,"timestamp":"2026-11-26T12:00:00.000Z",)"
           R"("localTimestamp":"2026-11-26T12:00:00.000+00:00",)"
           R"("localTimezone":"Etc/UTC","serviceUrl":)" +
           json_string(service_url) + R"(,"channelId":"msteams","from":{"id":)" +
           json_string(user) + R"(,"name":)" + json_string(user.substr(3)) +
           R"(,"aadObjectId":"00000000-0000-4000-8000-000000000042"},)"
           R"("conversation":{"conversationType":"channel","tenantId":"tenant-emulator","id":)" +
           json_string(conversation) + R"(,"isGroup":true},"recipient":)" + bot +
           R"(,"textFormat":"plain","text":)" + json_string("<at>releasebot</at> " + text) +
           R"(,"entities":[{"type":"mention","mentioned":)" + bot +
           R"(,"text":"<at>releasebot</at>"},{"type":"clientInfo","locale":"en-US","country":"US",)"
           R"("platform":"Web","timezone":"Etc/UTC"}],)"
           R"("channelData":{"tenant":{"id":"tenant-emulator"},)"
           R"("teamsChannelId":)" +
           json_string(conversation) + R"(,"teamsTeamId":")" + team + R"(","channel":{"id":)" +
           json_string(conversation) + R"(},"team":{"id":")" + team + R"("}},"locale":"en-US"})";
}

}  // namespace releasebot::bench
