// The per-user Pusher (src/client/pusher.hpp) on its own: an EngineContext over a device file,
// Pusher::push() and send_batch() called directly, against the real App and store in-process,
// the server's state seeded by another device of the same user (engine_units.hpp). What the file
// holds is read through SyncQueue/LocalStore (and through a second handle on the file at the
// moment a request goes out or an event is told); what the server holds, through GET /v1/sync
// and its metrics. On PostgreSQL in the ".postgres" run, like every integration test.
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
using test::engine_units::pushed_items;
using test::engine_units::Unit;
using test::fault_loop::Device;

constexpr const char* kAyatAlKursi = R"({"type":"ayah","key":2,"verseNumber":255})";

PushAnswer answer_of(const Exchange& e) {
  if (!e.response) throw std::runtime_error("no answer: " + e.error);
  auto a = parse_push_answer(e.response->body);
  if (!a.ok()) throw std::runtime_error(a.error().message + ": " + e.response->body);
  return *a;
}

std::string membership(const std::string& collection, const std::string& bookmark) {
  return R"({"collectionId":")" + collection + R"(","bookmarkId":")" + bookmark + R"("})";
}

class PusherTest : public EngineUnitTest {
 protected:
  // A fresh begin_sync() and fresh records of what the unit sent and told.
  static void reset(Unit& u) {
    u.begin();
    u.wire->exchanges.clear();
    u.events.clear();
    u.seen_at_events.clear();
    u.progress.clear();
    u.seen_at_progress.clear();
  }

  std::uint64_t counter(std::string_view name) const { return server_.counter_total(name); }
};

// ---- In flight ----

// The batch is in the file, under its key, before the request leaves: a request that never
// reaches the server leaves it in flight, exactly as it was to be sent.
TEST_F(PusherTest, ABatchIsStoredInFlightBeforeItIsSentAndStaysWhenTheRequestFails) {
  auto u = unit("unit", /*attempts=*/1);
  ASSERT_OK(u->puller->pull());
  u->put(Resource::kNote, note("the first note"), "n1");
  u->put(Resource::kNote, note("the second note"), "n2");
  const std::int64_t server_head = head();
  std::optional<InflightBatch> at_send;
  u->wire->before_send = [&](const HttpRequest& r) {
    if (r.method != "POST") return;
    auto b = u->observer->inflight_batch();  // committed state only
    if (b.ok()) at_send = *b;
  };
  reset(*u);
  u->faulty->fail_request(1);

  const Status pushed = u->pusher->push();
  EXPECT_FALSE(pushed.ok());
  EXPECT_EQ(pushed.code(), ErrorCode::kUnavailable) << pushed.message();
  const auto posts = u->wire->of("POST");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_FALSE(posts[0].response.has_value());
  const std::string key = posts[0].header("idempotency-key");
  EXPECT_FALSE(key.empty());

  ASSERT_TRUE(at_send.has_value()) << "the batch was not committed in flight when it was sent";
  EXPECT_EQ(at_send->key, key);
  EXPECT_EQ(at_send->body, posts[0].request.body);
  EXPECT_EQ(at_send->target, posts[0].request.target);

  const auto inflight = *u->queue().inflight_batch();
  ASSERT_TRUE(inflight.has_value());
  EXPECT_EQ(inflight->key, key);
  EXPECT_EQ(inflight->body, posts[0].request.body);
  EXPECT_EQ(inflight->target, posts[0].request.target);
  ASSERT_EQ(inflight->mutations.size(), 2u);
  EXPECT_EQ(inflight->mutations[0].id, "n1");
  EXPECT_EQ(inflight->mutations[1].id, "n2");
  for (const auto& m : inflight->mutations) EXPECT_EQ(m.batch, key);
  EXPECT_EQ(*u->store->queue_length(), 2);
  EXPECT_EQ(u->queue().next_batch().error().code, ErrorCode::kPreconditionFailed);

  EXPECT_TRUE(u->events.empty());
  EXPECT_EQ(u->ctx->report.batches, 0);
  EXPECT_EQ(head(), server_head);
  EXPECT_TRUE(server_records().empty());
}

