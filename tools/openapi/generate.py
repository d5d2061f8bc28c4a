#!/usr/bin/env python3
"""Writes docs/openapi.json: synclog's OpenAPI 3 document, every endpoint it serves.

The document is generated so that each schema is written once; the JSON is committed, compiled
into the server (GET /openapi.json) and checked against real responses by the interop tests.
Run it after changing an endpoint:  tools/openapi/generate.py  (then commit docs/openapi.json).
`--check` exits non-zero when docs/openapi.json is not what this script writes.
"""
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "openapi.json"

RESOURCES = ["BOOKMARK", "COLLECTION", "COLLECTION_BOOKMARK", "NOTE", "READING_SESSION"]
MUSHAFS = [1, 2, 3, 4, 5, 6, 7, 11, 19]
# Shared spaces (docs/api.md, "Shared spaces"): a member's roles, and the roles a type may name as writers.
ROLES = ["owner", "lead", "member", "viewer"]
WRITER_ROLES = ["owner", "lead", "member"]
FIELD_TYPES = ["string", "integer", "number", "boolean", "datetime", "enum", "stringList", "reference"]
CONFLICT_POLICIES = ["field", "lastWriteWins", "serverWins"]
SPACE_OUTCOMES = ["applied", "merged", "softMerged", "conflict", "rejected"]


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def obj(props, required=(), additional=False, description=None):
    o = {"type": "object", "properties": props}
    if required:
        o["required"] = list(required)
    if additional is not None:
        o["additionalProperties"] = additional
    if description:
        o["description"] = description
    return o


def arr(items):
    return {"type": "array", "items": items}


STRING = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
TIMESTAMP = {"type": "integer", "description": "Unix epoch milliseconds"}
DATE_TIME = {"type": "string", "format": "date-time"}
CLIENT_TIME = {
    "oneOf": [{"type": "string", "format": "date-time"}, {"type": "integer"}],
    "description": "ISO 8601 with an offset, or epoch milliseconds; stored in UTC.",
}
CLIENT_TIMES = {"clientCreatedAt": CLIENT_TIME, "clientUpdatedAt": CLIENT_TIME}


def success(data, pagination=False):
    props = {"success": {"type": "boolean", "enum": [True]}, "data": data}
    required = ["success", "data"]
    if pagination:
        props["pagination"] = ref("Pagination")
        required.append("pagination")
    return obj(props, required)


def message(*texts):
    return success(obj({"message": {"type": "string", "enum": list(texts)}}, ["message"]))


def json_content(schema):
    return {"application/json": {"schema": schema}}


def header(name, description, schema=None):
    return {"description": description, "schema": schema or STRING}


HEADERS = {
    "X-Mutation-At": header("X-Mutation-At", "The user's head (epoch milliseconds) after this request."),
    "ETag": header("ETag", "The resource's version, the timestamp of its latest mutation, quoted (synclog extension)."),
    "X-Modified-By": header("X-Modified-By", "The x-client-id of the resource's last writer (synclog extension)."),
    "X-Request-Id": header("X-Request-Id", "The request's id, also in the request log."),
    "Retry-After": header("Retry-After", "Seconds to wait before retrying.", INT),
    "X-Conflict-Outcome": header("X-Conflict-Outcome",
                                 "With conflictMode=field and a stale If-Match: how the write was judged (synclog extension).",
                                 {"type": "string", "enum": ["applied", "merged", "softMerged", "conflict"]}),
    "Idempotent-Replayed": header("Idempotent-Replayed",
                                  "`true` when the answer is the one stored under the request's Idempotency-Key "
                                  "(nothing was applied again). synclog extension.",
                                  {"type": "string", "enum": ["true"]}),
    # The shared spaces' versions of X-Mutation-At and X-Modified-By (answers name them so), and
    # the schema version a schema read answers.
    "X-Mutation-At.space": header("X-Mutation-At", "The space's head (epoch milliseconds) after this request; on a pull, "
                                                   "the answer's lastMutationAt, as on GET /v1/sync (synclog extension)."),
    "X-Mutation-At.feed": header("X-Mutation-At", "The head of the person's feed of spaces (epoch milliseconds): the "
                                                  "answer's lastMutationAt, as on GET /v1/sync (synclog extension)."),
    "X-Modified-By.space": header("X-Modified-By", "The person (token subject) who last changed the record (synclog extension)."),
    "X-Schema-Version": header("X-Schema-Version", "The version of the schema document answered (synclog extension).", INT),
}
# A response's header names and the components they refer to, where the two differ.
SPACE_HEADERS = {"X-Mutation-At": "X-Mutation-At.space", "X-Modified-By": "X-Modified-By.space"}


def ok(schema, description="OK", headers=()):
    r = {"description": description, "content": json_content(schema)}
    hs = {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}
    for h in headers:
        hs[h] = {"$ref": f"#/components/headers/{h}"}
    r["headers"] = hs
    return r


def error_refs(*codes):
    names = {
        400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
        408: "RequestTimeout", 409: "OutOfSync", 410: "ResyncRequired", 412: "PreconditionFailed", 413: "PayloadTooLarge",
        422: "Unprocessable", 429: "TooManyRequests", 431: "HeadersTooLarge", 500: "Internal",
        501: "NotImplemented", 503: "Unavailable",
    }
    return {str(c): {"$ref": f"#/components/responses/{names[c]}"} for c in codes}


COMMON_ERRORS = (400, 401, 403, 413, 429, 431, 500, 503)
READ_ERRORS = COMMON_ERRORS + (404, 422)
WRITE_ERRORS = COMMON_ERRORS + (404, 409, 412, 422)


def query(name, schema, description, required=False):
    return {"in": "query", "name": name, "required": required, "schema": schema, "description": description}


def path_param(name, description):
    return {"in": "path", "name": name, "required": True, "schema": STRING, "description": description}


IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False, "schema": {"type": "string", "minLength": 1, "maxLength": 257},
    "description": "Apply this write at most once: a retry with the same key and the same request (method, target, body) "
                   "gets the stored answer again, byte for byte, with Idempotent-Replayed: true; the same key with another "
                   "request is 422. 1-255 visible ASCII characters, bare or as a quoted string; kept at least 24 h. "
                   "synclog extension (IETF httpapi Idempotency-Key draft).",
}
CONDITIONAL_WRITE = [
    IDEMPOTENCY_KEY,
    {"in": "header", "name": "If-Match", "required": False, "schema": STRING,
     "description": "Apply only if the affected resource's ETag is one of these (412 otherwise). synclog extension."},
    {"in": "header", "name": "If-None-Match", "required": False, "schema": STRING,
     "description": "`*`: apply only if the affected resource does not exist yet (412 otherwise). synclog extension."},
    query("lastMutationAt", INT,
          "When present, it must equal the user's head (else 409 OutOfSyncError, as POST /v1/sync); absent: applied unconditionally."),
]
CONFLICT_MODE = query(
    "conflictMode", {"type": "string", "enum": ["strict", "field"]},
    "`field`: report a conflict only where edits really clash (docs/api.md, \"Genuine-only conflicts\"); default `strict`, "
    "the upstream rule. synclog extension.")
# Direct writes that judge a stale If-Match field by field under conflictMode=field.
JUDGED_WRITE = CONDITIONAL_WRITE + [{**CONFLICT_MODE, "description":
    "`field`: a stale If-Match naming one version is not refused outright; the write is judged from that version, "
    "applied when it clashes with nothing (X-Conflict-Outcome), 412 with the clash otherwise. synclog extension."}]
CONDITIONAL_READ = [
    {"in": "header", "name": "If-None-Match", "required": False, "schema": STRING,
     "description": "304 Not Modified when it names the resource's current ETag. synclog extension."},
]
PAGE = [
    query("first", {"type": "integer", "minimum": 1, "maximum": 100}, "Items after `after` (default 20)."),
    query("after", STRING, "A cursor (startCursor/endCursor of a previous page)."),
    query("last", {"type": "integer", "minimum": 1, "maximum": 100}, "Items before `before`."),
    query("before", STRING, "A cursor (startCursor/endCursor of a previous page)."),
]
MUSHAF_ID = query("mushafId", {"type": "integer", "enum": MUSHAFS}, "The mushaf (edition) in use.", required=True)
BOOKMARK_TYPE = {"type": "string", "enum": ["ayah", "surah", "juz", "page"]}

# Shared spaces' parameters (docs/api.md, "Shared spaces").
SPACE_ID = path_param("spaceId", "The space. A space that does not exist and one the person is not a member of are "
                                 "both 404.")
