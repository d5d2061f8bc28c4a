// `synclog client` end to end: the real binary as two devices (two --db files) of one user
// against a real server. Writes on one device reach the other through `sync`, a delete travels
// back, `status`, `conflicts` and `strategy` show the sync state, `listen` syncs when the other
// device writes and stops when told, and the exit codes hold: 0 ok, 1 a failure the command
// reports (an uninitialised file, a refused token), 2 bad usage.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fault_proxy.hpp"
#include "metric_wait.hpp"
#include "server_process.hpp"
#include "synclog_command.hpp"

namespace synclog::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}


// The value of a "key:   value" line of `status`; "" when there is none.
std::string status_field(const std::string& status, const std::string& key) {
  std::istringstream in(status);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(key + ":")) continue;
    const auto value = line.find_first_not_of(' ', key.size() + 1);
    return value == std::string::npos ? "" : line.substr(value);
  }
  return "";
}

// The element of a `list --json` array whose id is `id`; nullptr when there is none.
const json::object* find_record(const json::value& list, const std::string& id) {
  for (const auto& v : list.as_array()) {
    if (v.as_object().at("id").as_string() == id) return &v.as_object();
  }
  return nullptr;
}

class ClientCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    for (;;) {
      scratch_ = fs::temp_directory_path() / ("synclog-client-cli-test-" + std::to_string(rd()));
      std::error_code ec;
      if (fs::create_directory(scratch_, ec)) break;
    }
    phone_ = (scratch_ / "phone.db").string();
    tablet_ = (scratch_ / "tablet.db").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(scratch_, ec);
  }

  // `synclog client --db <db> <args...>`.
  CommandRun client(const std::string& db, std::vector<std::string> args) {
    args.insert(args.begin(), {"client", "--db", db});
    return run_synclog(args, scratch_ / "command");
  }

  std::string url() const {
    return "http://" + server_.host() + ":" + std::to_string(server_.port());
  }

  // Initialises both devices for one user.
  void init_both(const std::string& user) {
    const std::string token = server_.token(user);
    for (const auto& db : {phone_, tablet_}) {
      const CommandRun r = client(db, {"init", "--server", url(), "--token", token});
      ASSERT_EQ(r.exit_code, 0) << r;
      EXPECT_NE(r.out.find("initialised"), std::string::npos) << r;
    }
  }

  // `put RESOURCE [--id ID] JSON` on `db`, which must succeed; returns the id it printed.
  std::string put(const std::string& db, const std::string& resource, const std::string& id,
                  const std::string& data) {
    std::vector<std::string> args = {"put", resource};
    if (!id.empty()) args.insert(args.end(), {"--id", id});
    args.push_back(data);
    const CommandRun r = client(db, args);
    EXPECT_EQ(r.exit_code, 0) << r;
    return trimmed(r.out);
  }

  CommandRun sync_ok(const std::string& db) {
    CommandRun r = client(db, {"sync"});
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_TRUE(r.out.starts_with("synced:")) << r;
    // Not a terminal: no progress line.
    EXPECT_EQ(r.err, "") << r;
    return r;
  }

  json::value list_json(const std::string& db, const std::string& resource) {
    const CommandRun r = client(db, {"list", resource, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r;
    boost::system::error_code ec;
    json::value v = json::parse(r.out, ec);
    EXPECT_FALSE(ec) << r;
    EXPECT_TRUE(v.is_array()) << r;
    return v.is_array() ? v : json::value(json::array());
  }

  // Whether `list RESOURCE --json` on `db` has the record `id`.
  bool lists(const std::string& db, const std::string& resource, const std::string& id) {
    return find_record(list_json(db, resource), id) != nullptr;
  }

  json::value conflicts_json(const std::string& db, bool unresolved_only = false) {
    std::vector<std::string> args = {"conflicts", "--json"};
    if (unresolved_only) args.push_back("--unresolved");
    const CommandRun r = client(db, args);
    EXPECT_EQ(r.exit_code, 0) << r;
    boost::system::error_code ec;
    json::value v = json::parse(r.out, ec);
    EXPECT_FALSE(ec) << r;
    EXPECT_TRUE(v.is_array()) << r;
    return v.is_array() ? v : json::value(json::array());
  }

  ServerProcess server_{{"--rate-limit", "0"}};
  fs::path scratch_;
  std::string phone_;
  std::string tablet_;
};

TEST_F(ClientCliTest, TwoDevicesOfOneUserConvergeThroughTheServer) {
  ASSERT_NO_FATAL_FAILURE(init_both("cli-user"));

  const std::string collection_id = put(phone_, "collection", "", R"({"name":"Duas"})");
  ASSERT_FALSE(collection_id.empty());
  EXPECT_EQ(put(phone_, "note", "note-1", R"({"body":"A note body","ranges":["2:255-2:257"]})"),
            "note-1");

  // Written locally, waiting to be pushed.
  const CommandRun listed = client(phone_, {"list", "NOTE"});
  ASSERT_EQ(listed.exit_code, 0) << listed;
  EXPECT_TRUE(listed.out.starts_with("note-1\t*\t{")) << listed;
  EXPECT_EQ(status_field(client(phone_, {"status"}).out, "queued"), "2");

  sync_ok(phone_);
  EXPECT_EQ(status_field(client(phone_, {"status"}).out, "queued"), "0");
  sync_ok(tablet_);

  const json::value collections = list_json(tablet_, "collection");
  const json::object* collection = find_record(collections, collection_id);
  ASSERT_NE(collection, nullptr) << json::serialize(collections);
  EXPECT_EQ(collection->at("data").at("name").as_string(), "Duas");
  EXPECT_FALSE(collection->at("pending").as_bool());
  EXPECT_GT(collection->at("version").to_number<std::int64_t>(), 0);
  const json::value notes = list_json(tablet_, "note");
  const json::object* note = find_record(notes, "note-1");
  ASSERT_NE(note, nullptr) << json::serialize(notes);
  EXPECT_EQ(note->at("data").at("body").as_string(), "A note body");
  EXPECT_FALSE(note->at("pending").as_bool());

  const CommandRun deleted = client(tablet_, {"delete", "note", "note-1"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted;
  EXPECT_FALSE(lists(tablet_, "note", "note-1"));
  sync_ok(tablet_);
  sync_ok(phone_);
  EXPECT_FALSE(lists(phone_, "note", "note-1"));
  EXPECT_TRUE(lists(phone_, "collection", collection_id));

  for (const auto& db : {phone_, tablet_}) {
    const CommandRun status = client(db, {"status"});
    ASSERT_EQ(status.exit_code, 0) << status;
    EXPECT_EQ(status_field(status.out, "server"), url()) << status;
    EXPECT_TRUE(status_field(status.out, "client id").starts_with("device-")) << status;
    EXPECT_EQ(status_field(status.out, "queued"), "0") << status;
    EXPECT_GT(std::stoll("0" + status_field(status.out, "cursor")), 0) << status;
    EXPECT_NE(status_field(status.out, "last sync"), "never") << status;
    EXPECT_EQ(status_field(status.out, "conflicts"), "0 unresolved") << status;
  }
  // The two devices are two clients.
  EXPECT_NE(status_field(client(phone_, {"status"}).out, "client id"),
            status_field(client(tablet_, {"status"}).out, "client id"));

  EXPECT_TRUE(conflicts_json(phone_).as_array().empty());
  const CommandRun table = client(phone_, {"conflicts"});
  EXPECT_EQ(table.exit_code, 0) << table;
  EXPECT_EQ(trimmed(table.out), "no conflicts");
}

TEST_F(ClientCliTest, StrategySetsAndStatusAndConflictsReflectIt) {
  ASSERT_NO_FATAL_FAILURE(init_both("cli-strategy-user"));

  // Server wins until set.
  const CommandRun initial = client(phone_, {"strategy", "note"});
  ASSERT_EQ(initial.exit_code, 0) << initial;
  EXPECT_EQ(trimmed(initial.out), "NOTE server-wins");
  const CommandRun set = client(phone_, {"strategy", "note", "client-wins"});
  ASSERT_EQ(set.exit_code, 0) << set;
  EXPECT_EQ(trimmed(set.out), "NOTE client-wins");
  const CommandRun status = client(phone_, {"status"});
  EXPECT_NE(status_field(status.out, "strategies").find("NOTE client-wins"), std::string::npos)
      << status;
  EXPECT_NE(status_field(status.out, "strategies").find("BOOKMARK server-wins"), std::string::npos)
      << status;
  // Per device: the tablet keeps the default.
  EXPECT_EQ(trimmed(client(tablet_, {"strategy", "NOTE"}).out), "NOTE server-wins");

  // Both devices change the same note's body: the phone, which syncs last, wins.
  put(phone_, "note", "shared", R"({"body":"the first body","ranges":["1:1-1:7"]})");
  sync_ok(phone_);
  sync_ok(tablet_);
  put(tablet_, "note", "shared", R"({"body":"the tablet's body"})");
  sync_ok(tablet_);
  put(phone_, "note", "shared", R"({"body":"the phone's body"})");
  const CommandRun settled = sync_ok(phone_);
  EXPECT_NE(settled.out.find("1 merged"), std::string::npos) << settled;
  EXPECT_NE(settled.out.find("0 need the user"), std::string::npos) << settled;

  const json::value log = conflicts_json(phone_);
  ASSERT_EQ(log.as_array().size(), 1u) << json::serialize(log);
  const json::object& c = log.as_array()[0].as_object();
  EXPECT_EQ(c.at("resource").as_string(), "NOTE");
  EXPECT_EQ(c.at("id").as_string(), "shared");
  EXPECT_EQ(c.at("strategy").as_string(), "client-wins");
  EXPECT_EQ(c.at("outcome").as_string(), "merged");
  EXPECT_TRUE(c.at("resolved").as_bool());
  EXPECT_EQ(c.at("local").at("body").as_string(), "the phone's body");
  EXPECT_EQ(c.at("server").at("body").as_string(), "the tablet's body");
  const CommandRun table = client(phone_, {"conflicts"});
  EXPECT_EQ(table.exit_code, 0) << table;
  EXPECT_NE(table.out.find("client-wins"), std::string::npos) << table;
  sync_ok(tablet_);
  const json::value tablet_notes = list_json(tablet_, "note");
  const json::object* on_tablet = find_record(tablet_notes, "shared");
  ASSERT_NE(on_tablet, nullptr);
  EXPECT_EQ(on_tablet->at("data").at("body").as_string(), "the phone's body");

  // Field merge with both sides changing the body differently: the user decides. Not a failed
  // sync, but listed in its summary and counted by status.
  ASSERT_EQ(client(phone_, {"strategy", "note", "field-merge"}).exit_code, 0);
  put(tablet_, "note", "shared", R"({"body":"the tablet again"})");
  sync_ok(tablet_);
  put(phone_, "note", "shared", R"({"body":"the phone again"})");
  const CommandRun waiting = sync_ok(phone_);
  EXPECT_NE(waiting.out.find("1 need the user"), std::string::npos) << waiting;
  EXPECT_NE(waiting.out.find("needs the user: NOTE shared"), std::string::npos) << waiting;
  EXPECT_EQ(status_field(client(phone_, {"status"}).out, "conflicts"), "1 unresolved");
  const json::value open = conflicts_json(phone_, /*unresolved_only=*/true);
  ASSERT_EQ(open.as_array().size(), 1u) << json::serialize(open);
  const json::object& o = open.as_array()[0].as_object();
  EXPECT_EQ(o.at("strategy").as_string(), "field-merge");
  EXPECT_EQ(o.at("outcome").as_string(), "needs_user");
  EXPECT_FALSE(o.at("resolved").as_bool());
  EXPECT_EQ(json::serialize(o.at("clashingFields")), R"(["body"])");
  EXPECT_EQ(conflicts_json(phone_).as_array().size(), 2u);

  // The user answers: keep the phone's version. The next sync pushes it, and the tablet gets it.
  const std::string seq = std::to_string(o.at("seq").to_number<std::int64_t>());
  EXPECT_EQ(client(phone_, {"resolve", seq}).exit_code, 2);  // an answer is required
  const CommandRun answered = client(phone_, {"resolve", seq, "--keep-local"});
  ASSERT_EQ(answered.exit_code, 0) << answered;
  EXPECT_EQ(client(phone_, {"resolve", seq, "--keep-server"}).exit_code, 1);  // answered already
  EXPECT_EQ(status_field(client(phone_, {"status"}).out, "conflicts"), "0 unresolved");
  sync_ok(phone_);
  sync_ok(tablet_);
  const CommandRun listed = client(tablet_, {"list", "note", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed;
  bool found = false;
  const json::value records = json::parse(listed.out);
  for (const auto& rec : records.as_array()) {
    if (rec.at("id") == "shared") {
      found = true;
      EXPECT_EQ(rec.at("data").at("body"), "the phone again");
    }
  }
  EXPECT_TRUE(found) << listed;
}

TEST_F(ClientCliTest, BadUsageExitsTwoAndCreatesNothing) {
  const std::vector<std::vector<std::string>> bad = {
      {"client"},                                             // no --db
      {"client", "--db", phone_},                             // no subcommand
      {"client", "--db", phone_, "frobnicate"},               // unknown subcommand
      {"client", "--db", phone_, "init", "--server", url()},  // no --token
      {"client", "--db", phone_, "init", "--server", "ftp://x", "--token", "t"},
      {"client", "--db", phone_, "init", "--server", url(), "--token", ""},
      {"client", "--db", phone_, "put", "nonsense", "{}"},  // unknown resource
      {"client", "--db", phone_, "put", "note"},            // no JSON
      {"client", "--db", phone_, "delete", "note"},         // no id
      {"client", "--db", phone_, "list"},                   // no resource
      {"client", "--db", phone_, "list", "note", "--bogus"},
      {"client", "--db", phone_, "strategy", "note", "coin-toss"},
  };
  for (const auto& args : bad) {
    const CommandRun r = run_synclog(args, scratch_ / "command");
    std::string line;
    for (const auto& a : args) line += a + " ";
    EXPECT_EQ(r.exit_code, 2) << line << "\n" << r;
    EXPECT_FALSE(r.err.empty()) << line;
  }
  EXPECT_FALSE(fs::exists(phone_));
  EXPECT_EQ(run_synclog({"client", "--help"}, scratch_ / "command").exit_code, 0);
}

TEST_F(ClientCliTest, AnUninitialisedFileExitsOneWithTheMessage) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"list", "note"},
           {"put", "note", R"({"body":"never sent","ranges":["1:1-1:2"]})"},
           {"delete", "note", "n"},
           {"sync"},
           {"status"},
           {"conflicts"},
           {"strategy", "note", "manual"}}) {
    const CommandRun r = client(phone_, args);
    EXPECT_EQ(r.exit_code, 1) << args.front() << "\n" << r;
    EXPECT_TRUE(r.err.starts_with("synclog client: not initialised: run `synclog client --db " +
                                  phone_ + " init --server URL --token TOKEN`"))
        << r;
    EXPECT_EQ(r.out, "");
  }
  // Asking did not make it a device.
  EXPECT_FALSE(fs::exists(phone_));
}

TEST_F(ClientCliTest, FailuresTheCommandReportsExitOne) {
  ASSERT_EQ(client(phone_, {"init", "--server", url(), "--token", "not-a-token"}).exit_code, 0);
  // Local failures.
  const CommandRun not_json = client(phone_, {"put", "note", "not json"});
  EXPECT_EQ(not_json.exit_code, 1) << not_json;
  EXPECT_TRUE(not_json.err.starts_with("synclog client: put NOTE: ")) << not_json;
  const CommandRun missing = client(phone_, {"delete", "note", "nobody"});
  EXPECT_EQ(missing.exit_code, 1) << missing;
  EXPECT_NE(missing.err.find("no such record"), std::string::npos) << missing;

  // The server refuses the token: the sync fails, says why, and keeps the queue.
  put(phone_, "note", "", R"({"body":"kept in the queue","ranges":["1:1-1:2"]})");
  const CommandRun refused = client(phone_, {"sync"});
  EXPECT_EQ(refused.exit_code, 1) << refused;
  EXPECT_TRUE(refused.err.starts_with("synclog client: sync failed (unauthorized)")) << refused;
  EXPECT_NE(refused.err.find("1 mutation still queued"), std::string::npos) << refused;
  EXPECT_EQ(status_field(client(phone_, {"status"}).out, "queued"), "1");

  // A new token (init again on the same file) lets it through.
  ASSERT_EQ(client(phone_, {"init", "--server", url(), "--token", server_.token("cli-fail-user")})
                .exit_code,
            0);
  sync_ok(phone_);
  EXPECT_EQ(status_field(client(phone_, {"status"}).out, "queued"), "0");

  // Once it has synced as that user, the file is theirs: another user's token is refused (it
  // would push one user's edits into another's account); a fresh token of theirs is fine.
  put(phone_, "note", "", R"({"body":"still cli-fail-user's","ranges":["1:1-1:2"]})");
  const CommandRun other = client(phone_, {"init", "--server", url(), "--token", server_.token("someone-else")});
  EXPECT_EQ(other.exit_code, 1) << other;
  EXPECT_NE(other.err.find("holds the data of another account"), std::string::npos) << other;
  EXPECT_EQ(client(phone_, {"init", "--server", url(), "--token", server_.token("cli-fail-user")}).exit_code, 0);
  sync_ok(phone_);
}

// `listen`: the tablet syncs whenever the phone pushes, with nothing polled, and stops when told.

// Polls `done` until it holds; false after `timeout`.
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST_F(ClientCliTest, ListenSyncsWhenTheOtherDeviceWritesUntilForPasses) {
  init_both("cli-listen-user");
  sync_ok(tablet_);
  const auto started = std::chrono::steady_clock::now();
  const StartedCommand listening =
      start_synclog({"client", "--db", tablet_, "listen", "--for", "6s"}, scratch_ / "listen");
  // Two streams: the person's own data and their spaces'.
  ASSERT_TRUE(wait_for_metric(server_, "synclog_event_streams", 2));
  const std::string first = put(phone_, "note", "", R"({"body":"heard at once","ranges":["1:1-1:2"]})");
  sync_ok(phone_);
  EXPECT_TRUE(eventually([&] { return lists(tablet_, "note", first); }));
  const std::string second = put(phone_, "note", "", R"({"body":"and again","ranges":["2:1-2:2"]})");
  sync_ok(phone_);
  EXPECT_TRUE(eventually([&] { return lists(tablet_, "note", second); }));

  const CommandRun r = wait_synclog(listening, std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::seconds(6));
  auto lines = lines_of(r.out);
  // The first sync ran when the spaces' stream opened (its events cannot be resumed, so what
  // moved while it was closed is pulled once); then one per write heard.
  ASSERT_EQ(lines.size(), 3u) << r;
  EXPECT_TRUE(lines.front().starts_with("synced: pulled 0 entries")) << lines.front();
  lines.erase(lines.begin());
  for (const auto& line : lines) {
    EXPECT_TRUE(line.starts_with("synced: pulled 1 entry, pushed 0 mutations in 0 batches, cursor "))
        << line;
    EXPECT_TRUE(line.ends_with("; events: 1 synced, 0 merged, 0 need the user")) << line;
  }
  EXPECT_EQ(r.err, "") << r;

  for (const auto& bad_args : std::vector<std::vector<std::string>>{
           {"listen", "--for", "soon"}, {"listen", "--idle-timeout", "0s"}}) {
    const CommandRun bad = client(tablet_, bad_args);
    EXPECT_EQ(bad.exit_code, 2) << bad;
  }
}

TEST_F(ClientCliTest, ListenStopsCleanlyOnSigtermAndSigint) {
  init_both("cli-listen-signals");
  for (const int sig : {SIGTERM, SIGINT}) {
    // --for: should the signal go astray, the command still ends.
    const StartedCommand listening =
        start_synclog({"client", "--db", tablet_, "listen", "--for", "60s"},
                      scratch_ / ("listen-" + std::to_string(sig)));
    ASSERT_TRUE(wait_for_metric(server_, "synclog_event_streams", 2)) << sig;  // own + spaces
    const auto signalled = std::chrono::steady_clock::now();
    ASSERT_EQ(::kill(listening.pid, sig), 0);
    const CommandRun r = wait_synclog(listening, std::chrono::seconds(90));
    EXPECT_EQ(r.exit_code, 0) << sig << ": " << r;
    EXPECT_LT(std::chrono::steady_clock::now() - signalled, std::chrono::seconds(5)) << sig;
    EXPECT_EQ(r.err, "") << r;
    ASSERT_TRUE(wait_for_metric(server_, "synclog_event_streams", 0)) << sig;
  }
}

// The same while the stream is being opened through a proxy that never passes the answer on:
// the signal must not wait out the connect and request timeouts (40 s).
TEST_F(ClientCliTest, ListenStopsAtOnceOnSigintWhileTheServerNeverAnswers) {
  FaultProxy proxy(server_.host(), server_.port());
  proxy.fault_matching(FaultProxy::request_is("GET", "/v1/sync/events"),
                       Fault::delay_response(std::chrono::minutes(10)));
  const CommandRun init = client(tablet_, {"init", "--server", "http://127.0.0.1:" +
                                                                   std::to_string(proxy.port()),
                                           "--token", server_.token("cli-listen-silent")});
  ASSERT_EQ(init.exit_code, 0) << init;
  const StartedCommand listening = start_synclog({"client", "--db", tablet_, "listen", "--for", "90s"},
                                                 scratch_ / "listen-silent");
  ASSERT_TRUE(wait_for_metric(server_, "synclog_event_streams", 1));  // held by the proxy
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto signalled = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(listening.pid, SIGINT), 0);
  const CommandRun r = wait_synclog(listening, std::chrono::seconds(120));
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, std::chrono::seconds(2)) << r;
  EXPECT_EQ(r.err, "") << r;
}

TEST_F(ClientCliTest, ListenWithATokenTheServerRefusesExitsOne) {
  ASSERT_EQ(client(tablet_, {"init", "--server", url(), "--token", "not-a-token"}).exit_code, 0);
  const CommandRun r = client(tablet_, {"listen", "--for", "30s"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(r.err.starts_with("synclog client: listen failed (unauthorized)")) << r;
  EXPECT_NE(r.err.find("init` again with a new --token"), std::string::npos) << r;
}

}  // namespace
}  // namespace synclog::test
