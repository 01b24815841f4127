#include "lab/runner/controller_client.h"

#include <grpcpp/grpcpp.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace cpn::lab {
namespace {

namespace cv1 = cpn::controller::v1;

absl::Status FromGrpc(const grpc::Status& s, const std::string& what) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      absl::StrCat(what, ": ", s.error_message()));
}

void SetDeadline(grpc::ClientContext* ctx, absl::Duration d = absl::Seconds(5)) {
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + d));
}

// An Update{Link,Site} `rpc` of just the admin state of the entity `id`
// that `entity` finds in the request.
template <typename Request, typename Response, typename Entity>
absl::Status SetAdminState(cv1::ControllerService::Stub& stub,
                           grpc::Status (cv1::ControllerService::Stub::*rpc)(
                               grpc::ClientContext*, const Request&, Response*),
                           Entity entity, const std::string& id, bool up, const char* what) {
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  Request req;
  auto* e = entity(req);
  e->set_id(id);
  e->set_admin_state(up ? cpn::common::v1::ADMIN_STATE_UP : cpn::common::v1::ADMIN_STATE_DOWN);
  req.mutable_update_mask()->add_paths("admin_state");
  Response resp;
  return FromGrpc((stub.*rpc)(&ctx, req, &resp), absl::StrCat(what, id));
}

}  // namespace

ControllerClient::ControllerClient(const std::string& address)
    : address_(address),
      stub_(cv1::ControllerService::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))) {}

absl::Status ControllerClient::WaitServing(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string last;
  while (absl::Now() < deadline) {
    grpc::ClientContext ctx;
    SetDeadline(&ctx, absl::Seconds(1));
    cv1::GetStatusRequest req;
    cv1::GetStatusResponse resp;
    const grpc::Status s = stub_->GetStatus(&ctx, req, &resp);
    if (s.ok()) return absl::OkStatus();
    last = s.error_message();
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("cpn-controller at ", address_, " did not answer GetStatus: ", last));
}

bool ControllerClient::Programmed(size_t routers, std::string* why) {
  why->clear();
  grpc::ClientContext ctx;
  SetDeadline(&ctx, absl::Seconds(2));
  cv1::GetStatusResponse resp;
  const grpc::Status s = stub_->GetStatus(&ctx, cv1::GetStatusRequest(), &resp);
  if (!s.ok()) {
    *why = s.error_message();
    return false;
  }
  size_t ready = 0;
  for (const cv1::DataplaneSession& d : resp.status().dataplanes()) {
    const bool ok = d.state() == cv1::SESSION_STATE_PRIMARY && d.pending_updates() == 0 &&
                    d.installed_version() == d.desired_version() && d.desired_version() > 0;
    ready += ok ? 1 : 0;
    if (!ok) {
      absl::StrAppend(why, "\n  ", d.router_id(), ": ", cv1::SessionState_Name(d.state()),
                      " installed ", d.installed_version(), " desired ", d.desired_version(),
                      " pending ", d.pending_updates(),
                      d.last_error().empty() ? "" : " error: ", d.last_error());
    }
  }
  grpc::ClientContext dctx;
  SetDeadline(&dctx);
  cv1::ListDemandsResponse demands;
  cv1::ListDecisionsResponse decisions;
  bool decided = stub_->ListDemands(&dctx, cv1::ListDemandsRequest(), &demands).ok();
  grpc::ClientContext dctx2;
  SetDeadline(&dctx2);
  decided = decided && stub_->ListDecisions(&dctx2, cv1::ListDecisionsRequest(), &decisions).ok();
  size_t weighted = 0;
  for (const cv1::Decision& d : decisions.decisions()) {
    double sum = 0;
    for (const auto& c : d.candidates()) sum += c.weight();
    weighted += sum > 0 ? 1 : 0;
  }
  decided = decided && weighted >= static_cast<size_t>(demands.demands_size());
  if (!decided)
    absl::StrAppend(why, "\n  decisions: ", weighted, " of ", demands.demands_size(),
                    " demands have weights");
  return ready == routers && resp.status().dataplanes_size() == static_cast<int>(routers) &&
         decided;
}