SPACE_TYPE = path_param("type", "A type of the space's schema (404 when it has none).")
RECORD_ID = path_param("recordId", "The record (1-64 of [A-Za-z0-9_-]).")
SCHEMA_VERSION = {
    "in": "header", "name": "X-Schema-Version", "required": False, "schema": {"type": "integer", "minimum": 1},
    "description": "The version of the space's schema the device's app was built for (absent: the latest). Its data is "
                   "checked against that version's rules, then carried to the latest (renamed fields, defaults). Below "
                   "the space's minVersion: 426 SchemaUpgradeRequired, nothing changes; not a whole number from 1: 400; "
                   "a version the schema does not have: 422. synclog extension.",
}
SPACE_IDEMPOTENCY_KEY = {**IDEMPOTENCY_KEY, "description": IDEMPOTENCY_KEY["description"] +
                         " In a space, keys are the person's: two members' keys never meet."}
SPACE_LAST_MUTATION_AT = query(
    "lastMutationAt", INT,
    "When present, it must equal the space's head (else 409 OutOfSyncError; with conflictMode=field any value up to "
    "the head is accepted); absent: applied unconditionally.")
# A space's record writes: CONDITIONAL_WRITE's If-Match and If-None-Match, for the space.
SPACE_CONDITIONAL_WRITE = [SPACE_IDEMPOTENCY_KEY, CONDITIONAL_WRITE[1], CONDITIONAL_WRITE[2], SPACE_LAST_MUTATION_AT,
                           SCHEMA_VERSION]
SPACE_JUDGED_WRITE = SPACE_CONDITIONAL_WRITE + [{**CONFLICT_MODE, "description":
    "`field`: a stale If-Match naming one version is not refused outright; the write is judged from that version as "
    "a push's mutation is (docs/api.md, \"Outcomes\"), applied when nothing it changes clashes or the type's policy "
    "settles the clash (X-Conflict-Outcome: applied, merged or softMerged), 412 with the clash otherwise. synclog "
    "extension."}]


def schemas():
    bookmark_props = {
        "id": STRING, "createdAt": DATE_TIME, "type": STRING, "key": INT,
        "verseNumber": {"type": "integer", "nullable": True}, "group": STRING,
        "isInDefaultCollection": BOOL, "isReading": {"type": "boolean", "nullable": True},
        "collectionsCount": INT,
    }
    note_props = {
        "id": STRING, "createdAt": DATE_TIME, "updatedAt": DATE_TIME, "body": STRING, "source": STRING,
        "attachedEntities": arr(ref("AttachedEntity")), "ranges": arr(STRING),
    }
    s = {
        "GenericError": obj({"message": STRING, "type": STRING, "success": {"type": "boolean", "enum": [False]}},
                            ["message", "type", "success"]),
        "SyncError": obj({"success": {"type": "boolean", "enum": [False]},
                          "error": obj({"code": {"type": "string", "enum": ["OutOfSyncError", "ValidationError", "ResyncRequired"]},
                                        "message": STRING}, ["code", "message"])},
                         ["success", "error"]),
        "Pagination": obj({"startCursor": STRING, "endCursor": STRING, "hasNextPage": BOOL, "hasPreviousPage": BOOL},
                          ["startCursor", "endCursor", "hasNextPage", "hasPreviousPage"]),
        "SyncEntry": obj({
            "type": {"type": "string", "enum": ["CREATE", "UPDATE", "DELETE"]},
            "resource": {"type": "string", "enum": RESOURCES},
            "resourceId": {"type": "string", "description": "Absent for COLLECTION_BOOKMARK in pulls; `<collectionId>-<bookmarkId>` in acks."},
            "data": {"type": "object", "description": "The resource's state (pull) or the request's known fields (ack)."},
            "timestamp": TIMESTAMP,
        }, ["type", "resource", "timestamp"]),
        "Conflict": obj({
            "reason": {"type": "string", "enum": ["changed", "deleted"]},
            "fields": arr(STRING),
            "version": TIMESTAMP,
            "record": {"type": "object", "nullable": True, "description": "The resource's current state in its pull form; null when deleted."},
        }, ["reason", "fields", "version", "record"], description="conflictMode=field: what a mutation clashed with (synclog extension)."),
        "PushAck": obj({
            "type": {"type": "string", "enum": ["CREATE", "UPDATE", "DELETE"]},
            "resource": {"type": "string", "enum": RESOURCES},
            "resourceId": STRING,
            "data": {"type": "object", "description": "The request's known fields."},
            "timestamp": {**TIMESTAMP, "description": "Unix epoch milliseconds; absent for a conflict (not applied)."},
            "outcome": {"type": "string", "enum": ["applied", "merged", "conflict"], "description": "conflictMode=field only."},
            "conflict": ref("Conflict"),
        }, ["type", "resource", "resourceId"]),
        "PreconditionError": obj({"message": STRING, "type": STRING, "success": {"type": "boolean", "enum": [False]},
                                  "conflict": ref("Conflict")}, ["message", "type", "success"]),
        "PushMutation": obj({
            "type": {"type": "string", "enum": ["CREATE", "UPDATE", "DELETE"]},
            "resource": {"type": "string", "enum": RESOURCES},
            "resourceId": {"type": "string",
                           "description": "The target of UPDATE/DELETE. On CREATE, a client-chosen id (1-64 of [A-Za-z0-9_-]): a repeat is an update, never a second resource (synclog extension)."},
            "data": {"type": "object", "description": "Depends on the resource; unknown fields are ignored."},
            "baseTimestamp": {**TIMESTAMP, "description": "conflictMode=field: the version of the resource this edit was made "
                                                          "from (default: lastMutationAt). synclog extension."},
        }, ["type", "resource"], additional=True),
        "PullData": obj({
            "mutations": arr(ref("SyncEntry")), "page": INT, "limit": INT, "total": INT, "hasMore": BOOL,
            "lastMutationAt": TIMESTAMP,
        }, ["lastMutationAt"]),
        "PushData": obj({"mutations": arr(ref("PushAck")), "lastMutationAt": TIMESTAMP},
                        ["mutations", "lastMutationAt"]),
        "Bookmark": obj(bookmark_props, ["id", "createdAt", "type", "key", "group", "isInDefaultCollection", "isReading"]),
        "RawBookmark": obj({
            "id": STRING, "createdAt": DATE_TIME, "bookmarkType": STRING, "key": INT,
            "verseNumber": {"type": "integer", "nullable": True}, "bookmarkGroup": STRING,
            "isInDefaultCollection": BOOL, "isReading": {"type": "boolean", "nullable": True},
        }, ["id", "createdAt", "bookmarkType", "key", "bookmarkGroup", "isInDefaultCollection", "isReading"]),
        "Collection": obj({
            "id": STRING, "name": STRING, "slug": {"type": "string", "nullable": True}, "isPrivate": BOOL,
            "isDefault": BOOL, "isSystem": BOOL, "updatedAt": {"type": "string", "format": "date-time", "nullable": True},
            "url": {"type": "string", "nullable": True}, "bookmarksCount": INT, "resourcesCount": INT, "count": INT,
        }, ["id", "name", "slug", "isPrivate", "isDefault", "isSystem", "updatedAt"]),
        "AttachedEntity": obj({"entityId": STRING, "entityType": {"type": "string", "enum": ["reflection"]},
                               "entityMetadata": {"type": "object"}}, ["entityId", "entityType"]),
        "Note": obj(note_props, ["id", "createdAt", "updatedAt", "body"]),
        "ReadingSession": obj({"id": STRING, "updatedAt": DATE_TIME, "chapterNumber": INT, "verseNumber": INT},
                              ["id", "updatedAt"]),
        "Preference": {"type": "object", "additionalProperties": {"type": "object"},
                       "description": "Groups (theme, reading, quranReaderStyles, translations, tafsirs, audio, language, userHasCustomised) of keys, as the upstream Preference schema."},
        "BookmarkBody": obj({
            "key": INT, "type": BOOKMARK_TYPE, "verseNumber": INT, "isReading": {"type": "boolean", "nullable": True},
            "mushafId": {"type": "integer", "enum": MUSHAFS}, "mushaf": {"type": "integer", "enum": MUSHAFS},
            **CLIENT_TIMES,
        }, ["key"], additional=True),
        "CollectionBookmarkBody": obj({
            "key": INT, "type": BOOKMARK_TYPE, "verseNumber": INT, "bookmarkId": STRING,
            "mushafId": {"type": "integer", "enum": MUSHAFS}, "mushaf": {"type": "integer", "enum": MUSHAFS},
            **CLIENT_TIMES,
        }, additional=True, description="The bookmark by `bookmarkId` or by its details (key, type, verseNumber, mushafId)."),
        "CollectionBody": obj({"name": {"type": "string", "minLength": 1, "maxLength": 255}, **CLIENT_TIMES},
                              ["name"], additional=True),
        "NoteCreateBody": obj({
            "body": {"type": "string", "minLength": 6, "maxLength": 10000}, "ranges": arr(STRING), "saveToQR": BOOL,
            "attachedEntity": ref("AttachedEntity"), **CLIENT_TIMES,
        }, ["body", "ranges"], additional=True),
        "NoteUpdateBody": obj({
            "body": {"type": "string", "minLength": 6, "maxLength": 10000}, "saveToQR": BOOL,
            "ranges": {**arr(STRING), "description": "Accepted and applied (synclog extension)."}, **CLIENT_TIMES,
        }, additional=True, description="`body` is required, except with conflictMode=field, where only the changed fields are sent."),
        "ReadingSessionBody": obj({"chapterNumber": INT, "verseNumber": INT, **CLIENT_TIMES},
                                  ["chapterNumber", "verseNumber"], additional=True),
        "PreferenceBody": obj({"group": STRING, "key": STRING, "value": {}}, ["group", "key", "value"]),
        "Health": obj({"status": STRING}, ["status"]),
    }
    s.update(space_schemas())
    return s


