// Boost.URL 1.81 is a compiled library. Debian ships its headers with libboost1.81-dev and the
// compiled library in a package of its own (libboost-url1.81-dev); building it here, once, keeps
// the install to the Boost headers releasebot already needs.
#include <boost/url/src.hpp>
