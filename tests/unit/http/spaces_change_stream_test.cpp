// What a stream of spaces (GET /v1/spaces/events) hands the server, without sockets: the retry
// hint, a space's move, and a move of the person's feed, which ends the stream and is never
// told together with a space's move (the person may have just been removed from that space).
#include "http/spaces_change_stream.hpp"

#include <gtest/gtest.h>

#include <string>

namespace synclog::http {
namespace {

constexpr storage::UserKey kFeed = 1;
constexpr storage::UserKey kNorth = 2;
constexpr storage::UserKey kSouth = 3;
constexpr const char* kHint = "retry: 1000\n\n";

class SpacesChangeStreamTest : public ::testing::Test {
 protected:
  // A stream of the feed (its head read at 100) and of two spaces, started and greeted.
  std::unique_ptr<SpacesChangeStream> open() {
    auto s = std::make_unique<SpacesChangeStream>(
        hub_, kFeed, std::vector<SpacesChangeStream::Space>{{"north", kNorth}, {"south", kSouth}},
        SpacesChangeStream::Options{});
    s->begin(100);
    s->join(16);
    s->start([] {});
    EXPECT_EQ(s->take(), kHint);
    return s;
  }
  static std::string space_event(const std::string& id, std::int64_t head) {
    return "event: space\ndata: {\"spaceId\":\"" + id + "\",\"lastMutationAt\":" + std::to_string(head) + "}\n\n";
  }
  ChangeHub hub_;
};

TEST_F(SpacesChangeStreamTest, ASpacesMoveIsToldAndTheStreamGoesOn) {
  auto s = open();
  hub_.moved(kNorth, 500);
  hub_.moved(kSouth, 600);
  EXPECT_EQ(s->take(), space_event("north", 500) + space_event("south", 600));
  EXPECT_EQ(s->finished(), "");
}

// Regression: a space's move that came with a move of the feed (a write in the space just after
// the person's removal, while their connection was busy) went out after the feed's event, so a
// removed member heard that the space moved after they had left it.
TEST_F(SpacesChangeStreamTest, Regression_ASpacesMoveIsNotToldWithAMoveOfTheFeed) {
  auto s = open();
  hub_.moved(kFeed, 101);   // removed from north
  hub_.moved(kNorth, 700);  // a write in north after that
  EXPECT_EQ(s->take(), "event: spaces\ndata: {\"lastMutationAt\":101}\n\n");
  EXPECT_EQ(s->finished(), "spaces_changed");
  hub_.moved(kNorth, 800);
  EXPECT_EQ(s->take(), "");
}

}  // namespace
}  // namespace synclog::http
