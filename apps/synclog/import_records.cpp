// The import both `synclog import` and `synclog client import` run (import_records.hpp): loads
// records from a CSV or JSON file into a space through the server's own API, as a lead or owner
// would push them: batches of up to 100 CREATEs in conflictMode=field, each with an
// Idempotency-Key derived from the file and the batch, so an interrupted import can simply be
// run again. A CREATE of an id that exists sets the fields given (an upsert), so importing a
// corrected file updates what changed.
//
// CSV: a header row; an `id` column (the record's id; without it the server mints ids and a
// second run creates the records again); the other columns are field names. An empty cell is a
// field the record does not have; a stringList cell is split on '|'; integers, numbers and
// booleans are read as such (by the space's schema), the rest are text. JSON: an array of
// objects, each one record with an optional "id". Reading the file into rows and rows into
// push bodies is import_rows.hpp's (no network); this file talks to the server.
#include "import_records.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <unistd.h>

#include "client/http_transport.hpp"
#include "common/sha256.hpp"
#include "import_rows.hpp"

namespace synclog::cli {
namespace json = boost::json;
namespace {

class Api {
 public:
  Api(std::unique_ptr<client::Transport> t, std::string token, std::string client_id)
      : t_(std::move(t)), token_(std::move(token)), client_id_(std::move(client_id)) {}

  // Sent as X-Schema-Version from now on; 0: none (the space's latest).
  void set_schema_version(std::int64_t version) { schema_version_ = version; }

  // Sends a request, trying again (with the same request) when no answer arrived.
  Result<client::HttpResponse> send(std::string method, std::string target, std::string body = {},
                                    std::string idempotency_key = {}) {
    client::HttpRequest req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.body = std::move(body);
    req.headers = {{"x-auth-token", token_}, {"x-client-id", client_id_}, {"content-type", "application/json"}};
    if (!idempotency_key.empty()) req.headers.emplace_back("Idempotency-Key", idempotency_key);
    if (schema_version_ > 0) req.headers.emplace_back("X-Schema-Version", std::to_string(schema_version_));
    Result<client::HttpResponse> r = make_error(ErrorCode::kUnavailable, "not sent");
    for (int attempt = 0; attempt < 5; ++attempt) {
      r = t_->send(req);
      if (r.ok() && r->status != 503 && r->status != 429) return r;
    }
    return r;
  }

 private:
  std::unique_ptr<client::Transport> t_;
  std::string token_;
  std::string client_id_;
  std::int64_t schema_version_ = 0;
};

std::string message_of(const client::HttpResponse& r) {
  json::error_code ec;
  const auto v = json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.get_object();
    if (const auto* m = o.if_contains("message"); m && m->is_string()) return std::string(m->get_string());
    if (const auto* e = o.if_contains("error"); e && e->is_object()) {
      if (const auto* m = e->get_object().if_contains("message"); m && m->is_string()) return std::string(m->get_string());
    }
  }
  return "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 200);
}

}  // namespace

