#include "bot/app/cli.hpp"
int main(int argc, char** argv) {
    return releasebot::run_cli(argc, argv);
}
