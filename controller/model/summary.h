// A summary of a snapshot for people: counts, capacity, compute, and the
// latency shape of the network (components, diameter, mean path latency).
//
// Pure functions of a snapshot; safe from any thread. Summarize runs one
// Dijkstra per router (O(R · A log R)): about 40 ms for 750 routers, fine
// for a CLI or report, not for a per-packet or per-epoch loop.
#ifndef CPN_CONTROLLER_MODEL_SUMMARY_H_
#define CPN_CONTROLLER_MODEL_SUMMARY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "controller/model/network_model.h"

namespace cpn::model {

struct ModelSummary {
  std::string name;

  size_t routers = 0;
  size_t routers_down = 0;
  size_t links = 0;
  // Links out of service: admin down, or touching a down router.
  size_t links_out_of_service = 0;
  size_t optical_nodes = 0;
  size_t fibers = 0;
  size_t lightpaths = 0;
  size_t sites = 0;
  size_t sites_down = 0;
  size_t services = 0;
  size_t srlgs = 0;

  // Sum over links of the capacity of one direction (a 10G link adds 10G).
  uint64_t total_link_capacity_bps = 0;

  struct ServiceCompute {
    std::string service_id;
    uint64_t servers = 0;  // over every site hosting it, up or down
    size_t sites = 0;
  };
  // One entry per service, in service order.
  std::vector<ServiceCompute> compute;

  // Latency figures use one-way propagation delay over the links in service
  // between routers that are up.
  // Connected components among the routers that are up (an isolated router
  // counts as one). 0 when no router is up.
  size_t connected_components = 0;
  // Largest min-latency distance between two routers that reach each other;
  // the pair (from, to) is the first such pair in router order. 0 and empty
  // ids when no two routers connect.
  double diameter_ms = 0;
  std::string diameter_from;
  std::string diameter_to;
  // Mean of the min-latency distance over ordered pairs of distinct routers
  // that reach each other; 0 when there are none.
  double mean_path_latency_ms = 0;
  // Ordered pairs of distinct up routers that do not reach each other.
  uint64_t unreachable_pairs = 0;
};

ModelSummary Summarize(const NetworkModel& model);

// Multi-line, aligned text, e.g.
//   Network               Chinanet
//   Routers               42
//   Link capacity         660.00 Gbit/s (sum of links, one direction)
//   Diameter              21.345 ms (beijing -> guangzhou, one-way)
std::string FormatSummary(const ModelSummary& summary);

}  // namespace cpn::model

#endif  // CPN_CONTROLLER_MODEL_SUMMARY_H_
