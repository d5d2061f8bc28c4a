// The spaces themselves (docs/api.md, "Spaces"):
//   POST   /v1/spaces                         create one (the creator is its owner)
//   GET    /v1/spaces?mutationsSince=C        the person's feed of spaces: added, role changed,
//                                             removed, since the cursor (a pull, same envelope)
//   GET    /v1/spaces/{spaceId}               the space, the person's role, its schema and head
//   GET    /v1/spaces/{spaceId}/members       its members (any member)
//   PUT    /v1/spaces/{spaceId}/members       add a person or change their role (owners)
//   DELETE /v1/spaces/{spaceId}/members?person=P   remove them (owners; anyone may leave)
//   GET    /v1/spaces/{spaceId}/review        writes refused for revocation (leads, owners)
//   DELETE /v1/spaces/{spaceId}/review/{itemId}    dismiss one (leads, owners)
#include <boost/json.hpp>

#include "common/ids.hpp"
#include "common/json_text.hpp"
#include "common/utf8.hpp"
#include "domain/direct_wire.hpp"
#include "domain/pull.hpp"
#include "http/envelope.hpp"
#include "http/exchange.hpp"
#include "http/handlers/direct_support.hpp"
#include "http/handlers/handlers.hpp"
#include "http/handlers/pull_params.hpp"
#include "http/handlers/space_access.hpp"

namespace synclog::http::handlers {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxSpaceName = 200;

std::string data_body(std::string_view data) { return domain::success_body(data); }

// Resolves `subject`'s log (creating it on first use) and calls `then` on the request's strand.
void with_log(Services& s, const std::shared_ptr<Exchange>& ex, std::string subject,
              std::function<void(storage::UserKey)> then) {
  s.store.resolve_user(std::move(subject), s.clock.now_ms(),
                       [ex, then = std::move(then)](Result<storage::UserKey> key) {
                         ex->resume([ex, then, key = std::move(key)] {
                           if (!key.ok()) return ex->fail(key.error());
                           then(*key);
                         });
                       });
}

// Calls `then` on the request's strand once the person is admitted to the space with at least
// `least`; answers admit's refusal otherwise. For what must not happen on a stranger's word
// before the write's own transaction checks again (creating another person's feed).
void with_admitted(Services& s, const std::shared_ptr<Exchange>& ex, const SpaceTarget& t, domain::Role least,
                   std::function<void()> then) {
  s.store.read(
      t.known.key,
      [t, least, person = ex->ctx().subject](storage::ReadTxn& txn) -> Status {
        SYNCLOG_ASSIGN_OR_RETURN(auto standing, domain::read_standing(txn, person));
        return admit(standing, t.id, least);
      },
      [ex, then = std::move(then)](Status st) {
        ex->resume([ex, then, st] {
          if (!st.ok()) return ex->fail(st.error());
          then();
        });
      });
}

// Runs `fn` in the space's write transaction and answers `status` with what it returns, or its
// error; `committed` runs first when it succeeded.
void write_space(Services& s, const std::shared_ptr<Exchange>& ex, storage::UserKey space,
                 std::function<Result<std::string>(storage::WriteTxn&)> fn, int status = 200,
                 std::function<void()> committed = {}) {
  auto body = std::make_shared<std::string>();
  s.store.write(
      space,
      [fn = std::move(fn), body](storage::WriteTxn& txn) -> Status {
        SYNCLOG_ASSIGN_OR_RETURN(*body, fn(txn));
        return Status();
      },
      [ex, body, status, committed = std::move(committed)](Status st) {
        ex->resume([ex, body, status, st, committed] {
          if (!st.ok()) return ex->fail(st.error());
          if (committed) committed();
          ex->respond(json_response(status, data_body(*body)));
        });
      });
}

// Runs `fn` in the space's read transaction and answers 200 with what it returns.
void read_space(Services& s, const std::shared_ptr<Exchange>& ex, storage::UserKey space,
                std::function<Result<std::string>(storage::ReadTxn&)> fn) {
  auto body = std::make_shared<std::string>();
  s.store.read(
      space,
      [fn = std::move(fn), body](storage::ReadTxn& txn) -> Status {
        SYNCLOG_ASSIGN_OR_RETURN(*body, fn(txn));
        return Status();
      },
      [ex, body](Status st) {
        ex->resume([ex, body, st] {
          if (!st.ok()) return ex->fail(st.error());
          ex->respond(json_response(200, data_body(*body)));
        });
      });
}

Result<std::string> string_member(const json::object& o, std::string_view key, bool required, std::size_t max_chars) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) {
    if (required) return make_error(ErrorCode::kUnprocessable, "Missing " + std::string(key));
    return std::string();
  }
  if (!v->is_string() || v->get_string().empty() ||
      utf8_length(std::string_view(v->get_string())) > max_chars) {
    return make_error(ErrorCode::kUnprocessable,
                      "Invalid " + std::string(key) + ": must be a string of 1-" + std::to_string(max_chars) + " characters");
  }
  return std::string(v->get_string());
}

