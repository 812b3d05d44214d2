// Store: every repository over one Database, handed to the domain as one object.
#pragma once

#include "storage/audience_repo.hpp"
#include "storage/action_repo.hpp"
#include "storage/audit_repo.hpp"
#include "storage/comms_repo.hpp"
#include "storage/confirmation_repo.hpp"
#include "storage/control_repo.hpp"
#include "storage/database.hpp"
#include "storage/freeze_repo.hpp"
#include "storage/job_repo.hpp"
#include "storage/outbox_repo.hpp"
#include "storage/plan_repo.hpp"
#include "storage/processed_event_repo.hpp"
#include "storage/release_repo.hpp"
#include "storage/retro_repo.hpp"
#include "storage/role_repo.hpp"
#include "storage/status_message_repo.hpp"
#include "storage/workspace_repo.hpp"

namespace releasebot {

struct Store {
    explicit Store(Database& database)
        : db(database),
          workspaces(database),
          roles(database),
          releases(database),
          controls(database),
          plans(database),
          freezes(database),
          audit(database),
          events(database),
          outbox(database),
          jobs(database),
          confirmations(database),
          audiences(database),
          comms(database),
          status_messages(database),
          retros(database),
          actions(database) {}

    Database& db;
    WorkspaceRepo workspaces;
    RoleRepo roles;
    ReleaseRepo releases;
    ControlRepo controls;
    PlanRepo plans;
    FreezeRepo freezes;
    AuditRepo audit;
    ProcessedEventRepo events;
    OutboxRepo outbox;
    JobRepo jobs;
    ConfirmationRepo confirmations;
    AudienceRepo audiences;
    CommsRepo comms;
    StatusMessageRepo status_messages;
    RetroRepo retros;
    ActionRepo actions;
};

}  // namespace releasebot
