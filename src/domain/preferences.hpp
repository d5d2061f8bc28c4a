// User preferences (theme, reading, quranReaderStyles, translations, tafsirs, audio, language,
// userHasCustomised): the upstream Preference schema, validated key by key. Preferences are
// not a sync resource: they are kept as one record per user, outside the change log, and
// writing them moves no head (contract A5).
#pragma once

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace synclog::domain {

// The storage kind and record id of a user's preferences (outside the five sync kinds).
inline constexpr std::uint8_t kPreferencesKind = 100;
inline constexpr std::string_view kPreferencesId = "preferences";

// POST /v1/preferences: `body` is {group, key, value}. Returns the stored document with the
// value merged in. kUnprocessable naming the field for anything the schema does not allow.
Result<std::string> set_preference(std::string_view stored, const boost::json::value& body);
// POST /v1/preferences/bulk: `body` is a Preference object (groups of keys); every key is
// validated before any is merged.
Result<std::string> set_preferences_bulk(std::string_view stored, const boost::json::value& body);
// GET /v1/preferences: the stored groups, each completed with the schema's defaults for its
// required keys, in the success envelope.
std::string preferences_body(std::string_view stored);

}  // namespace synclog::domain