// A person as tokens name them: 1-255 characters, no control characters (auth/jwt.cpp).
Result<std::string> person_value(std::string_view v) {
  if (v.empty() || v.size() > 255 || !is_valid_utf8(v)) {
    return make_error(ErrorCode::kUnprocessable, "Invalid person: must be a token subject of 1-255 characters");
  }
  for (char c : v) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return make_error(ErrorCode::kUnprocessable, "Invalid person: control characters are not allowed");
    }
  }
  return std::string(v);
}

void create_space(Services& s, const std::shared_ptr<Exchange>& ex) {
  if (auto st = require_scope(ex->ctx(), "sync"); !st.ok()) return ex->fail(st.error());
  auto body = json_object_body(ex->request());
  if (!body.ok()) return ex->fail(body.error());
  const auto& o = body->get_object();
  auto name = string_member(o, "name", true, kMaxSpaceName);
  if (!name.ok()) return ex->fail(name.error());
  auto schema_name = string_member(o, "schema", true, domain::kMaxNameLength);
  if (!schema_name.ok()) return ex->fail(schema_name.error());
  auto id = string_member(o, "spaceId", false, 64);
  if (!id.ok()) return ex->fail(id.error());
  if (!id->empty() && !is_valid_id(*id)) {
    return ex->fail(make_error(ErrorCode::kUnprocessable, "Invalid spaceId: must be 1-64 characters of A-Z, a-z, 0-9, _ and -"));
  }
  // GET /v1/spaces/events is the change stream, not a space.
  if (*id == "events") return ex->fail(make_error(ErrorCode::kUnprocessable, "Invalid spaceId: \"events\" is reserved"));
  if (!s.schemas.latest(*schema_name)) {
    return ex->fail(make_error(ErrorCode::kUnprocessable, "Invalid schema: no schema named " + *schema_name +
                                                              " is registered (GET /v1/schemas lists them)"));
  }
  domain::SpaceInfo info;
  info.id = id->empty() ? new_resource_id() : *id;
  info.name = std::move(*name);
  info.schema = std::move(*schema_name);
  info.created_by = ex->ctx().subject;
  info.created_ms = s.clock.now_ms();
  with_log(s, ex, domain::feed_subject(info.created_by), [&s, ex, info](storage::UserKey feed) {
    with_log(s, ex, domain::space_subject(info.id), [&s, ex, info, feed](storage::UserKey space) {
      const auto limits = s.options.space_limits;
      const std::int64_t now = info.created_ms;
      write_space(
          s, ex, space,
          [info, feed, limits, now](storage::WriteTxn& txn) -> Result<std::string> {
            SYNCLOG_ASSIGN_OR_RETURN(storage::WriteTxn * owner_feed, txn.also(feed));
            SYNCLOG_RETURN_IF_ERROR(domain::create_space(txn, *owner_feed, info, limits, now));
            return domain::space_json(info, domain::Role::kOwner);
          },
          201, [&s, id = info.id, known = KnownSpace{space, info.schema}] { s.spaces.remember(id, known); });
    });
  });
}

void get_feed(Services& s, const std::shared_ptr<Exchange>& ex) {
  if (auto st = require_scope(ex->ctx(), "sync"); !st.ok()) return ex->fail(st.error());
  auto parsed = parse_pull_params(ex->request(), s.options, [](domain::PullRequest& p) -> Status {
    p.types = &domain::feed_types();
    p.resources = domain::ResourceSet::all();
    return Status();
  });
  if (!parsed.ok()) return ex->fail(parsed.error());
  with_log(s, ex, domain::feed_subject(ex->ctx().subject), [&s, ex, req = *parsed](storage::UserKey feed) {
    auto result = std::make_shared<domain::PullResult>();
    s.store.read(
        feed,
        [req, result](storage::ReadTxn& txn) -> Status {
          SYNCLOG_ASSIGN_OR_RETURN(*result, domain::run_pull(txn, req));
          if (result->more_pages) txn.mark_traversal();
          return Status();
        },
        [ex, result](Status st) {
          ex->resume([ex, result, st] {
            if (!st.ok()) return ex->fail(st.error());
            ex->ctx().entries = static_cast<std::int64_t>(result->entries);
            ex->respond(pull_response(std::move(*result)));
          });
        });
  });
}

