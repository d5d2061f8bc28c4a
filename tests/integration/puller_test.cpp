// The per-user Puller (src/client/puller.hpp) on its own: an EngineContext over a device file,
// Puller::pull() called directly, against the real App and store in-process with a pull cap of
// 3 entries, the server's state seeded by another device of the same user (engine_units.hpp).
// What the file holds is read through SyncQueue/LocalStore, and through a second handle on the
// file from inside the app's callbacks: an event or a progress report must find its page
// committed. On PostgreSQL in the ".postgres" run, like every integration test.
#include "engine_units.hpp"

#include "status_matchers.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace synclog::client {
namespace {

using test::engine_units::EngineUnitTest;
using test::engine_units::Exchange;
using test::engine_units::field_of;
using test::engine_units::note;
using test::engine_units::parse;
using test::engine_units::Unit;
using test::fault_loop::Device;
using test::fault_loop::kDevicesStartMs;

constexpr int kPullCap = 3;
constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

// The pages the unit pulled: each recorded 200 answer of a GET, parsed.
std::vector<PullPage> pages_of(const Unit& u) {
  std::vector<PullPage> out;
  for (const Exchange& e : u.wire->of("GET")) {
    if (e.status() != 200) continue;
    auto page = parse_pull(e.response->body);
    if (!page.ok()) throw std::runtime_error(page.error().message);
    out.push_back(std::move(*page));
  }
  return out;
}

// The entry of `id` the unit last pulled.
std::optional<PullEntry> pulled_entry(const Unit& u, std::string_view id) {
  std::optional<PullEntry> out;
  for (const auto& page : pages_of(u)) {
    for (const auto& e : page.entries) {
      if (e.id == id) out = e;
    }
  }
  return out;
}

std::string since_of(const Exchange& e) {
  const auto& t = e.request.target;
  const auto at = t.find("mutationsSince=");
  if (at == std::string::npos) return "";
  const auto end = t.find('&', at);
  return t.substr(at + 15, end == std::string::npos ? std::string::npos : end - at - 15);
}

class PullerTest : public EngineUnitTest {
 protected:
  PullerTest() : EngineUnitTest(kPullCap) {}

  // The other device writes notes n1..n<count>, one a second, and pushes them (one batch).
  std::unique_ptr<Device> seed_notes(int count) {
    auto b = other();
    for (int i = 1; i <= count; ++i) {
      b->put(Resource::kNote, note("note number " + std::to_string(i)), "n" + std::to_string(i));
      other_clock_.advance(1000);
    }
    sync(*b);
    return b;
  }

