// EmulatorProcess: the child-process plumbing shared by SlackEmulator and TeamsEmulator. It
// starts an emulator (`node emulator.js …`) with its stdin on a pipe (the emulator exits when
// that pipe closes, so it never outlives the test process), its stderr in a private log file,
// waits for the "listening <port>" line, and talks HTTP(S) to it over libcurl. Also the small
// POSIX helpers both emulators need: a PATH lookup, temporary directories, and a self-signed
// certificate from the openssl CLI.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/slack_emulator.hpp"  // HttpReply

namespace releasebot::test {

// The whole content of a text file; empty when it cannot be read.
std::string read_text(const std::filesystem::path& path);

// A new directory, private to this user, named `prefix` plus a unique suffix in the temporary
// directory. The caller removes it. Throws when it cannot be made.
std::filesystem::path make_temp_dir(const std::string& prefix);

// The absolute path of an executable on PATH (RELEASEBOT_NODE overrides "node"). Throws, saying
// how to install it, when there is none. Call it before fork: execvp is not async-signal-safe.
std::string find_program(const std::string& name);

// Writes key.pem and cert.pem into `where`: a self-signed certificate for localhost and
// 127.0.0.1, valid for `days`. Throws with openssl's own output when it fails; the caller
// removes `where` in that case.
void make_self_signed_certificate(const std::filesystem::path& where, int days);

// One running emulator. Not copyable; the destructor stops the process and removes its
// directory. request() and control() may be called from several threads.
class EmulatorProcess {
  public:
    // `name` ("Slack", "Teams") is how error messages call the emulator.
    explicit EmulatorProcess(std::string name);
    ~EmulatorProcess();
    EmulatorProcess(const EmulatorProcess&) = delete;
    EmulatorProcess& operator=(const EmulatorProcess&) = delete;

    // Starts `args` (args[0] an absolute path, from find_program) in a new temporary directory
    // named by `dir_prefix` and waits up to 20 s for its port. `ca_file` is the certificate the
    // emulator serves, which request() trusts; empty means it speaks plain HTTP. Throws, with
    // the emulator's log, when it does not start.
    void start(const std::vector<std::string>& args, const std::string& dir_prefix,
               const std::string& ca_file);
    // Stops the process (stdin closed, then SIGTERM, then SIGKILL) and removes its directory.
    void stop();

    int port() const;
    // "https://127.0.0.1:<port>" ("http://…" without a certificate).
    std::string base_url() const;
    std::filesystem::path log_path() const;

    // One request to base_url() + path. A transport failure is a reply with status 0 and
    // curl's error; it does not throw.
    HttpReply request(const std::string& verb, const std::string& path, const std::string& body,
                      const std::vector<std::string>& headers);
    // A call of the emulator's control API (/_emulator/<path>, JSON body); returns the body of
    // a 200 answer and throws with the emulator's "error" message otherwise.
    std::string control(const std::string& verb, const std::string& path, const std::string& body);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace releasebot::test
