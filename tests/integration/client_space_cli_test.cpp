// `synclog client` in a shared space, end to end: two inspectors, Alice (the space's owner) and
// Bob (a member), each on a device file of their own, against a real server with the worked
// schema (examples/inspections/schema.json), using nothing but `synclog client` commands, in
// the order docs/client.md ("Two inspectors from the command line") walks a newcomer through
// them. Alice creates a space, adds Bob and imports a few sites; both sync; both edit the same
// inspection offline (one field in common, one each); Bob's sync finds the clash, `conflicts`
// shows both sides, Bob settles it field by field, and both devices end with the same records.
// Then Alice removes Bob while he has an edit not yet pushed: his next sync forgets the space
// and keeps the edit in the quarantine, which lists, exports and discards it.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "server_process.hpp"
#include "synclog_command.hpp"

namespace synclog::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

bool has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The value of a "key:   value" line of `status`.
std::string status_field(const std::string& status, const std::string& key) {
  std::istringstream in(status);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(key + ":")) continue;
    const auto value = line.find_first_not_of(' ', key.size() + 1);
    return value == std::string::npos ? "" : line.substr(value);
  }
  return "";
}

class ClientSpaceCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    for (;;) {
      scratch_ = fs::temp_directory_path() / ("synclog-client-space-cli-test-" + std::to_string(rd()));
      std::error_code ec;
      if (fs::create_directory(scratch_, ec)) break;
    }
    alice_ = (scratch_ / "alice.db").string();
    bob_ = (scratch_ / "bob.db").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(scratch_, ec);
  }

  std::string url() const { return "http://" + server_.host() + ":" + std::to_string(server_.port()); }

  // `synclog client --db <db> <args...>`.
  CommandRun client(const std::string& db, std::vector<std::string> args) {
    args.insert(args.begin(), {"client", "--db", db});
    return run_synclog(args, scratch_ / "command");
  }

  // A command that must succeed, with nothing on stderr (not a terminal: no progress line);
  // returns its stdout.
  std::string ok(const std::string& db, const std::vector<std::string>& args) {
    const CommandRun r = client(db, args);
    std::string line;
    for (const auto& a : args) line += a + " ";
    EXPECT_EQ(r.exit_code, 0) << line << "\n" << r;
    EXPECT_EQ(r.err, "") << line << "\n" << r;
    return r.out;
  }

  // A command whose stdout is JSON.
  json::value ok_json(const std::string& db, const std::vector<std::string>& args) {
    const std::string out = ok(db, args);
    boost::system::error_code ec;
    json::value v = json::parse(out, ec);
    EXPECT_FALSE(ec) << out;
    return ec ? json::value() : v;
  }

  std::string sync(const std::string& db) {
    const std::string out = ok(db, {"sync"});
    EXPECT_TRUE(out.starts_with("synced:")) << out;
    return out;
  }

  // `list --space north --type <type> --json`.
  json::array records(const std::string& db, const std::string& type) {
    const json::value v = ok_json(db, {"list", "--space", "north", "--type", type, "--json"});
    return v.is_array() ? v.as_array() : json::array();
  }

  // The element of `space list --json` for `space`; null when the device has none.
  json::value space_entry(const std::string& db, const std::string& space) {
    const json::value v = ok_json(db, {"space", "list", "--json"});
    if (!v.is_array()) return nullptr;
    for (const auto& s : v.as_array()) {
      if (s.at("id") == space.c_str()) return s;
    }
    return nullptr;
  }

  // The space conflicts of `conflicts --json` (the per-user ones have no "space").
  std::vector<json::object> space_conflicts(const std::string& db, bool unresolved_only) {
    std::vector<std::string> args = {"conflicts", "--json"};
    if (unresolved_only) args.push_back("--unresolved");
    const json::value v = ok_json(db, args);
    std::vector<json::object> out;
    if (!v.is_array()) return out;
    for (const auto& c : v.as_array()) {
      if (c.as_object().contains("space")) out.push_back(c.as_object());
    }
    return out;
  }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path path = scratch_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  ServerProcess server_{{"--rate-limit", "0", "--schema", source_path("examples/inspections/schema.json")}};
  fs::path scratch_;
  std::string alice_;
  std::string bob_;
};