  // A race on NOTE n1: both devices have it synced; the unit edits it with `local_patch`
  // (not pushed), the other device with `other_patch` (pushed). The unit's edit is the later
  // one by the clocks when `local_later`. The unit is left ready to pull, its strategy for notes
  // `strategy`, its records of requests and events cleared.
  struct Race {
    std::unique_ptr<Unit> u;
    std::unique_ptr<Device> b;
  };
  Race race(Strategy strategy, const std::string& local_patch, const std::string& other_patch,
            bool local_later = true) {
    Race r;
    r.b = other();
    r.b->put(Resource::kNote, note("the original body", "1:1-1:7"), "n1");
    sync(*r.b);
    r.u = unit();
    const Status pulled = r.u->puller->pull();
    if (!pulled.ok()) throw std::runtime_error("the unit's first pull: " + pulled.message());
    other_clock_.set(kDevicesStartMs + 10'000);
    device_clock_.set(kDevicesStartMs + (local_later ? 20'000 : 5'000));
    r.u->put(Resource::kNote, local_patch, "n1");
    r.b->put(Resource::kNote, other_patch, "n1");
    sync(*r.b);
    if (!r.u->store->set_strategy(Resource::kNote, strategy).ok()) {
      throw std::runtime_error("cannot set the strategy");
    }
    reset(*r.u);
    return r;
  }

  // A fresh begin_sync() and fresh records of what the unit sent and told.
  static void reset(Unit& u) {
    u.begin();
    u.wire->exchanges.clear();
    u.events.clear();
    u.seen_at_events.clear();
    u.progress.clear();
    u.seen_at_progress.clear();
  }

  static std::vector<ConflictRecord> log(Unit& u) { return *u.store->conflicts(); }
};

constexpr const char* kLocalBody = R"({"body":"the body from this device"})";
constexpr const char* kOtherBody = R"({"body":"the body from the other device"})";

// ---- Pages ----

// Eight entries under a cap of 3: three GETs, each from the cursor the page before left; each
// page applied and the cursor moved with it in one commit, then its progress and events told.
TEST_F(PullerTest, PullsPageByPageEachCommittedWithItsCursorThenReported) {
  seed_notes(8);
  const std::int64_t server_head = head();
  auto u = unit();
  ASSERT_OK(u->puller->pull());

  const auto gets = u->wire->of("GET");
  ASSERT_EQ(gets.size(), 3u);
  const auto pages = pages_of(*u);
  ASSERT_EQ(pages.size(), 3u);
  std::int64_t since = 0;
  const std::size_t sizes[] = {3, 3, 2};
  for (std::size_t i = 0; i < pages.size(); ++i) {
    EXPECT_EQ(since_of(gets[i]), std::to_string(since)) << "page " << i;
    EXPECT_EQ(pages[i].entries.size(), sizes[i]) << "page " << i;
    EXPECT_EQ(pages[i].has_more, i < 2) << "page " << i;
    since = pages[i].last_mutation_at;
  }
  EXPECT_EQ(pages.back().last_mutation_at, server_head);

  // One progress report per page, told after the page and its cursor were committed.
  ASSERT_EQ(u->progress.size(), 3u);
  const std::int64_t pulled[] = {3, 6, 8};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(u->progress[i].phase, SyncProgress::Phase::kPull);
    EXPECT_EQ(u->progress[i].pulled, pulled[i]) << "page " << i;
    EXPECT_EQ(u->progress[i].total, 8) << "page " << i;
    EXPECT_EQ(u->progress[i].queued, 0);
    EXPECT_EQ(u->seen_at_progress[i].cursor, pages[i].last_mutation_at) << "page " << i;
  }

  // One event per entry, each told once its page was committed.
  ASSERT_EQ(u->events.size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) {
    const auto& e = u->events[i];
    EXPECT_EQ(e.outcome, Outcome::kSynced);
    EXPECT_EQ(e.resource, Resource::kNote);
    EXPECT_EQ(e.id, "n" + std::to_string(i + 1));
    EXPECT_EQ(e.conflict_seq, 0);
    EXPECT_EQ(u->seen_at_events[i].cursor, pages[i / 3].last_mutation_at) << e.id;
    ASSERT_TRUE(u->seen_at_events[i].record.has_value()) << e.id << " was told before its commit";
    EXPECT_GT(u->seen_at_events[i].record->version, 0) << e.id;
  }

