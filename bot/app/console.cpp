// `releasebot console`: checks the options, opens the database, builds the runtime and hands
// the terminal to the console session. See console.hpp.
#include "bot/app/console.hpp"

#include <iostream>
#include <memory>
#include <optional>

#include "bot/app/wiring.hpp"
#include "commands/time_parse.hpp"
#include "integrations/console/console_port.hpp"
#include "storage/database.hpp"

namespace releasebot {

int run_console(const ConsoleOptions& options) {
    std::string zone = options.zone.empty() ? default_console_zone() : options.zone;
    if (auto canonical = canonical_zone(zone)) {
        zone = *canonical;
    } else {
        std::cerr << "releasebot: " << canonical.error().message << '\n';
        return 1;
    }
    std::string user = default_console_user();
    if (!options.user.empty()) {
        auto name = console_user_name(options.user);
        if (!name) {
            std::cerr << "releasebot: `" << options.user
                      << "` is not a console user name: use letters, digits, '.', '_' or '-', "
                         "for example --as alice.\n";
            return 1;
        }
        user = *name;
    }

    std::unique_ptr<Database> db;
    try {
        db = std::make_unique<Database>(options.db_path);
    } catch (const std::exception& e) {
        std::string why = e.what();
        if (why.find(options.db_path) == std::string::npos) {
            why = "cannot open the database " + options.db_path + ": " + why;
        }
        std::cerr << "releasebot: " << why
                  << "\nCheck the path and its permissions, or choose another file with --db "
                     "PATH.\n";
        return 1;
    }

    SystemClock system_clock;
    std::optional<ManualClock> manual;
    if (!options.clock_start.empty()) {
        auto start = parse_when(options.clock_start, zone, system_clock.now());
        if (!start) {
            std::cerr << "releasebot: --clock: " << start.error().message << '\n';
            return 1;
        }
        manual.emplace(*start);
    }
    const Clock& clock = manual ? static_cast<const Clock&>(*manual) : system_clock;
    Worker worker(*db, clock, runtime_settings(Config{}));
    ConsolePort port(std::cout);
    worker.add_port(port);
    ConsoleSession session(worker, clock, user, zone, std::cout, manual ? &*manual : nullptr);
    // Jobs that fell due while no console was open fire now, marked late.
    session.tick(std::cerr);
    return run_terminal(session, options.db_path);
}

}  // namespace releasebot
