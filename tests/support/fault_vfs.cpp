// The fault-injecting VFS: a wrapper around SQLite's real default VFS that keeps, per file, an
// undo log of the writes since the file's last sync. See fault_vfs.hpp for what it simulates.
//
// Why an undo log rather than copies of the synced files: a sync then costs nothing but
// clearing the log, so a loop over hundreds of cut points stays fast, and a restore is exact
// byte for byte (overlapping writes are undone newest first).
#include "fault_vfs.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace synclog::test {

struct FaultVfs::State {
  struct Undo {
    std::int64_t offset = 0;
    std::string old;           // the bytes the write replaced (those that existed)
    std::int64_t length = 0;   // how many bytes the write wrote
    std::uint64_t order = 0;   // across all files: which unsynced write was the last
  };
  struct Track {
    std::int64_t synced_size = 0;  // the file's length at its last sync (or when first opened)
    bool created = true;           // created by the workload: absent if never synced
    std::vector<Undo> undo;        // writes since the last sync, oldest first
  };

  std::mutex mu;
  FaultPlan plan;
  bool armed = false;
  bool cut = false;
  bool full = false;
  int writes = 0;
  int syncs = 0;
  int opens = 0;
  int failures = 0;
  std::uint64_t order = 0;
  std::map<std::string, Track> tracks;
  sqlite3_vfs* real = nullptr;
  sqlite3_vfs vfs{};
  sqlite3_io_methods methods{};
};

namespace {

FaultVfs::State& state() {
  static FaultVfs::State s;
  return s;
}

// Where a file deleted after the power cut waits to be put back.
constexpr const char* kAside = ".fault-deleted";

// The wrapper's file: the real VFS's file object follows it in the same allocation.
struct FaultFile {
  sqlite3_file base;
  sqlite3_file* real;
  std::string* path;  // its own copy (a track may be dropped while it is open); null: untracked
};

sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->real; }

std::int64_t size_of(sqlite3_file* real) {
  sqlite3_int64 size = 0;
  return real->pMethods->xFileSize(real, &size) == SQLITE_OK ? size : 0;
}

int fault_close(sqlite3_file* f) {
  auto* ff = reinterpret_cast<FaultFile*>(f);
  delete ff->path;
  ff->path = nullptr;
  return ff->real->pMethods ? ff->real->pMethods->xClose(ff->real) : SQLITE_OK;
}

int fault_read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
  return real_of(f)->pMethods->xRead(real_of(f), buf, amount, offset);
}

int fault_write(sqlite3_file* f, const void* buf, int amount, sqlite3_int64 offset) {
  auto* ff = reinterpret_cast<FaultFile*>(f);
  auto& s = state();
  std::lock_guard lock(s.mu);
  if (ff->path) {
    ++s.writes;
    if (s.armed && s.full) {
      ++s.failures;
      return SQLITE_FULL;
    }
    if (s.armed && s.plan.fail_write_at == s.writes) {
      ++s.failures;
      s.full = s.plan.disk_full;
      return s.plan.disk_full ? SQLITE_FULL : SQLITE_IOERR_WRITE;
    }
    FaultVfs::State::Undo undo;
    undo.offset = offset;
    undo.length = amount;
    undo.order = ++s.order;
    const std::int64_t size = size_of(ff->real);
    if (offset < size) {
      undo.old.resize(static_cast<std::size_t>(std::min<std::int64_t>(amount, size - offset)));
      ff->real->pMethods->xRead(ff->real, undo.old.data(), static_cast<int>(undo.old.size()), offset);
    }
    s.tracks[*ff->path].undo.push_back(std::move(undo));
    if (s.armed && s.plan.cut_after_write == s.writes) s.cut = true;  // this write is not durable
  }
  return ff->real->pMethods->xWrite(ff->real, buf, amount, offset);
}

int fault_truncate(sqlite3_file* f, sqlite3_int64 size) {
  auto* ff = reinterpret_cast<FaultFile*>(f);
  auto& s = state();
  std::lock_guard lock(s.mu);
  if (ff->path) {
    const std::int64_t current = size_of(ff->real);
    if (size < current) {
      // A truncation is undone like a write of the bytes it removed.
      FaultVfs::State::Undo undo;
      undo.offset = size;
      undo.length = 0;
      undo.order = ++s.order;
      undo.old.resize(static_cast<std::size_t>(current - size));
      ff->real->pMethods->xRead(ff->real, undo.old.data(), static_cast<int>(undo.old.size()), size);
      s.tracks[*ff->path].undo.push_back(std::move(undo));
    }
  }
  return ff->real->pMethods->xTruncate(ff->real, size);
}

