// Every limit and tuning constant of the sync domain, each with the reason for its value.
// Command-line flags may override the ones marked "default".
#pragma once

#include <cstddef>
#include <cstdint>

namespace synclog::domain {

// The upstream contract's batch limit ("Mutations must not exceed 100").
inline constexpr std::size_t kMaxMutationsPerPush = 100;
// The upstream contract's page size bounds for GET /v1/sync.
inline constexpr int kDefaultPageLimit = 100;
inline constexpr int kMaxPageLimit = 1000;
// Default for a GET with neither page nor limit (the official mobile engine's shape): large
// enough that a typical user's whole history arrives at once, small enough to bound a response
// (~2-3 MB). Configurable with --pull-cap.
inline constexpr int kDefaultPullCap = 10000;
// A capped GET also stops once its answer reaches this many bytes (configurable with
// --pull-max-bytes), the way it stops at the entry cap: one user's long notes must not make
// one answer hundreds of megabytes.
inline constexpr std::size_t kDefaultPullMaxBytes = 8u << 20;
// Offset pages cannot be cut short without shifting the next page, so their size is bounded
// by the field limits instead (about 57 KB per entry at worst, 1000 entries per page); past
// this, which valid data never reaches, a page is refused rather than built.
inline constexpr std::size_t kMaxPagedResponseBytes = 64u << 20;
// A page number past this cannot be reached with 1000-entry pages of any real history and
// would only make OFFSET scans expensive.
inline constexpr std::int64_t kMaxPage = 1000000;
// Field limits from the upstream schemas.
inline constexpr std::size_t kMaxCollectionName = 255;
inline constexpr std::size_t kMinNoteBody = 6;
inline constexpr std::size_t kMaxNoteBody = 10000;
// Not bounded upstream; a note about more than 100 separate passages is not a note.
inline constexpr std::size_t kMaxNoteRanges = 100;
// Bounds what a client can make the server store per note beyond the body itself.
inline constexpr std::size_t kMaxEntityIdLength = 255;
inline constexpr std::size_t kMaxEntityMetadataBytes = 16 * 1024;
// The direct reading-session endpoint updates the latest session if it is younger than this.
inline constexpr std::int64_t kReadingSessionWindowMs = 20 * 60 * 1000;

}  // namespace synclog::domain
