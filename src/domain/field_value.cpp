// Declared field values, type by type.
#include "domain/field_value.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <cmath>

#include "common/ids.hpp"
#include "common/json_text.hpp"
#include "common/time_format.hpp"
#include "common/utf8.hpp"

namespace synclog::domain {
namespace json = boost::json;
namespace {

Error invalid(std::string reason) { return make_error(ErrorCode::kUnprocessable, std::move(reason)); }

std::optional<double> as_number(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double() && std::isfinite(v.get_double())) return v.get_double();
  return std::nullopt;
}

std::string number_text(double d) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

std::string bounds(const FieldSpec& f) {
  if (f.min && f.max) return " from " + number_text(*f.min) + " to " + number_text(*f.max);
  if (f.min) return " of at least " + number_text(*f.min);
  if (f.max) return " of at most " + number_text(*f.max);
  return "";
}

Status within_bounds(const FieldSpec& f, double d, std::string_view what) {
  if ((f.min && d < *f.min) || (f.max && d > *f.max)) return invalid("must be " + std::string(what) + bounds(f));
  return Status();
}

// A string of the field's length (counted in characters), without control characters other
// than tab and line breaks (they have no place in user text and grow sixfold when escaped).
Result<std::string> text(const FieldSpec& f, const json::value& v, std::string_view what) {
  if (!v.is_string()) return invalid("must be " + std::string(what));
  const std::string_view s(v.get_string().data(), v.get_string().size());
  const std::size_t n = utf8_length(s);
  const std::size_t max = f.max_length ? f.max_length : kDefaultMaxStringChars;
  if (n < f.min_length || n > max) {
    return invalid("must be " + std::to_string(f.min_length) + "-" + std::to_string(max) + " characters");
  }
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      return invalid("must not contain control characters other than tab and line breaks");
    }
  }
  return std::string(s);
}

std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

}  // namespace

Result<std::string> canonical_value(const FieldSpec& f, const json::value& v) {
  switch (f.kind) {
    case FieldKind::kString: {
      SYNCLOG_ASSIGN_OR_RETURN(auto s, text(f, v, "a string"));
      return quoted(s);
    }
    case FieldKind::kInteger: {
      const auto d = as_number(v);
      if (!d || std::floor(*d) != *d || std::fabs(*d) >= 9.0e15) return invalid("must be an integer" + bounds(f));
      SYNCLOG_RETURN_IF_ERROR(within_bounds(f, *d, "an integer"));
      return std::to_string(static_cast<std::int64_t>(*d));
    }
    case FieldKind::kNumber: {
      const auto d = as_number(v);
      if (!d) return invalid("must be a number" + bounds(f));
      SYNCLOG_RETURN_IF_ERROR(within_bounds(f, *d, "a number"));
      return number_text(*d == 0 ? 0.0 : *d);  // -0 is 0
    }
    case FieldKind::kBoolean:
      if (!v.is_bool()) return invalid("must be true or false");
      return std::string(v.get_bool() ? "true" : "false");
    case FieldKind::kDatetime: {
      std::optional<std::int64_t> ms;
      if (v.is_string()) {
        ms = parse_iso8601_ms(std::string_view(v.get_string().data(), v.get_string().size()));
      } else if (const auto d = as_number(v); d && std::floor(*d) == *d && *d >= kMinEpochMs && *d <= kMaxEpochMs) {
        ms = static_cast<std::int64_t>(*d);
      }
      if (!ms) return invalid("must be an ISO 8601 date-time with an offset, or epoch milliseconds");
      return quoted(format_iso8601_ms(*ms));
    }
    case FieldKind::kEnum: {
      if (v.is_string()) {
        const std::string_view s(v.get_string().data(), v.get_string().size());
        for (const auto& allowed : f.values) {
          if (allowed == s) return quoted(s);
        }
      }
      std::string list;
      for (const auto& allowed : f.values) list += (list.empty() ? "" : ", ") + allowed;
      return invalid("must be one of " + list);
    }
    case FieldKind::kStringList: {
      const std::size_t max_items = f.max_items ? f.max_items : kDefaultMaxListItems;
      if (!v.is_array() || v.get_array().size() > max_items) {
        return invalid("must be a list of at most " + std::to_string(max_items) + " strings");
      }
      std::string out = "[";
      std::size_t i = 0;
      for (const auto& item : v.get_array()) {
        auto s = text(f, item, "a string");
        if (!s.ok()) return invalid("item " + std::to_string(i) + " " + s.error().message);
        if (i++) out.push_back(',');
        out += quoted(*s);
      }
      out.push_back(']');
      return out;
    }
    case FieldKind::kReference:
      if (!v.is_string() || !is_valid_id(std::string_view(v.get_string().data(), v.get_string().size()))) {
        return invalid("must be the id of a " + f.to + " (1-64 characters of A-Z, a-z, 0-9, _ and -)");
      }
      return quoted(std::string_view(v.get_string().data(), v.get_string().size()));
  }
  return invalid("has an unknown type");
}

}  // namespace synclog::domain