  EXPECT_EQ(u->ctx->report.pulled, 8);
  EXPECT_FALSE(u->ctx->report.resynced);
  EXPECT_EQ(u->ctx->push_head, 0);
  EXPECT_EQ(u->cursor(), server_head);
  EXPECT_EQ(device_records(*u->store), server_records());
  const auto notes = *u->store->list(Resource::kNote);
  ASSERT_EQ(notes.size(), 8u);
  for (const auto& rec : notes) {
    EXPECT_EQ(rec.version, pulled_entry(*u, rec.id)->timestamp) << rec.id;
    EXPECT_FALSE(rec.pending) << rec.id;
  }
}

// Nothing new: one GET, no event, the cursor stays at the head.
TEST_F(PullerTest, APullAtTheHeadAppliesNothingAndTellsNothing) {
  seed_notes(2);
  auto u = unit();
  ASSERT_OK(u->puller->pull());
  const std::int64_t cursor = u->cursor();
  reset(*u);
  ASSERT_OK(u->puller->pull());
  ASSERT_EQ(u->wire->exchanges.size(), 1u);
  EXPECT_EQ(since_of(u->wire->exchanges[0]), std::to_string(cursor));
  EXPECT_TRUE(u->events.empty());
  EXPECT_EQ(u->cursor(), cursor);
  EXPECT_EQ(u->ctx->report.pulled, 0);
}

// A page whose local commit fails is rolled back with its cursor, and nothing of it is told:
// the app never hears of an entry the file does not hold. The next pull resumes from the last
// committed page.
TEST_F(PullerTest, APageWhoseCommitFailsTellsNothingAndLeavesTheCursorAtThePageBefore) {
  seed_notes(8);
  auto u = unit();

  // A fresh file's first pull is a pull from 0: its first commit notes that, then one per page.
  u->commits.fail_commit(2);  // the first page
  const Status first = u->puller->pull();
  EXPECT_FALSE(first.ok());
  EXPECT_EQ(first.code(), ErrorCode::kInternal) << first.message();
  EXPECT_TRUE(u->events.empty());
  EXPECT_TRUE(u->progress.empty());
  EXPECT_EQ(u->cursor(), 0);
  EXPECT_TRUE(u->store->list(Resource::kNote)->empty());

  reset(*u);
  u->commits.fail_commit(2);  // the second page (the pull from 0 is noted already)
  const Status second = u->puller->pull();
  EXPECT_FALSE(second.ok());
  const auto pages = pages_of(*u);
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(u->cursor(), pages[0].last_mutation_at);
  ASSERT_EQ(u->events.size(), 3u);  // the first page's, none of the second's
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(u->events[i].id, "n" + std::to_string(i + 1));
  EXPECT_EQ(u->progress.size(), 1u);
  EXPECT_EQ(u->store->list(Resource::kNote)->size(), 3u);
  EXPECT_FALSE(u->get(Resource::kNote, "n4"));

  const std::int64_t resumed_from = u->cursor();
  reset(*u);
  ASSERT_OK(u->puller->pull());
  ASSERT_FALSE(u->wire->exchanges.empty());
  EXPECT_EQ(since_of(u->wire->exchanges[0]), std::to_string(resumed_from));
  ASSERT_EQ(u->events.size(), 5u);
  EXPECT_EQ(u->events.front().id, "n4");
  EXPECT_EQ(u->events.back().id, "n8");
  EXPECT_EQ(u->cursor(), head());
  EXPECT_EQ(device_records(*u->store), server_records());
}

// ---- 410 after retention ----

// The unit's cursor is before a tombstone that retention purged: the server answers 410, the
// puller pulls from 0 and then forgets the synced record the server no longer has. Local edits
// (of a synced record, and a record never pushed) are kept.
TEST_F(PullerTest, A410AfterRetentionPullsFromZeroAndForgetsWhatTheServerNoLongerHas) {
  auto b = other();
  for (const char* id : {"n-keep", "n-gone", "n-edited"}) {
    b->put(Resource::kNote, note(std::string("note ") + id), id);
  }
  sync(*b);
  auto u = unit();
  ASSERT_OK(u->puller->pull());
  const std::int64_t stale = u->cursor();
  u->put(Resource::kNote, R"({"body":"edited on the unit"})", "n-edited");
  u->put(Resource::kNote, note("written on the unit"), "n-local");

  b->remove(Resource::kNote, "n-gone");
  b->put(Resource::kNote, note("created after the delete"), "n-new");
  sync(*b);
  server_clock_.advance(91 * kDayMs);
  ASSERT_GE(purge_now(), 1);
  token_ = server_.token_for(kUser);  // the old one expired with the clock's jump
  ASSERT_OK(u->store->set_token(token_));
  reset(*u);

  ASSERT_OK(u->puller->pull());
  const auto gets = u->wire->of("GET");
  ASSERT_GE(gets.size(), 2u);
  EXPECT_EQ(since_of(gets[0]), std::to_string(stale));
  EXPECT_EQ(gets[0].status(), 410) << gets[0].text();
  EXPECT_EQ(since_of(gets[1]), "0");
  EXPECT_EQ(gets[1].status(), 200);
  EXPECT_TRUE(u->ctx->report.resynced);

  EXPECT_FALSE(u->get(Resource::kNote, "n-gone")) << "a record the server no longer has stayed";
  EXPECT_TRUE(u->get(Resource::kNote, "n-new"));
  EXPECT_TRUE(u->get(Resource::kNote, "n-keep"));
  const auto edited = u->get(Resource::kNote, "n-edited");
  ASSERT_TRUE(edited);
  EXPECT_TRUE(edited->pending);
  EXPECT_EQ(field_of(edited->data, "body"), R"("edited on the unit")");
  EXPECT_EQ(u->queue().pending_for(Resource::kNote, "n-edited")->size(), 1u);
  const auto local = u->get(Resource::kNote, "n-local");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->version, 0);
  EXPECT_TRUE(local->pending);
  EXPECT_EQ(*u->store->queue_length(), 2);
  EXPECT_EQ(u->cursor(), head());
  EXPECT_TRUE(u->events_for("n-edited").empty());  // nothing clashed: the server had not changed it
  EXPECT_EQ(u->events_for("n-new").size(), 1u);
}

