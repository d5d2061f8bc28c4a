// InProcessServer: the store, the App and a Transport that hands the SDK's requests to
// App::handle on the sending thread (in_process_server.hpp).
#include "in_process_server.hpp"

#include "domain/scopes.hpp"
#include "http/envelope.hpp"
#include "http/message.hpp"
#include "storage/postgres/pg_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace synclog::test {
namespace {

bool is_postgres_url(std::string_view db) {
  return db.starts_with("postgres://") || db.starts_with("postgresql://");
}

// Maintenance that never runs by itself: a background compaction must not change what a test's
// pulls see between two of its steps.
storage::MaintenanceOptions quiet_maintenance(const Clock* clock) {
  storage::MaintenanceOptions m;
  m.maintenance_interval = std::chrono::hours(24);
  m.clock = clock;
  return m;
}

std::string random_secret() {
  std::random_device rd;
  std::ostringstream out;
  for (int i = 0; i < 8; ++i) out << std::hex << rd();
  return out.str();
}

client::HttpResponse to_client(http::HttpResponse r) {
  client::HttpResponse out;
  out.status = r.status;
  out.headers = std::move(r.headers);
  // The Beast server sends the content type from its own field; so does this one.
  out.headers.emplace_back("Content-Type", std::move(r.content_type));
  out.body = std::move(r.body);
  return out;
}

// A stream that is over before it began: its whole answer is `response`.
class AnsweredStream final : public client::ResponseStream {
 public:
  explicit AnsweredStream(client::HttpResponse response) : response_(std::move(response)) {}
  const client::HttpResponse& response() const override { return response_; }
  Result<client::BodyChunk> read(std::chrono::milliseconds) override {
    return client::BodyChunk{"", true};
  }

 private:
  client::HttpResponse response_;
};

// One request in flight: the functions the App posts "to the request's thread" wait here for
// the sending thread, which runs them in order until the answer is set.
struct InFlight {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void()>> posted;
  std::optional<http::HttpResponse> answer;
  bool closed = false;  // the sender has returned: later posts are dropped, not kept forever
};

class AppTransport final : public client::Transport {
 public:
  explicit AppTransport(http::App& app) : app_(app) {}

  Result<client::HttpResponse> send(const client::HttpRequest& request) override {
    http::HttpRequest req;
    req.method = request.method;
    req.target = request.target;
    req.body = request.body;
    req.remote = "127.0.0.1:1";
    for (const auto& [name, value] : request.headers) {
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      req.headers.emplace_back(std::move(lower), value);
    }
    if (!http::parse_target(req.target, req.path, req.query)) {
      // What the Beast server answers before the App sees the request.
      return to_client(
          http::error_response(make_error(ErrorCode::kInvalidRequest, "Malformed request target")));
    }

    auto ex = std::make_shared<InFlight>();
    app_.handle(
        std::move(req),
        [ex](http::HttpResponse r) {
          std::lock_guard lock(ex->mu);
          ex->answer = std::move(r);
          ex->cv.notify_all();
        },
        [ex](std::function<void()> fn) {
          std::unique_lock lock(ex->mu);
          if (ex->closed) {
            // Dropped outside the lock: `fn` may hold the last reference to the App's exchange.
            lock.unlock();
            return;
          }
          ex->posted.push_back(std::move(fn));
          ex->cv.notify_all();
        });

    // Run what the App posts on this thread until the answer is there and nothing is left.
    std::unique_lock lock(ex->mu);
    for (;;) {
      ex->cv.wait(lock, [&] { return !ex->posted.empty() || ex->answer.has_value(); });
      if (!ex->posted.empty()) {
        auto fn = std::move(ex->posted.front());
        ex->posted.pop_front();
        lock.unlock();
        fn();
        fn = nullptr;
        lock.lock();
        continue;
      }
      break;
    }
    ex->closed = true;
    http::HttpResponse answer = std::move(*ex->answer);
    lock.unlock();
    if (answer.stream) {
      // Only open_stream() may ask for the change stream, and it does not serve one.
      return make_error(ErrorCode::kInternal,
                        "the in-process server cannot answer " + request.target + " with a stream");
    }
    return to_client(std::move(answer));
  }

  Result<std::unique_ptr<client::ResponseStream>> open_stream(const client::HttpRequest& request,
                                                              std::stop_token) override {
    client::HttpResponse r;
    r.status = 501;
    r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    r.body = "{\"message\":\"the in-process server has no change stream: GET " + request.target +
             "\",\"type\":\"not_implemented\",\"success\":false}";
    return std::unique_ptr<client::ResponseStream>(std::make_unique<AnsweredStream>(std::move(r)));
  }

 private:
  http::App& app_;
};

}  // namespace

