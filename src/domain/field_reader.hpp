// Strict reading of one JSON object's known fields, with error messages in the upstream style:
//   "Missing <prefix><field><where>"  and  "Invalid <prefix><field><where>: <reason>"
// For POST /v1/sync the prefix is "data." and <where> is " at mutation[i]"; the direct
// endpoints use no prefix and no <where>. Every field read is also copied into an echo object
// (client times normalised to ISO 8601 UTC), which becomes the data of the mutation's ack.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "domain/mutation.hpp"

namespace synclog::domain {

struct FieldContext {
  ErrorCode code = ErrorCode::kValidation;
  std::string prefix;  // "data." for sync mutations
  std::string where;   // " at mutation[3]" for sync mutations

  Error missing(std::string_view field) const;
  Error invalid(std::string_view field, std::string_view reason) const;
};

class FieldReader {
 public:
  FieldReader(const boost::json::object& obj, const FieldContext& ctx) : obj_(obj), ctx_(ctx) {}

  const FieldContext& context() const { return ctx_; }
  const boost::json::object& object() const { return obj_; }
  bool has(std::string_view key) const;  // present and not null

  // Integers accept JSON integers and integral doubles (JavaScript cannot tell them apart).
  Result<std::optional<int>> opt_int(std::string_view key, int lo, int hi, std::string_view range);
  Result<int> req_int(std::string_view key, int lo, int hi, std::string_view range);
  Result<std::optional<bool>> opt_bool(std::string_view key);
  // Strings are counted in characters (code points), not bytes.
  Result<std::optional<std::string>> opt_string(std::string_view key, std::size_t min_chars,
                                                std::size_t max_chars);
  Result<std::string> req_string(std::string_view key, std::size_t min_chars,
                                 std::size_t max_chars);
  // An id: 1-64 of [A-Za-z0-9_-] (or `also_allowed`, e.g. "__default__").
  Result<std::optional<std::string>> opt_id(std::string_view key,
                                            std::string_view also_allowed = {});
  Result<ClientTimes> client_times();
  // isReading: omitted, true, or false/null.
  Result<ReadingFlag> reading_flag(std::string_view key);
  // mushafId (preferred) or its legacy alias mushaf; both present must agree.
  Result<std::optional<int>> mushaf();

  // Echoes `key` as received (for fields validated outside the reader, e.g. arrays).
  void keep(std::string_view key);
  // The echo: every field read so far, as JSON text.
  std::string echo_json() const;

 private:
  const boost::json::value* get(std::string_view key) const;
  void echo(std::string_view key, const boost::json::value& v);
  const boost::json::object& obj_;
  const FieldContext& ctx_;
  boost::json::object echo_;
};

// Reads a bookmark's details (type, key, verseNumber, mushafId/mushaf) and checks them against
// the Quran's structure. `ayah_only` is for Favorites, which holds ayah bookmarks only.
Result<BookmarkDetails> read_bookmark_details(FieldReader& r, bool ayah_only = false);

}  // namespace synclog::domain