// A resync cut after its first page committed (a lost network, the app killed) is still a pull
// from 0 at the next sync: the file notes it with what it has yet to bring, so it ends by
// forgetting what the server no longer has.
TEST_F(PullerTest, AResyncCutAfterItsFirstPageStillForgetsWhatTheServerNoLongerHas) {
  auto b = other();
  for (const char* id : {"n-keep", "n-gone"}) b->put(Resource::kNote, note(std::string("note ") + id), id);
  sync(*b);
  auto u = unit();
  ASSERT_OK(u->puller->pull());
  b->remove(Resource::kNote, "n-gone");
  for (int i = 1; i <= 4; ++i) {  // more than a page above the horizon
    b->put(Resource::kNote, note("created after the delete"), "n-new" + std::to_string(i));
  }
  sync(*b);
  server_clock_.advance(91 * kDayMs);
  ASSERT_GE(purge_now(), 1);
  token_ = server_.token_for(kUser);
  ASSERT_OK(u->store->set_token(token_));
  reset(*u);

  // GET 1: 410; GET 2: the resync's first page; GET 3, its second page, never reaches the server.
  u->ctx->options.max_attempts = 1;
  u->faulty->fail_request(3);
  EXPECT_FALSE(u->puller->pull().ok());
  ASSERT_EQ(u->wire->exchanges.size(), 3u);
  EXPECT_EQ(u->wire->exchanges[0].status(), 410);
  EXPECT_EQ(since_of(u->wire->exchanges[1]), "0");
  EXPECT_GT(u->cursor(), 0);  // the first page committed

  u->ctx->options.max_attempts = 6;
  reset(*u);
  ASSERT_OK(u->puller->pull());
  EXPECT_FALSE(u->get(Resource::kNote, "n-gone"))
;
  EXPECT_EQ(device_records(*u->store), server_records());
}

// The same when its pages all commit but its forgetting does not: the next pull forgets.
TEST_F(PullerTest, AResyncWhoseForgettingFailsToCommitForgetsOnTheNextPull) {
  auto b = other();
  for (const char* id : {"n-keep", "n-gone"}) b->put(Resource::kNote, note(std::string("note ") + id), id);
  sync(*b);
  auto u = unit();
  ASSERT_OK(u->puller->pull());
  b->remove(Resource::kNote, "n-gone");
  sync(*b);
  server_clock_.advance(91 * kDayMs);
  ASSERT_GE(purge_now(), 1);
  token_ = server_.token_for(kUser);
  ASSERT_OK(u->store->set_token(token_));
  reset(*u);

  // Commit 1: the cursor back to 0 after the 410; 2: the one page from 0; 3: the forgetting.
  u->commits.fail_commit(3);
  EXPECT_FALSE(u->puller->pull().ok());
  EXPECT_TRUE(u->commits.fired());
  ASSERT_EQ(pages_of(*u).size(), 1u);
  EXPECT_FALSE(pages_of(*u)[0].has_more);
  EXPECT_TRUE(u->get(Resource::kNote, "n-gone"));  // the forgetting was rolled back

  reset(*u);
  ASSERT_OK(u->puller->pull());
  EXPECT_FALSE(u->get(Resource::kNote, "n-gone"))
;
  EXPECT_EQ(device_records(*u->store), server_records());
}

// ---- Strategies ----

// The pulled change of a record with a pending local edit, settled by each strategy: the
// record, its queue, its conflict-log row and its event.