int fault_sync(sqlite3_file* f, int flags) {
  auto* ff = reinterpret_cast<FaultFile*>(f);
  auto& s = state();
  std::lock_guard lock(s.mu);
  if (!ff->path) return ff->real->pMethods->xSync(ff->real, flags);
  ++s.syncs;
  if (s.armed && s.plan.fail_sync_at == s.syncs) {
    // The data stays unsynced (its undo is kept): a failed fsync guarantees nothing.
    ++s.failures;
    return SQLITE_IOERR_FSYNC;
  }
  const int rc = ff->real->pMethods->xSync(ff->real, flags);
  if (rc != SQLITE_OK || s.cut) return rc;
  auto& track = s.tracks[*ff->path];
  track.undo.clear();
  track.synced_size = size_of(ff->real);
  if (s.armed && s.plan.cut_after_sync == s.syncs) s.cut = true;
  return SQLITE_OK;
}

int fault_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int fault_lock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xLock(real_of(f), level); }
int fault_unlock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xUnlock(real_of(f), level); }
int fault_check_reserved(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int fault_file_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int fault_sector_size(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
int fault_device_characteristics(sqlite3_file* f) {
  return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
// The WAL index lives in shared memory: never durable, rebuilt from the WAL after a crash.
int fault_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real_of(f)->pMethods->xShmMap(real_of(f), page, size, extend, out);
}
int fault_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void fault_shm_barrier(sqlite3_file* f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
int fault_shm_unmap(sqlite3_file* f, int remove) {
  return real_of(f)->pMethods->xShmUnmap(real_of(f), remove);
}

bool exists(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0;
}

std::int64_t file_size(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0 ? st.st_size : 0;
}

int fault_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  auto& s = *static_cast<FaultVfs::State*>(vfs->pAppData);
  auto* ff = reinterpret_cast<FaultFile*>(f);
  ff->real = reinterpret_cast<sqlite3_file*>(ff + 1);
  ff->path = nullptr;
  ff->base.pMethods = nullptr;
  const bool tracked = name && !(flags & SQLITE_OPEN_DELETEONCLOSE);
  bool existed = false;
  std::int64_t size = 0;
  if (tracked) {
    std::lock_guard lock(s.mu);
    ++s.opens;
    if (s.armed && s.plan.fail_open_at == s.opens) {
      ++s.failures;
      return SQLITE_CANTOPEN;
    }
    existed = exists(name);
    size = file_size(name);
  }
  const int rc = s.real->xOpen(s.real, name, ff->real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  ff->base.pMethods = &s.methods;
  if (tracked) {
    std::lock_guard lock(s.mu);
    auto [it, added] = s.tracks.try_emplace(name);
    if (added) {
      // What existed before the workload touched it counts as durable.
      it->second.synced_size = size;
      it->second.created = !existed;
    }
    ff->path = new std::string(it->first);
  }
  return SQLITE_OK;
}

int fault_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  auto& s = *static_cast<FaultVfs::State*>(vfs->pAppData);
  {
    std::lock_guard lock(s.mu);
    // After the cut nothing reaches the disk, a deletion no more than a write. The process must
    // still see the file gone (a rollback journal left in place would look hot and undo a
    // commit), so it is set aside and put back by restore_durable().
    if (s.cut && s.tracks.count(name)) {
      const std::string aside = std::string(name) + kAside;
      return ::rename(name, aside.c_str()) == 0 ? SQLITE_OK : SQLITE_IOERR_DELETE;
    }
    s.tracks.erase(name);
  }
  return s.real->xDelete(s.real, name, sync_dir);
}

int fault_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  auto* real = static_cast<FaultVfs::State*>(vfs->pAppData)->real;
  return real->xAccess(real, name, flags, out);
}
int fault_full_pathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  auto* real = static_cast<FaultVfs::State*>(vfs->pAppData)->real;
  return real->xFullPathname(real, name, n, out);
}
int fault_randomness(sqlite3_vfs* vfs, int n, char* out) {
  auto* real = static_cast<FaultVfs::State*>(vfs->pAppData)->real;
  return real->xRandomness(real, n, out);
}
int fault_sleep(sqlite3_vfs* vfs, int us) {
  auto* real = static_cast<FaultVfs::State*>(vfs->pAppData)->real;
  return real->xSleep(real, us);
}
int fault_current_time(sqlite3_vfs* vfs, double* out) {
  auto* real = static_cast<FaultVfs::State*>(vfs->pAppData)->real;
  return real->xCurrentTime(real, out);
}
int fault_last_error(sqlite3_vfs* vfs, int n, char* out) {
  auto* real = static_cast<FaultVfs::State*>(vfs->pAppData)->real;
  return real->xGetLastError(real, n, out);
}
int fault_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  auto* real = static_cast<FaultVfs::State*>(vfs->pAppData)->real;
  return real->xCurrentTimeInt64(real, out);
}

// Takes one file back to its durable content: undo newest first, then the synced length. With
// `torn`, the newest write of all keeps its first half (a sector that made it, one that did not).
void restore_file(const std::string& path, const FaultVfs::State::Track& track, std::uint64_t torn_order) {
  // A deletion after the cut never happened: the file set aside replaces whatever the process
  // created under its name since (which was not durable either).
  const std::string aside = path + kAside;
  if (::access(aside.c_str(), F_OK) == 0) ::rename(aside.c_str(), path.c_str());
  if (track.created && track.synced_size == 0) {
    ::unlink(path.c_str());
    return;
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return;
  for (auto it = track.undo.rbegin(); it != track.undo.rend(); ++it) {
    std::size_t skip = 0;
    if (it->order == torn_order) skip = std::min<std::size_t>(static_cast<std::size_t>(it->length / 2), it->old.size());
    const std::size_t n = it->old.size() - skip;
    if (n > 0 && ::pwrite(fd, it->old.data() + skip, n, it->offset + static_cast<std::int64_t>(skip)) < 0) break;
  }
  if (::ftruncate(fd, track.synced_size) != 0) { /* the checks after reopening will say so */ }
  ::close(fd);
}

}  // namespace

