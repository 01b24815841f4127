#include "controller/api/demand_store.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "controller/api/proto_time.h"

namespace cpn::api {

namespace cv1 = cpn::controller::v1;
namespace tv1 = cpn::topology::v1;

namespace {

std::string Quote(const std::string& s) { return absl::StrCat("\"", s, "\""); }

bool Matches(const google::protobuf::RepeatedPtrField<std::string>& filter,
             const std::string& value) {
  return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
}

}  // namespace

cv1::Demand DemandStore::InEffect(const Key& key, const Entry& entry) {
  cv1::Demand d;
  if (entry.configured) {
    d = *entry.configured;
  } else {
    d.set_ingress_router_id(key.first);
    d.set_service_id(key.second);
    d.set_source(cv1::DEMAND_SOURCE_MEASURED);
    if (entry.measured) {
      d.set_requests_per_second(entry.measured->requests_per_second);
      d.set_bytes_per_request(entry.measured->bytes_per_request);
      *d.mutable_updated_at() = ToProtoTime(entry.measured->at);
    }
  }
  d.set_measured_requests_per_second(entry.measured ? entry.measured->requests_per_second : 0);
  return d;
}

absl::StatusOr<cv1::Demand> DemandStore::Set(const cv1::Demand& demand,
                                             const model::NetworkModel& model) {
  if (demand.ingress_router_id().empty()) {
    return absl::InvalidArgumentError("demand.ingress_router_id is empty");
  }
  if (demand.service_id().empty()) {
    return absl::InvalidArgumentError("demand.service_id is empty");
  }
  std::optional<model::RouterIndex> router = model.FindRouter(demand.ingress_router_id());
  if (!router) {
    return absl::InvalidArgumentError(
        absl::StrCat("demand.ingress_router_id: no router ", Quote(demand.ingress_router_id())));
  }
  if (!model.router(*router).HasRole(tv1::ROUTER_ROLE_INGRESS)) {
    return absl::InvalidArgumentError(absl::StrCat("demand.ingress_router_id: router ",
                                                   Quote(demand.ingress_router_id()),
                                                   " does not have ROUTER_ROLE_INGRESS"));
  }
  if (!model.FindService(demand.service_id())) {
    return absl::InvalidArgumentError(
        absl::StrCat("demand.service_id: no service ", Quote(demand.service_id())));
  }
  if (!std::isfinite(demand.requests_per_second()) || demand.requests_per_second() < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("demand.requests_per_second: %g must be a finite number >= 0",
                        demand.requests_per_second()));
  }
  if (!std::isfinite(demand.bytes_per_request()) || demand.bytes_per_request() < 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "demand.bytes_per_request: %g must be a finite number >= 0", demand.bytes_per_request()));
  }
  if (demand.source() != cv1::DEMAND_SOURCE_UNSPECIFIED &&
      demand.source() != cv1::DEMAND_SOURCE_CONFIGURED) {
    return absl::InvalidArgumentError(
        "demand.source: only DEMAND_SOURCE_CONFIGURED (or unset) can be set");
  }
  cv1::Demand stored;
  stored.set_ingress_router_id(demand.ingress_router_id());
  stored.set_service_id(demand.service_id());
  stored.set_requests_per_second(demand.requests_per_second());
  stored.set_bytes_per_request(demand.bytes_per_request());
  stored.set_source(cv1::DEMAND_SOURCE_CONFIGURED);
  *stored.mutable_updated_at() = ToProtoTime(clock_->Now());
  absl::MutexLock lock(&mu_);
  Key key(demand.ingress_router_id(), demand.service_id());
  Entry& entry = entries_[key];
  entry.configured = stored;
  ++version_;
  return InEffect(key, entry);
}

absl::StatusOr<cv1::Demand> DemandStore::Delete(const cv1::DemandKey& key) {
  absl::MutexLock lock(&mu_);
  Key k(key.ingress_router_id(), key.service_id());
  auto it = entries_.find(k);
  if (it == entries_.end() || !it->second.configured) {
    return absl::NotFoundError(absl::StrCat("no configured demand for ingress router ",
                                            Quote(key.ingress_router_id()), " and service ",
                                            Quote(key.service_id())));
  }
  it->second.configured.reset();
  ++version_;
  cv1::Demand now_in_effect = InEffect(k, it->second);
  if (!it->second.measured) entries_.erase(it);
  return now_in_effect;
}

void DemandStore::SetMeasured(const cv1::DemandKey& key, double requests_per_second,
                              double bytes_per_request, absl::Time measured_at) {
  absl::MutexLock lock(&mu_);
  entries_[Key(key.ingress_router_id(), key.service_id())].measured =
      Measured{requests_per_second, bytes_per_request, measured_at};
  ++version_;
}

std::vector<cv1::Demand> DemandStore::List(const cv1::ListDemandsRequest& filter) const {
  std::vector<cv1::Demand> out;
  absl::MutexLock lock(&mu_);
  for (const auto& [key, entry] : entries_) {
    if (!Matches(filter.ingress_router_ids(), key.first)) continue;
    if (!Matches(filter.service_ids(), key.second)) continue;
    cv1::Demand d = InEffect(key, entry);
    if (filter.source() != cv1::DEMAND_SOURCE_UNSPECIFIED && d.source() != filter.source()) {
      continue;
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<cv1::Demand> DemandStore::Effective(const model::NetworkModel& model) const {
  std::vector<cv1::Demand> out;
  absl::MutexLock lock(&mu_);
  for (const auto& [key, entry] : entries_) {
    if (!model.FindRouter(key.first) || !model.FindService(key.second)) continue;
    out.push_back(InEffect(key, entry));
  }
  return out;
}

std::optional<cv1::Demand> DemandStore::Find(const cv1::DemandKey& key) const {
  absl::MutexLock lock(&mu_);
  Key k(key.ingress_router_id(), key.service_id());
  auto it = entries_.find(k);
  if (it == entries_.end()) return std::nullopt;
  return InEffect(k, it->second);
}

void DemandStore::Prune(const model::NetworkModel& model) {
  absl::MutexLock lock(&mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (model.FindRouter(it->first.first) && model.FindService(it->first.second)) {
      ++it;
      continue;
    }
    it = entries_.erase(it);
    ++version_;
  }
}

size_t DemandStore::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

uint64_t DemandStore::version() const {
  absl::MutexLock lock(&mu_);
  return version_;
}

}  // namespace cpn::api