void get_space(Services& s, const std::shared_ptr<Exchange>& ex) {
  with_space(s, ex, [&s, ex](SpaceTarget t) {
    const std::string person = ex->ctx().subject;
    read_space(s, ex, t.known.key, [t, person](storage::ReadTxn& txn) -> Result<std::string> {
      SYNCLOG_ASSIGN_OR_RETURN(auto standing, domain::read_standing(txn, person));
      SYNCLOG_RETURN_IF_ERROR(admit(standing, t.id, domain::Role::kViewer));
      SYNCLOG_ASSIGN_OR_RETURN(const auto head, txn.head());
      std::string out = domain::space_json(*standing.info, standing.member->role);
      out.pop_back();
      JsonObjectWriter extra;
      extra.num("schemaVersion", t.schema->schema.version).num("minSchemaVersion", t.schema->schema.min_version)
          .num("lastMutationAt", head.head);
      std::string more = std::move(extra).finish();
      out.push_back(',');
      out.append(more.substr(1));
      return out;
    });
  });
}

void get_members(Services& s, const std::shared_ptr<Exchange>& ex) {
  with_space(s, ex, [&s, ex](SpaceTarget t) {
    const std::string person = ex->ctx().subject;
    read_space(s, ex, t.known.key, [t, person](storage::ReadTxn& txn) -> Result<std::string> {
      SYNCLOG_ASSIGN_OR_RETURN(auto standing, domain::read_standing(txn, person));
      SYNCLOG_RETURN_IF_ERROR(admit(standing, t.id, domain::Role::kViewer));
      SYNCLOG_ASSIGN_OR_RETURN(auto members, domain::list_members(txn));
      std::string list = "[";
      for (const auto& m : members) {
        if (list.size() > 1) list.push_back(',');
        list += domain::member_json(m);
      }
      list.push_back(']');
      JsonObjectWriter w;
      w.raw("members", list);
      return std::move(w).finish();
    });
  });
}

void put_member(Services& s, const std::shared_ptr<Exchange>& ex) {
  auto body = json_object_body(ex->request());
  if (!body.ok()) return ex->fail(body.error());
  const auto& o = body->get_object();
  auto person_text = string_member(o, "person", true, 255);
  if (!person_text.ok()) return ex->fail(person_text.error());
  auto person = person_value(*person_text);
  if (!person.ok()) return ex->fail(person.error());
  auto role_text = string_member(o, "role", true, 16);
  if (!role_text.ok()) return ex->fail(role_text.error());
  const auto role = domain::parse_role(*role_text);
  if (!role) return ex->fail(make_error(ErrorCode::kUnprocessable, "Invalid role: must be owner, lead, member or viewer"));
  with_space(s, ex, [&s, ex, person = *person, role = *role](SpaceTarget t) {
    with_admitted(s, ex, t, domain::Role::kOwner, [&s, ex, t, person, role] {
      with_log(s, ex, domain::feed_subject(person), [&s, ex, t, person, role](storage::UserKey feed) {
        const std::string by = ex->ctx().subject;
        const auto limits = s.options.space_limits;
        const std::int64_t now = s.clock.now_ms();
        write_space(s, ex, t.known.key, [t, by, person, role, feed, limits, now](storage::WriteTxn& txn) -> Result<std::string> {
          SYNCLOG_ASSIGN_OR_RETURN(auto standing, domain::read_standing(txn, by));
          SYNCLOG_RETURN_IF_ERROR(admit(standing, t.id, domain::Role::kOwner));
          SYNCLOG_ASSIGN_OR_RETURN(storage::WriteTxn * their_feed, txn.also(feed));
          SYNCLOG_ASSIGN_OR_RETURN(const bool added,
                                   domain::set_member(txn, *their_feed, *standing.info, person, role, by, limits, now));
          SYNCLOG_ASSIGN_OR_RETURN(auto after, domain::read_standing(txn, person));
          JsonObjectWriter w;
          w.raw("member", domain::member_json(*after.member)).boolean("added", added);
          return std::move(w).finish();
        });
      });
    });
  });
}

