// `releasebot console`: the console adapter on the same runtime as `releasebot serve` — a Worker
// configured by the same wiring, with a ConsolePort that prints to the terminal.
#pragma once

#include "integrations/console/repl.hpp"

namespace releasebot {

// Runs the console on the process's stdin/stdout (see run_terminal). Returns the process exit
// status: 0 at end of input or `quit`, 1 when the options or the database are unusable (the
// reason is printed on stderr) or a command hit a storage fault.
int run_console(const ConsoleOptions& options);

}  // namespace releasebot
