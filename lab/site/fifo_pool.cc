#include "lab/site/fifo_pool.h"

#include <algorithm>

namespace cpn::lab {

FifoPool::FifoPool(int servers, size_t max_queue, double now_s)
    : servers_(servers), max_queue_(max_queue), window_start_s_(now_s), last_s_(now_s) {}

void FifoPool::Advance(double now_s) {
  if (now_s <= last_s_) return;  // clocks never run back; equal times add nothing
  busy_integral_ += busy_ * (now_s - last_s_);
  queue_integral_ += static_cast<double>(queue_.size()) * (now_s - last_s_);
  last_s_ = now_s;
}

FifoPool::Admission FifoPool::Arrive(uint64_t job, double now_s) {
  Advance(now_s);
  ++arrivals_;
  if (busy_ < servers_) {
    ++busy_;
    return Admission::kStarted;
  }
  if (queue_.size() >= max_queue_) {
    ++rejected_;
    return Admission::kRejected;
  }
  queue_.push_back(job);
  return Admission::kQueued;
}

std::optional<uint64_t> FifoPool::Finish(double now_s, double service_ms, double sojourn_ms) {
  Advance(now_s);
  ++completions_;
  service_sum_ms_ += service_ms;
  sojourn_sum_ms_ += sojourn_ms;
  recent_.push_back(Completion{now_s, service_ms});
  recent_sum_ms_ += service_ms;
  if (recent_.size() > kServiceHistory) {
    recent_sum_ms_ -= recent_.front().service_ms;
    recent_.pop_front();
  }
  return NextOrIdle();
}

std::optional<uint64_t> FifoPool::Abandon(double now_s) {
  Advance(now_s);
  ++abandoned_;
  return NextOrIdle();
}

std::optional<uint64_t> FifoPool::NextOrIdle() {
  if (!queue_.empty()) {
    const uint64_t next = queue_.front();
    queue_.pop_front();
    return next;  // the server goes straight to the next job
  }
  busy_ = std::max(0, busy_ - 1);
  return std::nullopt;
}

LoadWindow FifoPool::TakeWindow(double now_s) {
  Advance(now_s);
  LoadWindow w;
  w.window_s = now_s - window_start_s_;
  w.arrivals = arrivals_;
  w.rejected = rejected_;
  w.completions = completions_;
  w.abandoned = abandoned_;
  if (w.window_s > 0) {
    w.mean_busy = busy_integral_ / w.window_s;
    w.mean_queue = queue_integral_ / w.window_s;
  } else {
    w.mean_busy = busy_;
    w.mean_queue = static_cast<double>(queue_.size());
  }
  if (completions_ > 0) {
    w.mean_service_ms = service_sum_ms_ / static_cast<double>(completions_);
    w.mean_sojourn_ms = sojourn_sum_ms_ / static_cast<double>(completions_);
  }
  if (!recent_.empty()) {
    w.recent_completions = recent_.size();
    w.recent_service_ms = recent_sum_ms_ / static_cast<double>(recent_.size());
    w.recent_span_s = now_s - recent_.front().at_s;
  }
  w.busy_now = busy_;
  w.queue_now = queue_.size();
  window_start_s_ = now_s;
  busy_integral_ = queue_integral_ = 0;
  arrivals_ = rejected_ = completions_ = abandoned_ = 0;
  service_sum_ms_ = sojourn_sum_ms_ = 0;
  return w;
}

}  // namespace cpn::lab