def space_schemas():
    """Shared spaces (docs/api.md, "Shared spaces"): schemas, spaces, members, a space's sync and records."""
    schema_name = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]{0,63}$"}
    nullable_time = {"type": "string", "format": "date-time", "nullable": True}
    summary_props = {
        "name": STRING, "version": INT, "minVersion": INT,
        "versions": {**arr(INT), "description": "Every registered version, ascending."},
        "types": {**arr(ref("SchemaTypeSummary")), "description": "The latest version's types."},
    }
    space_props = {"spaceId": STRING, "name": STRING, "schema": {"type": "string", "description": "The schema's name; "
                   "the space follows its latest version."},
                   "role": {"type": "string", "enum": ROLES, "description": "The person's role in the space."},
                   "createdBy": STRING, "createdAt": DATE_TIME}
    record_props = {
        "clientCreatedAt": DATE_TIME,
        "clientUpdatedAt": {**DATE_TIME, "description": "When the latest change was captured on its device."},
        "updatedBy": {"type": "string", "description": "The person who last changed the record."},
    }
    record_fields = "The type's fields by name, as the current version of the space's schema declares them (a field " \
                    "without a value is absent), then clientCreatedAt, clientUpdatedAt and updatedBy."
    time_fields = {
        "clientCreatedAt": CLIENT_TIME,
        "clientUpdatedAt": {**CLIENT_TIME, "description": "When the device captured the change: ISO 8601 with an offset, "
                            "or epoch milliseconds; stored in UTC. Absent: when the server received it."},
    }
    mutation_type = {"type": "string", "enum": ["CREATE", "UPDATE", "DELETE"]}
    return {
        "SchemaField": obj({
            "type": {"type": "string", "enum": FIELD_TYPES},
            "required": {"type": "boolean", "description": "A CREATE must give it (or get its default); it cannot be cleared."},
            "default": {"description": "The value a CREATE that does not send the field gets (not for a reference)."},
            "minLength": {"type": "integer", "minimum": 0, "maximum": 4096,
                          "description": "string, stringList: characters of the string or of each item."},
            "maxLength": {"type": "integer", "minimum": 1, "maximum": 1048576,
                          "description": "string, stringList: characters of the string or of each item (default 4096)."},
            "min": {"type": "number", "description": "integer, number: the least value."},
            "max": {"type": "number", "description": "integer, number: the greatest value."},
            "maxItems": {"type": "integer", "minimum": 1, "maximum": 10000, "description": "stringList: items (default 100)."},
            "values": {**arr({"type": "string", "minLength": 1}), "minItems": 1, "maxItems": 256,
                       "description": "enum: its values (1-256 distinct strings of 1-256 bytes)."},
            "to": {"type": "string", "description": "reference: the type it points to; the value is the id of a live "
                                                    "record of that type in the same space."},
            "renamedFrom": {"type": "string", "description": "The field's name in the previous version."},
        }, ["type"], description="A field of a declared type. Unknown members are refused."),
        "SchemaType": obj({
            "masterData": {"type": "boolean", "description": "Only owners and leads write it (the default writers)."},
            "writers": {**arr({"type": "string", "enum": WRITER_ROLES}),
                        "description": "The roles that create, update and delete its records; owner is always one. "
                                       "Default: owner and lead for master data, else owner, lead and member."},
            "conflictPolicy": {"type": "string", "enum": CONFLICT_POLICIES,
                               "description": "How a clash under conflictMode=field is settled (default field)."},
            "fields": {"type": "object", "additionalProperties": ref("SchemaField"), "minProperties": 1,
                       "maxProperties": 64, "description": "By name: a letter, then letters, digits and underscores "
                       "(at most 64); id, clientCreatedAt, clientUpdatedAt and updatedBy are reserved."},
        }, ["fields"], description="A declared type. Unknown members are refused."),
        "SchemaDocument": obj({
            "name": schema_name,
            "version": {"type": "integer", "minimum": 1, "maximum": 1000000000},
            "minVersion": {"type": "integer", "minimum": 1, "description": "The oldest version devices may still write "
                           "as (default: version); it never goes back."},
            "types": {"type": "object", "additionalProperties": ref("SchemaType"), "minProperties": 1, "maxProperties": 32,
                      "description": "By name, as field names; at most 32 types over all the schema's versions."},
        }, ["name", "version", "types"], description="A schema document (at most 256 KiB by default). Unknown members "
                                                     "are refused."),
        "SchemaTypeSummary": obj({
            "name": STRING, "masterData": BOOL,
            "conflictPolicy": {"type": "string", "enum": CONFLICT_POLICIES},
            "writers": arr({"type": "string", "enum": WRITER_ROLES}),
        }, ["name", "masterData", "conflictPolicy", "writers"]),
        "SchemaSummary": obj(summary_props, list(summary_props)),
        "SchemaRegistration": obj({**summary_props, "registered": {"type": "boolean", "description":
                                   "false: that version was registered already with the same document."}},
                                  [*summary_props, "registered"]),
        "SpaceCreateBody": obj({
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "schema": {"type": "string", "minLength": 1, "maxLength": 64, "description": "A registered schema's name."},
            "spaceId": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$",
                        "description": "The space's id; minted when absent. `events` is reserved."},
        }, ["name", "schema"], additional=True),
        "Space": obj(space_props, list(space_props)),
        "SpaceDetail": obj({
            **space_props,
            "schemaVersion": {"type": "integer", "description": "The latest version of its schema, which the space follows."},
            "minSchemaVersion": {"type": "integer", "description": "The oldest version devices may write as."},
            "lastMutationAt": {**TIMESTAMP, "description": "The space's head (epoch milliseconds)."},
        }, [*space_props, "schemaVersion", "minSchemaVersion", "lastMutationAt"]),
        "Member": obj({"person": STRING, "role": {"type": "string", "enum": ROLES}, "since": DATE_TIME,
                       "addedBy": STRING}, ["person", "role", "since", "addedBy"]),
        "MemberBody": obj({"person": {"type": "string", "minLength": 1, "maxLength": 255,
                                      "description": "A token subject (no control characters)."},
                           "role": {"type": "string", "enum": ROLES}}, ["person", "role"], additional=True),
        "ReviewItem": obj({
            "id": STRING,
            "person": {"type": "string", "description": "The removed member who sent it."},
            "client": {"type": "string", "description": "Their x-client-id."},
            "at": DATE_TIME,
            "method": {"type": "string", "description": "The refused request's method (POST, PUT, PATCH, DELETE)."},
            "target": {"type": "string",
                       "description": "Its path and query as sent: which space, type and record it was for."},
            "request": {"description": "Its body as sent: JSON, a string when it was not JSON, or null when it had "
                                      "none (a DELETE)."},
        }, ["id", "person", "client", "at", "method", "target", "request"],
            description="A write refused because its writer had been removed."),
        "SpaceFeedEntry": obj({
            "type": mutation_type,
            "resource": {"type": "string", "enum": ["SPACE"]},
            "resourceId": {"type": "string", "description": "The space's id."},
            "data": obj({"name": STRING, "schema": STRING, "role": {"type": "string", "enum": ROLES}},
                        description="CREATE (added to the space) and UPDATE (role changed): the space's name "
                                    "and schema and the person's role; DELETE (removed): {}."),
            "timestamp": TIMESTAMP,
        }, ["type", "resource", "resourceId", "data", "timestamp"]),
        "SpaceFeedData": obj({
            "mutations": arr(ref("SpaceFeedEntry")), "page": INT, "limit": INT, "total": INT, "hasMore": BOOL,
            "lastMutationAt": TIMESTAMP,
        }, ["lastMutationAt"]),
        "SpaceRecordData": obj(record_props, additional=True, description=record_fields),
        "SpaceRecord": obj({"id": STRING, **record_props}, ["id", "clientCreatedAt", "clientUpdatedAt", "updatedBy"],
                           additional=True, description="The record's id, then " + record_fields[0].lower() + record_fields[1:]),
        "SpaceRecordBody": obj({
            **time_fields,
            "updatedBy": {"type": "string", "description": "Ignored: the server records the person."},
            "id": {"type": "string", "description": "Ignored: the record's id is its path's or resourceId."},
        }, additional=True, description="The type's fields by name, as the device's schema version (X-Schema-Version) "
                                        "declares them: a CREATE sends what it has (required fields included; defaults "
                                        "fill the rest), an update the fields it changes; `null` clears a field that is "
                                        "not required. An unknown field is refused (422)."),
        "SpaceEntry": obj({
            "type": mutation_type,
            "resource": {"type": "string", "description": "The record's type."},
            "resourceId": STRING,
            "data": ref("SpaceRecordData"),
            "timestamp": TIMESTAMP,
        }, ["type", "resource", "resourceId", "data", "timestamp"],
            description="A record's latest state (`data`; {} for a DELETE), type and timestamp."),
        "SpacePullData": obj({
            "mutations": arr(ref("SpaceEntry")), "page": INT, "limit": INT, "total": INT, "hasMore": BOOL,
            "lastMutationAt": TIMESTAMP,
        }, ["lastMutationAt"]),
        "SpacePushMutation": obj({
            "type": mutation_type,
            "resource": {"type": "string", "description": "A type of the schema (in the device's version)."},
            "resourceId": {"type": "string", "description": "The target of UPDATE/DELETE. On CREATE, a client-chosen id "
                                                            "(1-64 of [A-Za-z0-9_-]); absent: minted."},
            "data": ref("SpaceRecordBody"),
            "baseTimestamp": {**TIMESTAMP, "description": "conflictMode=field: the version of the record this edit was "
                                                          "made from (default: lastMutationAt)."},
        }, ["type", "resource"], additional=True),
        "FieldClash": obj({
            "field": STRING,
            "kept": {"type": "string", "enum": ["server", "device"], "description": "Settled clashes only: the side kept."},
            "server": obj({
                "value": {"description": "The server's value (null: none)."},
                "by": {"type": "string", "description": "The person who changed it."},
                "client": {"type": "string", "description": "The x-client-id of the device that changed it."},
                "at": {**nullable_time, "description": "When the server took the change."},
                "capturedAt": {**nullable_time, "description": "When its device captured it."},
            }, ["value", "by", "client", "at", "capturedAt"]),
            "device": obj({
                "value": {"description": "The value this mutation sends."},
                "capturedAt": {**nullable_time, "description": "When the device captured it."},
            }, ["value", "capturedAt"]),
        }, ["field", "server", "device"], description="Both sides of a clash on one field."),
        "SpaceConflict": obj({
            "reason": {"type": "string", "enum": ["changed", "deleted"]},
            "fields": arr(STRING),
            "version": {**TIMESTAMP, "description": "The record's version; a resolution sends it as baseTimestamp."},
            "record": {"type": "object", "nullable": True, "additionalProperties": True,
                       "description": "The record as the server has it, in its pull form; null when deleted."},
            "clashes": {**arr(ref("FieldClash")), "description": "Each clashing field, both sides."},
        }, ["reason", "fields", "version", "record"],
            description="What a mutation of a space's record clashed with (conflictMode=field)."),
        "Rejection": obj({
            "reason": {"type": "string", "enum": ["permission", "validation", "reference", "schema"],
                       "description": "permission: the role may not write the type; validation: a field its schema "
                                      "version refuses; reference: a record that does not exist or was deleted; "
                                      "schema: a type the schema does not have."},
            "field": {"type": "string", "description": "The field, when one is at fault."},
            "message": STRING,
        }, ["reason", "message"], description="Why a mutation was not applied (conflictMode=field)."),
        "SpacePushAck": obj({
            "type": mutation_type,
            "resource": STRING,
            "resourceId": {"type": "string", "description": "The record's id (the minted one for a CREATE without one; "
                                                            "empty for a rejected CREATE without one)."},
            "data": {"type": "object", "description": "The request's fields as understood; a rejected mutation's as sent."},
            "timestamp": {**TIMESTAMP, "description": "Unix epoch milliseconds; absent for a conflict or a rejection "
                                                      "(not applied)."},
            "outcome": {"type": "string", "enum": SPACE_OUTCOMES, "description": "conflictMode=field only."},
            "conflict": ref("SpaceConflict"),
            "rejection": ref("Rejection"),
            "settled": {**arr(ref("FieldClash")), "description": "merged or softMerged: the clashes settled, with the "
                                                                 "side kept."},
        }, ["type", "resource", "resourceId"]),
        "SpacePushData": obj({
            "dryRun": {"type": "boolean", "enum": [True], "description": "dryRun=true: nothing was written."},
            "mutations": arr(ref("SpacePushAck")),
            "lastMutationAt": {**TIMESTAMP, "description": "The space's new head (on a dry run, what it would have been)."},
        }, ["mutations", "lastMutationAt"]),
        "SpacePreconditionError": obj({"message": STRING, "type": STRING, "success": {"type": "boolean", "enum": [False]},
                                       "conflict": ref("SpaceConflict")}, ["message", "type", "success"]),
        "SpaceAccessRevokedError": obj({
            "success": {"type": "boolean", "enum": [False]},
            "error": obj({
                "code": {"type": "string", "enum": ["SpaceAccessRevoked"]},
                "message": STRING,
                "spaceId": {"type": "string", "description": "A refused push or record write: the space."},
                "kept": {"type": "integer", "description": "A refused push or record write: the mutations kept for review."},
                "reviewId": {"type": "string", "description": "A refused push or record write: the review item keeping them."},
            }, ["code", "message"]),
        }, ["success", "error"]),
        "SchemaUpgradeError": obj({
            "success": {"type": "boolean", "enum": [False]},
            "error": obj({
                "code": {"type": "string", "enum": ["SchemaUpgradeRequired"]},
                "message": STRING,
                "schema": {"type": "string", "description": "The space's schema."},
                "minVersion": {"type": "integer", "description": "The oldest version the space accepts."},
                "version": {"type": "integer", "description": "The latest version."},
            }, ["code", "message", "schema", "minVersion", "version"]),
        }, ["success", "error"]),
    }