TEST_F(PullerTest, ServerWinsKeepsTheServersVersionAndDropsTheLocalEdit) {
  auto [u, b] = race(Strategy::kServerWins, kLocalBody, kOtherBody);
  ASSERT_OK(u->puller->pull());
  const auto entry = pulled_entry(*u, "n1");
  ASSERT_TRUE(entry && entry->data);

  const auto rec = u->get(Resource::kNote, "n1");
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->data, *entry->data);
  EXPECT_EQ(rec->version, entry->timestamp);
  EXPECT_FALSE(rec->pending);
  EXPECT_TRUE(u->queue().pending_for(Resource::kNote, "n1")->empty());

  const auto rows = log(*u);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].resource, Resource::kNote);
  EXPECT_EQ(rows[0].id, "n1");
  EXPECT_EQ(rows[0].strategy, Strategy::kServerWins);
  EXPECT_EQ(rows[0].outcome, Outcome::kMerged);
  EXPECT_TRUE(rows[0].resolved);
  EXPECT_EQ(rows[0].clashing_fields, std::vector<std::string>{"body"});
  EXPECT_EQ(field_of(rows[0].local, "body"), R"("the body from this device")");
  EXPECT_EQ(field_of(rows[0].server, "body"), R"("the body from the other device")");
  EXPECT_EQ(rows[0].result, *entry->data);

  ASSERT_EQ(u->events.size(), 1u);
  EXPECT_EQ(u->events[0].outcome, Outcome::kMerged);
  EXPECT_EQ(u->events[0].id, "n1");
  EXPECT_EQ(u->events[0].conflict_seq, rows[0].seq);
  EXPECT_EQ(u->events[0].reason.rfind("Server wins", 0), 0u) << u->events[0].reason;
  EXPECT_EQ(u->seen_at_events[0].conflicts, 1) << "the event was told before its row committed";
  EXPECT_EQ(u->seen_at_events[0].queued, 0);
  EXPECT_EQ(u->ctx->report.conflicts, 1);
  EXPECT_EQ(u->ctx->report.needs_user, 0);
}

TEST_F(PullerTest, ClientWinsKeepsTheLocalVersionAndQueuesItOnTheServersVersion) {
  auto [u, b] = race(Strategy::kClientWins, kLocalBody, kOtherBody);
  ASSERT_OK(u->puller->pull());
  const auto entry = pulled_entry(*u, "n1");
  ASSERT_TRUE(entry && entry->data);

  const auto stored = *u->queue().get_stored(Resource::kNote, "n1");
  ASSERT_TRUE(stored);
  EXPECT_EQ(field_of(stored->record.data, "body"), R"("the body from this device")");
  EXPECT_EQ(stored->record.version, entry->timestamp);
  EXPECT_EQ(stored->base, *entry->data);
  const auto pending = *u->queue().pending_for(Resource::kNote, "n1");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].type, MutationType::kUpdate);
  EXPECT_EQ(pending[0].base_version, entry->timestamp);
  EXPECT_EQ(pending[0].data, stored->record.data);
  EXPECT_EQ(pending[0].held, 0);

  const auto rows = log(*u);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].strategy, Strategy::kClientWins);
  EXPECT_EQ(rows[0].outcome, Outcome::kMerged);
  EXPECT_TRUE(rows[0].resolved);
  EXPECT_EQ(rows[0].clashing_fields, std::vector<std::string>{"body"});
  EXPECT_EQ(rows[0].result, stored->record.data);

  ASSERT_EQ(u->events.size(), 1u);
  EXPECT_EQ(u->events[0].outcome, Outcome::kMerged);
  EXPECT_EQ(u->events[0].conflict_seq, rows[0].seq);
  EXPECT_EQ(u->seen_at_events[0].conflicts, 1);
  EXPECT_EQ(u->ctx->report.conflicts, 1);
}

TEST_F(PullerTest, LastWriteWinsKeepsTheLocalEditWhenItIsTheLater) {
  auto [u, b] = race(Strategy::kLastWriteWins, kLocalBody, kOtherBody, /*local_later=*/true);
  ASSERT_OK(u->puller->pull());
  const auto entry = pulled_entry(*u, "n1");
  ASSERT_TRUE(entry);
  EXPECT_EQ(field_of(u->get(Resource::kNote, "n1")->data, "body"),
            R"("the body from this device")");
  const auto pending = *u->queue().pending_for(Resource::kNote, "n1");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].type, MutationType::kUpdate);
  EXPECT_EQ(pending[0].base_version, entry->timestamp);
  const auto rows = log(*u);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].strategy, Strategy::kLastWriteWins);
  EXPECT_EQ(rows[0].outcome, Outcome::kMerged);
  EXPECT_TRUE(rows[0].resolved);
  EXPECT_EQ(rows[0].reason.rfind("Last write wins: this device's edit", 0), 0u) << rows[0].reason;
  EXPECT_EQ(field_of(rows[0].result, "body"), R"("the body from this device")");
  ASSERT_EQ(u->events.size(), 1u);
  EXPECT_EQ(u->events[0].outcome, Outcome::kMerged);
  EXPECT_EQ(u->events[0].conflict_seq, rows[0].seq);
  EXPECT_EQ(u->seen_at_events[0].conflicts, 1);
}

