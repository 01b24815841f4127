#include "controller/telemetry/event_recorder.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace cpn::controller_telemetry {

namespace tv1 = cpn::telemetry::v1;

void EventSubscriber::Push(const tv1::EventRecord& r) {
  absl::MutexLock lock(&mu_);
  if (closed_) return;
  if (queue_.size() >= max_queued_) {
    queue_.pop_front();
    ++dropped_;
  }
  queue_.push_back(r);
}

void EventSubscriber::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

EventSubscriber::WaitResult EventSubscriber::Next(absl::Duration timeout,
                                                  std::vector<tv1::EventRecord>* out,
                                                  uint64_t* dropped) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(this, &EventSubscriber::Ready), timeout);
  *dropped += dropped_;
  dropped_ = 0;
  if (!queue_.empty()) {
    for (tv1::EventRecord& r : queue_) out->push_back(std::move(r));
    queue_.clear();
    return WaitResult::kReady;
  }
  return closed_ ? WaitResult::kClosed : WaitResult::kTimeout;
}

void EventRecorder::Record(tv1::EventRecord record) {
  std::vector<std::shared_ptr<EventSubscriber>> subscribers;
  {
    // The sequence is taken and the log appended under one lock, so the
    // log's lines are in sequence order.
    absl::MutexLock lock(&mu_);
    record.set_sequence(next_sequence_++);
    record.set_controller_id(controller_id_);
    if (!record.has_timestamp()) {
      const int64_t ns = absl::ToUnixNanos(absl::Now());
      record.mutable_timestamp()->set_seconds(ns / 1'000'000'000);
      record.mutable_timestamp()->set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
    }
    if (log_ != nullptr) log_->Append(record);
    subscribers = subscribers_;
  }
  for (const auto& s : subscribers) s->Push(record);
}

std::shared_ptr<EventSubscriber> EventRecorder::Subscribe(size_t max_queued) {
  auto s = std::make_shared<EventSubscriber>(std::max<size_t>(1, max_queued));
  absl::MutexLock lock(&mu_);
  if (closed_) {
    s->Close();
  } else {
    subscribers_.push_back(s);
  }
  return s;
}

void EventRecorder::Unsubscribe(const EventSubscriber* subscriber) {
  absl::MutexLock lock(&mu_);
  subscribers_.erase(std::remove_if(subscribers_.begin(), subscribers_.end(),
                                    [subscriber](const auto& s) { return s.get() == subscriber; }),
                     subscribers_.end());
}

void EventRecorder::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  for (const auto& s : subscribers_) s->Close();
  subscribers_.clear();
}

uint64_t EventRecorder::recorded() const {
  absl::MutexLock lock(&mu_);
  return next_sequence_ - 1;
}

}  // namespace cpn::controller_telemetry