def responses():
    def generic(desc):
        return {"description": desc, "content": json_content(ref("GenericError")),
                "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}}
    r = {
        "BadRequest": generic("Malformed request: a missing required parameter, a body that is not JSON or UTF-8, nesting deeper than 64, malformed HTTP."),
        "Unauthorized": generic("Missing, malformed, expired or badly signed access token."),
        "Forbidden": generic("The token lacks the scope this operation needs."),
        "NotFound": generic("No such route or resource."),
        "MethodNotAllowed": generic("The path exists for other methods (see Allow)."),
        "RequestTimeout": generic("The request did not arrive in time."),
        "OutOfSync": {"description": "lastMutationAt is not the user's head.", "content": json_content(ref("SyncError"))},
        "ResyncRequired": {"description": "mutationsSince is before the retention horizon: deletions since then were purged; "
                                          "sync again from 0. synclog extension.", "content": json_content(ref("SyncError"))},
        "PreconditionFailed": {**generic("If-Match or If-None-Match does not hold for the resource's current version; with "
                                         "conflictMode=field, the write clashes with a change since the If-Match version "
                                         "(the body then carries the clash, with ETag, X-Conflict-Outcome and X-Mutation-At, "
                                         "which the plain 412 lacks; under an Idempotency-Key it is stored and replayed)."),
                               "content": json_content(ref("PreconditionError")),
                               "headers": {h: {"$ref": f"#/components/headers/{h}"} for h in
                                           ("X-Request-Id", "ETag", "X-Conflict-Outcome", "Idempotent-Replayed")}},
        "PayloadTooLarge": generic("The body is larger than the server's limit (1 MiB by default)."),
        "Unprocessable": generic("A value the operation cannot accept; the message names it."),
        "SyncValidation": {"description": "The batch did not validate (ValidationError); or, in the generic envelope, its "
                                          "Idempotency-Key was used for a different request. Nothing was applied.",
                           "content": json_content({"oneOf": [ref("SyncError"), ref("GenericError")]})},
        "TooManyRequests": {**generic("Over the per-user rate limit, or too many failed authentications."),
                            "headers": {"Retry-After": {"$ref": "#/components/headers/Retry-After"},
                                        "X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}},
        "HeadersTooLarge": generic("The request headers are larger than the server's limit."),
        "Internal": generic("A server fault; nothing was applied."),
        "NotImplemented": generic("An upstream operation that belongs to another service."),
        "Unavailable": generic("Draining, storage failure, or too many connections (Retry-After)."),
    }
    # Shared spaces.
    revoked = ("the person was removed from the space (SpaceAccessRevoked envelope)")
    r.update({
        "SpaceForbidden": {"description": "The token lacks the sync scope, or the person's role in the space is too weak "
                                          "for this (generic envelope); or " + revoked + ". synclog extension.",
                           "content": json_content({"oneOf": [ref("GenericError"), ref("SpaceAccessRevokedError")]}),
                           "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}},
        "SpaceWriteForbidden": {"description": "The token lacks the sync scope, or the person's role may not write the "
                                               "type (generic envelope; a push's conflictMode=field rejects that "
                                               "mutation instead); or " + revoked + ": nothing was applied and "
                                               "what the request carried is kept, whole, in the space's review list "
                                               "(spaceId, kept, reviewId; under an Idempotency-Key that answer is stored "
                                               "and replayed; a dry run keeps nothing). synclog extension.",
                                "content": json_content({"oneOf": [ref("GenericError"), ref("SpaceAccessRevokedError")]}),
                                "headers": {h: {"$ref": f"#/components/headers/{h}"} for h in
                                            ("X-Request-Id", "Idempotent-Replayed")}},
        "Taken": generic("A space id that is taken, or a schema version registered already with another document. "
                         "synclog extension."),
        "SpacePreconditionFailed": {**generic("If-Match or If-None-Match does not hold for the record's current version; "
                                              "with conflictMode=field, the write clashes with a change since the "
                                              "If-Match version: the body then carries the clash, field by field, with "
                                              "X-Conflict-Outcome: conflict (under an Idempotency-Key it is stored and "
                                              "replayed). synclog extension."),
                                    "content": json_content(ref("SpacePreconditionError")),
                                    "headers": {h: {"$ref": f"#/components/headers/{h}"} for h in
                                                ("X-Request-Id", "X-Conflict-Outcome", "Idempotent-Replayed")}},
        "SpaceSyncValidation": {"description": "The batch did not validate (ValidationError: its shape, conflictMode "
                                               "neither strict nor field, a bad baseTimestamp; in strict mode also "
                                               "anything a mutation may not do: a field, a reference that does not "
                                               "resolve); or, in the generic envelope, dryRun not a boolean, an "
                                               "X-Schema-Version the schema does not have, or an Idempotency-Key used "
                                               "for a different request. Nothing was applied. synclog extension.",
                                "content": json_content({"oneOf": [ref("SyncError"), ref("GenericError")]})},
        "SchemaUpgradeRequired": {"description": "X-Schema-Version is below the space's minVersion: the app must be "
                                                 "updated; nothing changed (the body names the versions the space "
                                                 "accepts). synclog extension.",
                                  "content": json_content(ref("SchemaUpgradeError"))},
    })
    return r


def op(summary, description, tags, parameters=(), body=None, responses_=None, extension=False):
    o = {"summary": summary, "description": description, "tags": tags, "parameters": list(parameters),
         "responses": responses_ or {}}
    if body is not None:
        o["requestBody"] = {"required": True, "content": json_content(body)}
    if extension:
        o["x-synclog-extension"] = True
    return o


def write_responses(schema, extra=(), etag=False, judged=False):
    headers = (["X-Mutation-At", "Idempotent-Replayed"] + (["ETag", "X-Modified-By"] if etag else [])
               + (["X-Conflict-Outcome"] if judged else []))
    return {"200": ok(schema, headers=headers), **error_refs(*(WRITE_ERRORS + tuple(extra)))}


def read_responses(schema, etag=False, not_modified=False):
    """`etag`: the 200 carries the record's version. `not_modified`: that version covers the whole
    body, so If-None-Match may answer 304 (bookmark and collection reads also show other records)."""
    r = {"200": ok(schema, headers=["ETag", "X-Modified-By"] if etag else [])}
    if not_modified:
        r["304"] = {"description": "Not modified: If-None-Match names the current ETag.",
                    "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}}
    r.update(error_refs(*READ_ERRORS))
    return r


def space_ok(schema, description="OK", headers=(), names=None):
    """`ok` for shared spaces: X-Mutation-At and X-Modified-By are the space's (or, by `names`, other) components."""
    names = SPACE_HEADERS if names is None else names
    r = ok(schema, description)
    for h in headers:
        r["headers"][h] = {"$ref": f"#/components/headers/{names.get(h, h)}"}
    return r


SPACE_ERRORS = {403: "SpaceForbidden", 412: "SpacePreconditionFailed", 426: "SchemaUpgradeRequired"}


def space_errors(*codes, **names):
    """error_refs for shared spaces, ascending: 403 may be SpaceAccessRevoked, 412 carries a space's clash. `names`
    (as "e403"="SpaceWriteForbidden") overrides a status's response."""
    out = {}
    for c in sorted(codes):
        name = names.get(f"e{c}") or SPACE_ERRORS.get(c)
        out[str(c)] = {"$ref": f"#/components/responses/{name}"} if name else error_refs(c)[str(c)]
    return out


def space_paths(sync_get):
    """The shared spaces' and schemas' paths (docs/api.md, "Shared spaces"); `sync_get` is GET /v1/sync, whose
    pull parameters a space's pull and the feed share."""
    p = {}
    schemas_tag = ["Schemas (synclog extension)"]
    spaces_tag = ["Shared spaces (synclog extension)"]
    pull = {prm["name"]: prm for prm in sync_get["parameters"]}

    schema_read = {"200": ok(success(ref("SchemaDocument")), headers=["X-Schema-Version"]),
                   **space_errors(*COMMON_ERRORS, 404, e403="Forbidden")}
    p["/v1/schemas"] = {
        "post": op("Register a schema", "Registers a schema document, or its next version (the `admin` scope: a schema "
                   "serves every space that uses it). A next version whose minVersion is at most the previous version "
                   "must keep what the devices still in its window can write: every type and field (under its name or a "
                   "declared rename) with the same field type, every value accepted before still accepted, new fields "
                   "optional or with a default; otherwise 422, listing each break. A document that breaks any rule is a "
                   "422 naming the place (`Invalid schema: types.site.fields.name.maxLength: ...`).",
                   schemas_tag, body=ref("SchemaDocument"),
                   responses_={"200": ok(success(ref("SchemaRegistration")),
                                         "That version is registered already with the same document (registered: false)."),
                               "201": ok(success(ref("SchemaRegistration")), "Registered (registered: true)."),
                               **space_errors(*COMMON_ERRORS, 409, 422, e403="Forbidden", e409="Taken")},
                   extension=True),
        "get": op("List schemas", "Every registered schema: its versions, latest version, minVersion and the latest "
                  "version's types.", schemas_tag,
                  responses_={"200": ok(success(obj({"schemas": arr(ref("SchemaSummary"))}, ["schemas"]))),
                              **space_errors(*COMMON_ERRORS, e403="Forbidden")},
                  extension=True),
    }
    p["/v1/schemas/{name}"] = {"get": op(
        "Get a schema", "The latest version's document.", schemas_tag, [path_param("name", "The schema's name.")],
        responses_=schema_read, extension=True)}
    p["/v1/schemas/{name}/{version}"] = {"get": op(
        "Get a schema version", "One version's document (404 when the schema has no such version).", schemas_tag,
        [path_param("name", "The schema's name."),
         {"in": "path", "name": "version", "required": True, "schema": {"type": "integer", "minimum": 1},
          "description": "The version."}],
        responses_=schema_read, extension=True)}

    p["/v1/spaces"] = {
        "post": op("Create a space", "The creator is its owner. 422 for an unknown schema or a bad spaceId.", spaces_tag,
                   body=ref("SpaceCreateBody"),
                   responses_={"201": ok(success(ref("Space")), "Created."),
                               **space_errors(*COMMON_ERRORS, 409, 422, e403="Forbidden", e409="Taken")},
                   extension=True),
        "get": op("The person's feed of spaces", "A pull of the person's spaces, with the parameters, pages, "
                  "metadataOnly, envelope and lastMutationAt of GET /v1/sync: `resource` is `SPACE`, `resourceId` the "
                  "space's id; a CREATE is a space the person was added to since the cursor, an UPDATE a role (or name) "
                  "that changed, a DELETE a space they were removed from. Devices keep its lastMutationAt as their "
                  "cursor.", spaces_tag,
                  [pull["mutationsSince"], pull["metadataOnly"], pull["limit"], pull["page"]],
                  responses_={"200": space_ok(success(ref("SpaceFeedData")), headers=["X-Mutation-At"],
                                              names={"X-Mutation-At": "X-Mutation-At.feed"}),
                              **space_errors(*COMMON_ERRORS, 410, 422, e403="Forbidden")},
                  extension=True),
    }
    p["/v1/spaces/events"] = {"get": op(
        "Change stream of spaces", "Server-Sent Events for every space the person belongs to and for their feed. First "
        "`retry: <ms>`; then `event: space` with `data: {\"spaceId\":<id>,\"lastMutationAt\":<head>}` whenever a "
        "space's head moves (pull it), and `event: spaces` with `data: {\"lastMutationAt\":<head>}` when the feed moves "
        "(the person was added to a space, removed from one, or their role changed): the stream then ends, and the "
        "client pulls its feed and connects again, to follow its new list of spaces. Moves during a write coalesce "
        "into the highest. Events carry no id: a client opens the stream, then pulls everything it follows once. "
        "Heartbeats, the per-person cap (--events-per-user), draining and vanished clients work as for GET "
        "/v1/sync/events; errors before the stream are ordinary JSON answers.",
        spaces_tag,
        responses_={"200": {"description": "An endless text/event-stream body (chunked).",
                            "content": {"text/event-stream": {"schema": STRING}},
                            "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"},
                                        "Cache-Control": header("Cache-Control", "`no-store`."),
                                        "X-Accel-Buffering": header("X-Accel-Buffering",
                                                                    "`no`: nginx passes events on without buffering.")}},
                    **space_errors(*COMMON_ERRORS, e403="Forbidden")},
        extension=True)}
    p["/v1/spaces/{spaceId}"] = {"get": op(
        "Get a space", "The space, the person's role, its schema's versions and its head (any member).", spaces_tag,
        [SPACE_ID], responses_={"200": ok(success(ref("SpaceDetail"))), **space_errors(*COMMON_ERRORS, 404)},
        extension=True)}
    p["/v1/spaces/{spaceId}/members"] = {
        "get": op("List members", "Any member.", spaces_tag, [SPACE_ID],
                  responses_={"200": ok(success(obj({"members": arr(ref("Member"))}, ["members"]))),
                              **space_errors(*COMMON_ERRORS, 404)},
                  extension=True),
        "put": op("Add a member or change their role", "Owners only. A space always keeps an owner: the last one cannot "
                  "be demoted (422); beyond the server's limits of members per space or spaces per person, 422. The "
                  "change applies to the person's very next request, and moves their feed.", spaces_tag, [SPACE_ID],
                  ref("MemberBody"),
                  {"200": ok(success(obj({"member": ref("Member"), "added": {"type": "boolean", "description":
                                          "true: the person was added; false: their role changed (or was already it)."}},
                                         ["member", "added"]))),
                   **space_errors(*COMMON_ERRORS, 404, 422)},
                  extension=True),
        "delete": op("Remove a member", "Owners remove anyone; anyone may remove themselves (leave). The last owner "
                     "cannot be removed (422). The person's devices learn it from their feed; their later requests to "
                     "the space are 403 SpaceAccessRevoked.", spaces_tag,
                     [SPACE_ID, query("person", {"type": "string", "minLength": 1, "maxLength": 255},
                                      "The person to remove (400 when absent).", required=True)],
                     responses_={"200": ok(success(obj({"removed": {"type": "string", "description": "The person."}},
                                                       ["removed"]))),
                                 **space_errors(*COMMON_ERRORS, 404, 422)},
                     extension=True),
    }
    p["/v1/spaces/{spaceId}/review"] = {"get": op(
        "List refused writes", "Leads and owners: the pushes and record writes refused because their writer had been "
        "removed, oldest first, kept whole so that nothing is silently dropped.", spaces_tag, [SPACE_ID],
        responses_={"200": ok(success(obj({"items": arr(ref("ReviewItem"))}, ["items"]))),
                    **space_errors(*COMMON_ERRORS, 404)},
        extension=True)}
    p["/v1/spaces/{spaceId}/review/{itemId}"] = {"delete": op(
        "Dismiss a refused write", "Leads and owners, after acting on it; 404 when there is no such item.", spaces_tag,
        [SPACE_ID, path_param("itemId", "The review item.")],
        responses_={"200": ok(success(obj({"dismissed": {"type": "string", "description": "The item's id."}},
                                          ["dismissed"]))),
                    **space_errors(*COMMON_ERRORS, 404)},
        extension=True)}

    p["/v1/spaces/{spaceId}/sync"] = {
        "get": op(
            "Pull a space's mutations", "GET /v1/sync for the space's log (any member): the same parameters, rules "
            "(410 ResyncRequired, capped pulls, offset pages) and envelope. `resource` is a type's name; pulled records "
            "show their fields in the current schema version's shape, then clientCreatedAt, clientUpdatedAt and "
            "updatedBy (a device on an older version gets fields it does not know, and should keep them).", spaces_tag,
            [SPACE_ID, pull["mutationsSince"],
             query("resources", STRING, "Comma-separated type names of the space's schema; default all. An unknown one "
                                        "is 422."),
             pull["metadataOnly"], pull["limit"], pull["page"]],
            responses_={"200": space_ok(success(ref("SpacePullData")), headers=["X-Mutation-At"]),
                        **space_errors(*COMMON_ERRORS, 404, 410, 422)},
            extension=True),
        "post": op(
            "Push mutations to a space", "POST /v1/sync for the space's log. In strict mode (the default) the batch is "
            "all or nothing: `lastMutationAt` must be the space's head (409), and anything a mutation may not do fails "
            "it (422 naming the mutation, 403 for a type the role may not write, 404 for an UPDATE of a missing "
            "record). With conflictMode=field every mutation gets its own outcome and none holds back the rest, which "
            "commit atomically: `applied`; `merged` (other fields changed since its base, or a clash the type's "
            "policy settled: `settled`); `softMerged` (the same person changed a field from another device: the later "
            "capture wins, `settled`); `conflict` (another person changed a field it changes, or the record was "
            "deleted: `conflict` with both sides, not applied); `rejected` (`rejection`, not applied; its data given "
            "back as sent). Viewers write nothing. A push by a person removed from the space is 403 "
            "SpaceAccessRevoked, and what it carried is kept for review. With dryRun=true the answer is exactly what "
            "the push would answer, with `\"dryRun\":true` in `data`, and nothing is written (no X-Mutation-At; "
            "Idempotency-Key is not used).", spaces_tag,
            [SPACE_ID,
             query("lastMutationAt", {"type": "number"}, "The space's head, or -1 while the space has no mutations "
                   "(with conflictMode=field: the device's cursor, at most the head).", required=True),
             {**CONFLICT_MODE, "description": "`field`: every mutation is judged from its base and gets its own "
                                              "outcome (docs/api.md, \"Outcomes\"); default `strict`. Anything else "
                                              "is 422 ValidationError. synclog extension."},
             query("dryRun", BOOL, "Answer what the push would answer, and write nothing (in either mode)."),
             SPACE_IDEMPOTENCY_KEY, SCHEMA_VERSION],
            body=obj({"mutations": {**arr(ref("SpacePushMutation")), "maxItems": 100}}, ["mutations"], additional=True),
            responses_={"200": space_ok(success(ref("SpacePushData")), "OK (a dry run: nothing written, no X-Mutation-At).",
                                        headers=["X-Mutation-At", "Idempotent-Replayed"]),
                        **space_errors(*COMMON_ERRORS, 404, 409, 426, e403="SpaceWriteForbidden"),
                        "422": {"$ref": "#/components/responses/SpaceSyncValidation"}},
            extension=True),
    }

    record = success(ref("SpaceRecord"))
    write_headers = ["X-Mutation-At", "Idempotent-Replayed", "ETag", "X-Modified-By", "X-Conflict-Outcome"]
    write_errors = space_errors(*(WRITE_ERRORS + (426,)), e403="SpaceWriteForbidden")
    p["/v1/spaces/{spaceId}/records/{type}"] = {
        "get": op("List a space's records", "A page of the type's records, by id (cursor pages as the direct lists; at "
                  "most 100). Any member.", spaces_tag, [SPACE_ID, SPACE_TYPE, *PAGE],
                  responses_={"200": ok(success(arr(ref("SpaceRecord")), pagination=True)),
                              **space_errors(*READ_ERRORS)},
                  extension=True),
        "post": op("Create a space's record", "With an id the server mints. The space's rules apply as to a push's "
                   "CREATE: the role (403), fields and references (422), X-Schema-Version (426).", spaces_tag,
                   [SPACE_ID, SPACE_TYPE, *SPACE_CONDITIONAL_WRITE], ref("SpaceRecordBody"),
                   {"201": space_ok(record, "Created.", write_headers[:4]), **write_errors},
                   extension=True),
    }
    p["/v1/spaces/{spaceId}/records/{type}/{recordId}"] = {
        "get": op("Get a space's record", "With its version (ETag) and the person who last changed it "
                  "(X-Modified-By). Any member.", spaces_tag, [SPACE_ID, SPACE_TYPE, RECORD_ID, *CONDITIONAL_READ],
                  responses_={"200": space_ok(record, headers=["ETag", "X-Modified-By"]),
                              "304": {"description": "Not modified: If-None-Match names the current ETag.",
                                      "headers": {h: {"$ref": f"#/components/headers/{SPACE_HEADERS.get(h, h)}"}
                                                  for h in ("ETag", "X-Modified-By")}},
                              **space_errors(*READ_ERRORS)},
                  extension=True),
        "put": op("Create or update a space's record", "Creates it with this id (201), or sets the fields given on the "
                  "existing one (200). The space's rules apply as to a push's mutation.", spaces_tag,
                  [SPACE_ID, SPACE_TYPE, RECORD_ID, *SPACE_JUDGED_WRITE], ref("SpaceRecordBody"),
                  {"200": space_ok(record, "Updated.", write_headers), "201": space_ok(record, "Created.", write_headers[:4]),
                   **write_errors},
                  extension=True),
        "patch": op("Update a space's record", "Sets the fields given (404 when the record does not exist). The space's "
                    "rules apply as to a push's UPDATE.", spaces_tag,
                    [SPACE_ID, SPACE_TYPE, RECORD_ID, *SPACE_JUDGED_WRITE], ref("SpaceRecordBody"),
                    {"200": space_ok(record, headers=write_headers), **write_errors},
                    extension=True),
        "delete": op("Delete a space's record", "The space's rules apply as to a push's DELETE.", spaces_tag,
                     [SPACE_ID, SPACE_TYPE, RECORD_ID, *SPACE_JUDGED_WRITE],
                     responses_={"200": space_ok(success(obj({"id": STRING, "deleted": {"type": "boolean", "enum": [True]}},
                                                             ["id", "deleted"])),
                                                 headers=["X-Mutation-At", "Idempotent-Replayed", "X-Conflict-Outcome"]),
                                 **write_errors},
                     extension=True),
    }
    return p


def paths():
    p = {}
    sync_get = op(
        "Pull mutations", "One entry per resource changed after `mutationsSince` (exclusive), ascending by timestamp. "
        "With `page` or `limit`: offset pages that do not shift while other devices write. With neither: every entry up to "
        "the server's cap; when cut, `hasMore` is true and `lastMutationAt` is the last entry's timestamp.",
        ["Sync"],
        [query("mutationsSince", {"type": "number"}, "Exclusive lower bound (ms); -1 means 0.", required=True),
         query("resources", STRING, "Comma-separated resource names; default all the token may read."),
         query("metadataOnly", BOOL, "Answer only {lastMutationAt}."),
         query("limit", {"type": "number", "minimum": 1, "maximum": 1000}, "Page size (default 100)."),
         query("page", {"type": "number", "minimum": 1}, "1-based page.")],
        responses_={"200": ok(success(ref("PullData")), headers=["X-Mutation-At"]),
                    **error_refs(*(COMMON_ERRORS + (410, 422)))})
    sync_post = op(
        "Push mutations", "Validates the whole batch, checks `lastMutationAt` against the head, then applies it atomically "
        "and durably. One ack per item in request order; `lastMutationAt` is the new head. With conflictMode=field a stale "
        "`lastMutationAt` is no conflict: each mutation is judged from its baseTimestamp and acked with an outcome; clashing "
        "ones are not applied and carry the clash, the rest commit together.",
        ["Sync"],
        [query("lastMutationAt", {"type": "number"}, "The user's head, or -1 while the user has no mutations (with "
               "conflictMode=field: the device's cursor, at most the head).", required=True),
         CONFLICT_MODE, IDEMPOTENCY_KEY],
        body=obj({"mutations": {**arr(ref("PushMutation")), "maxItems": 100}}, ["mutations"], additional=True),
        responses_={"200": ok(success(ref("PushData")), headers=["X-Mutation-At", "Idempotent-Replayed"]),
                    **error_refs(*(COMMON_ERRORS + (404, 409))),
                    "422": {"$ref": "#/components/responses/SyncValidation"}})
    p["/v1/sync"] = {"get": sync_get, "post": sync_post}
    events = op(
        "Change stream", "Server-Sent Events: the user's head whenever it moves, so devices pull at once instead of polling. "
        "First `retry: <ms>`, then, unless the client has seen the current head (Last-Event-ID, else lastMutationAt), one "
        "event with it; then one event per move, moves during a write coalescing into the highest (ids only rise). Each event "
        "is `id: <head>`, `event: head`, `data: {\"lastMutationAt\":<head>}`; a `: heartbeat` comment follows every quiet "
        "interval (15 s by default). The body never ends on its own; on the server's drain it ends and the client reconnects. "
        "Errors before the stream are ordinary JSON answers; 429 (with Retry-After) beyond 16 open streams per user. synclog "
        "extension.",
        ["Sync"],
        [{"in": "header", "name": "Last-Event-ID", "required": False, "schema": STRING,
          "description": "The last event id the client received (EventSource sends it on reconnect): an integer, -1 for none; "
                         "else 422. Takes precedence over lastMutationAt."},
         query("lastMutationAt", INT, "The head the client has already seen, for a first connect; -1 for none; else 422.")],
        responses_={"200": {"description": "An endless text/event-stream body (chunked).",
                            "content": {"text/event-stream": {"schema": STRING}},
                            "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"},
                                        "Cache-Control": header("Cache-Control", "`no-store`."),
                                        "X-Accel-Buffering": header("X-Accel-Buffering",
                                                                    "`no`: nginx passes events on without buffering.")}},
                    **error_refs(*(COMMON_ERRORS + (422,)))},
        extension=True)
    p["/v1/sync/events"] = {"get": events}

    bookmark = success(ref("Bookmark"))
    p["/v1/bookmarks"] = {
        "post": op("Add or update a bookmark", "Upsert by details (type, key, verseNumber, page layout). `isReading: true` makes it the single reading bookmark.",
                   ["Bookmarks"], CONDITIONAL_WRITE, ref("BookmarkBody"), write_responses(bookmark, etag=True)),
        "get": op("List bookmarks", "Bookmarks visible in the mushaf, newest first.", ["Bookmarks"],
                  [query("type", BOOKMARK_TYPE, "Only this type."), query("isReading", BOOL, "Only the reading bookmark (or only the others)."),
                   query("key", INT, "Only this surah, juz or page."), MUSHAF_ID, *PAGE],
                  responses_=read_responses(success(arr(ref("Bookmark")), pagination=True))),
    }
    p["/v1/bookmarks/bookmark"] = {"get": op(
        "Get a bookmark by details", "Or the reading bookmark with isReading=true.", ["Bookmarks"],
        [query("isReading", BOOL, "The reading bookmark."), query("key", INT, "Surah, juz or page number."),
         query("type", BOOKMARK_TYPE, "Default ayah."), query("verseNumber", INT, "The ayah (ayah bookmarks)."),
         query("mushafId", {"type": "integer", "enum": MUSHAFS}, "The mushaf."),
         query("mushaf", {"type": "integer", "enum": MUSHAFS}, "Legacy alias of mushafId.")],
        responses_=read_responses(bookmark, etag=True))}
    p["/v1/bookmarks/collections"] = {"get": op(
        "Collections holding a bookmark", "Collection ids; `__default__` last with includeDefault when it is in Favorites.",
        ["Bookmarks"],
        [query("key", INT, "Surah, juz or page number.", required=True), query("type", BOOKMARK_TYPE, "Default ayah."),
         query("verseNumber", INT, "The ayah (ayah bookmarks)."), query("includeDefault", BOOL, "Append __default__."), MUSHAF_ID, *PAGE],
        responses_=read_responses(success(arr(STRING))))}
    p["/v1/bookmarks/ayahs-range"] = {"get": op(
        "Ayah bookmarks in a range", "Ayah bookmarks of one surah within [start, end].", ["Bookmarks"],
        [query("chapterNumber", INT, "The surah.", required=True), query("rangeStartAyahNumber", INT, "First ayah.", required=True),
         query("rangeEndAyahNumber", INT, "Last ayah.", required=True), MUSHAF_ID],
        responses_=read_responses(success(arr(ref("RawBookmark")), pagination=True)))}
    p["/v1/bookmarks/{bookmarkId}"] = {"delete": op(
        "Delete a bookmark", "Removes an orphan bookmark; one in a collection or in Favorites only stops being the reading bookmark.",
        ["Bookmarks"], [path_param("bookmarkId", "The bookmark."), *JUDGED_WRITE],
        responses_=write_responses(message("bookmark deleted"), judged=True))}

    collection = success(ref("Collection"))
    item_sort = query("sortBy", {"type": "string", "enum": ["recentlyAdded", "verseKey"]}, "Default recentlyAdded.")
    p["/v1/collections"] = {
        "post": op("Create a collection", "", ["Collections"], CONDITIONAL_WRITE, ref("CollectionBody"),
                   write_responses(collection, etag=True)),
        "get": op("List collections", "Favorites is not listed (see /v1/collections/__default__).", ["Collections"],
                  [query("sortBy", {"type": "string", "enum": ["recentlyUpdated", "alphabetical", "alphabeticalDesc"]}, "Default recentlyUpdated."),
                   query("type", BOOKMARK_TYPE, "Only collections holding a bookmark of this type."), *PAGE],
                  responses_=read_responses(success(arr(ref("Collection")), pagination=True))),
    }
    p["/v1/collections/all"] = {"get": op(
        "Bookmarks in any collection", "Every bookmark in a collection or in Favorites, once.", ["Collections"],
        [item_sort, query("type", BOOKMARK_TYPE, "Only this type."), *PAGE],
        responses_=read_responses(success(arr(ref("Bookmark")), pagination=True)))}
    p["/v1/collections/{collectionId}"] = {
        "get": op("Get a collection and its bookmarks", "`__default__` is Favorites.", ["Collections"],
                  [path_param("collectionId", "A collection id or __default__."), item_sort, *PAGE],
                  responses_=read_responses(success(obj({"collection": ref("Collection"), "bookmarks": arr(ref("Bookmark"))},
                                                        ["collection", "bookmarks"]), pagination=True), etag=True)),
        "post": op("Rename a collection", "Favorites cannot be renamed (422).", ["Collections"],
                   [path_param("collectionId", "The collection."), *JUDGED_WRITE], ref("CollectionBody"),
                   write_responses(message("collection renamed"), etag=True, judged=True)),
        "delete": op("Delete a collection", "Also removes its memberships and the bookmarks left orphaned. Favorites cannot be deleted (422).",
                     ["Collections"], [path_param("collectionId", "The collection."), *JUDGED_WRITE],
                     responses_=write_responses(message("collection deleted"), judged=True)),
    }
    p["/v1/collections/{collectionId}/bookmarks"] = {
        "post": op("Add a bookmark to a collection", "By details (the bookmark is created if needed); `__default__` is Favorites (ayah bookmarks only).",
                   ["Collections"], [path_param("collectionId", "A collection id or __default__."), *CONDITIONAL_WRITE],
                   ref("CollectionBookmarkBody"), write_responses(message("collection bookmark added"), etag=True)),
        "delete": op("Remove a bookmark from a collection", "By bookmarkId or details; the bookmark is deleted if that leaves it an orphan.",
                     ["Collections"], [path_param("collectionId", "A collection id or __default__."), *CONDITIONAL_WRITE],
                     ref("CollectionBookmarkBody"), write_responses(success(obj({}, additional=False)))),
    }
    p["/v1/collections/{collectionId}/bookmarks/{bookmarkId}"] = {"delete": op(
        "Remove a bookmark from a collection by id", "The bookmark is deleted if that leaves it an orphan.", ["Collections"],
        [path_param("collectionId", "A collection id or __default__."), path_param("bookmarkId", "The bookmark."), *CONDITIONAL_WRITE],
        responses_=write_responses(message("collection bookmark deleted")))}

    note = success(ref("Note"))
    notes_page = success(arr(ref("Note")), pagination=True)
    range_params = [query("from", STRING, "A verse key, e.g. 2:255.", required=True),
                    query("to", STRING, "A verse key, e.g. 2:257.", required=True)]
    p["/v1/notes"] = {
        "get": op("List notes", "", ["Notes"],
                  [query("cursor", STRING, "endCursor of the previous page."),
                   query("limit", {"type": "integer", "minimum": 1, "maximum": 100}, "Default 20."),
                   query("sortBy", {"type": "string", "enum": ["newest", "oldest"]}, "Default newest.")],
                  responses_=read_responses(notes_page)),
        "post": op("Create a note", "", ["Notes"], CONDITIONAL_WRITE, ref("NoteCreateBody"), write_responses(note, etag=True)),
    }
    p["/v1/notes/by-verse/{verseKey}"] = {"get": op("Notes on a verse", "", ["Notes"], [path_param("verseKey", "e.g. 2:255")],
                                                    responses_=read_responses(notes_page))}
    p["/v1/notes/by-range"] = {"get": op("Notes overlapping a range", "", ["Notes"], range_params,
                                         responses_=read_responses(success(arr(ref("Note")))))}
    p["/v1/notes/count-within-range"] = {"get": op(
        "Notes per verse in a range", "{\"<surah>:<ayah>\": count} for each verse some note covers.", ["Notes"], range_params,
        responses_=read_responses(success({"type": "object", "additionalProperties": INT})))}
    p["/v1/notes/by-attached-entity"] = {"get": op(
        "Notes attached to an entity", "", ["Notes"],
        [query("entityId", STRING, "The entity.", required=True),
         query("entityType", {"type": "string", "enum": ["reflection"]}, "The entity type.", required=True)],
        responses_=read_responses(success(arr(ref("Note")))))}
    p["/v1/notes/{noteId}"] = {
        "get": op("Get a note", "", ["Notes"], [path_param("noteId", "The note."), query("withAttachedEntities", BOOL, "Ignored: entities are always included."), *CONDITIONAL_READ],
                  responses_=read_responses(note, etag=True, not_modified=True)),
        "patch": op("Update a note", "", ["Notes"], [path_param("noteId", "The note."), *JUDGED_WRITE], ref("NoteUpdateBody"),
                    write_responses(note, etag=True, judged=True)),
        "delete": op("Delete a note", "", ["Notes"], [path_param("noteId", "The note."), *JUDGED_WRITE],
                     responses_=write_responses(success(obj({"success": BOOL}, ["success"])), judged=True)),
    }
    p["/v1/notes/{noteId}/publish"] = {"post": op(
        "Publish a note to QuranReflect", "Belongs to QuranReflect, a separate service: synclog answers 501.", ["Notes"],
        [path_param("noteId", "The note.")], responses_=error_refs(401, 403, 501))}

    p["/v1/reading-sessions"] = {
        "get": op("List reading sessions", "Most recent first.", ["Reading sessions"], PAGE,
                  responses_=read_responses(success(arr(ref("ReadingSession")), pagination=True))),
        "post": op("Record the reading position", "Updates the latest session when it is under 20 minutes old, else creates one.",
                   ["Reading sessions"], CONDITIONAL_WRITE, ref("ReadingSessionBody"),
                   write_responses(message("reading session created", "reading session updated"), etag=True)),
    }

    # Upstream requires mushafId here; synclog keeps preferences per user, validates it when
    # present, and accepts its absence: @quranjs/api's preferences.update/bulkUpdate send none.
    pref_mushaf = query("mushafId", {"type": "integer", "enum": MUSHAFS},
                        "The mushaf in use (required upstream; optional here: preferences are not kept per mushaf).")
    pref_errors = error_refs(*(COMMON_ERRORS + (422,)))
    p["/v1/preferences"] = {
        "get": op("Get preferences", "Each stored group, completed with defaults for its required keys.", ["Preferences"],
                  responses_={"200": ok(success(ref("Preference"))), **error_refs(*COMMON_ERRORS)}),
        "post": op("Set one preference", "Not a sync resource: moves no head.", ["Preferences"], [pref_mushaf, IDEMPOTENCY_KEY],
                   ref("PreferenceBody"), {"200": ok(message("preference updated"), headers=["Idempotent-Replayed"]), **pref_errors}),
    }
    p["/v1/preferences/bulk"] = {"post": op(
        "Set preferences by group", "Not a sync resource: moves no head.", ["Preferences"], [pref_mushaf, IDEMPOTENCY_KEY],
        ref("Preference"), {"200": ok(message("preferences updated"), headers=["Idempotent-Replayed"]), **pref_errors})}

    p.update(space_paths(sync_get))

    def unauthenticated(summary, description, schema, content_type="application/json"):
        o = op(summary, description, ["Operations"],
               responses_={"200": {"description": "OK", "content": {content_type: {"schema": schema}}}}, extension=True)
        o["security"] = []
        return o
    p["/healthz"] = {"get": unauthenticated("Liveness", "200 while the process runs.", ref("Health"))}
    p["/readyz"] = {"get": {**unauthenticated("Readiness", "503 while draining or when storage failed.", ref("Health")),
                            "responses": {"200": {"description": "Ready", "content": json_content(ref("Health"))},
                                          "503": {"description": "Not ready", "content": json_content(ref("Health"))}}}}
    p["/metrics"] = {"get": unauthenticated("Prometheus metrics", "Text exposition format.", STRING,
                                            "text/plain; version=0.0.4; charset=utf-8")}
    p["/openapi.json"] = {"get": unauthenticated("This document", "", {"type": "object"})}
    return p


def document():
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "synclog",
            "version": "0.1.0",
            "description": "The Quran Foundation Sync API (pre-live /v1/sync and its direct endpoints) as synclog serves it, "
                           "with synclog's extensions marked: ETags and conditional requests, client-chosen ids, lastMutationAt "
                           "on direct writes, Idempotency-Key on every write, retention (410 ResyncRequired), the change stream "
                           "(GET /v1/sync/events), and shared spaces: teams syncing records of the types their app's schema "
                           "declares (/v1/spaces, /v1/schemas). docs/api.md describes every decision.",
        },
        "servers": [{"url": "/"}],
        "security": [{"xAuthToken": []}, {"bearer": []}],
        "tags": [{"name": t} for t in ["Sync", "Bookmarks", "Collections", "Notes", "Reading sessions", "Preferences",
                                       "Shared spaces (synclog extension)", "Schemas (synclog extension)", "Operations"]],
        "paths": paths(),
        "components": {
            "securitySchemes": {
                "xAuthToken": {"type": "apiKey", "in": "header", "name": "x-auth-token", "description": "A JWT access token."},
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
            "headers": HEADERS,
            "schemas": schemas(),
            "responses": responses(),
        },
    }


def main():
    text = json.dumps(document(), indent=1, sort_keys=False) + "\n"
    if "--check" in sys.argv[1:]:
        if OUT.read_text() != text:
            print(f"{OUT} is stale: run tools/openapi/generate.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
