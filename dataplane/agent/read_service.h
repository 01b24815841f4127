// Read: the installed entities as one consistent snapshot (copied under the
// shared AgentState lock, then streamed without holding it), in chunks that
// all carry the same installed_version, ordered by kind then key. Port
// entities carry their read-only PortStatus.
//
// THREADS: gRPC handler threads.
#ifndef CPN_DATAPLANE_AGENT_READ_SERVICE_H_
#define CPN_DATAPLANE_AGENT_READ_SERVICE_H_

#include "cpn/dataplane/v1/dataplane.pb.h"
#include "dataplane/agent/agent_state.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/sync_stream.h"

namespace cpn::dataplane::agent {

class ReadService {
 public:
  static constexpr int kEntitiesPerChunk = 512;

  explicit ReadService(const AgentState* state) : st_(*state) {}

  grpc::Status Read(grpc::ServerContext* context, const v1::ReadRequest& request,
                    grpc::ServerWriter<v1::ReadResponse>* writer);

 private:
  const AgentState& st_;
};

// The read-only status of installed port `id`. Caller holds st.mu.
void FillPortStatus(const AgentState& st, uint32_t id, v1::PortStatus* status);

}  // namespace cpn::dataplane::agent

#endif  // CPN_DATAPLANE_AGENT_READ_SERVICE_H_
