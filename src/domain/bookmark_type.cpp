// BOOKMARK. A CREATE whose details match an existing bookmark updates it (the upstream POST
// /v1/bookmarks is an add-or-update); a DELETE removes the bookmark's memberships too, so no
// device keeps a membership of a bookmark that no longer exists. Taking the reading flag clears
// it on the previous reading bookmark; in field mode that clashes when another device chose
// that bookmark unseen (which bookmark is the reading one is a single value, like a position).
#include <algorithm>

#include "domain/detail/quran_types.hpp"
#include "domain/detail/resource_traits.hpp"
#include "domain/field_edits.hpp"

namespace synclog::domain::detail {
namespace {

constexpr std::size_t kIsReadingField = 1;  // field_names<Bookmark>()

// The flags a mutation sets: its mushaf and reading flag.
struct Edit {
  std::optional<int> mushaf;
  ReadingFlag reading = ReadingFlag::kOmitted;
};

Edit edit_of(const Mutation& m) {
  if (m.type == MutationType::kCreate) {
    const auto& c = std::get<BookmarkCreate>(m.data);
    return Edit{c.details.mushaf, c.reading};
  }
  if (m.type == MutationType::kUpdate) {
    const auto& u = std::get<BookmarkUpdate>(m.data);
    return Edit{u.mushaf, u.reading};
  }
  return Edit{};
}

Result<Plan> plan_create(ResourceView& view, const Mutation& m, const PlanContext& ctx) {
  const auto& c = std::get<BookmarkCreate>(m.data);
  std::optional<Bookmark> existing;
  if (!m.resource_id.empty()) {
    SYNCLOG_ASSIGN_OR_RETURN(existing, view.get<Bookmark>(m.resource_id));
    if (existing && existing->details.identity() != c.details.identity()) {
      return make_error(ctx.fields.code, "Invalid resourceId" + ctx.fields.where +
                                             ": a bookmark with other details already has this id");
    }
  }
  if (!existing) {
    SYNCLOG_ASSIGN_OR_RETURN(existing, view.bookmark_by_identity(c.details));
  }
  Plan p;
  p.step = Plan::Step::kSave;
  p.times = c.times;
  Bookmark b;
  if (existing) {
    p.current = *existing;
    b = std::move(*existing);
    p.op = MutationType::kUpdate;
  } else {
    b.id = m.resource_id.empty() ? new_resource_id() : m.resource_id;
    b.details = c.details;
    p.op = MutationType::kCreate;
  }
  set_fields(b, c.details.mushaf, c.reading);
  p.ack_id = b.id;
  p.next = std::move(b);
  return p;
}

Result<Plan> plan_update(ResourceView& view, const Mutation& m, const PlanContext& ctx) {
  const auto& u = std::get<BookmarkUpdate>(m.data);
  Plan p;
  p.ack_id = m.resource_id;
  p.times = u.times;
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, view.get<Bookmark>(m.resource_id));
  if (!existing) {
    p.step = Plan::Step::kMissing;
    return p;
  }
  const FieldContext& f = ctx.fields;
  const Bookmark& b = *existing;
  const auto identity_error = [&](std::string_view field) {
    return make_error(f.code, "Invalid " + f.prefix + std::string(field) + f.where +
                                  ": a bookmark's type, key and verseNumber cannot change");
  };
  if (u.kind && *u.kind != b.details.kind) return identity_error("type");
  if (u.key && *u.key != b.details.key) return identity_error("key");
  if (u.verse && u.verse != b.details.verse) return identity_error("verseNumber");
  if (u.mushaf) {
    BookmarkDetails changed = b.details;
    changed.mushaf = u.mushaf;
    if (changed.group() != b.details.group()) {
      return make_error(f.code, "Invalid " + f.prefix + "mushafId" + f.where +
                                    ": would move the page bookmark to another mushaf layout");
    }
  }
  p.step = Plan::Step::kSave;
  p.op = MutationType::kUpdate;
  p.current = *existing;
  Bookmark next = std::move(*existing);
  set_fields(next, u.mushaf, u.reading);
  p.next = std::move(next);
  return p;
}

// Taking the reading flag clears it on the previous reading bookmark: the bookmark another
// device chose unseen, if that is what `flag` would undo.
Result<std::optional<Bookmark>> unseen_reading_choice(ResourceView& view, std::string_view taker,
                                                      ReadingFlag flag, const Vantage& who) {
  if (flag != ReadingFlag::kSet) return std::optional<Bookmark>();
  SYNCLOG_ASSIGN_OR_RETURN(auto previous, view.reading_bookmark());
  if (!previous || previous->id == taker || !unseen(previous->stamps.at[kIsReadingField], who)) {
    return std::optional<Bookmark>();
  }
  return previous;
}

class BookmarkType final : public RecordType {
 public:
  BookmarkType() : RecordType(kind_of(Resource::kBookmark), std::string(resource_name(Resource::kBookmark))) {}

