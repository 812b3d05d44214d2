// Delivery to the terminal: the console's stand-in for channel posts and direct messages.
#include "integrations/console/console_port.hpp"

#include "commands/reply_markup.hpp"
#include "integrations/console/text_renderer.hpp"

namespace releasebot {

Delivery ConsolePort::post(const ConversationRef& where, const Reply& reply) {
    return print("── #" + where.channel + " ──", reply);
}

Delivery ConsolePort::direct(const std::string& /*tenant*/, const UserId& to, const Reply& reply) {
    return print("── DM to @" + to.value() + " ──", reply);
}

Delivery ConsolePort::post_status(const ConversationRef& /*where*/, const Reply& reply) {
    out_ << "  [status] " << plain_mentions(reply.text) << '\n';
    return flushed("console-status:");
}

Delivery ConsolePort::update(const ConversationRef& where, const std::string& /*message_ref*/,
                             const Reply& reply) {
    return post_status(where, reply);
}

Delivery ConsolePort::print(const std::string& rule, const Reply& reply) {
    out_ << rule << '\n' << render_text(reply);
    return flushed("console:");
}

Delivery ConsolePort::flushed(const std::string& ref_prefix) {
    out_.flush();
    Delivery d;
    // A closed pipe or full disk is not worth retrying: the reader is gone.
    if (!out_) {
        d.permanent = true;
        d.error = "the terminal output could not be written";
        return d;
    }
    d.ok = true;
    d.message_ref = ref_prefix + std::to_string(++printed_);
    return d;
}

}  // namespace releasebot
