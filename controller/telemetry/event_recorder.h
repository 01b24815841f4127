// EventRecorder: where the controller's events go. Record() stamps an
// EventRecord (sequence number, controller id, time), appends it to the
// event log when there is one, and hands it to every live Subscribe stream
// on TELEMETRY_PATH_EVENTS.
//
// A subscriber has a bounded queue: a slow one loses the oldest records and
// is told how many (Notification.dropped). Record never blocks on anyone.
//
// Threads: Record from any thread (decision loop, RPC threads, southbound
// sessions); Subscribe/Unsubscribe and EventSubscriber::Next from RPC
// threads; Close on shutdown.
#ifndef CPN_CONTROLLER_TELEMETRY_EVENT_RECORDER_H_
#define CPN_CONTROLLER_TELEMETRY_EVENT_RECORDER_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/telemetry/event_log.h"
#include "cpn/telemetry/v1/telemetry.pb.h"

namespace cpn::controller_telemetry {

class EventSubscriber {
 public:
  explicit EventSubscriber(size_t max_queued) : max_queued_(max_queued) {}
  enum class WaitResult { kReady, kTimeout, kClosed };
  // Waits up to `timeout` for records; moves them to `out` and adds the
  // number lost since the last call to *dropped.
  WaitResult Next(absl::Duration timeout, std::vector<cpn::telemetry::v1::EventRecord>* out,
                  uint64_t* dropped);

 private:
  friend class EventRecorder;
  void Push(const cpn::telemetry::v1::EventRecord& r);
  void Close();
  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty() || closed_; }

  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<cpn::telemetry::v1::EventRecord> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

class EventRecorder {
 public:
  // `log` may be null (no event log file); it must outlive the recorder.
  EventRecorder(std::string controller_id, EventLog* log)
      : controller_id_(std::move(controller_id)), log_(log) {}

  void Record(cpn::telemetry::v1::EventRecord record);

  std::shared_ptr<EventSubscriber> Subscribe(size_t max_queued = 4096);
  void Unsubscribe(const EventSubscriber* subscriber);
  // Ends every subscription (Next returns kClosed).
  void Close();

  uint64_t recorded() const;

 private:
  const std::string controller_id_;
  EventLog* const log_;
  mutable absl::Mutex mu_;
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 1;
  std::vector<std::shared_ptr<EventSubscriber>> subscribers_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace cpn::controller_telemetry

#endif  // CPN_CONTROLLER_TELEMETRY_EVENT_RECORDER_H_
