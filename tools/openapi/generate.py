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
                                 {"type": "string", "enum": ["applied", "merged", "conflict"]}),
    "Idempotent-Replayed": header("Idempotent-Replayed",
                                  "`true` when the answer is the one stored under the request's Idempotency-Key "
                                  "(nothing was applied again). synclog extension.",
                                  {"type": "string", "enum": ["true"]}),
}


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
    return s


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
                           "(GET /v1/sync/events). docs/api.md describes every decision.",
        },
        "servers": [{"url": "/"}],
        "security": [{"xAuthToken": []}, {"bearer": []}],
        "tags": [{"name": t} for t in ["Sync", "Bookmarks", "Collections", "Notes", "Reading sessions", "Preferences", "Operations"]],
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
