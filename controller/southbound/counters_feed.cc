#include "controller/southbound/counters_feed.h"

#include <utility>
#include <vector>

#include "controller/api/proto_time.h"

namespace cpn::southbound {

namespace tv1 = cpn::telemetry::v1;

void CountersFeed::SetRouters(std::map<std::string, FeedRouterInfo> routers) {
  absl::MutexLock l(&mu_);
  routers_ = std::move(routers);
}

void CountersFeed::OnSample(const std::string& router_id, const tv1::CountersSnapshot& sample) {
  struct Sum {
    uint64_t flows = 0;
    uint64_t bytes = 0;
  };
  std::map<std::string, Sum> by_service;
  std::vector<api::LinkLoad> link_loads;
  absl::Time at;
  double dt = 0;
  {
    absl::MutexLock l(&mu_);
    auto r = routers_.find(router_id);
    auto prev = last_.find(router_id);
    const bool usable =
        r != routers_.end() && prev != last_.end() && prev->second.boot_id() == sample.boot_id();
    if (usable) {
      at = api::FromProtoTime(sample.sampled_at());
      dt = absl::ToDoubleSeconds(at - api::FromProtoTime(prev->second.sampled_at()));
    }
    if (usable && dt > 0) {
      std::map<uint32_t, const tv1::SteeringRuleCounters*> before;
      for (const auto& c : prev->second.steering_rules()) before[c.rule_id()] = &c;
      for (const auto& c : sample.steering_rules()) {
        auto svc = r->second.service_of_rule.find(c.rule_id());
        auto b = before.find(c.rule_id());
        if (svc == r->second.service_of_rule.end()) continue;
        Sum& s = by_service[svc->second];
        // A rule re-inserted since the last sample restarted from zero.
        if (b != before.end() && c.new_flows() >= b->second->new_flows() &&
            c.bytes() >= b->second->bytes()) {
          s.flows += c.new_flows() - b->second->new_flows();
          s.bytes += c.bytes() - b->second->bytes();
        }
      }
      std::map<uint32_t, const tv1::PortCounters*> ports_before;
      for (const auto& p : prev->second.ports()) ports_before[p.port_id()] = &p;
      for (const auto& p : sample.ports()) {
        auto link = r->second.link_of_port.find(p.name());
        auto b = ports_before.find(p.port_id());
        if (link == r->second.link_of_port.end() || b == ports_before.end() ||
            link->second.capacity_bps == 0 || p.tx_bytes() < b->second->tx_bytes()) {
          continue;
        }
        const double bps = 8.0 * static_cast<double>(p.tx_bytes() - b->second->tx_bytes()) / dt;
        const double util = bps / static_cast<double>(link->second.capacity_bps);
        link_util_[{router_id, link->second.link_id}] = util;
        link_loads.push_back(api::LinkLoad{link->second.link_id, router_id, util, at});
      }
      for (const auto& [service, s] : by_service) {
        MeasuredDemand& m = demand_[{router_id, service}];
        m.requests_per_second = static_cast<double>(s.flows) / dt;
        m.bytes_per_request = s.flows > 0 ? static_cast<double>(s.bytes) / s.flows : 0;
      }
    }
    last_[router_id] = sample;
  }
  if (link_loads_ != nullptr) {
    for (api::LinkLoad& l : link_loads) link_loads_->Set(std::move(l));
  }
  if (demands_ == nullptr || dt <= 0) return;
  for (const auto& [service, s] : by_service) {
    // Idle rules are not reported: a measured zero would hide nothing the
    // configured demand does not already say, and keeps SetMeasured quiet.
    if (s.flows == 0) continue;
    cpn::controller::v1::DemandKey key;
    key.set_ingress_router_id(router_id);
    key.set_service_id(service);
    demands_->SetMeasured(key, static_cast<double>(s.flows) / dt,
                          static_cast<double>(s.bytes) / static_cast<double>(s.flows), at);
  }
}

std::map<std::pair<std::string, std::string>, MeasuredDemand> CountersFeed::Demands() const {
  absl::MutexLock l(&mu_);
  return demand_;
}

std::map<std::pair<std::string, std::string>, double> CountersFeed::LinkUtilisation() const {
  absl::MutexLock l(&mu_);
  return link_util_;
}

std::vector<cpn::telemetry::v1::DataplaneCounters> CountersFeed::LatestSamples() const {
  absl::MutexLock lock(&mu_);
  std::vector<cpn::telemetry::v1::DataplaneCounters> out;
  out.reserve(last_.size());
  for (const auto& [router, snapshot] : last_) {
    cpn::telemetry::v1::DataplaneCounters& c = out.emplace_back();
    c.set_router_id(router);
    *c.mutable_snapshot() = snapshot;
  }
  return out;
}

}  // namespace cpn::southbound
