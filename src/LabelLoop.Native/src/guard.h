// The one error boundary every export goes through (STYLE.md §3.8): typed failures become
// statuses, libtorch and standard exceptions are caught by reference, and `...` catches the rest.
#pragma once

#include "labelloop_native.h"

#include <c10/util/Exception.h>

#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace ll {

// Thrown inside the library for failures whose status we know (bad input, I/O, cancellation).
class Failure : public std::runtime_error {
public:
    Failure(ll_status status, const std::string& message)
        : std::runtime_error(message), status_(status) {}
    ll_status status() const noexcept { return status_; }

private:
    ll_status status_;
};

void set_last_error(const char* function, const char* message) noexcept;
void clear_last_error() noexcept;

// Builds a message from streamable parts: fail(LL_INVALID_ARGUMENT, "got ", n, " items").
template <typename... Parts>
[[noreturn]] void fail(ll_status status, Parts&&... parts) {
    std::ostringstream text;
    (text << ... << std::forward<Parts>(parts));
    throw Failure(status, text.str());
}

template <typename... Parts>
void require(bool condition, Parts&&... parts) {
    if (!condition) {
        fail(LL_INVALID_ARGUMENT, std::forward<Parts>(parts)...);
    }
}

template <typename Body>
ll_status guarded(const char* function, Body&& body) noexcept {
    try {
        clear_last_error();
        body();
        return LL_OK;
    } catch (const Failure& e) {
        set_last_error(function, e.what());
        return e.status();
    } catch (const c10::OutOfMemoryError& e) {
        set_last_error(function, e.what_without_backtrace());
        return LL_OUT_OF_MEMORY;
    } catch (const c10::Error& e) {
        set_last_error(function, e.what_without_backtrace());
        return LL_TORCH_ERROR;
    } catch (const std::bad_alloc&) {
        set_last_error(function, "out of memory");
        return LL_OUT_OF_MEMORY;
    } catch (const std::exception& e) {
        set_last_error(function, e.what());
        return LL_INTERNAL;
    } catch (...) {
        set_last_error(function, "unknown exception");
        return LL_INTERNAL;
    }
}

}  // namespace ll
