// RunLoad: sends open-loop requests (cpn.lab.v1.SiteService.Serve) to a
// target address at given times, never waiting for answers before sending
// the next, and records each one.
//
// Flows. A gRPC channel keeps one TCP connection, i.e. one flow, and the
// dataplane keeps a flow on the site it first chose (flow affinity). So
// requests are spread round-robin over a pool of `connections` channels,
// each with its own connection (a local subchannel pool), and a channel is
// replaced by a fresh one -- a new connection, a new flow the dataplane
// steers anew -- after `requests_per_connection` requests. Many short
// flows stand for many users; 1 gives one flow per request.
//
// Threads: the caller's thread paces and sends; gRPC's callback threads
// record answers (under a mutex).
#ifndef CPN_LAB_LOADGEN_LOAD_CLIENT_H_
#define CPN_LAB_LOADGEN_LOAD_CLIENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "lab/loadgen/arrivals.h"

namespace cpn::lab {

struct LoadOptions {
  std::string target;                 // host:port (the service's anycast address in the lab)
  std::vector<std::string> services;  // each request picks one at random; empty: ""
  uint32_t request_bytes = 0;
  uint32_t response_bytes = 0;
  int connections = 8;                         // channels in the pool, >= 1
  int requests_per_connection = 100;           // 0: never renewed
  absl::Duration timeout = absl::Seconds(30);  // per request
  uint64_t seed = 1;
};

// `arrivals` in seconds from the start, increasing. Returns one record per
// arrival once every request is answered or has timed out.
std::vector<RequestRecord> RunLoad(const LoadOptions& options, const std::vector<double>& arrivals);

}  // namespace cpn::lab

#endif  // CPN_LAB_LOADGEN_LOAD_CLIENT_H_
