// Finding spaces and admitting their members.
#include "http/handlers/space_access.hpp"

#include "common/ids.hpp"
#include "common/json_text.hpp"
#include "http/envelope.hpp"
#include "http/handlers/query_params.hpp"
#include "http/schema_sync.hpp"

namespace synclog::http::handlers {
namespace {

Error not_found(std::string_view id) {
  return make_error(ErrorCode::kNotFound, "Space " + std::string(id) + " not found");
}

// Calls `then` with the space's current schema, reloading the catalog once if this server has
// not heard of it (registered on another node a moment ago).
void with_schema(Services& s, const std::shared_ptr<Exchange>& ex, SpaceTarget t,
                 std::function<void(SpaceTarget)> then) {
  t.schema = s.schemas.latest(t.known.schema);
  if (t.schema) return then(std::move(t));
  reload_schemas(s, [&s, ex, t = std::move(t), then = std::move(then)](Status st) mutable {
    ex->resume([&s, ex, t = std::move(t), then = std::move(then), st]() mutable {
      if (!st.ok()) return ex->fail(st.error());
      t.schema = s.schemas.latest(t.known.schema);
      if (!t.schema) {
        return ex->fail(make_error(ErrorCode::kInternal, "space " + t.id + " uses schema " + t.known.schema +
                                                             ", which is not registered"));
      }
      then(std::move(t));
    });
  });
}

Refusal upgrade_required(const domain::Schema& current, std::int64_t device) {
  Refusal r;
  r.message = "This app is built for version " + std::to_string(device) + " of schema " + current.name +
              "; the space accepts versions " + std::to_string(current.min_version) + " to " +
              std::to_string(current.version) +
              ". Update the app: nothing was changed, and the device keeps its changes until then.";
  JsonObjectWriter inner;
  inner.str("code", "SchemaUpgradeRequired").str("message", r.message).str("schema", current.name)
      .num("minVersion", current.min_version).num("version", current.version);
  JsonObjectWriter w;
  w.boolean("success", false).raw("error", std::move(inner).finish());
  r.response = json_response(426, std::move(w).finish());
  return r;
}

}  // namespace

void with_space(Services& s, const std::shared_ptr<Exchange>& ex, std::function<void(SpaceTarget)> then) {
  if (auto st = require_scope(ex->ctx(), "sync"); !st.ok()) return ex->fail(st.error());
  const auto id = ex->path_param("spaceId");
  if (!id || !is_valid_id(*id)) return ex->fail(not_found(id.value_or("")));
  SpaceTarget t;
  t.id = std::string(*id);
  if (auto known = s.spaces.find(t.id)) {
    t.known = std::move(*known);
    return with_schema(s, ex, std::move(t), std::move(then));
  }
  s.store.find_user(domain::space_subject(t.id), [&s, ex, t, then = std::move(then)](
                                                     Result<std::optional<storage::UserKey>> key) mutable {
    ex->resume([&s, ex, t = std::move(t), then = std::move(then), key = std::move(key)]() mutable {
      if (!key.ok()) return ex->fail(key.error());
      if (!*key) return ex->fail(not_found(t.id));
      auto info = std::make_shared<std::optional<domain::SpaceInfo>>();
      const storage::UserKey space = **key;
      s.store.read(
          space,
          [info](storage::ReadTxn& txn) -> Status {
            SYNCLOG_ASSIGN_OR_RETURN(auto standing, domain::read_standing(txn, {}));
            *info = std::move(standing.info);
            return Status();
          },
          [&s, ex, t = std::move(t), then = std::move(then), info, space](Status st) mutable {
            ex->resume([&s, ex, t = std::move(t), then = std::move(then), info, space, st]() mutable {
              if (!st.ok()) return ex->fail(st.error());
              // A log without a description is a space whose creation failed: none.
              if (!*info) return ex->fail(not_found(t.id));
              t.known = KnownSpace{space, (*info)->schema};
              s.spaces.remember(t.id, t.known);
              with_schema(s, ex, std::move(t), std::move(then));
            });
          });
    });
  });
}

Status admit(const domain::Standing& standing, std::string_view space_id, domain::Role least) {
  if (!standing.info) return not_found(space_id);
  if (standing.removed) {
    return make_error(ErrorCode::kSpaceAccessRevoked,
                      "You were removed from space " + std::string(space_id) +
                          ": the space is gone from your devices; changes they had not synced are kept on them");
  }
  if (!standing.member) return not_found(space_id);
  if (standing.member->role < least) {
    return make_error(ErrorCode::kForbidden, "This needs the " + std::string(domain::role_name(least)) +
                                                 " role or above in space " + std::string(space_id) +
                                                 "; yours is " + std::string(domain::role_name(standing.member->role)));
  }
  return Status();
}

domain::RefusedWrite refused_write(const Exchange& ex) {
  const HttpRequest& req = ex.request();
  return domain::RefusedWrite{ex.ctx().subject, ex.ctx().client_id, req.method, req.target, req.body};
}

Result<WriterStanding> admit_writer(storage::WriteTxn& txn, std::string_view space_id,
                                    const domain::RefusedWrite& write, std::size_t changes, std::int64_t now_ms) {
  SYNCLOG_ASSIGN_OR_RETURN(auto standing, domain::read_standing(txn, write.person));
  WriterStanding out;
  if (standing.info && standing.removed) {
    SYNCLOG_ASSIGN_OR_RETURN(auto review, domain::keep_for_review(txn, write, now_ms));
    const std::string what = changes == 1 ? "this change was" : "these " + std::to_string(changes) + " changes were";
    const std::string message = "You were removed from space " + std::string(space_id) + ": " + what +
                                " not applied; kept for the space's leads to review";
    JsonObjectWriter inner;
    inner.str("code", "SpaceAccessRevoked").str("message", message).str("spaceId", space_id)
        .num("kept", static_cast<std::int64_t>(changes)).str("reviewId", review);
    JsonObjectWriter w;
    w.boolean("success", false).raw("error", std::move(inner).finish());
    out.revoked = WriteAnswer{403, {}, std::move(w).finish()};
    return out;
  }
  SYNCLOG_RETURN_IF_ERROR(admit(standing, space_id, domain::Role::kViewer));
  out.member = std::move(*standing.member);
  return out;
}

Refusal refusal(const Error& error) { return Refusal{error_response(error), error.message}; }

void refuse_in_space(Services& s, const std::shared_ptr<Exchange>& ex, const SpaceTarget& t, Refusal refusal,
                     std::size_t kept) {
  auto answer = std::make_shared<Refusal>(std::move(refusal));
  if (kept > 0) {
    // In a write transaction, so that a removed member's write is kept exactly as their valid
    // ones are, and a retry under its key is answered rather than kept again.
    const std::int64_t now = s.clock.now_ms();
    auto refused = std::make_shared<bool>(false);
    run_answered_write(
        s, ex, OtherLog{t.known.key, ex->ctx().subject},
        [t, answer, refused, kept, now, write = refused_write(*ex)](storage::WriteTxn& txn) -> Result<WriteAnswer> {
          SYNCLOG_ASSIGN_OR_RETURN(auto writer, admit_writer(txn, t.id, write, kept, now));
          if (writer.revoked) return std::move(*writer.revoked);
          *refused = true;
          WriteAnswer a{answer->response.status, answer->response.headers, answer->response.body, /*commit=*/false};
          return a;
        },
        [ex, answer, refused](const Status&, bool) {
          if (*refused) ex->ctx().error = answer->message;
        });
    return;
  }
  const std::string person = ex->ctx().subject;
  s.store.read(
      t.known.key,
      [t, person](storage::ReadTxn& txn) -> Status {
        SYNCLOG_ASSIGN_OR_RETURN(auto standing, domain::read_standing(txn, person));
        return admit(standing, t.id, domain::Role::kViewer);
      },
      [ex, answer](Status st) {
        ex->resume([ex, answer, st] {
          if (!st.ok()) return ex->fail(st.error());
          ex->ctx().error = answer->message;
          ex->respond(std::move(answer->response));
        });
      });
}

void with_device_schema(Services& s, const std::shared_ptr<Exchange>& ex, const SpaceTarget& t, std::size_t kept,
                        std::function<void(domain::SchemaPtr device, domain::SchemaPtr current)> then) {
  const auto header = ex->request().header("x-schema-version");
  if (!header) return then(t.schema, t.schema);
  const auto version = parse_int(*header);
  if (!version || *version < 1) {
    return refuse_in_space(
        s, ex, t, refusal(make_error(ErrorCode::kInvalidRequest, "X-Schema-Version must be a whole number from 1")),
        kept);
  }
  const domain::Schema& current = t.schema->schema;
  if (*version < current.min_version) return refuse_in_space(s, ex, t, upgrade_required(current, *version), kept);
  if (auto device = s.schemas.version(current.name, *version)) return then(device, t.schema);
  // Newer than this server knows: registered on another node a moment ago, perhaps.
  reload_schemas(s, [&s, ex, t, kept, name = current.name, v = *version, then = std::move(then)](Status st) {
    ex->resume([&s, ex, t, kept, name, v, then, st] {
      if (!st.ok()) return ex->fail(st.error());
      const auto latest = s.schemas.latest(name);
      if (auto device = s.schemas.version(name, v)) return then(device, latest);
      refuse_in_space(s, ex, t,
                      refusal(make_error(ErrorCode::kUnprocessable,
                                         "X-Schema-Version " + std::to_string(v) + ": schema " + name +
                                             " has no such version" +
                                             (latest ? " (the latest is " + std::to_string(latest->schema.version) + ")"
                                                     : ""))),
                      kept);
    });
  });
}

}  // namespace synclog::http::handlers
