// DataplaneClient: the few southbound calls the lab runner (and its tests)
// make on a cpn-dataplane (DataplaneService over gRPC), none of which needs
// to be the primary: SetPortEmulation (lab fault injection: link loss),
// Read of the ports, and one counters snapshot. One caller thread at a time.
#ifndef CPN_LAB_RUNNER_DATAPLANE_CLIENT_H_
#define CPN_LAB_RUNNER_DATAPLANE_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cpn/dataplane/v1/dataplane.grpc.pb.h"

namespace cpn::lab {

class DataplaneClient {
 public:
  explicit DataplaneClient(const std::string& address);

  // Overrides port `port_id`'s link emulation (it wins over the installed
  // Port.emulation until cleared, and survives the controller's writes).
  // Waits up to `timeout` for the dataplane to serve (it may be starting).
  // Returns the port's status after the change.
  absl::StatusOr<cpn::dataplane::v1::PortStatus> SetPortEmulation(
      uint32_t port_id, const cpn::dataplane::v1::LinkEmulation& emulation, absl::Duration timeout);
  // The installed ports (Port.emulation as written, PortStatus with the
  // effective emulation and its source).
  absl::StatusOr<std::vector<cpn::dataplane::v1::Port>> ReadPorts();
  // One counters snapshot.
  absl::StatusOr<cpn::telemetry::v1::CountersSnapshot> Counters();

 private:
  std::string address_;
  std::unique_ptr<cpn::dataplane::v1::DataplaneService::Stub> stub_;
};

// Packets dropped for `reason` in `snapshot` (0 when not listed).
uint64_t DropCount(const cpn::telemetry::v1::CountersSnapshot& snapshot,
                   cpn::telemetry::v1::DropReason reason);

}  // namespace cpn::lab

#endif  // CPN_LAB_RUNNER_DATAPLANE_CLIENT_H_
