// NOTE: its mutations set its fields. The note's source is the client id that created it.
#include "domain/detail/quran_types.hpp"
#include "domain/detail/resource_traits.hpp"
#include "domain/field_edits.hpp"

namespace synclog::domain::detail {
namespace {

class NoteType final : public RecordType {
 public:
  NoteType() : RecordType(kind_of(Resource::kNote), std::string(resource_name(Resource::kNote))) {}

  Result<AnyRecord> decode(const storage::Record& r) const override {
    SYNCLOG_ASSIGN_OR_RETURN(auto n, note_from(r));
    return AnyRecord(std::move(n));
  }

  Result<Plan> plan(ResourceView& view, const Mutation& m, const PlanContext& ctx) const override {
    if (m.type == MutationType::kCreate) {
      const auto& c = std::get<NoteCreate>(m.data);
      return plan_by_id<Note>(view, m, c.times, [&](Note& n, bool creating) {
        if (creating) n.source = std::string(ctx.client_id);
        set_fields(n, c);
      });
    }
    if (m.type == MutationType::kUpdate) {
      const auto& u = std::get<NoteUpdate>(m.data);
      return plan_by_id<Note>(view, m, u.times, [&](Note& n, bool) { set_fields(n, u); });
    }
    return plan_by_id<Note>(view, m, times_of(m.data), [](Note&, bool) {});
  }
};

}  // namespace

std::unique_ptr<RecordType> make_note_type() { return std::make_unique<NoteType>(); }

}  // namespace synclog::domain::detail
