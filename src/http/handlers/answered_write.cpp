// The idempotent path of every write: key lookup, the write, the stored answer, the response.
#include "http/handlers/answered_write.hpp"

#include <optional>

#include "domain/idempotency.hpp"
#include "http/envelope.hpp"

namespace synclog::http::handlers {
namespace {

// Stored headers are "Name: value" lines; synclog's own header values never hold a newline.
std::string encode_headers(const WriteAnswer& a) {
  std::string out;
  for (const auto& [name, value] : a.headers) out.append(name).append(": ").append(value).push_back('\n');
  return out;
}

WriteAnswer decode(const storage::StoredResponse& stored) {
  WriteAnswer a;
  a.status = stored.status;
  a.body = stored.body;
  std::string_view rest = stored.headers;
  while (!rest.empty()) {
    const auto eol = rest.find('\n');
    const std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
    const auto colon = line.find(": ");
    if (colon == std::string_view::npos) continue;
    a.headers.emplace_back(std::string(line.substr(0, colon)), std::string(line.substr(colon + 2)));
  }
  return a;
}

}  // namespace

Status check_idempotency_key(const HttpRequest& req) {
  if (auto header = req.header("idempotency-key")) return domain::parse_idempotency_key(*header).status();
  return Status();
}

void run_answered_write(Services& s, const std::shared_ptr<Exchange>& ex, AnswerFn fn,
                        AnswerObserver observe) {
  run_answered_write(s, ex, OtherLog{ex->ctx().user, {}}, std::move(fn), std::move(observe));
}

void run_answered_write(Services& s, const std::shared_ptr<Exchange>& ex, const OtherLog& log, AnswerFn fn,
                        AnswerObserver observe) {
  const HttpRequest& req = ex->request();
  std::optional<domain::IdempotentRequest> keyed;
  if (auto header = req.header("idempotency-key")) {
    auto key = domain::parse_idempotency_key(*header);
    if (!key.ok()) return ex->fail(key.error());
    // A person's keys in a shared log: a newline, which no key holds, separates the two.
    if (!log.person.empty()) *key = log.person + "\n" + *key;
    keyed = domain::IdempotentRequest{std::move(*key),
                                      domain::request_fingerprint(req.method, req.path, req.query, req.body)};
  }
  auto answer = std::make_shared<WriteAnswer>();
  auto replayed = std::make_shared<bool>(false);
  const Clock& clock = s.clock;
  s.store.write(
      log.owner,
      [fn = std::move(fn), keyed = std::move(keyed), answer, replayed, &clock](storage::WriteTxn& txn) -> Status {
        *answer = WriteAnswer{};  // a transaction run again must not see the last run's answer
        if (keyed) {
          SYNCLOG_ASSIGN_OR_RETURN(auto stored, domain::find_replay(txn, *keyed));
          if (stored) {
            *answer = decode(*stored);
            *replayed = true;
            return Status();
          }
        }
        SYNCLOG_ASSIGN_OR_RETURN(*answer, fn(txn));
        if (!answer->commit) return make_error(ErrorCode::kInternal, "refused: rolled back");
        if (keyed) {
          storage::StoredResponse stored;
          stored.status = answer->status;
          stored.headers = encode_headers(*answer);
          stored.body = answer->body;
          SYNCLOG_RETURN_IF_ERROR(domain::remember_answer(txn, *keyed, std::move(stored), clock.now_ms()));
        }
        return Status();
      },
      [&s, ex, answer, replayed, observe = std::move(observe)](Status st) {
        ex->resume([&s, ex, answer, replayed, observe, st] {
          if (observe) observe(st, *replayed);
          if (!st.ok() && answer->commit) return ex->fail(st.error());
          if (*replayed) {
            s.metrics.counter("synclog_idempotent_replays_total", "Writes answered from a stored Idempotency-Key answer")
                .inc();
          }
          HttpResponse r = json_response(answer->status, std::move(answer->body));
          for (auto& [name, value] : answer->headers) r.set_header(std::move(name), std::move(value));
          if (*replayed) r.set_header("Idempotent-Replayed", "true");
          ex->respond(std::move(r));
        });
      });
}

}  // namespace synclog::http::handlers