// The answer to the batch is lost after the server applied it: the batch stays in flight, and
// send_batch() sends it again byte for byte under its key. The server replays its answer: the
// head does not move twice and nothing is applied twice.
TEST_F(PusherTest, ABatchInFlightIsResentByteForByteAndTheServerReplaysIt) {
  auto u = unit("unit", /*attempts=*/1);
  ASSERT_OK(u->puller->pull());
  u->put(Resource::kNote, note("the first note"), "n1");
  u->put(Resource::kNote, note("the second note"), "n2");
  reset(*u);
  const auto mutations = counter("synclog_mutations_total");
  const auto pushes = counter("synclog_pushes_total");
  const auto replays = counter("synclog_idempotent_replays_total");
  u->faulty->lose_answer(1);

  EXPECT_FALSE(u->pusher->push().ok());
  const std::int64_t applied_head = head();
  EXPECT_EQ(server_records().size(), 2u);  // applied, though the device never heard
  EXPECT_EQ(counter("synclog_mutations_total") - mutations, 2u);
  const auto inflight = *u->queue().inflight_batch();
  ASSERT_TRUE(inflight.has_value());

  auto sent = u->pusher->send_batch(*inflight);
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_EQ(*sent, BatchOutcome::kAcked);
  const auto posts = u->wire->of("POST");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[1].header("idempotency-key"), posts[0].header("idempotency-key"));
  EXPECT_EQ(posts[1].request.target, posts[0].request.target);
  EXPECT_EQ(posts[1].request.body, posts[0].request.body);
  ASSERT_EQ(posts[1].status(), 200);
  EXPECT_EQ(posts[1].response->header("idempotent-replayed"), "true");

  EXPECT_EQ(head(), applied_head) << "the server applied the batch twice";
  EXPECT_EQ(counter("synclog_mutations_total") - mutations, 2u);
  EXPECT_EQ(counter("synclog_pushes_total") - pushes, 1u);
  EXPECT_EQ(counter("synclog_idempotent_replays_total") - replays, 1u);

  // Settled by the replayed acks.
  const PushAnswer answer = answer_of(posts[1]);
  EXPECT_EQ(answer.last_mutation_at, applied_head);
  EXPECT_EQ(u->ctx->push_head, applied_head);
  EXPECT_FALSE(u->queue().inflight_batch()->has_value());
  EXPECT_EQ(*u->store->queue_length(), 0);
  ASSERT_EQ(answer.acks.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto stored = *u->queue().get_stored(Resource::kNote, inflight->mutations[i].id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->record.version, answer.acks[i].timestamp);
    EXPECT_EQ(stored->base, inflight->mutations[i].data);
  }
  ASSERT_EQ(u->events.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(u->events[i].outcome, Outcome::kSynced);
    EXPECT_EQ(u->events[i].reason, "pushed to the server");
    EXPECT_EQ(u->seen_at_events[i].queued, 0) << "told before the acks were committed";
  }
}

// The same within one call: a lost answer is retried with the same request, and replayed.
TEST_F(PusherTest, ALostAnswerIsRetriedWithTheSameRequestWithinTheCall) {
  auto u = unit();
  ASSERT_OK(u->puller->pull());
  u->put(Resource::kNote, note("the only note"), "n1");
  reset(*u);
  const auto mutations = counter("synclog_mutations_total");
  u->faulty->lose_answer(1);
  ASSERT_OK(u->pusher->push());
  const auto posts = u->wire->of("POST");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[1].header("idempotency-key"), posts[0].header("idempotency-key"));
  EXPECT_EQ(posts[1].request.body, posts[0].request.body);
  EXPECT_EQ(posts[1].response->header("idempotent-replayed"), "true");
  EXPECT_EQ(counter("synclog_mutations_total") - mutations, 1u);
  EXPECT_EQ(u->ctx->report.retries, 1);
  EXPECT_EQ(u->ctx->report.batches, 1);
  EXPECT_EQ(*u->store->queue_length(), 0);
}