absl::Status ControllerClient::WaitProgrammed(size_t routers, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string last;
  int in_sync = 0;
  while (absl::Now() < deadline) {
    // Twice in a row, 100 ms apart: a decision just published may not be
    // compiled into the sessions' desired state yet.
    if (Programmed(routers, &last)) {
      if (++in_sync == 2) return absl::OkStatus();
    } else {
      in_sync = 0;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("the controller did not program every dataplane in time:", last));
}

absl::Status ControllerClient::SetDemand(const std::string& ingress, const std::string& service,
                                         double rps) {
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  cv1::SetDemandRequest req;
  req.mutable_demand()->set_ingress_router_id(ingress);
  req.mutable_demand()->set_service_id(service);
  req.mutable_demand()->set_requests_per_second(rps);
  cv1::SetDemandResponse resp;
  return FromGrpc(stub_->SetDemand(&ctx, req, &resp),
                  absl::StrCat("SetDemand ", ingress, " ", service));
}

absl::Status ControllerClient::SetLinkUp(const std::string& link, bool up) {
  return SetAdminState(
      *stub_, &cv1::ControllerService::Stub::UpdateLink,
      [](cv1::UpdateLinkRequest& r) { return r.mutable_link(); }, link, up, "UpdateLink ");
}

absl::Status ControllerClient::SetSiteUp(const std::string& site, bool up) {
  return SetAdminState(
      *stub_, &cv1::ControllerService::Stub::UpdateSite,
      [](cv1::UpdateSiteRequest& r) { return r.mutable_site(); }, site, up, "UpdateSite ");
}

absl::StatusOr<std::vector<WeightSample>> ControllerClient::Weights(double t_s) {
  grpc::ClientContext ctx;
  SetDeadline(&ctx, absl::Seconds(2));
  cv1::ListDecisionsResponse resp;
  const grpc::Status s = stub_->ListDecisions(&ctx, cv1::ListDecisionsRequest(), &resp);
  if (!s.ok()) return FromGrpc(s, "ListDecisions");
  std::vector<WeightSample> out;
  for (const cv1::Decision& d : resp.decisions()) {
    std::map<std::string, double> by_site;
    for (const auto& c : d.candidates()) by_site[c.site_id()] += c.weight();
    std::string basis = cv1::DecisionBasis_Name(d.basis());
    if (basis.rfind("DECISION_BASIS_", 0) == 0) basis = basis.substr(15);
    for (const auto& [site, w] : by_site) {
      out.push_back(WeightSample{t_s, d.ingress_router_id(), d.service_id(), site, basis, w});
    }
  }
  return out;
}

absl::StatusOr<std::vector<SiteMetricSample>> ControllerClient::SiteMetrics(double t_s) {
  grpc::ClientContext ctx;
  SetDeadline(&ctx, absl::Seconds(2));
  cv1::ListSiteStatesResponse resp;
  const grpc::Status s = stub_->ListSiteStates(&ctx, cv1::ListSiteStatesRequest(), &resp);
  if (!s.ok()) return FromGrpc(s, "ListSiteStates");
  std::vector<SiteMetricSample> out;
  for (const cv1::SiteState& st : resp.sites()) {
    if (st.service_id().empty()) continue;
    SiteMetricSample m;
    m.t_s = t_s;
    m.site = st.site_id();
    m.service = st.service_id();
    m.freshness = cv1::MetricsFreshness_Name(st.freshness());
    if (m.freshness.rfind("METRICS_FRESHNESS_", 0) == 0) m.freshness = m.freshness.substr(18);
    for (const auto& x : st.last_report().l0()) {
      switch (x.type()) {
        case cpn::compute::v1::METRIC_TYPE_SERVER_UTILIZATION:
          m.utilisation = x.value();
          break;
        case cpn::compute::v1::METRIC_TYPE_QUEUE_LENGTH:
          m.queue_length = x.value();
          break;
        case cpn::compute::v1::METRIC_TYPE_ARRIVAL_RATE:
          m.arrival_rps = x.value();
          break;
        default:
          break;
      }
    }
    out.push_back(m);
  }
  return out;
}

}  // namespace cpn::lab
