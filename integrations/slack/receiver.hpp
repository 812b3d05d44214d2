// SlackReceiver: what releasebot does with a Slack payload, whichever transport brought it —
// Socket Mode (socket_mode.cpp: a websocket frame, answered by an ack on the link) or the Events
// API over HTTP (events_http.cpp: a signed POST, answered by the response). The transports only
// read, verify and decode; the receiver makes the decoded payload an Event ready for the
// pipeline, and the pipeline's outcome the answer the transport sends.
//
// With the bot token it fills each actor's name and time zone from users.info, opens the
// survey modal when someone presses Answer (with the press's trigger_id, which Slack takes for
// three seconds only, so before the ack), shares a slash command's export as a file (after the
// commit: what is shared must be what was stored), and removes a confirmation prompt once it
// was answered.
#pragma once

#include <optional>
#include <string>

#include "bot/runtime/event.hpp"
#include "bot/runtime/pipeline.hpp"
#include "commands/reply.hpp"
#include "integrations/slack/web_api.hpp"

namespace releasebot::slack {

// What to send back once an event ran: nothing more than the ack itself, a slash command's
// reply (which rides on it), or a refused form's errors (the modal stays open with them).
struct SlackAnswer {
    std::optional<Reply> reply;
    std::optional<std::string> form_errors;  // a view_submission response_action, as JSON
};

class SlackReceiver {
  public:
    // Either may be null: then actors keep the name in the payload and the workspace's zone,
    // surveys are answered by typing and exports come as code blocks. Both must outlive the
    // receiver. Give it a SlackWebApi of its own (not the outbox's): calls on one client take
    // turns.
    SlackReceiver(SlackWebApi* bot_api, SlackUserDirectory* users);

    // A decoded slash command, made ready for the pipeline; its reply rides on the answer.
    Event slash_command(Event event);
    // A decoded Events API event (a mention, a DM); its reply goes through the outbox.
    Event event_callback(Event event);
    // A decoded button press or form submission; its reply goes through the outbox, a refused
    // form's errors show in the form. nullopt when it needs no pipeline: the Answer button's
    // survey modal was opened, and the ack says nothing. `problem` gets why an Answer press
    // opened no modal, if it did not (the press then asks for `retro status`).
    std::optional<Event> interaction(Event event, std::string* problem = nullptr);

    // The answer to `event` once the pipeline ran it (committed, or a duplicate). `can_reply`:
    // the transport can carry a reply (a Socket Mode envelope says so per envelope). The reply
    // is moved out of `outcome` (not copied: this is every slash command's path); the rest of
    // the outcome stays as it was.
    SlackAnswer answer(const Event& event, Outcome& outcome, bool can_reply = true) const;

    // Once the answer went out: a press that answered a confirmation removes the prompt it sat
    // in (through its response_url), so an answered question leaves no buttons behind.
    void answered(const Event& event, const Outcome& outcome) const;

    // Whether `event` is a press of a confirmation's Yes or No that came with a response_url.
    static bool answers_prompt(const Event& event);

  private:
    void fill_actor(Event& event) const;
    bool open_survey(Event& event, std::string* problem) const;

    SlackWebApi* bot_api_;
    SlackUserDirectory* users_;
};

}  // namespace releasebot::slack
