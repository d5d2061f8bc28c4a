// Failures found on a test's worker threads (where a GoogleTest assertion would not stop the
// test), collected to be reported on the test's own thread. Header-only.
#pragma once

#include <mutex>
#include <string>
#include <vector>

namespace synclog::test {

class Failures {
 public:
  void add(std::string what) {
    std::lock_guard lock(mu_);
    list_.push_back(std::move(what));
  }
  std::vector<std::string> list() const {
    std::lock_guard lock(mu_);
    return list_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> list_;
};

}  // namespace synclog::test
