// Creating a workspace seeds it with the release controls of OpenUP's Deployment Manager
// role, so the first release planned already carries a checklist worth following.
#include "commands/workspace_setup.hpp"

namespace releasebot {

namespace {

struct Seed {
    const char* slug;
    const char* title;
    const char* description;
};

constexpr Seed kDefaultControls[] = {
    {"deployment-plan", "Deployment plan documented",
     "The ordered steps to deploy, each with an owner and an expected duration, are written down "
     "and reviewed (`plan add <release> deploy …`)."},
    {"backout-plan", "Backout plan documented",
     "The steps to return to the previous version are written down and rehearsed, so a failed "
     "deployment can be reversed inside the window (`plan add <release> backout …`)."},
    {"components-versioned", "Components defined and versioned",
     "Every program in the release names its components and their exact versions "
     "(`release add <release> <program>/<component>@<version>`)."},
    {"package-integrity", "Package integrity verified",
     "Each artifact to be deployed matches its recorded SHA-256 checksum and the packages "
     "integrate with each other in a test environment."},
    {"comms-approved", "Communications approved",
     "Announcements to stakeholders (users, marketing, support, operations) are drafted, "
     "reviewed by someone other than the author, and scheduled."},
    {"ops-ready", "Operations ready to take over",
     "Support and operations have the runbooks, monitoring and on-call rota for the new version "
     "and agree to take it over after early life support."},
    {"business-signoff", "Business sign-off",
     "The product owner or business sponsor has accepted the release for deployment in this "
     "window."},
};

}  // namespace

Workspace ensure_workspace(Store& store, const std::string& platform, const std::string& tenant,
                           const std::string& time_zone, Instant now) {
    if (auto ws = store.workspaces.find(platform, tenant)) return *ws;
    Workspace ws = store.workspaces.create(platform, tenant, tenant, time_zone, now);
    for (const auto& seed : kDefaultControls) {
        ControlTemplate t;
        t.workspace = ws.id;
        t.slug = seed.slug;
        t.title = seed.title;
        t.description = seed.description;
        t.mandatory = true;
        store.controls.add_template(t);
    }
    return ws;
}

}  // namespace releasebot