FaultVfs& FaultVfs::install() {
  static FaultVfs vfs;
  static std::once_flag once;
  std::call_once(once, [] {
    auto& s = state();
    s.real = sqlite3_vfs_find(nullptr);
    if (!s.real) throw std::runtime_error("no default SQLite VFS");
    s.methods = sqlite3_io_methods{};
    s.methods.iVersion = 2;  // no memory-mapped I/O: every write goes through xWrite
    s.methods.xClose = fault_close;
    s.methods.xRead = fault_read;
    s.methods.xWrite = fault_write;
    s.methods.xTruncate = fault_truncate;
    s.methods.xSync = fault_sync;
    s.methods.xFileSize = fault_file_size;
    s.methods.xLock = fault_lock;
    s.methods.xUnlock = fault_unlock;
    s.methods.xCheckReservedLock = fault_check_reserved;
    s.methods.xFileControl = fault_file_control;
    s.methods.xSectorSize = fault_sector_size;
    s.methods.xDeviceCharacteristics = fault_device_characteristics;
    s.methods.xShmMap = fault_shm_map;
    s.methods.xShmLock = fault_shm_lock;
    s.methods.xShmBarrier = fault_shm_barrier;
    s.methods.xShmUnmap = fault_shm_unmap;
    s.vfs = sqlite3_vfs{};
    s.vfs.iVersion = 2;
    s.vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + s.real->szOsFile;
    s.vfs.mxPathname = s.real->mxPathname;
    s.vfs.zName = "synclog-fault";
    s.vfs.pAppData = &s;
    s.vfs.xOpen = fault_open;
    s.vfs.xDelete = fault_delete;
    s.vfs.xAccess = fault_access;
    s.vfs.xFullPathname = fault_full_pathname;
    s.vfs.xRandomness = fault_randomness;
    s.vfs.xSleep = fault_sleep;
    s.vfs.xCurrentTime = fault_current_time;
    s.vfs.xGetLastError = fault_last_error;
    s.vfs.xCurrentTimeInt64 = fault_current_time_int64;
    if (sqlite3_vfs_register(&s.vfs, /*makeDflt=*/1) != SQLITE_OK) {
      throw std::runtime_error("cannot register the fault-injecting SQLite VFS");
    }
  });
  return vfs;
}

void FaultVfs::arm(const FaultPlan& plan) {
  auto& s = state();
  std::lock_guard lock(s.mu);
  s.plan = plan;
  s.armed = true;
  s.cut = false;
  s.full = false;
  s.writes = s.syncs = s.opens = s.failures = 0;
}

void FaultVfs::disarm() {
  auto& s = state();
  std::lock_guard lock(s.mu);
  s.armed = false;
  s.full = false;
}

void FaultVfs::free_space() {
  auto& s = state();
  std::lock_guard lock(s.mu);
  s.full = false;
}

bool FaultVfs::power_cut() const {
  auto& s = state();
  std::lock_guard lock(s.mu);
  return s.cut;
}

int FaultVfs::writes() const {
  auto& s = state();
  std::lock_guard lock(s.mu);
  return s.writes;
}

int FaultVfs::syncs() const {
  auto& s = state();
  std::lock_guard lock(s.mu);
  return s.syncs;
}

int FaultVfs::opens() const {
  auto& s = state();
  std::lock_guard lock(s.mu);
  return s.opens;
}

int FaultVfs::injected_failures() const {
  auto& s = state();
  std::lock_guard lock(s.mu);
  return s.failures;
}

void FaultVfs::restore_durable() {
  auto& s = state();
  std::lock_guard lock(s.mu);
  std::uint64_t newest = 0;
  if (s.plan.torn_last_write) {
    for (const auto& [path, track] : s.tracks) {
      for (const auto& u : track.undo) newest = std::max(newest, u.order);
    }
  }
  for (const auto& [path, track] : s.tracks) {
    restore_file(path, track, newest);
    // The WAL index is shared memory: what a reboot leaves of it is nothing.
    if (path.size() > 4 && path.compare(path.size() - 4, 4, "-wal") == 0) {
      ::unlink((path.substr(0, path.size() - 4) + "-shm").c_str());
    }
  }
  s.tracks.clear();
  s.cut = false;
  s.armed = false;
  s.full = false;
}

std::string integrity_check(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return "cannot open: " + msg;
  }
  std::string result;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      if (!result.empty()) result += "; ";
      result += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
  } else {
    result = sqlite3_errmsg(db);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return result;
}

}  // namespace synclog::test
