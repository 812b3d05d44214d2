// What every releasebot fuzz target shares: a check that stops the run with a message when an
// invariant of the code under test is broken. libFuzzer treats the abort as a crash and saves
// the input, so a broken invariant is reported the same way as a sanitizer finding.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, what)                                                                \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            std::fprintf(stderr, "fuzz check failed at %s:%d: %s (%s)\n", __FILE__, __LINE__, \
                         what, #cond);                                                        \
            std::abort();                                                                     \
        }                                                                                     \
    } while (0)
