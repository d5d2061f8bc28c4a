// ISO 8601 parsing and formatting on the proleptic Gregorian calendar, without the C library's
// time zone state (which is neither thread-safe nor needed: offsets are explicit).
#include "common/time_format.hpp"

#include <cstdio>

namespace synclog {
namespace {

// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm, public domain).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t y;
  unsigned m, d;
};

constexpr Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return Civil{y + (m <= 2), m, d};
}

constexpr bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr unsigned days_in_month(std::int64_t y, unsigned m) {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` decimal digits at `pos`.
bool read_digits(std::string_view s, std::size_t& pos, int n, int& out) {
  if (pos + static_cast<std::size_t>(n) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = s[pos + static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += static_cast<std::size_t>(n);
  out = v;
  return true;
}

bool consume(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

std::optional<std::int64_t> parse_iso8601_ms(std::string_view s) {
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  if (!read_digits(s, pos, 4, year) || !consume(s, pos, '-') || !read_digits(s, pos, 2, month) ||
      !consume(s, pos, '-') || !read_digits(s, pos, 2, day)) {
    return std::nullopt;
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 ||
      static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month))) {
    return std::nullopt;
  }
  int offset_minutes = 0;
  if (pos == s.size()) {
    // A bare date means midnight UTC (ECMAScript's reading of date-only forms).
  } else {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
    ++pos;
    if (!read_digits(s, pos, 2, hour) || !consume(s, pos, ':') || !read_digits(s, pos, 2, minute)) {
      return std::nullopt;
    }
    if (consume(s, pos, ':')) {
      if (!read_digits(s, pos, 2, second)) return std::nullopt;
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        int digits = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
          if (digits < 3) millis = millis * 10 + (s[pos] - '0');
          ++digits;
          ++pos;
        }
        if (digits == 0 || digits > 9) return std::nullopt;
        for (int i = digits; i < 3; ++i) millis *= 10;
      }
    }
    // 24:00 is not accepted; a leap second (:60) is folded into the next second's start.
    if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
    if (pos >= s.size()) return std::nullopt;  // no offset: ambiguous local time
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      const int sign = s[pos] == '-' ? -1 : 1;
      ++pos;
      int oh = 0, om = 0;
      if (!read_digits(s, pos, 2, oh)) return std::nullopt;
      if (consume(s, pos, ':')) {
        if (!read_digits(s, pos, 2, om)) return std::nullopt;
      } else if (pos < s.size()) {
        if (!read_digits(s, pos, 2, om)) return std::nullopt;
      }
      if (oh > 23 || om > 59) return std::nullopt;
      offset_minutes = sign * (oh * 60 + om);
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t ms = ((days * 24 + hour) * 60 + minute - offset_minutes) * 60000 +
                          static_cast<std::int64_t>(second) * 1000 + millis;
  if (ms < kMinEpochMs || ms > kMaxEpochMs) return std::nullopt;
  return ms;
}

std::string format_iso8601_ms(std::int64_t ms) {
  std::int64_t days = ms / 86400000;
  std::int64_t rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    --days;
  }
  const Civil c = civil_from_days(days);
  const auto ms_of_day = static_cast<int>(rem);
  const int year = static_cast<int>(c.y);
  if (year < 0 || year > 9999) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", year, c.m, c.d, ms_of_day / 3600000,
                  ms_of_day / 60000 % 60, ms_of_day / 1000 % 60, ms_of_day % 1000);
    return buf;
  }
  // Every stored record's times are formatted on each write: snprintf was a measurable share
  // of a push (docs/benchmarks.md), so the common four-digit years are written digit by digit.
  std::string out = "0000-00-00T00:00:00.000Z";
  const auto put = [&out](std::size_t at, int value, int digits) {
    for (int i = digits - 1; i >= 0; --i, value /= 10) {
      out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
    }
  };
  put(0, year, 4);
  put(5, static_cast<int>(c.m), 2);
  put(8, static_cast<int>(c.d), 2);
  put(11, ms_of_day / 3600000, 2);
  put(14, ms_of_day / 60000 % 60, 2);
  put(17, ms_of_day / 1000 % 60, 2);
  put(20, ms_of_day % 1000, 3);
  return out;
}

}  // namespace synclog
