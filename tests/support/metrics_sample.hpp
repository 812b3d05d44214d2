// Reading one sample out of /metrics text (the Prometheus exposition format), for tests.
#pragma once

#include <sstream>
#include <string>

namespace releasebot::test {

// The value of the sample `series` (name with labels, exactly as written), or -1 when absent.
inline double metric_sample(const std::string& text, const std::string& series) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    }
    return -1;
}

}  // namespace releasebot::test
