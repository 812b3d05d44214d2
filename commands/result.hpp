// Result<T>: the value-or-error type every expected failure travels in.
//
// A bad command, a missing permission, an unknown release or a refused state change is not an
// exception: it is an Error whose message a user can act on ("what was wrong, what to type").
// Exceptions are kept for bugs and start-up failures.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace releasebot {

enum class ErrorKind {
    usage,       // the command text is malformed
    not_found,   // a release, control, step, ... does not exist
    forbidden,   // the actor's role does not allow it
    conflict,    // the state does not allow it (start before go, plan inside a freeze, ...)
    invalid,     // a well-formed value that is out of range (bad zone, bad URL, ...)
    internal,    // storage or platform failure
};

struct Error {
    ErrorKind kind = ErrorKind::invalid;
    std::string message;  // full sentence(s) for the user: what was wrong and what to type
    std::string field;    // a form's answer the error is about ("q3"), so a form can show it
};

inline Error usage_error(std::string m) { return {ErrorKind::usage, std::move(m)}; }
inline Error not_found(std::string m) { return {ErrorKind::not_found, std::move(m)}; }
inline Error forbidden(std::string m) { return {ErrorKind::forbidden, std::move(m)}; }
inline Error conflict(std::string m) { return {ErrorKind::conflict, std::move(m)}; }
inline Error invalid(std::string m) { return {ErrorKind::invalid, std::move(m)}; }

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
    Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

struct Ok {};

// Result<void> spelled as Status.
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

// Propagate an error from an expression returning Result<...>.
#define RB_TRY(expr)                                   \
    do {                                               \
        auto&& rb_try_result_ = (expr);                \
        if (!rb_try_result_.ok()) return rb_try_result_.error(); \
    } while (0)

}  // namespace releasebot