InProcessServer::InProcessServer(InProcessServerOptions options)
    : options_(std::move(options)),
      clock_(options_.clock ? options_.clock : &system_clock_),
      secret_(random_secret()) {
  std::string db = options_.db;
  if (db.empty()) {
    if (auto host = test_postgres_host()) {
      database_ = std::make_unique<TestDatabase>(*host);
      db = database_->url();
    } else {
      if (!dir_.ok()) throw std::runtime_error("cannot create a temporary directory");
      db = dir_.file("synclog.db");
    }
  }
  on_postgres_ = is_postgres_url(db);
  if (on_postgres_) {
    storage::postgres::PgOptions o;
    static_cast<storage::MaintenanceOptions&>(o) = quiet_maintenance(clock_);
    o.conninfo = db;
    o.connections = 2;
    auto s = storage::postgres::PgStore::open(o);
    if (!s.ok()) throw std::runtime_error("cannot open " + db + ": " + s.error().message);
    store_ = std::move(*s);
  } else {
    storage::sqlite::SqliteOptions o;
    static_cast<storage::MaintenanceOptions&>(o) = quiet_maintenance(clock_);
    o.path = db;
    o.readers = 2;
    auto s = storage::sqlite::SqliteStore::open(o);
    if (!s.ok()) throw std::runtime_error("cannot open " + db + ": " + s.error().message);
    store_ = std::move(*s);
  }

  auth::VerifierOptions v;
  v.hs256_secret = secret_;
  verifier_ = std::make_unique<auth::TokenVerifier>(std::move(v), *clock_);
  app_ = std::make_unique<http::App>(options_.app, *store_, *verifier_, *clock_, metrics_, log_);
  if (auto st = app_->prepare(options_.schemas); !st.ok()) {
    store_->shutdown();
    throw std::runtime_error("App::prepare failed: " + st.message());
  }
}

InProcessServer::~InProcessServer() {
  // As `synclog serve` does: the store stops (its threads finish their work, so none calls into
  // the App's head watcher afterwards) before the App goes.
  if (store_) store_->shutdown();
  app_.reset();
  verifier_.reset();
  store_.reset();
}

std::string InProcessServer::token_for(const std::string& user, const std::string& scopes) const {
  auth::Claims claims;
  claims.subject = user;
  claims.scopes =
      scopes.empty() ? domain::Scopes::all_names() : domain::Scopes::parse(scopes).names();
  const std::int64_t now = clock_->now_ms() / 1000;
  claims.expires_at = now + 24 * 3600;
  auto token = auth::TokenSigner::hs256(secret_).sign(claims, now);
  if (!token.ok()) throw std::runtime_error("cannot sign a token: " + token.error().message);
  return *token;
}

std::shared_ptr<client::Transport> InProcessServer::transport() {
  return std::make_shared<AppTransport>(*app_);
}

std::uint64_t InProcessServer::counter_total(std::string_view name) const {
  std::uint64_t total = 0;
  for (const auto& [labels, value] : counter_series(name)) total += value;
  return total;
}

std::map<std::string, std::uint64_t> InProcessServer::counter_series(std::string_view name) const {
  std::map<std::string, std::uint64_t> out;
  std::istringstream text(metrics_.render());
  for (std::string line; std::getline(text, line);) {
    if (line.size() <= name.size() || line.compare(0, name.size(), name) != 0) continue;
    const char next = line[name.size()];
    if (next != ' ' && next != '{') continue;  // another series whose name starts with `name`
    const auto space = line.rfind(' ');
    std::string labels;
    if (next == '{') {
      const auto close = line.rfind('}', space);
      labels = line.substr(name.size() + 1, close == std::string::npos ? 0 : close - name.size() - 1);
    }
    out[labels] += static_cast<std::uint64_t>(std::stod(line.substr(space + 1)));
  }
  return out;
}

std::string InProcessServer::call_as(const std::string& person, const std::string& method,
                                     const std::string& target, const std::string& body,
                                     int expected) {
  client::HttpRequest req;
  req.method = method;
  req.target = target;
  req.body = body;
  req.headers = {{"x-auth-token", token_for(person)},
                 {"x-client-id", person + "-office"},
                 {"content-type", "application/json"}};
  auto r = transport()->send(req);
  if (!r.ok()) throw std::runtime_error(method + " " + target + ": " + r.error().message);
  if (r->status != expected) {
    throw std::runtime_error(method + " " + target + ": " + std::to_string(r->status) + " " +
                             r->body);
  }
  return r->body;
}

void InProcessServer::push_at_head(const std::string& person, const std::string& space,
                                   const std::string& mutations) {
  const std::string meta = call_as(
      person, "GET", "/v1/spaces/" + space + "/sync?mutationsSince=0&metadataOnly=true", "", 200);
  const std::int64_t head =
      boost::json::parse(meta).at("data").at("lastMutationAt").to_number<std::int64_t>();
  call_as(person, "POST",
          "/v1/spaces/" + space + "/sync?lastMutationAt=" + std::to_string(head > 0 ? head : -1),
          R"({"mutations":)" + mutations + "}", 200);
}

}  // namespace synclog::test
