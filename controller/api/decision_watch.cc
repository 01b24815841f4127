#include "controller/api/decision_watch.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "controller/api/decision_diff.h"

namespace cpn::api {

namespace cv1 = cpn::controller::v1;

DecisionWatcher::DecisionWatcher(std::vector<std::string> ingress_router_ids,
                                 std::vector<std::string> service_ids)
    : ingress_filter_(ingress_router_ids.begin(), ingress_router_ids.end()),
      service_filter_(service_ids.begin(), service_ids.end()) {}

bool DecisionWatcher::Matches(const std::string& ingress_router_id,
                              const std::string& service_id) const {
  return (ingress_filter_.empty() || ingress_filter_.contains(ingress_router_id)) &&
         (service_filter_.empty() || service_filter_.contains(service_id));
}

void DecisionWatcher::Push(const DecisionChangeItem& item) {
  const cv1::Decision& d = item.event.decision();
  Key key(d.ingress_router_id(), d.service_id());
  absl::MutexLock lock(&mu_);
  if (closed_) return;
  auto it = pending_.find(key);
  if (it == pending_.end()) {
    pending_.emplace(key, Pending{item.event, item.previous});
    order_.push_back(std::move(key));
    return;
  }
  // Merge with the change the reader has not taken yet: the newest decision
  // and cause, weights moved since the decision the reader last saw.
  Pending& p = it->second;
  std::map<std::string, double> targets;
  for (const cv1::WeightChange& w : item.event.weight_changes()) {
    targets[absl::StrCat(w.site_id(), "|", w.path_id())] = w.target_weight();
  }
  cv1::DecisionEvent merged = item.event;
  merged.set_old_expected_completion_ms(p.event.old_expected_completion_ms());
  merged.clear_weight_changes();
  for (cv1::WeightChange& w : WeightChanges(p.previous.get(), item.event.decision(), {})) {
    auto t = targets.find(absl::StrCat(w.site_id(), "|", w.path_id()));
    if (t != targets.end()) w.set_target_weight(t->second);
    *merged.add_weight_changes() = std::move(w);
  }
  p.event = std::move(merged);
}

void DecisionWatcher::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

DecisionWatcher::WaitResult DecisionWatcher::Next(absl::Duration timeout,
                                                  std::vector<cv1::DecisionEvent>* out) {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return closed_ || !order_.empty(); };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  if (closed_) return WaitResult::kClosed;
  if (order_.empty()) return WaitResult::kTimeout;
  for (const Key& key : order_) {
    auto it = pending_.find(key);
    out->push_back(std::move(it->second.event));
    pending_.erase(it);
  }
  order_.clear();
  return WaitResult::kReady;
}

absl::StatusOr<std::shared_ptr<DecisionWatcher>> DecisionWatchHub::Subscribe(
    std::vector<std::string> ingress_router_ids, std::vector<std::string> service_ids) {
  absl::MutexLock lock(&mu_);
  if (closed_) return absl::UnavailableError("the controller is stopping");
  if (static_cast<int>(watchers_.size()) >= max_watchers_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("too many decision watches open (", max_watchers_, "); retry later"));
  }
  auto watcher =
      std::make_shared<DecisionWatcher>(std::move(ingress_router_ids), std::move(service_ids));
  watchers_.push_back(watcher);
  return watcher;
}

void DecisionWatchHub::Unsubscribe(const DecisionWatcher* watcher) {
  absl::MutexLock lock(&mu_);
  watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(),
                                 [&](const auto& w) { return w.get() == watcher; }),
                  watchers_.end());
}

void DecisionWatchHub::Publish(std::span<const DecisionChangeItem> items) {
  if (items.empty()) return;
  std::vector<std::shared_ptr<DecisionWatcher>> watchers;
  Sink sink;
  {
    absl::MutexLock lock(&mu_);
    watchers = watchers_;
    sink = sink_;
  }
  for (const auto& w : watchers) {
    for (const DecisionChangeItem& item : items) {
      const cv1::Decision& d = item.event.decision();
      if (w->Matches(d.ingress_router_id(), d.service_id())) w->Push(item);
    }
  }
  if (sink) sink(items);
}

void DecisionWatchHub::Close() {
  std::vector<std::shared_ptr<DecisionWatcher>> watchers;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    watchers = watchers_;
  }
  for (const auto& w : watchers) w->Close();
}

int DecisionWatchHub::size() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(watchers_.size());
}

}  // namespace cpn::api
