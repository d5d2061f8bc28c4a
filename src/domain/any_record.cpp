// The generic views of a record, one visit each.
#include "domain/any_record.hpp"

#include "domain/detail/resource_traits.hpp"
#include "domain/wire.hpp"

namespace synclog::domain {
namespace {

template <class T>
std::string conflict_form(const T& v) { return wire_data(v); }
template <>
std::string conflict_form(const Note& n) {
  std::string out = wire_data(n);
  out.pop_back();  // the closing brace
  out.append(n.save_to_qr ? R"(,"saveToQR":true})" : R"(,"saveToQR":false})");
  return out;
}

}  // namespace

std::string record_id(const AnyRecord& r) {
  return std::visit([](const auto& v) { return detail::Traits<std::decay_t<decltype(v)>>::id(v); }, r);
}

std::int64_t record_version(const AnyRecord& r) {
  return std::visit([](const auto& v) { return v.version; }, r);
}

const FieldStamps& record_stamps(const AnyRecord& r) {
  return std::visit([](const auto& v) -> const FieldStamps& { return v.stamps; }, r);
}

std::vector<std::string> record_field_values(const AnyRecord& r) {
  return std::visit([](const auto& v) { return field_values(v); }, r);
}

namespace {
template <class T>
FieldName field_name_of(const T&, std::size_t i) { return field_names<T>()[i]; }
FieldName field_name_of(const DeclaredRecord& r, std::size_t i) { return FieldName{r.type->fields[i].name, {}}; }
}  // namespace

FieldName record_field_name(const AnyRecord& r, std::size_t i) {
  return std::visit([i](const auto& v) { return field_name_of(v, i); }, r);
}

std::string conflict_record(const AnyRecord& r) {
  return std::visit([](const auto& v) { return conflict_form(v); }, r);
}

}  // namespace synclog::domain
