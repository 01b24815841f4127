// The controller's structured event log: one cpn.telemetry.v1.EventRecord
// per line, in the protobuf JSON mapping (proto field names, enum names, one
// line each), appended to a file that rotates by size the way logrotate
// numbers files: PATH is the current file, PATH.1 the one before, ... up to
// PATH.<keep_files-1>; older ones are deleted.
//
// Append never blocks the caller on the disk: records go to a bounded queue
// that a writer thread drains; when the queue is full the record is dropped
// and counted. Records are written as given: EventRecorder stamps their
// sequence numbers, so a dropped record shows as a gap.
//
// Threads: Append from any thread (the decision loop, RPC threads); the
// writer thread owns the file. Flush waits until everything appended so far
// is written. The destructor writes what is queued, then stops.
#ifndef CPN_CONTROLLER_TELEMETRY_EVENT_LOG_H_
#define CPN_CONTROLLER_TELEMETRY_EVENT_LOG_H_

#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "cpn/telemetry/v1/telemetry.pb.h"

namespace cpn::controller_telemetry {

struct EventLogOptions {
  // The current file; its directory must exist.
  std::string path;
  // Rotate when the current file would grow past this; >= 4096.
  uint64_t max_file_bytes = 64ull << 20;
  // Files kept, the current one included; >= 1.
  int keep_files = 5;
  // Records queued before new ones are dropped; >= 1.
  size_t max_queued = 65536;
};

class EventLog {
 public:
  // Opens (appends to) options.path. InvalidArgument for bad options,
  // Unavailable when the file cannot be opened.
  static absl::StatusOr<std::unique_ptr<EventLog>> Open(EventLogOptions options);
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Queues `record`. False when dropped (queue full, or stopping).
  bool Append(cpn::telemetry::v1::EventRecord record);
  // Blocks until every record appended before the call is written.
  void Flush();

  uint64_t written() const;
  uint64_t dropped() const;
  // Failed writes (disk full, file removed ...): counted, the record lost.
  uint64_t write_errors() const;

 private:
  explicit EventLog(EventLogOptions options) : options_(std::move(options)) {}
  absl::Status OpenFile();
  void Rotate();
  void WriterLoop();
  void WriteOne(const cpn::telemetry::v1::EventRecord& record);
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const EventLogOptions options_;
  mutable absl::Mutex mu_;
  std::deque<cpn::telemetry::v1::EventRecord> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t finished_ ABSL_GUARDED_BY(mu_) = 0;  // records written (or failed)
  uint64_t queued_total_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t written_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t write_errors_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Writer thread only (and Open before the thread starts).
  std::FILE* file_ = nullptr;
  uint64_t file_bytes_ = 0;
  std::thread writer_;
};

}  // namespace cpn::controller_telemetry

#endif  // CPN_CONTROLLER_TELEMETRY_EVENT_LOG_H_