// ---- Acks ----

// Each applied ack settles its mutation: the record takes the ack's timestamp as its version and
// the pushed data as its base; the cursor waits for the pull after the push; the next batch
// would chain on the answer's head. The events are told once that is committed.
TEST_F(PusherTest, AcksSettleTheirMutationsAndLeaveTheCursorForThePull) {
  auto u = unit();
  ASSERT_OK(u->puller->pull());
  const std::int64_t cursor = u->cursor();
  u->put(Resource::kCollection, R"({"name":"Duas"})", "c1");
  u->put(Resource::kReadingSession, R"({"chapterNumber":18,"verseNumber":10})", "r1");
  reset(*u);
  ASSERT_OK(u->pusher->push());

  const auto posts = u->wire->of("POST");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_NE(posts[0].request.target.find("conflictMode=field"), std::string::npos);
  EXPECT_NE(posts[0].request.target.find("lastMutationAt=" + std::to_string(cursor)),
            std::string::npos)
      << posts[0].request.target;
  const PushAnswer answer = answer_of(posts[0]);
  EXPECT_TRUE(answer.has_outcomes);
  EXPECT_EQ(*u->queue().server_field_mode(), std::optional<bool>(true));
  EXPECT_EQ(u->ctx->push_head, answer.last_mutation_at);
  EXPECT_EQ(u->cursor(), cursor);
  EXPECT_EQ(answer.last_mutation_at, head());
  ASSERT_EQ(answer.acks.size(), 2u);
  const char* ids[] = {"c1", "r1"};
  const Resource types[] = {Resource::kCollection, Resource::kReadingSession};
  for (std::size_t i = 0; i < 2; ++i) {
    const auto stored = *u->queue().get_stored(types[i], ids[i]);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->record.version, answer.acks[i].timestamp) << ids[i];
    EXPECT_EQ(stored->base, stored->record.data) << ids[i];
    EXPECT_FALSE(stored->record.pending);
  }
  EXPECT_EQ(u->ctx->report.pushed, 2);
  EXPECT_EQ(u->ctx->report.batches, 1);
  ASSERT_EQ(u->progress.size(), 1u);
  EXPECT_EQ(u->progress[0].phase, SyncProgress::Phase::kPush);
  EXPECT_EQ(u->progress[0].batches_pushed, 1);
  EXPECT_EQ(u->progress[0].mutations_pushed, 2);
  EXPECT_EQ(u->progress[0].queued, 0);
  ASSERT_EQ(u->events.size(), 2u);
  for (const auto& seen : u->seen_at_events) EXPECT_EQ(seen.queued, 0);
}

// ---- Order and batches ----