TEST_F(ClientSpaceCliTest, TwoInspectorsSettleAClashAndARemovedMembersEditIsQuarantined) {
  const std::string schema = source_path("examples/inspections/schema.json");

  // 1. Two devices, each built for version 1 of the schema.
  for (const auto& [db, person] : {std::pair{alice_, "alice"}, std::pair{bob_, "bob"}}) {
    EXPECT_TRUE(has(ok(db, {"init", "--server", url(), "--token", server_.token(person)}), "initialised"));
  }
  for (const auto& db : {alice_, bob_}) {
    EXPECT_EQ(ok(db, {"schema", "use", schema}), "this device's app speaks inspections version 1\n");
  }
  const std::string alice_device = status_field(ok(alice_, {"status"}), "client id");
  ASSERT_TRUE(alice_device.starts_with("device-")) << alice_device;

  // 2. Alice creates the space and adds Bob. Her device learns of it at its next sync, not before.
  EXPECT_EQ(ok(alice_, {"space", "create", "North depot", "--schema", "inspections", "--id", "north"}), "north\n");
  EXPECT_EQ(ok(alice_, {"space", "add", "north", "bob", "--role", "member"}), "added bob to north as member\n");
  const json::value members = ok_json(alice_, {"space", "members", "north", "--json"});
  ASSERT_TRUE(members.is_array()) << members;
  ASSERT_EQ(members.as_array().size(), 2u) << members;
  for (const auto& m : members.as_array()) {
    EXPECT_EQ(m.at("role"), m.at("person") == "alice" ? "owner" : "member") << m;
    EXPECT_EQ(m.at("addedBy"), "alice") << m;
  }
  const CommandRun not_yet = client(alice_, {"list", "--space", "north", "--type", "site"});
  EXPECT_EQ(not_yet.exit_code, 1) << not_yet;
  EXPECT_TRUE(has(not_yet.err, "this device has no space north")) << not_yet;

  // 3. Alice imports the master data: pushed at once, as `synclog import` does.
  const std::string sites = write("sites.csv",
                                  "id,name,code,city,active\n"
                                  "site-1,Meridian Primary School,MAN-0001,Manchester,true\n"
                                  "site-2,Loop Medical Center,CHI-0001,Chicago,true\n"
                                  "site-3,Harbour View Depot,LIV-0001,Liverpool,false\n");
  EXPECT_EQ(ok(alice_, {"import", "--space", "north", "--type", "site", sites}),
            sites + ": 3 site records; applied 3\n");

  // 4. Both sync: each device learns of the space, with its role, and pulls its records.
  sync(alice_);
  sync(bob_);
  for (const auto& [db, role] : {std::pair{alice_, "owner"}, std::pair{bob_, "member"}}) {
    const json::value north = space_entry(db, "north");
    ASSERT_TRUE(north.is_object()) << db;
    EXPECT_EQ(north.at("name"), "North depot");
    EXPECT_EQ(north.at("schema"), "inspections");
    EXPECT_EQ(north.at("role"), role);
    EXPECT_GT(north.at("cursor").to_number<std::int64_t>(), 0);
    EXPECT_EQ(north.at("pending").to_number<std::int64_t>(), 0);
    EXPECT_EQ(records(db, "site").size(), 3u) << db;
  }
  const std::string table = ok(bob_, {"space", "list"});
  EXPECT_TRUE(table.starts_with("ID")) << table;
  EXPECT_TRUE(has(table, "north") && has(table, "North depot") && has(table, "member")) << table;
  const json::value site = ok_json(bob_, {"get", "--space", "north", "--type", "site", "site-3"});
  EXPECT_EQ(site.at("data").at("city"), "Liverpool") << site;
  EXPECT_EQ(site.at("data").at("active"), false) << site;

  // A member may not write master data: the device says so before anything is queued.
  const CommandRun refused = client(bob_, {"put", "--space", "north", "--type", "site", "--id", "site-9",
                                           "name=Bob's own site", "code=BOB-0001"});
  EXPECT_EQ(refused.exit_code, 1) << refused;
  EXPECT_TRUE(refused.err.starts_with("synclog client: put site in north: ")) << refused;
  EXPECT_EQ(space_entry(bob_, "north").at("pending").to_number<std::int64_t>(), 0);

  // 5. Alice starts an inspection; both sync, so both have it.
  EXPECT_EQ(ok(alice_, {"put", "--space", "north", "--type", "inspection", "--id", "insp-1", "site=site-1",
                        "status=draft"}),
            "insp-1\n");
  sync(alice_);
  sync(bob_);
  ASSERT_EQ(records(bob_, "inspection").size(), 1u);

  // 6. Offline, both edit it: `result` on both sides, `inspector` only Alice, `notes` only Bob.
  ok(alice_, {"put", "--space", "north", "--type", "inspection", "--id", "insp-1", "result=pass",
              "inspector=Alice Example"});
  ok(bob_, {"put", "--space", "north", "--type", "inspection", "--id", "insp-1", "result=fail",
            "notes=Boiler pressure low"});
  const std::string bob_list = ok(bob_, {"list", "--space", "north", "--type", "inspection"});
  EXPECT_TRUE(bob_list.starts_with("insp-1\t*\t{")) << bob_list;

  // 7. Alice syncs first: her edit is taken. Bob's sync then meets it: another person changed
  // `result`, so his edit waits for him.
  const std::string alice_sync = sync(alice_);
  EXPECT_TRUE(has(alice_sync, "\nspaces: 1 space synced")) << alice_sync;
  const std::string bob_sync = sync(bob_);
  EXPECT_TRUE(has(bob_sync, "  conflict north inspection insp-1")) << bob_sync;
  EXPECT_TRUE(has(bob_sync, "conflicts`")) << bob_sync;
  EXPECT_EQ(space_entry(bob_, "north").at("conflicts").to_number<std::int64_t>(), 1);

  // 8. `conflicts --json` shows both sides of the clashing field, and the base they left.
  const auto open = space_conflicts(bob_, /*unresolved_only=*/true);
  ASSERT_EQ(open.size(), 1u);
  const json::object& c = open.front();
  EXPECT_EQ(c.at("space"), "north");
  EXPECT_EQ(c.at("type"), "inspection");
  EXPECT_EQ(c.at("id"), "insp-1");
  EXPECT_EQ(c.at("reason"), "changed");
  EXPECT_FALSE(c.at("resolved").as_bool());
  EXPECT_EQ(c.at("server").at("result"), "pass") << c;
  EXPECT_EQ(c.at("server").at("inspector"), "Alice Example") << c;
  EXPECT_EQ(c.at("local").at("result"), "fail") << c;
  EXPECT_EQ(c.at("local").at("notes"), "Boiler pressure low") << c;
  const json::array& clashes = c.at("clashes").as_array();
  ASSERT_EQ(clashes.size(), 1u) << c;
  const json::object& clash = clashes.front().as_object();
  EXPECT_EQ(clash.at("field"), "result");
  EXPECT_EQ(clash.at("server").at("value"), "pass");
  EXPECT_EQ(clash.at("server").at("by"), "alice");
  EXPECT_EQ(clash.at("server").at("client"), alice_device.c_str());
  EXPECT_FALSE(clash.at("server").at("at").as_string().empty());
  EXPECT_EQ(clash.at("local").at("value"), "fail");
  EXPECT_FALSE(clash.at("local").at("capturedAt").as_string().empty());
  EXPECT_TRUE(clash.at("base").is_null()) << clash;
  const std::string seq = std::to_string(c.at("seq").to_number<std::int64_t>());

  const std::string text = ok(bob_, {"conflicts", "--unresolved"});
  EXPECT_TRUE(has(text, "space conflict " + seq + " in north: inspection insp-1")) << text;
  EXPECT_TRUE(has(text, "\"pass\"") && has(text, "alice") && has(text, "\"fail\"")) << text;
  EXPECT_TRUE(has(text, "resolve --space north " + seq)) << text;

  // Each log takes its own answers; a field that does not clash is no answer.
  EXPECT_EQ(client(bob_, {"resolve", seq, "--field", "result=pass"}).exit_code, 2);
  EXPECT_EQ(client(bob_, {"resolve", "--space", "north", seq, "--keep-server"}).exit_code, 2);
  const CommandRun not_clashing = client(bob_, {"resolve", "--space", "north", seq, "--field", "notes=x"});
  EXPECT_EQ(not_clashing.exit_code, 1) << not_clashing;
  EXPECT_TRUE(has(not_clashing.err, "notes is not a clashing field")) << not_clashing;

  // 9. Bob settles it with a value of his own; his `notes` and Alice's `inspector` both stay.
  EXPECT_TRUE(has(ok(bob_, {"resolve", "--space", "north", seq, "--field", "result=needs_followup"}),
                  "resolved " + seq));
  EXPECT_TRUE(space_conflicts(bob_, /*unresolved_only=*/true).empty());
  sync(bob_);
  sync(alice_);
  sync(bob_);
  const json::array on_bob = records(bob_, "inspection");
  const json::array on_alice = records(alice_, "inspection");
  EXPECT_EQ(json::serialize(on_bob), json::serialize(on_alice));
  ASSERT_EQ(on_alice.size(), 1u);
  const json::object& settled = on_alice.front().at("data").as_object();
  EXPECT_EQ(settled.at("result"), "needs_followup") << settled;
  EXPECT_EQ(settled.at("inspector"), "Alice Example") << settled;
  EXPECT_EQ(settled.at("notes"), "Boiler pressure low") << settled;
  EXPECT_EQ(settled.at("site"), "site-1") << settled;
  EXPECT_FALSE(on_alice.front().at("pending").as_bool());
  EXPECT_EQ(json::serialize(records(bob_, "site")), json::serialize(records(alice_, "site")));

  // 10. Bob edits again, offline; Alice removes him before he syncs.
  ok(bob_, {"put", "--space", "north", "--type", "inspection", "--id", "insp-1", "notes=Second visit booked"});
  EXPECT_EQ(ok(alice_, {"space", "remove", "north", "bob"}), "removed bob from north\n");
  EXPECT_EQ(ok_json(alice_, {"space", "members", "north", "--json"}).as_array().size(), 1u);

  // 11. Bob's sync forgets the space and keeps his edit in the quarantine.
  const std::string removed = sync(bob_);
  EXPECT_TRUE(has(removed, "1 edit quarantined")) << removed;
  EXPECT_TRUE(has(removed, "quarantine list`")) << removed;
  EXPECT_TRUE(space_entry(bob_, "north").is_null());
  EXPECT_EQ(ok(bob_, {"space", "list"}), "no spaces (a device learns of the spaces its person belongs to when it syncs)\n");

  const std::string quarantined = ok(bob_, {"quarantine", "list"});
  EXPECT_TRUE(quarantined.starts_with("SEQ")) << quarantined;
  EXPECT_TRUE(has(quarantined, "north") && has(quarantined, "inspection") && has(quarantined, "insp-1") &&
              has(quarantined, "Second visit booked"))
      << quarantined;
  const std::string exported = ok(bob_, {"quarantine", "export"});
  const json::value edits = json::parse(exported);
  ASSERT_TRUE(edits.is_array()) << exported;
  ASSERT_EQ(edits.as_array().size(), 1u) << exported;
  EXPECT_TRUE(has(exported, "insp-1") && has(exported, "Second visit booked")) << exported;
  const std::string out_file = (scratch_ / "quarantine.json").string();
  EXPECT_EQ(ok(bob_, {"quarantine", "export", "--out", out_file}),
            "wrote 1 quarantined edit to " + out_file + "\n");
  EXPECT_EQ(slurp(out_file), exported);

  // Once sent to a lead, Bob discards it.
  std::istringstream rows(quarantined);
  std::string header, first;
  std::getline(rows, header);
  rows >> first;
  EXPECT_TRUE(has(ok(bob_, {"quarantine", "discard", first}), "discarded quarantined edit " + first));
  EXPECT_EQ(ok(bob_, {"quarantine", "list"}), "the quarantine is empty\n");
  EXPECT_EQ(ok(bob_, {"rejections"}), "no rejections\n");

  // Alice's device is not touched by any of it.
  sync(alice_);
  EXPECT_EQ(records(alice_, "inspection").front().at("data").at("notes"), "Boiler pressure low");
}