void delete_member(Services& s, const std::shared_ptr<Exchange>& ex) {
  const auto param = ex->request().param("person");
  if (!param) return ex->fail(make_error(ErrorCode::kInvalidRequest, "person is required"));
  auto person = person_value(*param);
  if (!person.ok()) return ex->fail(person.error());
  with_space(s, ex, [&s, ex, person = *person](SpaceTarget t) {
    // Anyone may leave; only owners remove others.
    const domain::Role least = person == ex->ctx().subject ? domain::Role::kViewer : domain::Role::kOwner;
    with_admitted(s, ex, t, least, [&s, ex, t, person, least] {
      with_log(s, ex, domain::feed_subject(person), [&s, ex, t, person, least](storage::UserKey feed) {
        const std::string by = ex->ctx().subject;
        const std::int64_t now = s.clock.now_ms();
        write_space(s, ex, t.known.key, [t, by, person, least, feed, now](storage::WriteTxn& txn) -> Result<std::string> {
          SYNCLOG_ASSIGN_OR_RETURN(auto standing, domain::read_standing(txn, by));
          SYNCLOG_RETURN_IF_ERROR(admit(standing, t.id, least));
          SYNCLOG_ASSIGN_OR_RETURN(storage::WriteTxn * their_feed, txn.also(feed));
          SYNCLOG_RETURN_IF_ERROR(domain::remove_member(txn, *their_feed, *standing.info, person, by, now));
          JsonObjectWriter w;
          w.str("removed", person);
          return std::move(w).finish();
        });
      });
    });
  });
}

void get_review(Services& s, const std::shared_ptr<Exchange>& ex) {
  with_space(s, ex, [&s, ex](SpaceTarget t) {
    const std::string person = ex->ctx().subject;
    read_space(s, ex, t.known.key, [t, person](storage::ReadTxn& txn) -> Result<std::string> {
      SYNCLOG_ASSIGN_OR_RETURN(auto standing, domain::read_standing(txn, person));
      SYNCLOG_RETURN_IF_ERROR(admit(standing, t.id, domain::Role::kLead));
      SYNCLOG_ASSIGN_OR_RETURN(auto items, domain::list_review(txn));
      std::string list = "[";
      for (const auto& item : items) {
        if (list.size() > 1) list.push_back(',');
        list += domain::review_json(item);
      }
      list.push_back(']');
      JsonObjectWriter w(list.size() + 32);
      w.raw("items", list);
      return std::move(w).finish();
    });
  });
}

void delete_review(Services& s, const std::shared_ptr<Exchange>& ex) {
  auto item = path_id(*ex, "itemId", "Review item");
  if (!item.ok()) return ex->fail(item.error());
  with_space(s, ex, [&s, ex, item = *item](SpaceTarget t) {
    const std::string person = ex->ctx().subject;
    write_space(s, ex, t.known.key, [t, person, item](storage::WriteTxn& txn) -> Result<std::string> {
      SYNCLOG_ASSIGN_OR_RETURN(auto standing, domain::read_standing(txn, person));
      SYNCLOG_RETURN_IF_ERROR(admit(standing, t.id, domain::Role::kLead));
      SYNCLOG_RETURN_IF_ERROR(domain::drop_review(txn, item));
      JsonObjectWriter w;
      w.str("dismissed", item);
      return std::move(w).finish();
    });
  });
}

}  // namespace

void add_space_routes(Router& router, Services& services) {
  Services* s = &services;
  router.add(Route{"POST", "/v1/spaces", true, [s](const auto& ex) { create_space(*s, ex); }});
  router.add(Route{"GET", "/v1/spaces", true, [s](const auto& ex) { get_feed(*s, ex); }});
  router.add(Route{"GET", "/v1/spaces/{spaceId}", true, [s](const auto& ex) { get_space(*s, ex); }});
  router.add(Route{"GET", "/v1/spaces/{spaceId}/members", true, [s](const auto& ex) { get_members(*s, ex); }});
  router.add(Route{"PUT", "/v1/spaces/{spaceId}/members", true, [s](const auto& ex) { put_member(*s, ex); }});
  router.add(Route{"DELETE", "/v1/spaces/{spaceId}/members", true, [s](const auto& ex) { delete_member(*s, ex); }});
  router.add(Route{"GET", "/v1/spaces/{spaceId}/review", true, [s](const auto& ex) { get_review(*s, ex); }});
  router.add(Route{"DELETE", "/v1/spaces/{spaceId}/review/{itemId}", true,
                   [s](const auto& ex) { delete_review(*s, ex); }});
}

}  // namespace synclog::http::handlers