// Dependencies first, whatever order they were written in: membership deletes, then
// collections and bookmarks, then membership creates, then notes and reading sessions.
TEST_F(PusherTest, DependenciesGoFirstACollectionBeforeItsMemberships) {
  auto b = other();
  b->put(Resource::kCollection, R"({"name":"Old collection"})", "c-old");
  b->put(Resource::kBookmark, kAyatAlKursi, "b1");
  sync(*b);
  b->put(Resource::kCollectionBookmark, membership("c-old", "b1"), "c-old-b1");
  sync(*b);
  auto u = unit();
  ASSERT_OK(u->puller->pull());
  ASSERT_TRUE(u->get(Resource::kCollectionBookmark, "c-old-b1"));

  // Written in the worst order: the membership before its collection, the delete last.
  u->put(Resource::kCollectionBookmark, membership("c-new", "b1"), "c-new-b1");
  u->put(Resource::kNote, note("a note written between"), "n1");
  u->put(Resource::kCollection, R"({"name":"New collection"})", "c-new");
  ASSERT_OK(u->store->remove(Resource::kCollectionBookmark, "c-old-b1"));
  reset(*u);
  ASSERT_OK(u->pusher->push());

  const auto posts = u->wire->of("POST");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].status(), 200) << posts[0].text();
  EXPECT_EQ(pushed_items(posts[0].request.body),
            (std::vector<std::string>{"COLLECTION_BOOKMARK/c-old-b1 DELETE",
                                      "COLLECTION/c-new CREATE",
                                      "COLLECTION_BOOKMARK/c-new-b1 CREATE", "NOTE/n1 CREATE"}));
  EXPECT_EQ(*u->store->queue_length(), 0);
  const auto server = server_records();
  EXPECT_TRUE(server.count("COLLECTION_BOOKMARK/c-new-b1"));
  EXPECT_FALSE(server.count("COLLECTION_BOOKMARK/c-old-b1"));
  EXPECT_TRUE(server.count("COLLECTION/c-new"));
  EXPECT_TRUE(server.count("NOTE/n1"));
}

// A membership naming a bookmark created in the same push waits for the next batch (the server
// may answer the bookmark with another id), and that batch chains on the first one's head: in
// strict mode, where any other head is a 409, neither batch meets one.
TEST_F(PusherTest, PushHeadChainsTheNextBatchOnTheLastAnswersHead) {
  auto u = unit("unit", 6, /*field_mode=*/false);
  ASSERT_OK(u->puller->pull());
  const std::int64_t cursor = u->cursor();
  u->put(Resource::kCollection, R"({"name":"Made here"})", "c1");
  u->put(Resource::kBookmark, R"({"type":"ayah","key":36,"verseNumber":1})", "b-new");
  u->put(Resource::kCollectionBookmark, membership("c1", "b-new"), "c1-b-new");
  reset(*u);
  ASSERT_OK(u->pusher->push());

  const auto posts = u->wire->of("POST");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(pushed_items(posts[0].request.body),
            (std::vector<std::string>{"COLLECTION/c1 CREATE", "BOOKMARK/b-new CREATE"}));
  EXPECT_EQ(pushed_items(posts[1].request.body),
            std::vector<std::string>{"COLLECTION_BOOKMARK/c1-b-new CREATE"});
  ASSERT_EQ(posts[0].status(), 200) << posts[0].text();
  ASSERT_EQ(posts[1].status(), 200) << posts[1].text();
  EXPECT_EQ(posts[0].request.target, "/v1/sync?lastMutationAt=" + std::to_string(cursor));
  const PushAnswer first = answer_of(posts[0]);
  const PushAnswer second = answer_of(posts[1]);
  EXPECT_EQ(posts[1].request.target,
            "/v1/sync?lastMutationAt=" + std::to_string(first.last_mutation_at));
  EXPECT_EQ(u->ctx->push_head, second.last_mutation_at);
  EXPECT_EQ(second.last_mutation_at, head());
  EXPECT_TRUE(u->wire->of("GET").empty());
  EXPECT_EQ(u->ctx->report.out_of_sync, 0);
  EXPECT_EQ(u->ctx->report.batches, 2);
  EXPECT_EQ(u->cursor(), cursor);  // the pull after the push moves it
  EXPECT_TRUE(server_records().count("COLLECTION_BOOKMARK/c1-b-new"));
}

