#include "dataplane/ports/port_set.h"

#include "absl/strings/str_cat.h"

namespace cpn::dataplane {

PortSet::~PortSet() {
  while (!ports_.empty()) ports_.pop_back();
}

absl::StatusOr<Port*> PortSet::Add(const PortConfig& config) {
  absl::StatusOr<std::unique_ptr<Port>> port = Port::Create(config);
  if (!port.ok()) return port.status();
  return Add(*std::move(port));
}

absl::StatusOr<Port*> PortSet::Add(std::unique_ptr<Port> port) {
  if (port == nullptr) return absl::InvalidArgumentError("PortSet::Add: null port");
  if (by_id_[port->id()] != nullptr) {
    return absl::AlreadyExistsError(absl::StrCat("port '", port->devargs(), "': id ", port->id(),
                                                 " is already in the set as '",
                                                 by_id_[port->id()]->devargs(), "'"));
  }
  Port* raw = port.get();
  by_id_[raw->id()] = raw;
  ports_.push_back(std::move(port));
  return raw;
}

absl::Status PortSet::StartAll() {
  for (auto& p : ports_) {
    if (absl::Status s = p->Start(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status PortSet::StopAll() {
  absl::Status first;
  for (auto& p : ports_) {
    absl::Status s = p->Stop();
    if (first.ok() && !s.ok()) first = s;
  }
  return first;
}

Port* PortSet::Get(uint16_t port_id) const {
  return port_id < RTE_MAX_ETHPORTS ? by_id_[port_id] : nullptr;
}

}  // namespace cpn::dataplane
