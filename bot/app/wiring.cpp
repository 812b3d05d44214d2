// The composition root's shared pieces. See wiring.hpp.
#include "bot/app/wiring.hpp"

#include "integrations/slack/slack_port.hpp"
#include "integrations/slack/web_api.hpp"
#include "integrations/teams/connector.hpp"
#include "integrations/teams/teams_port.hpp"

namespace releasebot {

namespace {

// The platforms' clients and the ports on them, owned together.
class PlatformPorts : public ChatPorts {
  public:
    PlatformPorts(const Config& config, Database& db) {
        if (config.slack.enabled) {
            slack::ApiOptions api;
            api.base_url = config.slack.api_url;
            api.ca_file = config.slack.ca_file;
            slack_api_ = std::make_unique<slack::SlackWebApi>(config.slack.bot_token.value, api);
            slack_ = std::make_unique<slack::SlackPort>(*slack_api_);
        }
        if (config.teams.enabled) {
            teams::ConnectorOptions options;
            options.app_id = config.teams.app_id;
            options.app_password = config.teams.app_password.value;
            options.token_url = config.teams.effective_token_url();
            options.ca_file = config.teams.ca_file;
            connector_ = std::make_unique<teams::ConnectorClient>(options);
            teams_ = std::make_unique<teams::TeamsPort>(*connector_, db);
        }
    }

    std::vector<ChatPort*> ports() override {
        std::vector<ChatPort*> out;
        if (slack_) out.push_back(slack_.get());
        if (teams_) out.push_back(teams_.get());
        return out;
    }

  private:
    std::unique_ptr<slack::SlackWebApi> slack_api_;
    std::unique_ptr<slack::SlackPort> slack_;
    std::unique_ptr<teams::ConnectorClient> connector_;
    std::unique_ptr<teams::TeamsPort> teams_;
};

}  // namespace

RuntimeSettings runtime_settings(const Config& config) {
    RuntimeSettings settings;
    settings.start_lead = config.releases.start_lead;
    return settings;
}

std::unique_ptr<ChatPorts> chat_ports(const Config& config, Database& db) {
    return std::make_unique<PlatformPorts>(config, db);
}

}  // namespace releasebot