// More than 100 mutations: batches of 100, 100 and 30, each chained on the one before, each
// reported as progress.
TEST_F(PusherTest, BatchesOverAHundredMutationsAreSplit) {
  auto u = unit();
  ASSERT_OK(u->puller->pull());
  for (int i = 0; i < 230; ++i) {
    u->put(Resource::kNote, note("note number " + std::to_string(i)), "n" + std::to_string(1000 + i));
  }
  reset(*u);
  ASSERT_OK(u->pusher->push());

  const auto posts = u->wire->of("POST");
  ASSERT_EQ(posts.size(), 3u);
  const std::size_t sizes[] = {100, 100, 30};
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(posts[i].status(), 200) << posts[i].text();
    const auto items = pushed_items(posts[i].request.body);
    EXPECT_EQ(items.size(), sizes[i]);
    EXPECT_EQ(items.front(), "NOTE/n" + std::to_string(1000 + 100 * i) + " CREATE");
    if (i > 0) {
      EXPECT_NE(posts[i].request.target.find(
                    "lastMutationAt=" + std::to_string(answer_of(posts[i - 1]).last_mutation_at)),
                std::string::npos)
          << posts[i].request.target;
    }
  }
  EXPECT_EQ(u->ctx->report.batches, 3);
  EXPECT_EQ(u->ctx->report.pushed, 230);
  ASSERT_EQ(u->progress.size(), 3u);
  const std::int64_t pushed[] = {100, 200, 230};
  const std::int64_t queued[] = {130, 30, 0};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(u->progress[i].batches_pushed, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(u->progress[i].mutations_pushed, pushed[i]);
    EXPECT_EQ(u->progress[i].queued, queued[i]);
    EXPECT_EQ(u->seen_at_progress[i].queued, queued[i]);
  }
  EXPECT_EQ(*u->store->queue_length(), 0);
  EXPECT_EQ(server_records().size(), 230u);
}

// ---- Refusals, 409 and conflicts ----

// A membership into a collection the server deleted (the device pulled the deletion, so its
// base is past it): the server refuses the whole batch naming it; it leaves the queue for the
// conflict log with its data, and the rest of the batch goes in the next request.
TEST_F(PusherTest, ARefusedMutationLeavesTheQueueForTheConflictLogAndTheRestGoes) {
  auto b = other();
  b->put(Resource::kCollection, R"({"name":"Soon gone"})", "c-gone");
  b->put(Resource::kBookmark, kAyatAlKursi, "b1");
  sync(*b);
  auto u = unit();
  ASSERT_OK(u->puller->pull());
  b->remove(Resource::kCollection, "c-gone");
  sync(*b);
  ASSERT_OK(u->puller->pull());
  ASSERT_FALSE(u->get(Resource::kCollection, "c-gone"));
  u->put(Resource::kCollectionBookmark, membership("c-gone", "b1"), "c-gone-b1");
  u->put(Resource::kNote, note("this one goes through"), "n1");
  reset(*u);
  ASSERT_OK(u->pusher->push());

  const auto posts = u->wire->of("POST");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(pushed_items(posts[0].request.body),
            (std::vector<std::string>{"COLLECTION_BOOKMARK/c-gone-b1 CREATE", "NOTE/n1 CREATE"}));
  EXPECT_EQ(posts[0].status(), 422) << posts[0].text();
  EXPECT_NE(posts[0].text().find("mutation[0]"), std::string::npos);
  EXPECT_EQ(pushed_items(posts[1].request.body), std::vector<std::string>{"NOTE/n1 CREATE"});
  EXPECT_EQ(posts[1].status(), 200);
  EXPECT_NE(posts[1].header("idempotency-key"), posts[0].header("idempotency-key"));

  EXPECT_EQ(*u->store->queue_length(), 0);
  EXPECT_FALSE(u->queue().inflight_batch()->has_value());
  EXPECT_FALSE(u->get(Resource::kCollectionBookmark, "c-gone-b1"));  // never on the server
  const auto rows = *u->store->conflicts();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].resource, Resource::kCollectionBookmark);
  EXPECT_EQ(rows[0].id, "c-gone-b1");
  EXPECT_EQ(rows[0].outcome, Outcome::kNeedsUser);
  EXPECT_FALSE(rows[0].resolved);
  EXPECT_EQ(field_of(rows[0].local, "collectionId"), R"("c-gone")");
  EXPECT_EQ(field_of(rows[0].local, "bookmarkId"), R"("b1")");
  EXPECT_EQ(rows[0].server, "null");
  EXPECT_NE(rows[0].reason.find("refused"), std::string::npos) << rows[0].reason;

  const auto refused = u->events_for("c-gone-b1");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].outcome, Outcome::kNeedsUser);
  EXPECT_EQ(refused[0].conflict_seq, rows[0].seq);
  const auto went = u->events_for("n1");
  ASSERT_EQ(went.size(), 1u);
  EXPECT_EQ(went[0].outcome, Outcome::kSynced);
  EXPECT_EQ(u->ctx->report.needs_user, 1);
  EXPECT_EQ(u->ctx->report.pushed, 1);
  EXPECT_EQ(u->ctx->report.batches, 1);

  const auto server = server_records();
  EXPECT_TRUE(server.count("NOTE/n1"));
  EXPECT_FALSE(server.count("COLLECTION_BOOKMARK/c-gone-b1"));
}