TEST_F(PullerTest, LastWriteWinsKeepsTheServersEditWhenItIsTheLater) {
  auto [u, b] = race(Strategy::kLastWriteWins, kLocalBody, kOtherBody, /*local_later=*/false);
  ASSERT_OK(u->puller->pull());
  const auto entry = pulled_entry(*u, "n1");
  ASSERT_TRUE(entry && entry->data);
  EXPECT_EQ(u->get(Resource::kNote, "n1")->data, *entry->data);
  EXPECT_TRUE(u->queue().pending_for(Resource::kNote, "n1")->empty());
  const auto rows = log(*u);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].strategy, Strategy::kLastWriteWins);
  EXPECT_EQ(rows[0].outcome, Outcome::kMerged);
  EXPECT_EQ(rows[0].reason.rfind("Last write wins: the server's edit", 0), 0u) << rows[0].reason;
  EXPECT_EQ(rows[0].result, *entry->data);
  ASSERT_EQ(u->events.size(), 1u);
  EXPECT_EQ(u->events[0].conflict_seq, rows[0].seq);
}

// Different fields: combined, and the merge queued as an UPDATE on the server's version.
TEST_F(PullerTest, FieldMergeCombinesEditsOfDifferentFields) {
  auto [u, b] = race(Strategy::kFieldMerge, R"({"ranges":["2:1-2:5"]})", kOtherBody);
  ASSERT_OK(u->puller->pull());
  const auto entry = pulled_entry(*u, "n1");
  ASSERT_TRUE(entry && entry->data);

  const auto rec = u->get(Resource::kNote, "n1");
  ASSERT_TRUE(rec);
  EXPECT_EQ(field_of(rec->data, "body"), R"("the body from the other device")");
  EXPECT_EQ(field_of(rec->data, "ranges"), R"(["2:1-2:5"])");
  EXPECT_EQ(rec->version, entry->timestamp);
  const auto pending = *u->queue().pending_for(Resource::kNote, "n1");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].type, MutationType::kUpdate);
  EXPECT_EQ(pending[0].base_version, entry->timestamp);
  EXPECT_EQ(parse(pending[0].data), parse(rec->data));

  const auto rows = log(*u);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].strategy, Strategy::kFieldMerge);
  EXPECT_EQ(rows[0].outcome, Outcome::kMerged);
  EXPECT_TRUE(rows[0].resolved);
  EXPECT_TRUE(rows[0].clashing_fields.empty());
  EXPECT_EQ(parse(rows[0].result), parse(rec->data));
  ASSERT_EQ(u->events.size(), 1u);
  EXPECT_EQ(u->events[0].outcome, Outcome::kMerged);
  EXPECT_EQ(u->events[0].conflict_seq, rows[0].seq);
  EXPECT_EQ(u->ctx->report.conflicts, 1);
}

// The same field: the user must choose; without a resolver the edit is held.
TEST_F(PullerTest, FieldMergeOfTheSameFieldNeedsTheUserAndHoldsTheEdit) {
  auto [u, b] = race(Strategy::kFieldMerge, kLocalBody, kOtherBody);
  ASSERT_OK(u->puller->pull());
  const auto rows = log(*u);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].strategy, Strategy::kFieldMerge);
  EXPECT_EQ(rows[0].outcome, Outcome::kNeedsUser);
  EXPECT_FALSE(rows[0].resolved);
  EXPECT_EQ(rows[0].clashing_fields, std::vector<std::string>{"body"});
  EXPECT_EQ(*u->store->held_count(), 1);
  const auto pending = *u->queue().pending_for(Resource::kNote, "n1");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].held, rows[0].seq);
  ASSERT_EQ(u->events.size(), 1u);
  EXPECT_EQ(u->events[0].outcome, Outcome::kNeedsUser);
  EXPECT_EQ(u->events[0].conflict_seq, rows[0].seq);
  EXPECT_EQ(u->ctx->report.needs_user, 1);
}