  Result<AnyRecord> decode(const storage::Record& r) const override {
    SYNCLOG_ASSIGN_OR_RETURN(auto b, bookmark_from(r));
    return AnyRecord(std::move(b));
  }

  Result<Plan> plan(ResourceView& view, const Mutation& m, const PlanContext& ctx) const override {
    switch (m.type) {
      case MutationType::kCreate: return plan_create(view, m, ctx);
      case MutationType::kUpdate: return plan_update(view, m, ctx);
      case MutationType::kDelete:
        return plan_by_id<Bookmark>(view, m, times_of(m.data), [](Bookmark&, bool) {});
    }
    return make_error(ErrorCode::kInternal, "unknown mutation type");
  }

  // Removing a bookmark removes its memberships first; taking the reading flag clears it on
  // the previous reading bookmark first.
  Status cascade(Ledger& ledger, const Mutation& m, Plan& plan) const override {
    if (plan.step == Plan::Step::kRemove) return remove_memberships(ledger, std::get<Bookmark>(*plan.current));
    if (plan.step != Plan::Step::kSave || edit_of(m).reading != ReadingFlag::kSet) return Status();
    return take_reading_flag(ledger, std::get<Bookmark>(*plan.next));
  }

  Result<Judgement> judge(ResourceView& view, const Mutation& m, const Plan& plan,
                          const Vantage& who) const override {
    if (plan.step == Plan::Step::kRemove) {
      Judgement j = judge_delete(*plan.current, who);
      // Its memberships go with it: one added unseen would be discarded.
      SYNCLOG_ASSIGN_OR_RETURN(const auto ms, view.memberships_of_bookmark(record_id(*plan.current)));
      for (const auto& mb : ms) {
        if (!unseen_membership(mb, who)) continue;
        add_clash(j, *plan.current, "collections");
        break;
      }
      return j;
    }
    if (plan.step != Plan::Step::kSave) return judge_plan(view, m, plan, who);
    const ReadingFlag reading = edit_of(m).reading;
    if (plan.current) {
      // An edit of the bookmark, and of the one whose reading flag it would take.
      Judgement j = judge_edit(*plan.current, *plan.next, who);
      const auto& current = std::get<Bookmark>(*plan.current);
      SYNCLOG_ASSIGN_OR_RETURN(const auto undone, unseen_reading_choice(view, current.id, reading, who));
      const bool reported = j.conflict && std::find(j.conflict->fields.begin(), j.conflict->fields.end(),
                                                    "isReading") != j.conflict->fields.end();
      if (undone && !reported) add_clash(j, *plan.current, "isReading");
      if (m.type == MutationType::kCreate) j.resource_id = current.id;
      return j;
    }
    if (!m.resource_id.empty()) {
      SYNCLOG_ASSIGN_OR_RETURN(auto missing, judge_missing(view, m, m.resource, m.resource_id, who));
      if (missing) return *missing;
    }
    // A new bookmark: only the reading flag it would take from another one can clash.
    SYNCLOG_ASSIGN_OR_RETURN(const auto undone, unseen_reading_choice(view, m.resource_id, reading, who));
    if (!undone) return Judgement{};
    Judgement j = changed(AnyRecord(*undone), {"isReading"});
    const auto& c = std::get<BookmarkCreate>(m.data);
    j.resource_id = m.resource_id.empty() ? details_token(c.details) : m.resource_id;
    return j;
  }
};

}  // namespace

std::unique_ptr<RecordType> make_bookmark_type() { return std::make_unique<BookmarkType>(); }

}  // namespace synclog::domain::detail