// The same membership when the device had not pulled the deletion: in field mode the server
// reports it as a conflict (the rest applied), the puller brings the deletion, and the next
// batch is refused.
TEST_F(PusherTest, AConflictAckWaitsForThePullAndTheRetryIsRefused) {
  auto b = other();
  b->put(Resource::kCollection, R"({"name":"Soon gone"})", "c-gone");
  b->put(Resource::kBookmark, kAyatAlKursi, "b1");
  sync(*b);
  auto u = unit();
  ASSERT_OK(u->puller->pull());
  b->remove(Resource::kCollection, "c-gone");
  sync(*b);
  u->put(Resource::kCollectionBookmark, membership("c-gone", "b1"), "c-gone-b1");
  u->put(Resource::kNote, note("this one goes through"), "n1");
  reset(*u);
  ASSERT_OK(u->pusher->push());

  std::vector<std::string> sequence;
  for (const auto& e : u->wire->exchanges) {
    sequence.push_back(e.request.method + " " + std::to_string(e.status()));
  }
  EXPECT_EQ(sequence, (std::vector<std::string>{"POST 200", "GET 200", "POST 422"}));
  const auto posts = u->wire->of("POST");
  ASSERT_EQ(posts.size(), 2u);
  const PushAnswer first = answer_of(posts[0]);
  ASSERT_EQ(first.acks.size(), 2u);
  EXPECT_EQ(first.acks[0].outcome, AckOutcome::kConflict);
  EXPECT_EQ(first.acks[1].outcome, AckOutcome::kApplied);
  EXPECT_EQ(pushed_items(posts[1].request.body),
            std::vector<std::string>{"COLLECTION_BOOKMARK/c-gone-b1 CREATE"});
  EXPECT_EQ(u->ctx->report.server_conflicts, 1);
  EXPECT_EQ(u->ctx->report.needs_user, 1);
  EXPECT_EQ(*u->store->queue_length(), 0);
  EXPECT_FALSE(u->get(Resource::kCollection, "c-gone"));
  EXPECT_EQ(u->store->conflicts()->size(), 1u);
}

// A field-mode conflict on a note: the batch is acked with that mutation queued again, the
// puller's settle (server wins, the default) drops it, and nothing more is pushed.
TEST_F(PusherTest, AConflictAckIsSettledByThePullThatFollows) {
  auto b = other();
  b->put(Resource::kNote, note("the original body"), "n1");
  sync(*b);
  auto u = unit();
  ASSERT_OK(u->puller->pull());
  u->put(Resource::kNote, R"({"body":"the body from this device"})", "n1");
  b->put(Resource::kNote, R"({"body":"the body from the other device"})", "n1");
  sync(*b);
  reset(*u);
  ASSERT_OK(u->pusher->push());

  const auto posts = u->wire->of("POST");
  ASSERT_EQ(posts.size(), 1u);
  const PushAnswer answer = answer_of(posts[0]);
  ASSERT_EQ(answer.acks.size(), 1u);
  EXPECT_EQ(answer.acks[0].outcome, AckOutcome::kConflict);
  EXPECT_EQ(u->wire->of("GET").size(), 1u);
  EXPECT_EQ(u->ctx->report.server_conflicts, 1);
  EXPECT_EQ(u->ctx->report.conflicts, 1);
  EXPECT_EQ(u->ctx->report.pushed, 0);
  EXPECT_EQ(*u->store->queue_length(), 0);
  EXPECT_EQ(field_of(u->get(Resource::kNote, "n1")->data, "body"),
            R"("the body from the other device")");
  const auto events = u->events_for("n1");
  ASSERT_EQ(events.size(), 1u);  // the settle's; a conflict ack is no event by itself
  EXPECT_EQ(events[0].outcome, Outcome::kMerged);
}