// Manual, no resolver: logged unresolved, the local state kept and rebased on the server's
// version, its mutation held back from the push until the row is resolved.
TEST_F(PullerTest, ManualWithoutAResolverHoldsTheRecordsMutations) {
  auto [u, b] = race(Strategy::kManual, kLocalBody, kOtherBody);
  ASSERT_OK(u->puller->pull());
  const auto entry = pulled_entry(*u, "n1");
  ASSERT_TRUE(entry && entry->data);

  const auto rows = log(*u);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].strategy, Strategy::kManual);
  EXPECT_EQ(rows[0].outcome, Outcome::kNeedsUser);
  EXPECT_FALSE(rows[0].resolved);
  EXPECT_TRUE(rows[0].result.empty());
  EXPECT_EQ(rows[0].clashing_fields, std::vector<std::string>{"body"});
  EXPECT_EQ(field_of(rows[0].local, "body"), R"("the body from this device")");
  EXPECT_EQ(rows[0].server, *entry->data);

  const auto stored = *u->queue().get_stored(Resource::kNote, "n1");
  ASSERT_TRUE(stored);
  EXPECT_EQ(field_of(stored->record.data, "body"), R"("the body from this device")");
  EXPECT_EQ(stored->record.version, entry->timestamp);
  EXPECT_EQ(stored->base, *entry->data);
  const auto pending = *u->queue().pending_for(Resource::kNote, "n1");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].type, MutationType::kUpdate);
  EXPECT_EQ(pending[0].base_version, entry->timestamp);
  EXPECT_EQ(pending[0].held, rows[0].seq);
  EXPECT_EQ(*u->store->held_count(), 1);
  EXPECT_TRUE(u->queue().next_batch()->empty()) << "a held mutation was offered to the push";

  ASSERT_EQ(u->events.size(), 1u);
  EXPECT_EQ(u->events[0].outcome, Outcome::kNeedsUser);
  EXPECT_EQ(u->events[0].conflict_seq, rows[0].seq);
  EXPECT_EQ(u->seen_at_events[0].conflicts, 1);
  EXPECT_EQ(u->ctx->report.needs_user, 1);
  EXPECT_EQ(u->ctx->report.conflicts, 0);

  // A later write of the record waits with it.
  u->put(Resource::kNote, R"({"body":"written again while it waits"})", "n1");
  EXPECT_EQ(*u->store->held_count(), 1);
  EXPECT_TRUE(u->queue().next_batch()->empty());
}

// Manual with a resolver: its answer is queued on the server's version and the row resolved.
TEST_F(PullerTest, ManualWithAResolverQueuesItsAnswer) {
  auto [u, b] = race(Strategy::kManual, kLocalBody, kOtherBody);
  std::vector<ConflictRecord> asked;
  const std::string answer = note("the body the person chose", "1:1-1:3");
  u->ctx->resolver = [&](const ConflictRecord& c) -> std::optional<std::string> {
    asked.push_back(c);
    return answer;
  };
  ASSERT_OK(u->puller->pull());
  const auto entry = pulled_entry(*u, "n1");
  ASSERT_TRUE(entry && entry->data);

  ASSERT_EQ(asked.size(), 1u);
  EXPECT_GT(asked[0].seq, 0);
  EXPECT_EQ(asked[0].id, "n1");
  EXPECT_EQ(asked[0].clashing_fields, std::vector<std::string>{"body"});
  EXPECT_EQ(field_of(asked[0].local, "body"), R"("the body from this device")");
  EXPECT_EQ(asked[0].server, *entry->data);

  const auto rec = u->get(Resource::kNote, "n1");
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->data, answer);
  EXPECT_EQ(rec->version, entry->timestamp);
  const auto pending = *u->queue().pending_for(Resource::kNote, "n1");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].type, MutationType::kUpdate);
  EXPECT_EQ(pending[0].data, answer);
  EXPECT_EQ(pending[0].base_version, entry->timestamp);
  EXPECT_EQ(pending[0].held, 0);
  EXPECT_EQ(*u->store->held_count(), 0);
  EXPECT_EQ(u->queue().next_batch()->size(), 1u);

  const auto rows = log(*u);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].seq, asked[0].seq);
  EXPECT_TRUE(rows[0].resolved);
  EXPECT_EQ(rows[0].result, answer);
  ASSERT_EQ(u->events.size(), 1u);
  EXPECT_EQ(u->events[0].outcome, Outcome::kNeedsUser);
  EXPECT_EQ(u->events[0].conflict_seq, rows[0].seq);
  EXPECT_NE(u->events[0].reason.find("settled by the app"), std::string::npos);
  EXPECT_EQ(u->ctx->report.conflicts, 1);
  EXPECT_EQ(u->ctx->report.needs_user, 0);
}

