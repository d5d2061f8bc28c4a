// The Server-Sent Events reader (src/client/sse_parser.hpp): the WHATWG rules for lines, fields
// and dispatch, pieces split anywhere, and the limits that keep a hostile stream bounded.
#include "client/sse_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace synclog::client {
namespace {

using std::chrono::milliseconds;

std::vector<SseEvent> parse(SseParser& p, std::string_view bytes) {
  std::vector<SseEvent> out;
  const Status s = p.feed(bytes, &out);
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

std::vector<SseEvent> parse(std::string_view bytes) {
  SseParser p;
  return parse(p, bytes);
}

TEST(SseParserTest, TheChangeStreamsHeadEventAndHeartbeat) {
  SseParser p;
  const auto events = parse(p,
                            "retry: 3000\n\n"
                            "id: 1700000000123\nevent: head\ndata: {\"lastMutationAt\":1700000000123}\n\n"
                            ": heartbeat\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "head");
  EXPECT_EQ(events[0].data, R"({"lastMutationAt":1700000000123})");
  EXPECT_EQ(events[0].id, "1700000000123");
  EXPECT_EQ(p.retry(), milliseconds(3000));
  EXPECT_EQ(p.last_event_id(), "1700000000123");
  EXPECT_EQ(p.comments(), 1);
}

TEST(SseParserTest, LinesEndInLfCrlfOrCrAlike) {
  for (const std::string eol : {"\n", "\r\n", "\r"}) {
    const auto events = parse("event: a" + eol + "data: 1" + eol + eol + "data: 2" + eol + eol);
    ASSERT_EQ(events.size(), 2u) << "line end " << static_cast<int>(eol.back());
    EXPECT_EQ(events[0].type, "a");
    EXPECT_EQ(events[0].data, "1");
    EXPECT_EQ(events[1].type, "message");
    EXPECT_EQ(events[1].data, "2");
  }
}

TEST(SseParserTest, EveryWayOfSplittingTheBytesGivesTheSameEvents) {
  const std::string stream =
      "\xEF\xBB\xBF: hello\r\nid: 7\r\nevent: head\r\ndata: x\r\ndata:y\r\n\r\n"
      "data\rretry: 10\r\r";
  const auto whole = parse(stream);
  ASSERT_EQ(whole.size(), 2u);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    for (std::size_t cut2 = cut; cut2 <= stream.size(); cut2 += 3) {
      SseParser p;
      std::vector<SseEvent> events;
      ASSERT_TRUE(p.feed(std::string_view(stream).substr(0, cut), &events).ok());
      ASSERT_TRUE(p.feed(std::string_view(stream).substr(cut, cut2 - cut), &events).ok());
      ASSERT_TRUE(p.feed(std::string_view(stream).substr(cut2), &events).ok());
      ASSERT_EQ(events.size(), 2u) << "cut at " << cut << " and " << cut2;
      EXPECT_EQ(events[0].data, "x\ny");
      EXPECT_EQ(events[0].type, "head");
      EXPECT_EQ(events[0].id, "7");
      EXPECT_EQ(events[1].data, "");
      EXPECT_EQ(events[1].id, "7");
      EXPECT_EQ(p.retry(), milliseconds(10));
      EXPECT_EQ(p.comments(), 1);
    }
  }
}

TEST(SseParserTest, ACrlfSplitBetweenPiecesIsOneLineEnd) {
  SseParser p;
  std::vector<SseEvent> events;
  ASSERT_TRUE(p.feed("data: a\r", &events).ok());
  ASSERT_TRUE(p.feed("\n", &events).ok());
  EXPECT_TRUE(events.empty());  // a blank line here would have dispatched "a"
  ASSERT_TRUE(p.feed("\r\n", &events).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a");
}

TEST(SseParserTest, FieldsFollowTheSpec) {
  // One space after the colon is dropped, not two; a line without a colon is a field with an
  // empty value; unknown fields and comments are ignored; an empty `data` still dispatches.
  const auto events = parse(
      "data:  two spaces\nfoo: bar\n: comment\ndata\n\n"
      "event: only-a-type\n\n"   // no data: nothing dispatched, and the type is forgotten
      "data: after\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, " two spaces\n");
  EXPECT_EQ(events[0].type, "message");
  EXPECT_EQ(events[1].type, "message");
  EXPECT_EQ(events[1].data, "after");
}

TEST(SseParserTest, TheLastEventIdPersistsUntilChangedAndAnIdWithNulIsIgnored) {
  SseParser p;
  auto events = parse(p, "id: 5\ndata: a\n\ndata: b\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].id, "5");
  events = parse(p, std::string("id: 6\0x\ndata: c\n\n", 17));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, "5");
  events = parse(p, "id\ndata: d\n\n");  // an empty id resets it
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, "");
  EXPECT_EQ(p.last_event_id(), "");
  // The ID counts from the blank line on, even without data.
  parse(p, "id: 9\n\n");
  EXPECT_EQ(p.last_event_id(), "9");
}

TEST(SseParserTest, RetryTakesOnlyAsciiDigits) {
  SseParser p;
  parse(p, "retry: 250\n");
  EXPECT_EQ(p.retry(), milliseconds(250));
  for (const char* bad : {"retry: -1\n", "retry: 1.5\n", "retry: 12a\n", "retry:\n",
                          "retry: 99999999999999999999999\n", "retry:  5\n"}) {
    parse(p, bad);
    EXPECT_EQ(p.retry(), milliseconds(250)) << bad;
  }
}

TEST(SseParserTest, AnEventCutOffByTheEndOfTheStreamIsNeverDispatched) {
  EXPECT_TRUE(parse("id: 1\nevent: head\ndata: {}\n").empty());
  EXPECT_TRUE(parse("data: {}").empty());
}

TEST(SseParserTest, ALineOverTheLimitIsAFinalError) {
  SseParser p(16);
  std::vector<SseEvent> events;
  ASSERT_TRUE(p.feed("data: ok\n\n", &events).ok());
  ASSERT_EQ(events.size(), 1u);
  // Without a line end, the bytes arrive in pieces: the limit holds across them.
  ASSERT_TRUE(p.feed("data: 0123456", &events).ok());
  const Status s = p.feed("789abcdef", &events);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kInternal);
  EXPECT_NE(s.message().find("longer than 16"), std::string::npos) << s.message();
  EXPECT_FALSE(p.feed("\n\n", &events).ok());
  EXPECT_EQ(events.size(), 1u);
}

TEST(SseParserTest, AnEventsDataOverTheLimitIsAnErrorEvenInShortLines) {
  SseParser p(16);
  std::vector<SseEvent> events;
  const Status s = p.feed("data: 12345\ndata: 12345\ndata: 12345\n", &events);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("data"), std::string::npos) << s.message();
}

TEST(SseParserTest, EventsBeforeAnErrorInTheSamePieceAreKept) {
  SseParser p(32);
  std::vector<SseEvent> events;
  const Status s = p.feed("data: first\n\n" + std::string(100, 'x'), &events);
  EXPECT_FALSE(s.ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "first");
}

TEST(SseParserTest, GarbageWithoutLineEndsIsBoundedNotBuffered) {
  SseParser p;
  std::vector<SseEvent> events;
  const std::string junk(8 * 1024, '\x7f');
  Status s;
  std::size_t fed = 0;
  while (s.ok() && fed < 1024 * 1024) {
    s = p.feed(junk, &events);
    fed += junk.size();
  }
  EXPECT_FALSE(s.ok());
  EXPECT_LE(fed, kMaxSseLineBytes + junk.size());
  EXPECT_TRUE(events.empty());
}

TEST(SseParserTest, BinaryGarbageWithLineEndsDispatchesNothingAndDoesNotFail) {
  SseParser p;
  std::vector<SseEvent> events;
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 7919) % 251 + 1));
  EXPECT_TRUE(p.feed(junk, &events).ok());
  for (const auto& e : events) EXPECT_LE(e.data.size(), kMaxSseLineBytes);
}

}  // namespace
}  // namespace synclog::client