// Strict mode: another device pushed after this one pulled, so the push is a 409. The batch is
// released (nothing of it was applied), the puller brings the other device's entry, and the
// mutation goes again on the new head, under a new key.
TEST_F(PusherTest, A409InStrictModePullsAndPushesAgain) {
  auto b = other();
  b->put(Resource::kNote, note("the other device's first"), "n-b1");
  sync(*b);
  auto u = unit("unit", 6, /*field_mode=*/false);
  ASSERT_OK(u->puller->pull());
  const std::int64_t cursor = u->cursor();
  b->put(Resource::kNote, note("the other device's second"), "n-b2");
  sync(*b);
  u->put(Resource::kNote, note("written on the unit"), "n-u");
  reset(*u);
  ASSERT_OK(u->pusher->push());

  const auto& ex = u->wire->exchanges;
  ASSERT_EQ(ex.size(), 3u);
  EXPECT_EQ(ex[0].request.method, "POST");
  EXPECT_EQ(ex[0].status(), 409);
  EXPECT_EQ(ex[0].request.target, "/v1/sync?lastMutationAt=" + std::to_string(cursor));
  EXPECT_EQ(ex[1].request.method, "GET");
  EXPECT_EQ(ex[1].status(), 200);
  EXPECT_EQ(ex[2].request.method, "POST");
  EXPECT_EQ(ex[2].status(), 200);
  EXPECT_EQ(ex[2].request.target, "/v1/sync?lastMutationAt=" + std::to_string(u->cursor()));
  EXPECT_NE(ex[2].header("idempotency-key"), ex[0].header("idempotency-key"));
  EXPECT_EQ(ex[2].request.body, ex[0].request.body);

  EXPECT_EQ(u->ctx->report.out_of_sync, 1);
  EXPECT_EQ(u->ctx->report.pulled, 1);
  EXPECT_EQ(u->ctx->report.pushed, 1);
  EXPECT_TRUE(u->get(Resource::kNote, "n-b2"));
  EXPECT_EQ(*u->store->queue_length(), 0);
  EXPECT_FALSE(u->queue().inflight_batch()->has_value());
  EXPECT_TRUE(server_records().count("NOTE/n-u"));
}

// ---- Adoption ----

