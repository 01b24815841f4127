// Counters: one CountersSnapshot assembled from the workers' own counters
// (summed over workers, minus the base of reused slots), the ports' ethdev
// statistics and the affinity tables; and StreamCounters, which sends one at
// once and then one per interval. A slow reader only delays its own stream:
// each sample is taken when the previous one has been written, so the newest
// is what it gets; the fast path is never involved.
//
// THREADS: gRPC handler threads (Sample holds the AgentState lock shared
// while it reads).
#ifndef CPN_DATAPLANE_AGENT_COUNTERS_SERVICE_H_
#define CPN_DATAPLANE_AGENT_COUNTERS_SERVICE_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <vector>

#include "cpn/dataplane/v1/dataplane.pb.h"
#include "cpn/telemetry/v1/counters.pb.h"
#include "dataplane/agent/agent_state.h"
#include "dataplane/pipeline/worker_counters.h"
#include "dataplane/stages/drop_reason.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/sync_stream.h"

namespace cpn::dataplane::agent {

// The API category of a stage's / the pipeline's drop reason.
telemetry::v1::DropReason ApiReason(DropReason reason);
telemetry::v1::DropReason ApiReason(PipelineDrop reason);

// Worker cycle counters at the previous sample of one subscriber.
struct WorkerCycles {
  uint64_t busy = 0;
  uint64_t total = 0;
};

class CountersService {
 public:
  explicit CountersService(const AgentState* state) : st_(*state) {}

  grpc::Status Stream(grpc::ServerContext* context, const v1::CountersRequest& request,
                      grpc::ServerWriter<telemetry::v1::CountersSnapshot>* writer);

  // `groups` empty = all. `previous` (in/out, may be empty) turns cumulative
  // cycles into the busy ratio since the caller's last sample.
  telemetry::v1::CountersSnapshot Sample(const std::set<int>& groups,
                                         std::vector<WorkerCycles>* previous) const;

  // Ends every stream at its next wake-up.
  void Shutdown();

 private:
  const AgentState& st_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool shutdown_ = false;  // Guarded by mu_.
};

}  // namespace cpn::dataplane::agent

#endif  // CPN_DATAPLANE_AGENT_COUNTERS_SERVICE_H_
