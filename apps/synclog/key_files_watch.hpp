// The keys `synclog serve` trusts tokens from (--jwks, --public-key), read at start and again
// as key_set.hpp says (--jwks-refresh, --jwks-min-interval), with each read told to the
// operator: a log line when the set changed (the kids added and removed) or a read failed (the
// previous keys are kept), and synclog_jwks_reloads_total{trigger,result} for every read.
#pragma once

#include <memory>

#include "auth/key_files.hpp"
#include "auth/key_set.hpp"
#include "common/clock.hpp"
#include "common/status.hpp"
#include "http/logger.hpp"
#include "http/metrics.hpp"

namespace synclog::cli {

// Fails as the first read does (naming the file). `clock`, `metrics` and `log` must outlive
// the set.
Result<std::shared_ptr<auth::KeySet>> watch_key_files(auth::KeyFiles files, auth::KeyReloadPolicy policy,
                                                      const Clock& clock, http::Registry& metrics,
                                                      http::Logger& log);

}  // namespace synclog::cli