// A settle is part of its page's transaction: when that commit fails, the conflict-log row, the
// settled queue and the event all go with it, and the cursor stays. The next pull settles it.
TEST_F(PullerTest, ASettleInAPageWhoseCommitFailsLeavesNoRowNoEventAndTheEditQueued) {
  auto [u, b] = race(Strategy::kServerWins, kLocalBody, kOtherBody);
  const std::int64_t cursor = u->cursor();
  u->commits.fail_commit(1);
  EXPECT_FALSE(u->puller->pull().ok());
  EXPECT_TRUE(u->events.empty());
  EXPECT_TRUE(log(*u).empty());
  EXPECT_EQ(u->cursor(), cursor);
  const auto pending = *u->queue().pending_for(Resource::kNote, "n1");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(field_of(u->get(Resource::kNote, "n1")->data, "body"), R"("the body from this device")");

  reset(*u);
  ASSERT_OK(u->puller->pull());
  const auto rows = log(*u);
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(u->events.size(), 1u);
  EXPECT_EQ(u->events[0].conflict_seq, rows[0].seq);
  EXPECT_TRUE(u->queue().pending_for(Resource::kNote, "n1")->empty());
}

// The manual resolver is asked inside the page's transaction (before its commit, unlike the
// events): when that commit fails, its answer is rolled back with the row it answered, and the
// next pull asks again and keeps the second answer, with one row in the log.
TEST_F(PullerTest, AResolverAnswerInAPageWhoseCommitFailsIsAskedForAgain) {
  auto [u, b] = race(Strategy::kManual, kLocalBody, kOtherBody);
  std::vector<ConflictRecord> asked;
  u->ctx->resolver = [&](const ConflictRecord& c) -> std::optional<std::string> {
    asked.push_back(c);
    return note("answer number " + std::to_string(asked.size()));
  };
  u->commits.fail_commit(1);
  EXPECT_FALSE(u->puller->pull().ok());
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_TRUE(u->events.empty());
  EXPECT_TRUE(log(*u).empty());
  EXPECT_EQ(field_of(u->get(Resource::kNote, "n1")->data, "body"), R"("the body from this device")");

  reset(*u);
  ASSERT_OK(u->puller->pull());
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_EQ(asked[1].local, asked[0].local);
  EXPECT_EQ(asked[1].server, asked[0].server);
  const auto rows = log(*u);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].seq, asked[1].seq);
  EXPECT_EQ(field_of(rows[0].result, "body"), R"("answer number 2")");
  EXPECT_EQ(field_of(u->get(Resource::kNote, "n1")->data, "body"), R"("answer number 2")");
  ASSERT_EQ(u->events.size(), 1u);
  EXPECT_EQ(u->events[0].conflict_seq, rows[0].seq);
}

// An entry the device already has (its pending edit was based on it, e.g. a resync pulling
// what the device had) clashes with nothing: no row, no event, the edit stays as it was.
TEST_F(PullerTest, AnEntryNoNewerThanTheLocalEditsBaseIsNoConflict) {
  auto b = other();
  b->put(Resource::kNote, note("the original body"), "n1");
  sync(*b);
  auto u = unit();
  ASSERT_OK(u->puller->pull());
  u->put(Resource::kNote, kLocalBody, "n1");
  ASSERT_OK(u->queue().set_cursor(0));  // pull everything again
  reset(*u);
  ASSERT_OK(u->puller->pull());
  EXPECT_TRUE(u->events.empty());
  EXPECT_TRUE(log(*u).empty());
  const auto pending = *u->queue().pending_for(Resource::kNote, "n1");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(field_of(pending[0].data, "body"), R"("the body from this device")");
}

}  // namespace
}  // namespace synclog::client
