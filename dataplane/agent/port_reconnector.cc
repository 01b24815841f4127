#include "dataplane/agent/port_reconnector.h"

#include <cstdio>
#include <mutex>
#include <shared_mutex>

namespace cpn::dataplane::agent {

std::vector<uint32_t> PortReconnector::Poll(AgentState& st, absl::Time now) {
  std::vector<uint32_t> due;
  {
    std::shared_lock<std::shared_mutex> lock(st.mu);
    due = Due(st, now);
  }
  if (due.empty()) return due;
  std::unique_lock<std::shared_mutex> lock(st.mu);
  for (uint32_t id : due) Restart(st, id, now);
  return due;
}

std::vector<uint32_t> PortReconnector::Due(const AgentState& st, absl::Time now) {
  std::vector<uint32_t> due;
  for (auto it = down_since_.begin(); it != down_since_.end();) {
    it = st.ports.count(it->first) == 0 ? down_since_.erase(it) : std::next(it);
  }
  for (const auto& [id, port] : st.ports) {
    if (!port->reconnects) continue;
    const LinkInfo link = st.port_manager->Link(*port);
    if (!port->quiesced && (!link.known || link.up)) {
      down_since_.erase(id);
      tried_at_.erase(id);
      continue;
    }
    const absl::Time since = down_since_.emplace(id, now).first->second;
    if (now - since < options_.down_for) continue;
    if (auto t = tried_at_.find(id); t != tried_at_.end() && now - t->second < options_.retry_every) {
      continue;
    }
    due.push_back(id);
  }
  return due;
}

namespace {

// RepublishPorts, logging a failure as "port <id> (<devargs>): <what>: <why>".
bool Republish(AgentState& st, uint32_t id, const OpenPort& port, const char* what) {
  const absl::Status s = RepublishPorts(st);
  if (!s.ok()) {
    std::fprintf(stderr, "cpn-dataplane: port %u (%s): %s: %s\n", id, port.devargs.c_str(), what,
                 std::string(s.message()).c_str());
  }
  return s.ok();
}

}  // namespace

void PortReconnector::Restart(AgentState& st, uint32_t id, absl::Time now) {
  auto it = st.ports.find(id);
  if (it == st.ports.end()) return;  // Deleted by a Write meanwhile.
  OpenPort& port = *it->second;
  tried_at_[id] = now;
  if (!port.quiesced) {
    port.quiesced = true;
    if (!Republish(st, id, port, "not restarted")) {
      port.quiesced = false;
      return;
    }
    st.pipeline->Synchronize();  // No worker touches the device any more.
  }
  // On failure (the server is not listening yet) the port stays absent
  // until the next try.
  if (!st.port_manager->Restart(port).ok()) return;
  port.quiesced = false;
  if (!Republish(st, id, port, "restarted, not republished")) {
    // Absent (as a port that is down) until the next try republishes it.
    port.quiesced = true;
    return;
  }
  std::fprintf(stderr, "cpn-dataplane: port %u (%s): memif client restarted to reconnect\n", id,
               port.devargs.c_str());
}

}  // namespace cpn::dataplane::agent
