// The values of declared fields (schema.hpp): checking one against its field's type and
// limits, and its canonical text. A record stores and compares values in that text, so two
// values are the same exactly when their texts are (1.50 and 1.5, or a time given in two
// offsets, are one value).
#pragma once

#include <boost/json/fwd.hpp>

#include <string>

#include "common/status.hpp"
#include "domain/schema.hpp"

namespace synclog::domain {

// `v` as field `f` keeps it, as JSON text. kUnprocessable with the reason ("must be one of
// draft, done") when it is not a value of the field; null is not a value (callers decide what
// null means).
Result<std::string> canonical_value(const FieldSpec& f, const boost::json::value& v);

}  // namespace synclog::domain
