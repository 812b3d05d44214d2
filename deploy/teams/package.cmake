# Builds the Teams app package, releasebot-teams.zip: manifest.json (deploy/teams/manifest.json
# with the bot's Microsoft App ID, the version and the public host filled in), color.png and
# outline.png, all at the root of the zip as Teams' "Upload a custom app" expects.
#
# Run by the `teams-app-package` target, or directly:
#   cmake -DAPP_ID=<guid> [-DHOST=releasebot.example.com] [-DWEBSITE=https://…] \
#         [-DVERSION=0.1.0] -DOUTPUT_DIR=<dir> -P deploy/teams/package.cmake
# An empty APP_ID falls back to the environment's RELEASEBOT_TEAMS_APP_ID, the variable that
# also sets teams.app_id for `releasebot serve`, so the package and the server agree.
cmake_minimum_required(VERSION 3.25)

get_filename_component(_here "${CMAKE_CURRENT_LIST_FILE}" DIRECTORY)
if(NOT APP_ID)
  set(APP_ID "$ENV{RELEASEBOT_TEAMS_APP_ID}")
endif()
if(NOT HOST)
  set(HOST "$ENV{RELEASEBOT_TEAMS_HOST}")
endif()
if(NOT APP_ID)
  message(FATAL_ERROR
    "No Microsoft App ID for the Teams package: configure with "
    "-DRELEASEBOT_TEAMS_APP_ID=<the Azure Bot's Microsoft App ID> or set the environment "
    "variable RELEASEBOT_TEAMS_APP_ID, then build teams-app-package again.")
endif()
string(TOLOWER "${APP_ID}" APP_ID)
if(NOT APP_ID MATCHES "^[0-9a-f]+-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+$")
  message(FATAL_ERROR
    "'${APP_ID}' is not a Microsoft App ID: it is a GUID like "
    "00000000-0000-0000-0000-000000000000 (Azure Bot → Configuration → Microsoft App ID).")
endif()
string(LENGTH "${APP_ID}" _len)
if(NOT _len EQUAL 36)
  message(FATAL_ERROR "'${APP_ID}' is not a Microsoft App ID: a GUID has 36 characters.")
endif()
if(NOT VERSION)
  set(VERSION "0.1.0")
endif()
if(NOT WEBSITE)
  if(HOST)
    set(WEBSITE "https://${HOST}/")
  else()
    set(WEBSITE "https://github.com/releasebot/releasebot")
  endif()
endif()
if(NOT OUTPUT_DIR)
  message(FATAL_ERROR "OUTPUT_DIR is not set: the directory to write releasebot-teams.zip to.")
endif()

set(RELEASEBOT_TEAMS_APP_ID "${APP_ID}")
set(RELEASEBOT_VERSION "${VERSION}")
set(RELEASEBOT_TEAMS_WEBSITE "${WEBSITE}")
file(READ "${_here}/manifest.json" _manifest)
string(CONFIGURE "${_manifest}" _manifest @ONLY)
# The host the messaging endpoint is on; Teams only wants it listed when the app opens pages
# there, but listing it does no harm and saves a manifest edit later.
if(HOST)
  string(JSON _manifest SET "${_manifest}" validDomains 0 "\"${HOST}\"")
endif()
string(JSON _check GET "${_manifest}" bots 0 botId)  # fails here if the template broke

set(_stage "${OUTPUT_DIR}/releasebot-teams")
file(REMOVE_RECURSE "${_stage}")
file(MAKE_DIRECTORY "${_stage}")
file(WRITE "${_stage}/manifest.json" "${_manifest}")
file(COPY "${_here}/color.png" "${_here}/outline.png" DESTINATION "${_stage}")
file(REMOVE "${OUTPUT_DIR}/releasebot-teams.zip")
# A fixed time stamp: the same inputs make the same zip.
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E tar cf "${OUTPUT_DIR}/releasebot-teams.zip" --format=zip
          "--mtime=2026-01-01 00:00:00 UTC" manifest.json color.png outline.png
  WORKING_DIRECTORY "${_stage}"
  RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "Could not write ${OUTPUT_DIR}/releasebot-teams.zip")
endif()
message(STATUS "Teams app package: ${OUTPUT_DIR}/releasebot-teams.zip (bot ${APP_ID}); upload it "
               "in Teams → Apps → Manage your apps → Upload an app.")
