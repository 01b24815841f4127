// CountersFeed: the dataplanes' counters as inputs of the next decision.
//
// Steering-rule counters of an ingress become measured demand per
// (ingress, service): the rate of new flows matched by the service's rules
// (one request per flow) and the bytes per flow, recorded with
// DemandStore::SetMeasured (a configured demand still overrides it). Port
// counters become per-port transmit rates, and the utilisation of the link
// direction each port sends on (rate / link capacity), recorded with
// LinkLoadStore::Set for the next decision.
//
// Rates come from the difference between two samples of the same dataplane
// run (boot_id); a restarted dataplane starts over.
//
// Threads: SetRules from the compile thread, OnSample from session counter
// threads, the accessors from any thread; one mutex guards all of it and is
// released before DemandStore is called.
#ifndef CPN_CONTROLLER_SOUTHBOUND_COUNTERS_FEED_H_
#define CPN_CONTROLLER_SOUTHBOUND_COUNTERS_FEED_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "controller/api/demand_store.h"
#include "controller/api/link_load_store.h"
#include "cpn/telemetry/v1/counters.pb.h"
#include "cpn/telemetry/v1/telemetry.pb.h"

namespace cpn::southbound {

// What the feed needs to know of one router: which steering rule serves
// which service, and which port carries which link (with its capacity).
struct FeedRouterInfo {
  std::map<uint32_t, std::string> service_of_rule;
  struct LinkPort {
    std::string link_id;
    uint64_t capacity_bps = 0;
  };
  std::map<std::string, LinkPort> link_of_port;  // by port name
};

struct MeasuredDemand {
  double requests_per_second = 0;
  double bytes_per_request = 0;
};

class CountersFeed {
 public:
  // `demands` and `link_loads` may be null (rates are then only kept);
  // they must outlive the feed.
  explicit CountersFeed(api::DemandStore* demands, api::LinkLoadStore* link_loads = nullptr)
      : demands_(demands), link_loads_(link_loads) {}

  void SetRouters(std::map<std::string, FeedRouterInfo> routers);
  void OnSample(const std::string& router_id, const cpn::telemetry::v1::CountersSnapshot& sample);

  // Last measured demand by (ingress, service).
  std::map<std::pair<std::string, std::string>, MeasuredDemand> Demands() const;
  // Last utilisation (0..) of each link direction, by (router, link id).
  std::map<std::pair<std::string, std::string>, double> LinkUtilisation() const;
  // The last sample of every dataplane (TelemetryService's counters path).
  std::vector<cpn::telemetry::v1::DataplaneCounters> LatestSamples() const;

 private:
  api::DemandStore* const demands_;
  api::LinkLoadStore* const link_loads_;
  mutable absl::Mutex mu_;
  std::map<std::string, FeedRouterInfo> routers_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, cpn::telemetry::v1::CountersSnapshot> last_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, MeasuredDemand> demand_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, double> link_util_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cpn::southbound

#endif  // CPN_CONTROLLER_SOUTHBOUND_COUNTERS_FEED_H_
