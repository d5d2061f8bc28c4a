// `synclog serve`: opens the store in the data directory, sets up token verification and
// serves HTTP until SIGTERM, then drains and exits 0.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "app_dir.hpp"
#include "auth/jwt.hpp"
#include "auth/secret_file.hpp"
#include "cli_values.hpp"
#include "commands.hpp"
#include "common/clock.hpp"
#include "http/app.hpp"
#include "http/logger.hpp"
#include "http/metrics.hpp"
#include "http/server.hpp"
#include "key_files_watch.hpp"
#include "open_store.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "synclog/version.hpp"

#include <fcntl.h>

namespace synclog::cli {
namespace {

struct ServeFlags {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./synclog-data";
  std::string db;  // empty: <data_dir>/synclog.db
  int threads = 0;
  int db_readers = 0;
  int db_connections = 8;
  std::vector<std::string> jwks_files;
  std::vector<std::string> public_key_files;
  std::string jwks_refresh = "5m";
  std::string jwks_min_interval = "30s";
  std::string issuer;
  std::string audience;
  bool no_local_tokens = false;
  int pull_cap = 10000;
  std::string pull_max_bytes = "8MiB";
  double rate_limit = 100;
  double rate_burst = 200;
  double auth_failure_rate = 10;
  double auth_failure_burst = 30;
  std::string max_body = "1MiB";
  std::string max_header = "16KiB";
  std::string idle_timeout = "60s";
  std::string request_timeout = "30s";
  std::string drain_timeout = "30s";
  std::string linger_time = "30s";
  std::string linger_bytes = "16MiB";
  std::string compact_after = "60s";
  std::string traversal_quiet = "15m";
  std::string retention = "90d";
  std::string idempotency_ttl = "24h";
  std::string maintenance_interval = "10s";
  std::size_t max_connections = 10000;
  std::size_t events_per_user = 16;
  std::string events_heartbeat = "15s";
  std::string access_log = "stdout";
  std::vector<std::string> schema_files;
  std::size_t max_spaces_per_person = 200;
  std::size_t max_members_per_space = 1000;
  std::string max_schema_bytes = "256KiB";
  std::string ready_file;
  std::optional<std::string> app_dir;  // nothing: the default (app_dir.hpp)
  bool no_app = false;
};

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int fail(const std::string& message) {
  std::cerr << "synclog serve: " << message << "\n";
  return 2;
}

int run_serve(const ServeFlags& f) {
  const auto listen = parse_listen(f.listen);
  if (!listen) return fail("--listen must be host:port, got " + f.listen);
  std::optional<std::chrono::milliseconds> idle = parse_duration(f.idle_timeout),
                                           request = parse_duration(f.request_timeout),
                                           drain = parse_duration(f.drain_timeout),
                                           linger = parse_duration(f.linger_time),
                                           compact = parse_duration(f.compact_after),
                                           quiet = parse_duration(f.traversal_quiet),
                                           retention = parse_duration(f.retention),
                                           answers_ttl = parse_duration(f.idempotency_ttl),
                                           maintenance = parse_duration(f.maintenance_interval),
                                           heartbeat = parse_duration(f.events_heartbeat),
                                           jwks_refresh = parse_duration(f.jwks_refresh),
                                           jwks_min_interval = parse_duration(f.jwks_min_interval);
  if (!idle || !request || !drain || !linger || !compact || !quiet || !retention || !answers_ttl || !maintenance ||
      !heartbeat || !jwks_refresh || !jwks_min_interval) {
    return fail("durations look like 500ms, 30s, 15m, 1h or 7d");
  }
  const auto max_body = parse_size(f.max_body);
  const auto max_header = parse_size(f.max_header);
  const auto pull_max_bytes = parse_size(f.pull_max_bytes);
  const auto linger_bytes = parse_size(f.linger_bytes);
  const auto max_schema_bytes = parse_size(f.max_schema_bytes);
  if (!max_body || !max_header || !pull_max_bytes || !linger_bytes || !max_schema_bytes) return fail("sizes look like 1048576, 16KiB or 1MiB");

  const int threads = f.threads > 0 ? f.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int log_fd = 1;
  if (f.access_log == "off") {
    log_fd = -1;
  } else if (f.access_log == "stderr") {
    log_fd = 2;
  } else if (f.access_log != "stdout") {
    log_fd = ::open(f.access_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (log_fd < 0) return fail("cannot open access log " + f.access_log);
  }
  http::Logger log(log_fd);
  http::Logger events(2);  // server events always go to stderr

  const std::filesystem::path data_dir(f.data_dir);
  auth::VerifierOptions verifier_options;
  if (!f.no_local_tokens) {
    auto secret = auth::load_or_create_secret(data_dir);
    if (!secret.ok()) return fail(secret.error().message);
    verifier_options.hs256_secret = *secret;
  } else {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
  }
  SystemClock clock;
  http::Registry metrics;
  const auth::KeyFiles key_files{f.jwks_files, f.public_key_files};
  if (!key_files.empty()) {
    const auth::KeyReloadPolicy policy{jwks_refresh->count(), jwks_min_interval->count()};
    auto keys = watch_key_files(key_files, policy, clock, metrics, events);
    if (!keys.ok()) return fail(keys.error().message);
    verifier_options.key_set = std::move(*keys);
  }
  if (!verifier_options.hs256_secret && !verifier_options.key_set) {
    return fail("no way to verify tokens: give --jwks or --public-key, or allow local tokens");
  }
  if (!f.issuer.empty()) verifier_options.issuer = f.issuer;
  if (!f.audience.empty()) verifier_options.audience = f.audience;

  StoreSettings store_settings;
  store_settings.db = resolve_db(f.db, f.data_dir);
  store_settings.sqlite_readers = f.db_readers > 0 ? f.db_readers : std::max(2, threads);
  store_settings.pg_connections = f.db_connections;
  store_settings.maintenance.compact_after_ms = compact->count();
  store_settings.maintenance.traversal_quiet_ms = quiet->count();
  store_settings.maintenance.retention_ms = retention->count();
  store_settings.maintenance.response_ttl_ms = answers_ttl->count();
  store_settings.maintenance.maintenance_interval = std::max(*maintenance, std::chrono::milliseconds(10));
  store_settings.maintenance.clock = &clock;
  auto store = open_store(store_settings);
  if (!store.ok()) return fail(store.error().message);

  auth::TokenVerifier verifier(std::move(verifier_options), clock);
  http::AppOptions app_options;
  app_options.pull_cap = f.pull_cap;
  app_options.pull_max_bytes = *pull_max_bytes;
  app_options.rate_limit = f.rate_limit;
  app_options.rate_burst = f.rate_burst;
  app_options.auth_failure_rate = f.auth_failure_rate;
  app_options.auth_failure_burst = f.auth_failure_burst;
  app_options.events_per_user = f.events_per_user;
  app_options.events_heartbeat = std::max(*heartbeat, std::chrono::milliseconds(10));
  app_options.space_limits.spaces_per_person = f.max_spaces_per_person;
  app_options.space_limits.members_per_space = f.max_members_per_space;
  app_options.schema_limits.max_bytes = *max_schema_bytes;
  const AppDirChoice app_dir = choose_app_dir(f.app_dir, f.no_app);
  app_options.app_dir = app_dir.dir;
  std::vector<std::string> schema_documents;
  for (const auto& path : f.schema_files) {
    auto text = read_file(path);
    if (!text) return fail("cannot read schema file " + path);
    schema_documents.push_back(std::move(*text));
  }
  http::App app(app_options, **store, verifier, clock, metrics, log);
  if (auto st = app.prepare(schema_documents); !st.ok()) return fail(st.message());

  http::ServerOptions server_options;
  server_options.host = listen->host;
  server_options.port = listen->port;
  server_options.threads = threads;
  server_options.max_body_bytes = *max_body;
  server_options.max_header_bytes = *max_header;
  server_options.idle_timeout = *idle;
  server_options.request_timeout = *request;
  server_options.drain_timeout = *drain;
  server_options.linger_time = *linger;
  server_options.linger_max_bytes = *linger_bytes;
  server_options.max_connections = f.max_connections;
  server_options.ready_file = f.ready_file;
  http::Server server(server_options, app, metrics, log);
  if (auto st = server.listen(); !st.ok()) return fail(st.message());

  JsonObjectWriter app_line;
  if (app_dir.dir.empty()) {
    app_line.str("event", "app_not_served").str("reason", app_dir.why_not);
  } else {
    app_line.str("event", "app_served").str("path", "/app/").str("dir", app_dir.dir);
  }
  events.write("info", std::move(app_line));
  JsonObjectWriter w;
  w.str("event", "listening").str("address", listen->host + ":" + std::to_string(server.port()))
      .str("data_dir", f.data_dir)
      .str("db", is_postgres_url(store_settings.db) ? storage::postgres::redact_conninfo(store_settings.db)
                                                    : store_settings.db)
      .num("threads", threads).str("version", kVersion);
  events.write("info", std::move(w));
  server.run();
  (*store)->shutdown();
  events.info("stopped", "drained and closed the store");
  return 0;
}

}  // namespace

Command add_serve_command(CLI::App& app) {
  auto f = std::make_shared<ServeFlags>();
  auto* cmd = app.add_subcommand("serve", "Run the sync server");
  cmd->add_option("--listen", f->listen, "Address to listen on (host:port; port 0 picks one)")
      ->envname("SYNCLOG_LISTEN")->capture_default_str();
  cmd->add_option("--data-dir", f->data_dir, "Where the database and the token secret live")
      ->envname("SYNCLOG_DATA_DIR")->capture_default_str();
  cmd->add_option("--db", f->db,
                  "The database: a SQLite file path (default: <data-dir>/synclog.db), or a "
                  "postgres://… / postgresql://… URL for several server nodes on one PostgreSQL "
                  "database")
      ->envname("SYNCLOG_DB");
  cmd->add_option("--threads", f->threads, "HTTP threads (0: one per core)")
      ->envname("SYNCLOG_THREADS")->capture_default_str();
  cmd->add_option("--db-readers", f->db_readers, "SQLite reader threads (0: as many as HTTP threads, at least 2)")
      ->envname("SYNCLOG_DB_READERS");
  cmd->add_option("--db-connections", f->db_connections,
                  "PostgreSQL connections, one database thread each (reads and writes)")
      ->envname("SYNCLOG_DB_CONNECTIONS")->check(CLI::Range(1, 1000))->capture_default_str();
  cmd->add_option("--jwks", f->jwks_files, "JWKS file with RS256/ES256 keys to accept (repeatable)")
      ->envname("SYNCLOG_JWKS");
  cmd->add_option("--public-key", f->public_key_files, "PEM public key to accept (repeatable)")
      ->envname("SYNCLOG_PUBLIC_KEY");
  cmd->add_option("--jwks-refresh", f->jwks_refresh,
                  "Read the --jwks and --public-key files again this long after the last read, so a "
                  "withdrawn key stops being trusted (0: only for unknown kids)")
      ->envname("SYNCLOG_JWKS_REFRESH")->capture_default_str();
  cmd->add_option("--jwks-min-interval", f->jwks_min_interval,
                  "A token naming a kid the keys do not have reads the files again, at most this often")
      ->envname("SYNCLOG_JWKS_MIN_INTERVAL")->capture_default_str();
  cmd->add_option("--issuer", f->issuer, "Require this token issuer (iss)")->envname("SYNCLOG_ISSUER");
  cmd->add_option("--audience", f->audience, "Require this token audience (aud)")->envname("SYNCLOG_AUDIENCE");
  cmd->add_flag("--no-local-tokens", f->no_local_tokens,
                "Refuse HS256 tokens signed with the data directory's secret")
      ->envname("SYNCLOG_NO_LOCAL_TOKENS");
  cmd->add_option("--pull-cap", f->pull_cap, "Entries in a GET /v1/sync without page or limit")
      ->envname("SYNCLOG_PULL_CAP")->check(CLI::Range(1, 1000000))->capture_default_str();
  cmd->add_option("--pull-max-bytes", f->pull_max_bytes,
                  "Size at which a GET /v1/sync without page or limit stops, like --pull-cap")
      ->envname("SYNCLOG_PULL_MAX_BYTES")->capture_default_str();
  cmd->add_option("--rate-limit", f->rate_limit, "Requests per second per user (0 disables)")
      ->envname("SYNCLOG_RATE_LIMIT")->capture_default_str();
  cmd->add_option("--rate-burst", f->rate_burst, "Burst size of the per-user rate limit")
      ->envname("SYNCLOG_RATE_BURST")->capture_default_str();
  cmd->add_option("--auth-failure-rate", f->auth_failure_rate,
                  "Failed authentications per second per client IP before 429 (0 disables)")
      ->envname("SYNCLOG_AUTH_FAILURE_RATE")->capture_default_str();
  cmd->add_option("--auth-failure-burst", f->auth_failure_burst,
                  "Burst of failed authentications per client IP")
      ->envname("SYNCLOG_AUTH_FAILURE_BURST")->capture_default_str();
  cmd->add_option("--max-body", f->max_body, "Largest request body (413 beyond)")
      ->envname("SYNCLOG_MAX_BODY")->capture_default_str();
  cmd->add_option("--max-header", f->max_header, "Largest request header block (431 beyond)")
      ->envname("SYNCLOG_MAX_HEADER")->capture_default_str();
  cmd->add_option("--idle-timeout", f->idle_timeout, "Close a connection idle this long")
      ->envname("SYNCLOG_IDLE_TIMEOUT")->capture_default_str();
  cmd->add_option("--request-timeout", f->request_timeout, "Time to receive a whole request (408 beyond)")
      ->envname("SYNCLOG_REQUEST_TIMEOUT")->capture_default_str();
  cmd->add_option("--drain-timeout", f->drain_timeout, "On SIGTERM, wait this long for requests in flight")
      ->envname("SYNCLOG_DRAIN_TIMEOUT")->capture_default_str();
  cmd->add_option("--linger-time", f->linger_time,
                  "After answering a request whose body is still arriving (413, 401...), read and drop the rest this long before closing")
      ->envname("SYNCLOG_LINGER_TIME")->capture_default_str();
  cmd->add_option("--linger-bytes", f->linger_bytes, "... and at most this many bytes of it")
      ->envname("SYNCLOG_LINGER_BYTES")->capture_default_str();
  cmd->add_option("--max-connections", f->max_connections, "Open connections (503 beyond)")
      ->envname("SYNCLOG_MAX_CONNECTIONS")->capture_default_str();
  cmd->add_option("--events-per-user", f->events_per_user,
                  "Open change streams (GET /v1/sync/events) per user (a new one ends the oldest)")
      ->envname("SYNCLOG_EVENTS_PER_USER")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd->add_option("--events-heartbeat", f->events_heartbeat,
                  "Send a change stream a heartbeat comment after this much silence")
      ->envname("SYNCLOG_EVENTS_HEARTBEAT")->capture_default_str();
  cmd->add_option("--compact-after", f->compact_after, "Drop superseded log entries this old")
      ->envname("SYNCLOG_COMPACT_AFTER")->capture_default_str();
  cmd->add_option("--traversal-quiet", f->traversal_quiet,
                  "Keep superseded entries while a paged pull was seen within this window")
      ->envname("SYNCLOG_TRAVERSAL_QUIET")->capture_default_str();
  cmd->add_option("--retention", f->retention,
                  "Purge tombstones this old; a pull from before them answers 410 ResyncRequired")
      ->envname("SYNCLOG_RETENTION")->capture_default_str();
  cmd->add_option("--idempotency-ttl", f->idempotency_ttl, "Keep answers stored under Idempotency-Keys this long")
      ->envname("SYNCLOG_IDEMPOTENCY_TTL")->capture_default_str();
  cmd->add_option("--maintenance-interval", f->maintenance_interval,
                  "How often compaction and retention run")
      ->envname("SYNCLOG_MAINTENANCE_INTERVAL")->capture_default_str();
  cmd->add_option("--access-log", f->access_log, "Request log: stdout, stderr, off, or a file path")
      ->envname("SYNCLOG_ACCESS_LOG")->capture_default_str();
  cmd->add_option("--schema", f->schema_files,
                  "Register this schema document of declared types at start (repeatable; an already "
                  "registered version with the same document is no change)")
      ->envname("SYNCLOG_SCHEMA");
  cmd->add_option("--max-spaces-per-person", f->max_spaces_per_person, "Spaces one person may belong to")
      ->envname("SYNCLOG_MAX_SPACES_PER_PERSON")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd->add_option("--max-members-per-space", f->max_members_per_space, "Members one space may have")
      ->envname("SYNCLOG_MAX_MEMBERS_PER_SPACE")->check(CLI::Range(1, 1000000))->capture_default_str();
  cmd->add_option("--max-schema-bytes", f->max_schema_bytes, "Largest schema document")
      ->envname("SYNCLOG_MAX_SCHEMA_BYTES")->capture_default_str();
  cmd->add_option("--ready-file", f->ready_file, "Write host:port here once listening")
      ->envname("SYNCLOG_READY_FILE");
  cmd->add_option("--app-dir", f->app_dir,
                  "Serve the web app's built files from here under /app/ ('' serves none; default: "
                  "<program dir>/../share/synclog/app, else the source tree's web/dist)")
      ->envname("SYNCLOG_APP_DIR");
  cmd->add_flag("--no-app", f->no_app, "Do not serve the web app (/app/ answers 404)")
      ->envname("SYNCLOG_NO_APP");
  return [f] { return run_serve(*f); };
}

}  // namespace synclog::cli
