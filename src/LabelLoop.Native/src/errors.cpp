#include "guard.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace ll {
namespace {
thread_local std::string last_error;
}

void set_last_error(const char* function, const char* message) noexcept {
    try {
        last_error.assign(function);
        last_error.append(": ");
        last_error.append(message);
    } catch (...) {
        // Out of memory while reporting: an empty message is better than a throw across the ABI.
        last_error.clear();
    }
}

void clear_last_error() noexcept { last_error.clear(); }

}  // namespace ll

extern "C" LL_API int32_t ll_abi_version(void) noexcept { return LL_ABI_VERSION; }

extern "C" LL_API int32_t ll_last_error(char* buf, int32_t capacity) noexcept {
    const std::string& message = ll::last_error;
    if (buf != nullptr && capacity > 0) {
        const size_t n = std::min(message.size(), static_cast<size_t>(capacity - 1));
        std::memcpy(buf, message.data(), n);
        buf[n] = '\0';
    }
    return static_cast<int32_t>(
        std::min(message.size(), static_cast<size_t>(std::numeric_limits<int32_t>::max())));
}
