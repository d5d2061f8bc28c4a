// The HTTP request parser as the server's session sets it up (src/http/server.cpp): Beast's
// request_parser<string_body>, a new one per request on a keep-alive connection, with
// ServerOptions' header and body limits, fed whatever bytes arrived so far; then the request
// target split into path and query (parse_target), as the session does before routing.
// The input is the bytes a client sends (requests may be pipelined).
//
// Properties, for the server's default limits and for small ones that short inputs reach:
// - the bytes give the same requests, and a refusal at the same request, however they are split
//   into reads (all at once, byte by byte, 7 at a time); which refusal may differ (a header
//   that is malformed, over the limit or cut short is refused for what the parser meets first:
//   all of it at once, or only once all of it has come);
// - a request that parses has a header within the header limit and a body within the body
//   limit (the session answers 431 and 413 beyond them; the header's total is the session's
//   own check, as Beast holds the request line and the fields to the limit each);
// - a target that parse_target accepts, encoded again, parses to the same path and query.
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_check.hpp"
#include "http/message.hpp"
#include "http/server.hpp"

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using synclog::http::parse_target;

struct Limits {
  std::size_t header;
  std::size_t body;
};

// One request as the session would see it, or the error that ended the connection.
struct Parsed {
  std::string error;  // empty: a whole request
  std::size_t header_bytes = 0;
  std::string method;
  std::string target;
  unsigned version = 0;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;
  bool keep_alive = false;

  bool operator==(const Parsed&) const = default;
};

// The same request, or a refusal of each (see above).
bool same(const Parsed& a, const Parsed& b) {
  return a.error.empty() && b.error.empty() ? a == b : !a.error.empty() && !b.error.empty();
}

std::string describe(const Parsed& p) {
  return "error=\"" + p.error + "\" method=" + p.method + " target=" + p.target +
         " header_bytes=" + std::to_string(p.header_bytes) +
         " body=" + std::to_string(p.body.size());
}

// The requests in `bytes`, arriving `piece` bytes at a time (0: all at once), until an error,
// the end of the bytes, or a request without keep-alive (after which the session closes).
std::vector<Parsed> parse_all(std::string_view bytes, std::size_t piece, const Limits& limits) {
  std::vector<Parsed> out;
  std::string buffer;  // received and not yet consumed, as the session's flat_buffer
  std::size_t received = 0;
  const auto receive = [&] {
    const std::size_t n =
        piece == 0 ? bytes.size() - received : std::min(piece, bytes.size() - received);
    buffer.append(bytes.substr(received, n));
    received += n;
  };
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.header));
    parser.body_limit(limits.body);
    // The header alone first, as async_read_header does, so that its size is known.
    parser.eager(false);
    Parsed p;
    bool header_counted = false;
    for (;;) {
      beast::error_code ec;
      if (!buffer.empty()) {
        const std::size_t n = parser.put(boost::asio::buffer(buffer.data(), buffer.size()), ec);
        buffer.erase(0, n);
        if (!header_counted) p.header_bytes += n;
        if (!header_counted && parser.is_header_done()) {
          header_counted = true;
          parser.eager(true);
          // The session holds the whole header to the limit itself (server.cpp): Beast holds
          // the request line and the fields to it each.
          if (!ec && p.header_bytes > limits.header) ec = bhttp::error::header_limit;
        }
        if (!ec && parser.is_done()) break;
        if (ec && ec != bhttp::error::need_more) {
          p.error = ec.message();
          break;
        }
        if (!ec) continue;  // the header ended; the body follows in the same bytes
      }
      if (received == bytes.size()) {
        // The client closed: a request cut short is an error, no request at all is none.
        if (!parser.got_some()) return out;
        parser.put_eof(ec);
        if (ec) p.error = ec.message();
        break;
      }
      receive();
    }
    if (p.error.empty()) {
      const auto& req = parser.get();
      p.method = std::string(req.method_string());
      p.target = std::string(req.target());
      p.version = req.version();
      for (const auto& f : req)
        p.fields.emplace_back(std::string(f.name_string()), std::string(f.value()));
      p.body = req.body();
      p.keep_alive = req.keep_alive();
    }
    out.push_back(std::move(p));
    if (!out.back().error.empty() || !out.back().keep_alive) return out;
  }
}

void check_target(const std::string& target) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  if (!parse_target(target, path, query)) return;
  const std::string again =
      synclog::fuzz::percent_encode(path, true) + synclog::fuzz::percent_encode_query(query);
  std::string path2;
  std::vector<std::pair<std::string, std::string>> query2;
  SYNCLOG_FUZZ_CHECK(parse_target(again, path2, query2), "re-encoded target " + again + " refused");
  SYNCLOG_FUZZ_CHECK(path2 == path, "path " + path + " became " + path2);
  // A parameter without '=' comes back with an empty value, which is what it was decoded to.
  SYNCLOG_FUZZ_CHECK(query2 == query, "the query of " + target + " changed through " + again);
}

void check(std::string_view bytes, const Limits& limits) {
  const auto whole = parse_all(bytes, 0, limits);
  for (const std::size_t piece : {std::size_t{1}, std::size_t{7}}) {
    const auto split = parse_all(bytes, piece, limits);
    SYNCLOG_FUZZ_CHECK(split.size() == whole.size(),
                       std::to_string(whole.size()) + " requests whole, " +
                           std::to_string(split.size()) + " in pieces of " + std::to_string(piece));
    for (std::size_t i = 0; i < whole.size(); ++i) {
      SYNCLOG_FUZZ_CHECK(same(split[i], whole[i]),
                         "request " + std::to_string(i) + ": whole " + describe(whole[i]) +
                             ", in pieces of " + std::to_string(piece) + " " + describe(split[i]));
    }
  }
  for (const auto& p : whole) {
    if (!p.error.empty()) continue;
    SYNCLOG_FUZZ_CHECK(p.header_bytes <= limits.header, describe(p));
    SYNCLOG_FUZZ_CHECK(p.body.size() <= limits.body, describe(p));
    check_target(p.target);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const synclog::http::ServerOptions defaults;
  check(synclog::fuzz::text(data, size), {defaults.max_header_bytes, defaults.max_body_bytes});
  check(synclog::fuzz::text(data, size), {256, 64});
  return 0;
}
