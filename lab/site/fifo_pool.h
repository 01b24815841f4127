// FifoPool: the queueing discipline of an emulated site -- c servers, one
// FIFO queue of bounded length -- and the load statistics its metric agent
// reports. Pure bookkeeping on caller-supplied times (seconds on any
// monotonic clock), so the same code runs under the real server's clock and
// under a test's virtual clock.
//
// Not thread-safe: the owner serialises calls (SiteServer holds its mutex).
#ifndef CPN_LAB_SITE_FIFO_POOL_H_
#define CPN_LAB_SITE_FIFO_POOL_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace cpn::lab {

// Load over one reporting window (between two TakeWindow calls).
struct LoadWindow {
  double window_s = 0;
  uint64_t arrivals = 0;  // admitted or rejected
  uint64_t rejected = 0;  // queue full
  uint64_t completions = 0;
  uint64_t abandoned = 0;  // taken from the queue after their client gave up
  double mean_busy = 0;        // time-averaged busy servers
  double mean_queue = 0;       // time-averaged queue length
  double mean_service_ms = 0;  // of completions; 0 when none
  double mean_sojourn_ms = 0;  // arrival to completion, of completions
  // Mean service time of the last completions (up to
  // FifoPool::kServiceHistory, across windows) and how many and over what
  // time they span: a service rate from one short window of heavy-tailed
  // service times is too noisy to report as the site's capacity.
  double recent_service_ms = 0;
  size_t recent_completions = 0;
  double recent_span_s = 0;
  int busy_now = 0;
  size_t queue_now = 0;
};

class FifoPool {
 public:
  // Completions whose service times make LoadWindow::recent_service_ms.
  static constexpr size_t kServiceHistory = 512;

  // `servers` > 0; `max_queue` waiting jobs at most (beyond: rejected).
  FifoPool(int servers, size_t max_queue, double now_s);

  enum class Admission { kStarted, kQueued, kRejected };
  // A job arrives at `now_s`. kStarted: a server took it at once.
  Admission Arrive(uint64_t job, double now_s);
  // A server finished a job at `now_s` (which took service_ms of service
  // and sojourn_ms since its arrival); returns the job that server takes
  // next (the oldest waiting), if any.
  std::optional<uint64_t> Finish(double now_s, double service_ms, double sojourn_ms);
  // The job a server just took (from Finish) had been given up by its
  // client: it is not served; returns the job the server takes instead, if
  // any (else the server goes idle).
  std::optional<uint64_t> Abandon(double now_s);
  // The statistics since the previous call (or construction); starts a new
  // window at `now_s`.
  LoadWindow TakeWindow(double now_s);

  int servers() const { return servers_; }
  int busy() const { return busy_; }
  size_t queue_length() const { return queue_.size(); }

 private:
  void Advance(double now_s);  // integrates busy and queue up to now_s
  // A server is free: it takes the oldest waiting job, or goes idle.
  std::optional<uint64_t> NextOrIdle();

  const int servers_;
  const size_t max_queue_;
  int busy_ = 0;
  std::deque<uint64_t> queue_;
  // Current window.
  double window_start_s_;
  double last_s_;
  double busy_integral_ = 0;
  double queue_integral_ = 0;
  uint64_t arrivals_ = 0, rejected_ = 0, completions_ = 0, abandoned_ = 0;
  double service_sum_ms_ = 0, sojourn_sum_ms_ = 0;
  // The last kServiceHistory completions: (time, service ms), oldest first.
  struct Completion {
    double at_s, service_ms;
  };
  std::deque<Completion> recent_;
  double recent_sum_ms_ = 0;
};

}  // namespace cpn::lab

#endif  // CPN_LAB_SITE_FIFO_POOL_H_
