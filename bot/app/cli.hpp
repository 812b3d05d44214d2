// The command-line entry point and composition root: parses `releasebot …` arguments, builds
// the adapters the configuration asks for, wires them to the pipeline and runs them.
#pragma once

namespace releasebot {

// Runs releasebot with the process arguments; returns the process exit status.
int run_cli(int argc, char** argv);

}  // namespace releasebot
