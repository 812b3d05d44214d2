// fixture(): the bytes of a golden fixture under tests/fixtures/ (payloads written from the
// platforms' own documentation and schemas), for decoder and receiver tests.
#pragma once

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

namespace releasebot::test {

// The whole file tests/fixtures/<path> ("teams/message.json"), byte for byte. A missing file
// fails the test that asked for it.
inline std::string fixture(const std::string& path) {
    std::ifstream in(std::string(RELEASEBOT_SOURCE_DIR) + "/tests/fixtures/" + path,
                     std::ios::binary);
    REQUIRE(in.good());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace releasebot::test
