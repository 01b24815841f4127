// LinkLoadStore: the measured load of each link direction, from the
// dataplanes' port counters (southbound CountersFeed), for the next
// decision. The decision engine takes CPN's own planned traffic out of it
// (TeDecisionEngine); what remains is background.
//
// Threads: Set from the southbound counter threads, Latest from the
// decision loop; one mutex.
#ifndef CPN_CONTROLLER_API_LINK_LOAD_STORE_H_
#define CPN_CONTROLLER_API_LINK_LOAD_STORE_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace cpn::api {

// One link direction's measured load: the port of `from_router_id` on
// `link_id` sent at `utilization` of the link's capacity (all traffic)
// over the counter interval ending at `measured_at`.
struct LinkLoad {
  std::string link_id;
  std::string from_router_id;
  double utilization = 0;
  absl::Time measured_at = absl::InfinitePast();
};

class LinkLoadStore {
 public:
  // Replaces the load of (link_id, from_router_id).
  void Set(LinkLoad load);
  // Every direction's last load, ordered by (link id, from router).
  std::vector<LinkLoad> Latest() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, LinkLoad> loads_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_LINK_LOAD_STORE_H_
