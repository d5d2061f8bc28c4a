// Helpers every backend's threads use around caller code: completions that must not kill a
// store thread when they throw, and work functions whose escaping exceptions become errors.
#pragma once

#include <exception>
#include <string>
#include <utility>

#include "common/status.hpp"

namespace synclog::storage {

// The error of work refused because the store is stopping (or stopped).
inline Error store_unavailable() { return make_error(ErrorCode::kUnavailable, "storage is shutting down"); }

// Calls a completion; one that throws (a bug in the caller) must not kill a store thread.
template <class Callback, class... Args>
void complete(const Callback& done, Args&&... args) noexcept {
  try {
    done(std::forward<Args>(args)...);
  } catch (...) {
  }
}

// Runs `f`, turning an escaping exception (a bug) into an internal error.
template <class F>
Status guarded(F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInternal, std::string("unexpected exception: ") + e.what());
  }
}

}  // namespace synclog::storage
