// A fault-injecting SQLite VFS for tests, shared by the server's store and the SDK's local
// file, in the manner of LevelDB's fault-injection environment and SQLite's own crash tests.
//
// Installed as SQLite's default VFS in the test process (every connection, the server's and the
// device's, goes through it), it wraps the real one and:
//   - remembers, per file, what was written since that file's last successful sync (the bytes
//     each write replaced), so that a simulated power cut can take the files back to what the
//     disk is guaranteed to hold: every unsynced write dropped, or the last one kept as a torn
//     prefix;
//   - cuts the power right after the Nth sync or the Nth write: from then on nothing becomes
//     durable (syncs "succeed" but are not honoured, deletions do not happen), as if the
//     machine had died there while the process, unaware, carried on;
//   - fails the Nth write with ENOSPC (SQLITE_FULL) or EIO, the Nth sync with EIO, or the Nth
//     open; a full disk can stay full until free_space() is called.
//
// A test arms a plan, runs a workload, and notes which answers it received before the cut.
// It then destroys everything that holds the files open, calls restore_durable(), and reopens
// them: what it finds there is what a machine that lost power at that moment would find.
#pragma once

#include <cstdint>
#include <string>

namespace synclog::test {

struct FaultPlan {
  int cut_after_sync = 0;      // cut the power right after the Nth successful sync (0: never)
  int cut_after_write = 0;     // ...or right after the Nth write: between two syncs, where an
                               // answer given before its sync would be caught
  bool torn_last_write = false;  // at the cut, keep the first half of the last unsynced write
  int fail_write_at = 0;       // the Nth write fails (0: none)
  bool disk_full = false;      // ...with SQLITE_FULL (ENOSPC), and so does every later write
                               // until free_space(); otherwise once, with SQLITE_IOERR_WRITE
  int fail_sync_at = 0;        // the Nth sync fails with SQLITE_IOERR_FSYNC (0: none)
  int fail_open_at = 0;        // the Nth open fails with SQLITE_CANTOPEN (0: none)
};

class FaultVfs {
 public:
  // Registers the VFS as SQLite's default (once per process) and returns it, disarmed.
  static FaultVfs& install();

  // Starts counting from zero under `plan`, forgetting any earlier plan and power cut.
  void arm(const FaultPlan& plan);
  // Stops injecting anything; files keep being tracked until restore_durable().
  void disarm();
  // A full disk has space again.
  void free_space();

  bool power_cut() const;
  int writes() const;
  int syncs() const;
  int opens() const;
  int injected_failures() const;

  // After every connection to the tracked files was closed: takes each file back to what was
  // durable at the cut (or at its last sync), removes the non-durable shared-memory index, and
  // forgets what it tracked. Without a cut, it drops whatever was never synced, as a power
  // cut at this moment would.
  void restore_durable();

  struct State;

 private:
  FaultVfs() = default;
};

// `PRAGMA integrity_check` of the database at `path` through a connection of its own: "ok", or
// what SQLite reports.
std::string integrity_check(const std::string& path);

}  // namespace synclog::test
