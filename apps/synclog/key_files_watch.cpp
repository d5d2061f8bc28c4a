// Wiring the key set's reads to the server's log and metrics.
#include "key_files_watch.hpp"

#include <string>

#include "common/json_text.hpp"

namespace synclog::cli {

Result<std::shared_ptr<auth::KeySet>> watch_key_files(auth::KeyFiles files, auth::KeyReloadPolicy policy,
                                                      const Clock& clock, http::Registry& metrics,
                                                      http::Logger& log) {
  auto observer = [&metrics, &log](const auth::KeyReload& r) {
    const std::string_view result = auth::outcome_name(r.outcome);
    metrics
        .counter("synclog_jwks_reloads_total", "Reads of the --jwks/--public-key files after the first",
                 "trigger=" + http::label_value(r.trigger) + ",result=" + http::label_value(result))
        .inc();
    // Reads that found the files as they were say nothing: one every --jwks-refresh.
    if (r.outcome == auth::KeyReload::Outcome::kUnchanged) return;
    JsonObjectWriter w;
    w.str("event", "keys_reloaded").str("trigger", r.trigger).str("result", result);
    if (r.outcome == auth::KeyReload::Outcome::kFailed) {
      w.str("message", r.error + "; keeping the keys read before");
    } else {
      w.raw("added", json_string_array(r.added)).raw("removed", json_string_array(r.removed));
    }
    w.num("keys", static_cast<std::int64_t>(r.keys));
    log.write(r.outcome == auth::KeyReload::Outcome::kFailed ? "error" : "info", std::move(w));
  };
  return auth::KeySet::load([files = std::move(files)] { return auth::load_key_files(files); }, policy, clock,
                            std::move(observer));
}

}  // namespace synclog::cli
