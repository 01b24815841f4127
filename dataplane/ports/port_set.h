// The ports of one dataplane, indexed by ethdev port id.
//
// Threading: Add/StartAll/StopAll/destruction on the control lcore before
// workers start or after they stop; workers only call Get() and the ports'
// rx/tx wrappers on their own queues.
#ifndef CPN_DATAPLANE_PORTS_PORT_SET_H_
#define CPN_DATAPLANE_PORTS_PORT_SET_H_

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dataplane/ports/port.h"

namespace cpn::dataplane {

class PortSet {
 public:
  PortSet() = default;
  PortSet(const PortSet&) = delete;
  PortSet& operator=(const PortSet&) = delete;
  ~PortSet();  // Stops and closes the ports, last added first.

  // Creates a port from devargs (Port::Create) and keeps it.
  absl::StatusOr<Port*> Add(const PortConfig& config);
  // Keeps an already configured port.
  absl::StatusOr<Port*> Add(std::unique_ptr<Port> port);

  absl::Status StartAll();  // Stops at the first failure, naming the port.
  absl::Status StopAll();   // Tries every port, returns the first failure.

  // nullptr when no port of this set has that id.
  Port* Get(uint16_t port_id) const;
  size_t size() const { return ports_.size(); }
  const std::vector<std::unique_ptr<Port>>& ports() const { return ports_; }

 private:
  std::vector<std::unique_ptr<Port>> ports_;
  Port* by_id_[RTE_MAX_ETHPORTS] = {};
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_PORTS_PORT_SET_H_
