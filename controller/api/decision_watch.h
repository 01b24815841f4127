// DecisionWatchHub: fans decision changes out to WatchDecisions streams.
//
// The decision loop publishes the changes of each epoch; every watcher
// keeps at most one pending change per decision: when a slow reader has not
// taken a change yet and a newer one arrives, the two merge (the newest
// decision, the weights moved since the decision the reader last saw), so a
// reader never falls behind by more than one change per decision and never
// sees changes out of order. Publishing never blocks on a reader.
//
// Threads: Publish from the decision loop; Subscribe, Unsubscribe and
// DecisionWatcher::Next from RPC threads; Close from the shutdown path. The
// hub's mutex guards the watcher list only; each watcher's mutex guards its
// pending changes and is never held while writing to a stream.
#ifndef CPN_CONTROLLER_API_DECISION_WATCH_H_
#define CPN_CONTROLLER_API_DECISION_WATCH_H_

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cpn/controller/v1/decision.pb.h"

namespace cpn::api {

// One change of one decision, as the loop publishes it.
struct DecisionChangeItem {
  // The event (its decision is the new one; change.epoch its epoch).
  cpn::controller::v1::DecisionEvent event;
  // The decision before the change; null for a new demand.
  std::shared_ptr<const cpn::controller::v1::Decision> previous;
};

class DecisionWatcher {
 public:
  // Only changes of decisions matching these filters are queued (empty
  // filter: all).
  DecisionWatcher(std::vector<std::string> ingress_router_ids,
                  std::vector<std::string> service_ids);

  bool Matches(const std::string& ingress_router_id, const std::string& service_id) const;

  enum class WaitResult { kReady, kTimeout, kClosed };
  // Waits up to `timeout` for pending changes and moves them to `out`, in
  // the order their decisions first changed. kClosed once the hub closed.
  WaitResult Next(absl::Duration timeout, std::vector<cpn::controller::v1::DecisionEvent>* out);

 private:
  friend class DecisionWatchHub;
  using Key = std::pair<std::string, std::string>;
  struct Pending {
    cpn::controller::v1::DecisionEvent event;
    std::shared_ptr<const cpn::controller::v1::Decision> previous;
  };
  void Push(const DecisionChangeItem& item);
  void Close();

  const absl::flat_hash_set<std::string> ingress_filter_;
  const absl::flat_hash_set<std::string> service_filter_;
  absl::Mutex mu_;
  std::deque<Key> order_ ABSL_GUARDED_BY(mu_);
  std::map<Key, Pending> pending_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

class DecisionWatchHub {
 public:
  explicit DecisionWatchHub(int max_watchers) : max_watchers_(max_watchers) {}

  DecisionWatchHub(const DecisionWatchHub&) = delete;
  DecisionWatchHub& operator=(const DecisionWatchHub&) = delete;

  // A new watcher; RESOURCE_EXHAUSTED when max_watchers are open,
  // UNAVAILABLE after Close().
  absl::StatusOr<std::shared_ptr<DecisionWatcher>> Subscribe(
      std::vector<std::string> ingress_router_ids, std::vector<std::string> service_ids);
  void Unsubscribe(const DecisionWatcher* watcher);

  // Queues `items` at every matching watcher and wakes it, then hands them
  // to the sink.
  void Publish(std::span<const DecisionChangeItem> items);

  // Every published change, unmerged, in order (the event log). Called on
  // the publishing thread (the decision loop): it must not block. Set before
  // the loop starts, or null.
  using Sink = std::function<void(std::span<const DecisionChangeItem>)>;
  void SetSink(Sink sink) {
    absl::MutexLock lock(&mu_);
    sink_ = std::move(sink);
  }

  // Ends every watch (Next returns kClosed) and refuses new ones.
  void Close();

  int size() const;

 private:
  const int max_watchers_;
  mutable absl::Mutex mu_;
  std::vector<std::shared_ptr<DecisionWatcher>> watchers_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  Sink sink_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_DECISION_WATCH_H_