int import_records(const ImportJob& f) {
  const std::string program = f.program.empty() ? std::string("synclog import") : f.program;
  const auto fail = [&program](const std::string& message, int code = 2) {
    std::cerr << program << ": " << message << "\n";
    return code;
  };
  // A progress line only where a person watches it.
  const bool progress = !f.quiet && ::isatty(2) != 0;
  std::ifstream in(f.file, std::ios::binary);
  if (!in) return fail("cannot read " + f.file);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::string format = f.format;
  if (format.empty()) format = f.file.size() >= 5 && f.file.substr(f.file.size() - 5) == ".json" ? "json" : "csv";
  if (format != "csv" && format != "json") return fail("--format is csv or json");

  auto transport = client::make_http_transport(f.server, {});
  if (!transport.ok()) return fail(transport.error().message);
  Api api(std::move(*transport), f.token, f.client_id);

  // The space (and that this person may see it), and its schema's fields.
  auto space = api.send("GET", "/v1/spaces/" + f.space);
  if (!space.ok()) return fail("cannot reach " + f.server + ": " + space.error().message, 1);
  if (space->status != 200) return fail("space " + f.space + ": " + message_of(*space), 1);
  const auto space_info = json::parse(space->body).at("data").as_object();
  const std::string schema_name(space_info.at("schema").as_string());
  const std::int64_t schema_version = f.schema_version ? f.schema_version(schema_name) : 0;
  api.set_schema_version(schema_version);
  const std::string schema_target = "/v1/schemas/" + schema_name +
                                    (schema_version > 0 ? "/" + std::to_string(schema_version) : "");
  auto schema = api.send("GET", schema_target);
  if (!schema.ok() || schema->status != 200) return fail("schema " + schema_name + ": " + (schema.ok() ? message_of(*schema) : schema.error().message), 1);
  auto kinds = field_kinds(json::parse(schema->body).at("data"), f.type);
  if (!kinds.ok()) return fail(kinds.error().message);

  auto rows = format == "csv" ? rows_from_csv(text, *kinds) : rows_from_json(text);
  if (!rows.ok()) return fail(f.file + ": " + rows.error().message);

  // Field mode from the space's head now: the import's own batches never clash with each other
  // (one client id), and a record someone else changed meanwhile is reported, not overwritten.
  auto head = api.send("GET", "/v1/spaces/" + f.space + "/sync?mutationsSince=0&metadataOnly=true");
  if (!head.ok() || head->status != 200) return fail("cannot read the space's head", 1);
  const std::int64_t cursor = json::parse(head->body).at("data").at("lastMutationAt").as_int64();

  const std::string file_digest = sha256_hex(text).substr(0, 16);
  std::map<std::string, std::int64_t> outcomes;
  std::vector<std::string> problems;
  const std::size_t batch = static_cast<std::size_t>(std::clamp(f.batch, 1, 100));
  for (std::size_t start = 0; start < rows->size(); start += batch) {
    const std::size_t end = std::min(rows->size(), start + batch);
    const std::string key = "import-" + f.space + "-" + f.type + "-" + file_digest + "-" + std::to_string(start / batch);
    auto answer = api.send("POST", "/v1/spaces/" + f.space + "/sync?conflictMode=field&lastMutationAt=" + std::to_string(cursor),
                           batch_body(*rows, start, end, f.type), key);
    if (!answer.ok()) return fail("batch at record " + std::to_string(start + 1) + ": " + answer.error().message, 1);
    if (answer->status != 200) return fail("batch at record " + std::to_string(start + 1) + ": " + message_of(*answer), 1);
    const auto acks = json::parse(answer->body).at("data").at("mutations").as_array();
    for (std::size_t i = 0; i < acks.size(); ++i) {
      const auto& ack = acks[i].as_object();
      const std::string outcome(ack.at("outcome").as_string());
      ++outcomes[outcome];
      if (outcome == "rejected" || outcome == "conflict") {
        const ImportRow& row = (*rows)[start + i];
        std::string why = outcome;
        if (const auto* r = ack.if_contains("rejection")) why = std::string(r->at("message").as_string());
        if (ack.contains("conflict")) why = "changed on the server since the import began";
        problems.push_back((format == "csv" ? "line " : "item ") + std::to_string(row.line) +
                           (row.id.empty() ? "" : " (" + row.id + ")") + ": " + why);
      }
    }
    if (progress) {
      std::cerr << "\rimported " << end << " of " << rows->size() << " " << f.type << " records" << std::flush;
    }
  }
  if (progress) std::cerr << "\n";
  std::cout << f.file << ": " << rows->size() << " " << f.type << " records;";
  for (const auto& [outcome, n] : outcomes) std::cout << " " << outcome << " " << n;
  std::cout << "\n";
  for (std::size_t i = 0; i < problems.size() && i < 20; ++i) std::cout << "  " << problems[i] << "\n";
  if (problems.size() > 20) std::cout << "  ... and " << problems.size() - 20 << " more\n";
  return problems.empty() ? 0 : 1;
}

}  // namespace synclog::cli
