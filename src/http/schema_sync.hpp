// Keeping a server's schema catalog (Services::schemas) in step with the catalog's log: loaded
// before serving, reloaded whenever the log's head moves (a registration on any node: the
// store's head events carry other nodes' moves too), and on demand when a device names a
// version this server has not heard of yet.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/app.hpp"

namespace synclog::http {

// Reads every registered document and replaces the catalog's contents; `done` gets the outcome
// on a store thread.
void reload_schemas(Services& s, std::function<void(Status)> done);

// Registers `document` in the catalog's log and, once committed, in this server's catalog.
// `done` gets the registration (or the refusal) on a store thread.
void register_schema(Services& s, std::string document, std::function<void(Result<domain::Registration>)> done);

// Head events for the store: the change stream's, and a reload of the catalog when its log moves.
storage::HeadEvents with_schema_reloads(Services& s, storage::HeadEvents events);

}  // namespace synclog::http