// A bookmark created here that the server already had (same details, created by another device
// meanwhile): the server acks its own id, the device re-keys the record to it, and the
// membership queued for the local id follows in the next batch under the server's id.
TEST_F(PusherTest, ABookmarkTheServerAlreadyHadIsAdoptedAndItsMembershipFollows) {
  auto b = other();
  auto u = unit();
  ASSERT_OK(u->puller->pull());
  b->put(Resource::kBookmark, kAyatAlKursi, "b-server");
  sync(*b);
  u->put(Resource::kCollection, R"({"name":"Mine"})", "c1");
  u->put(Resource::kBookmark, kAyatAlKursi, "b-local");
  u->put(Resource::kCollectionBookmark, membership("c1", "b-local"), "c1-b-local");
  reset(*u);
  ASSERT_OK(u->pusher->push());

  const auto posts = u->wire->of("POST");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(pushed_items(posts[0].request.body),
            (std::vector<std::string>{"COLLECTION/c1 CREATE", "BOOKMARK/b-local CREATE"}));
  const PushAnswer first = answer_of(posts[0]);
  ASSERT_EQ(first.acks.size(), 2u);
  EXPECT_EQ(first.acks[1].resource_id, "b-server");
  EXPECT_EQ(pushed_items(posts[1].request.body),
            std::vector<std::string>{"COLLECTION_BOOKMARK/c1-b-server CREATE"});
  EXPECT_EQ(posts[1].status(), 200) << posts[1].text();

  EXPECT_FALSE(u->get(Resource::kBookmark, "b-local"));
  const auto adopted = u->get(Resource::kBookmark, "b-server");
  ASSERT_TRUE(adopted);
  EXPECT_EQ(adopted->version, first.acks[1].timestamp);
  EXPECT_FALSE(u->get(Resource::kCollectionBookmark, "c1-b-local"));
  EXPECT_TRUE(u->get(Resource::kCollectionBookmark, "c1-b-server"));
  const auto rows = *u->store->conflicts();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].resource, Resource::kBookmark);
  EXPECT_EQ(rows[0].id, "b-local");
  EXPECT_EQ(rows[0].outcome, Outcome::kMerged);
  EXPECT_TRUE(rows[0].resolved);
  const auto events = u->events_for("b-server");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].outcome, Outcome::kMerged);
  EXPECT_EQ(events[0].conflict_seq, rows[0].seq);
  EXPECT_TRUE(u->events_for("b-local").empty());
  EXPECT_EQ(*u->store->queue_length(), 0);
  EXPECT_TRUE(server_records().count("COLLECTION_BOOKMARK/c1-b-server"));
}

// The acks and the adoption of a bookmark the server matched commit together: when that commit
// fails (the app killed), the batch is still in flight, and the next pull and push bring the
// device to the server's state (no bookmark left under its local id).
TEST_F(PusherTest, AnAdoptionWhoseCommitFailsIsRecoveredByTheNextPullAndPush) {
  auto b = other();
  auto u = unit();
  ASSERT_OK(u->puller->pull());
  b->put(Resource::kBookmark, kAyatAlKursi, "b-server");
  sync(*b);
  u->put(Resource::kCollection, R"({"name":"Mine"})", "c1");
  u->put(Resource::kBookmark, kAyatAlKursi, "b-local");
  u->put(Resource::kCollectionBookmark, membership("c1", "b-local"), "c1-b-local");
  reset(*u);
  // After the first POST: commit 1 records the server's field mode, 2 settles the acks and the
  // adoption together.
  bool armed = false;
  u->wire->before_send = [&](const HttpRequest& r) {
    if (r.method == "POST" && !armed) {
      armed = true;
      u->commits.fail_commit(2);
    }
  };
  EXPECT_FALSE(u->pusher->push().ok());
  ASSERT_TRUE(u->commits.fired());
  // Nothing of the answer was kept: the batch is still in flight, the bookmark still queued.
  const auto inflight = u->queue().inflight_batch();
  ASSERT_TRUE(inflight.ok() && inflight->has_value());
  const auto left = u->get(Resource::kBookmark, "b-local");
  ASSERT_TRUE(left);
  EXPECT_TRUE(left->pending);

  // What the next sync() does: the batch in flight first (the server replays its answer), then
  // pull, push, pull.
  u->wire->before_send = nullptr;
  reset(*u);
  ASSERT_TRUE(u->pusher->send_batch(**inflight).ok());
  ASSERT_OK(u->puller->pull());
  ASSERT_OK(u->pusher->push());
  ASSERT_OK(u->puller->pull());
  EXPECT_FALSE(u->get(Resource::kBookmark, "b-local"));
  EXPECT_EQ(device_records(*u->store), server_records());
  EXPECT_TRUE(u->store->conflicts(/*unresolved_only=*/true)->empty());
}

}  // namespace
}  // namespace synclog::client
