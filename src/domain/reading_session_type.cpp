// READING_SESSION: its mutations set its position. Through sync every CREATE is a new session
// (the 20-minute reuse rule belongs to the direct endpoint).
#include "domain/detail/quran_types.hpp"
#include "domain/detail/resource_traits.hpp"
#include "domain/field_edits.hpp"

namespace synclog::domain::detail {
namespace {

class ReadingSessionType final : public RecordType {
 public:
  ReadingSessionType()
      : RecordType(kind_of(Resource::kReadingSession), std::string(resource_name(Resource::kReadingSession))) {}

  Result<AnyRecord> decode(const storage::Record& r) const override {
    SYNCLOG_ASSIGN_OR_RETURN(auto s, reading_session_from(r));
    return AnyRecord(std::move(s));
  }

  Result<Plan> plan(ResourceView& view, const Mutation& m, const PlanContext&) const override {
    if (m.type == MutationType::kDelete) {
      return plan_by_id<ReadingSession>(view, m, times_of(m.data), [](ReadingSession&, bool) {});
    }
    const auto& f = std::get<SessionFields>(m.data);
    return plan_by_id<ReadingSession>(view, m, f.times, [&](ReadingSession& s, bool) { set_fields(s, f); });
  }
};

}  // namespace

std::unique_ptr<RecordType> make_reading_session_type() { return std::make_unique<ReadingSessionType>(); }

}  // namespace synclog::domain::detail
