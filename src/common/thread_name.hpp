// Names the calling thread (at most 15 characters, as Linux keeps them), so that top -H, perf
// and gdb tell the server's threads apart: which one is busy is the first thing a profile of a
// saturated server has to say (docs/benchmarks.md).
#pragma once

#include <pthread.h>

namespace synclog {

inline void name_this_thread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace synclog