TEST_F(ClientSpaceCliTest, BadUsageOfTheSpaceCommandsExitsTwo) {
  ok(alice_, {"init", "--server", url(), "--token", server_.token("alice")});
  const std::vector<std::vector<std::string>> bad = {
      {"space"},                                                       // no subcommand
      {"space", "create", "North"},                                    // no --schema
      {"space", "add", "north", "bob"},                                // no --role
      {"space", "add", "north", "bob", "--role", "boss"},              // unknown role
      {"space", "role", "north", "bob", "chief"},                      // unknown role
      {"put", "--space", "north", "site=site-1"},                      // no --type
      {"put", "--type", "inspection", "site=site-1"},                  // no --space
      {"put", "--space", "north", "--type", "inspection", "no-equals"},
      {"put", "--space", "north", "--type", "inspection", "=x"},
      {"put", "--space", "north", "--type", "inspection", "a=1", "a=2"},
      {"delete", "--space", "north", "--type", "inspection"},          // no id
      {"list", "--space", "north", "--type", "inspection", "note"},    // a RESOURCE too
      {"get", "--space", "north", "--type", "inspection", "a", "b"},
      {"resolve", "1", "--accept-server"},                             // a space's answer, no --space
      {"resolve", "--space", "north", "1", "--data", "{}"},            // the per-user answer
      {"resolve", "--space", "north", "1"},                            // no answer
      {"quarantine"},
      {"quarantine", "discard"},
      {"rejections", "dismiss"},
      {"schema", "use"},
      {"import", "--space", "north", "sites.csv"},                     // no --type
  };
  for (const auto& args : bad) {
    const CommandRun r = client(alice_, args);
    std::string line;
    for (const auto& a : args) line += a + " ";
    EXPECT_EQ(r.exit_code, 2) << line << "\n" << r;
    EXPECT_FALSE(r.err.empty()) << line;
    EXPECT_EQ(r.out, "") << line;
  }
}

}  // namespace
}  // namespace synclog::test
