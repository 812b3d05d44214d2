// The release retrospective as a chat survey: starting one, the default questions, and
// what its scheduled jobs do (the typed `retro` commands are in retro_commands.cpp).
#pragma once

#include <vector>

#include "commands/context.hpp"
#include "commands/result.hpp"
#include "storage/records.hpp"

namespace releasebot {

struct RetroOptions {
    std::vector<UserId> with;  // empty: everyone who took part
    Seconds closes_in = std::chrono::hours(48);
    bool anonymous = false;
    std::string template_name = "default";
};

// Everyone who took part in `r`: its owner, owners of its controls and steps, those who ticked
// or waived controls and marked steps, authors and reviewers of its communications.
std::vector<UserId> release_participants(Context& ctx, const Release& r);

// Opens the retro of `r`: stores it, DMs each participant the survey, schedules the close at
// the deadline and one reminder to non-responders. Errors when `r` already has one.
Result<Reply> start_retro(Context& ctx, const Release& r, const RetroOptions& options);

// Scheduled retro jobs: kRetroCloseJob closes it and posts the results to the release's home;
// kRetroRemindJob DMs the participants who have not answered (once each).
Result<Reply> run_retro_timer(Context& ctx, const ScheduledJob& job, bool late);

// The five questions every retro asks unless a template says otherwise.
std::vector<RetroQuestion> default_retro_questions();
// The survey as a direct message to `to` (a reminder says so).
Reply retro_survey_message(Context& ctx, const Release& r, const Retro& retro, const UserId& to,
                           bool reminder);
// "3 of 5 answered (60%)": how many of the people asked have answered.
std::string response_rate(const std::vector<RetroParticipant>& people);
// Response rate, rating averages with histograms, choice counts, comments, action items.
Reply retro_results_reply(Context& ctx, const Release& r, const Retro& retro);
// RFC 4180 CSV (CRLF) and a Markdown document of the results.
std::string retro_csv(Context& ctx, const Retro& retro);
std::string retro_markdown(Context& ctx, const Release& r, const Retro& retro);
// Closes `retro` now (erasing its ballot key), cancels its jobs, and returns the results.
Reply close_retro(Context& ctx, const Release& r, Retro retro, bool by_deadline, bool late);

inline constexpr const char* kRetroCloseJob = "retro-close";
inline constexpr const char* kRetroRemindJob = "retro-remind";

}  // namespace releasebot
