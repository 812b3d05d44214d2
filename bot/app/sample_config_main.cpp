// releasebot_sample_config: writes deploy/releasebot.toml from the settings' declarations
// (sample_config() in config.cpp), or with --check tells whether the file is still what they
// say, so the documented example cannot drift from the settings releasebot reads.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "bot/app/config.hpp"

int main(int argc, char** argv) {
    const bool check = argc == 3 && std::string(argv[1]) == "--check";
    if (argc != 2 && !check) {
        std::cerr << "usage: releasebot_sample_config [--check] <path of releasebot.toml>\n";
        return 2;
    }
    const std::string path = argv[argc - 1];
    const std::string expected = releasebot::sample_config();
    if (check) {
        std::ifstream in(path, std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        if (in && text.str() == expected) return 0;
        std::cerr << path
                  << " is not what the settings in bot/app/config.cpp document: run `ninja -C "
                     "<build> sample-config` to write it from them.\n";
        return 1;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << expected;
    out.close();
    if (!out) {
        std::cerr << "cannot write " << path << "\n";
        return 1;
    }
    return 0;
}
