// BOOKMARK mutations. A CREATE whose details match an existing bookmark updates it (the upstream
// POST /v1/bookmarks is an add-or-update); a DELETE removes the bookmark's memberships too, so
// no device keeps a membership of a bookmark that no longer exists.
#include "domain/apply.hpp"

#include "common/ids.hpp"
#include "domain/field_edits.hpp"

namespace synclog::domain::detail {
namespace {

// The bookmark's own fields (as the field-mode judge sees them), then the reading flag's
// cascade: taking it clears the previous reading bookmark.
Status apply_fields(Ledger& ledger, Bookmark& b, std::optional<int> mushaf, ReadingFlag reading) {
  set_fields(b, mushaf, reading);
  return reading == ReadingFlag::kSet ? take_reading_flag(ledger, b) : Status();
}

Result<Ack> create(Ledger& ledger, const Mutation& m, const FieldContext& ctx) {
  const auto& c = std::get<BookmarkCreate>(m.data);
  std::optional<Bookmark> existing;
  if (!m.resource_id.empty()) {
    SYNCLOG_ASSIGN_OR_RETURN(existing, ledger.get<Bookmark>(m.resource_id));
    if (existing && existing->details.identity() != c.details.identity()) {
      return make_error(ctx.code, "Invalid resourceId" + ctx.where +
                                      ": a bookmark with other details already has this id");
    }
  }
  if (!existing) {
    SYNCLOG_ASSIGN_OR_RETURN(existing, ledger.bookmark_by_identity(c.details));
  }
  Bookmark b;
  MutationType op = MutationType::kCreate;
  if (existing) {
    b = std::move(*existing);
    op = MutationType::kUpdate;
  } else {
    b.id = m.resource_id.empty() ? new_resource_id() : m.resource_id;
    b.details = c.details;
  }
  SYNCLOG_RETURN_IF_ERROR(apply_fields(ledger, b, c.details.mushaf, c.reading));
  SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.save(b, op, c.times));
  return make_ack(m, b.id, ts);
}

Result<Ack> update(Ledger& ledger, const Mutation& m, const FieldContext& ctx) {
  const auto& u = std::get<BookmarkUpdate>(m.data);
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, ledger.get<Bookmark>(m.resource_id));
  if (!existing) return not_found(m, ctx);
  Bookmark& b = *existing;
  const auto identity_error = [&](std::string_view field) {
    return make_error(ctx.code, "Invalid " + ctx.prefix + std::string(field) + ctx.where +
                                    ": a bookmark's type, key and verseNumber cannot change");
  };
  if (u.kind && *u.kind != b.details.kind) return identity_error("type");
  if (u.key && *u.key != b.details.key) return identity_error("key");
  if (u.verse && u.verse != b.details.verse) return identity_error("verseNumber");
  if (u.mushaf) {
    BookmarkDetails changed = b.details;
    changed.mushaf = u.mushaf;
    if (changed.group() != b.details.group()) {
      return make_error(ctx.code, "Invalid " + ctx.prefix + "mushafId" + ctx.where +
                                      ": would move the page bookmark to another mushaf layout");
    }
  }
  SYNCLOG_RETURN_IF_ERROR(apply_fields(ledger, b, u.mushaf, u.reading));
  SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.save(b, MutationType::kUpdate, u.times));
  return make_ack(m, b.id, ts);
}

Result<Ack> remove(Ledger& ledger, const Mutation& m) {
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, ledger.get<Bookmark>(m.resource_id));
  if (!existing) return make_ack(m, m.resource_id, ledger.next_ts());  // already gone: a no-op
  SYNCLOG_ASSIGN_OR_RETURN(auto ts, remove_bookmark_cascade(ledger, *existing));
  return make_ack(m, m.resource_id, ts);
}

}  // namespace

Result<Ack> apply_bookmark(Ledger& ledger, const Mutation& m, const FieldContext& ctx) {
  switch (m.type) {
    case MutationType::kCreate: return create(ledger, m, ctx);
    case MutationType::kUpdate: return update(ledger, m, ctx);
    case MutationType::kDelete: return remove(ledger, m);
  }
  return make_error(ErrorCode::kInternal, "unknown mutation type");
}

}  // namespace synclog::domain::detail
