#include "controller/southbound/southbound_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "controller/southbound/intents.h"

namespace cpn::southbound {

namespace cv1 = cpn::controller::v1;

namespace {

// Equal intents give equal text: a new DecisionSet with the same weights
// (every epoch publishes one) compiles nothing.
std::string IntentsKey(const std::vector<srv6::SteeringIntent>& intents) {
  std::string key;
  for (const srv6::SteeringIntent& in : intents) {
    absl::StrAppend(&key, in.ingress.value(), "/", in.service.value(), ":");
    for (const srv6::SteeringEntry& e : in.entries) {
      absl::StrAppend(&key, e.site.value(), "@");
      for (model::ArcIndex a : e.path.arcs) absl::StrAppend(&key, a.value(), ",");
      absl::StrAppend(&key, absl::StrFormat("=%.17g;", e.weight));
    }
    key += '\n';
  }
  return key;
}

// Which rule serves which service, and which port carries which link, per
// router: how the counters feed reads samples.
std::map<std::string, FeedRouterInfo> FeedInfo(const model::NetworkModel& model,
                                               const srv6::DesiredState& state) {
  std::map<std::string, FeedRouterInfo> out;
  for (const srv6::RouterState& rs : state.routers) {
    FeedRouterInfo& info = out[rs.router_id];
    for (const auto& [id, rule] : rs.rules)
      info.service_of_rule[id] = model.service(rule.service).id;
  }
  for (const model::Link& l : model.links()) {
    for (const model::LinkEnd* end : {&l.a, &l.b}) {
      out[model.router(end->router).id].link_of_port[end->interface] = {l.id, l.capacity_bps};
    }
  }
  return out;
}

// "site|link,link": a candidate's key in CompiledCandidates.
std::string CandidateKey(const std::string& site_id, const std::vector<std::string>& link_ids) {
  return absl::StrCat(site_id, "|", absl::StrJoin(link_ids, ","));
}

// The IPv6 policies of every router by the (ingress, service, site, links)
// they stand for.
CompiledCandidates IndexCandidates(const model::NetworkModel& model,
                                   const srv6::DesiredState& state) {
  CompiledCandidates out;
  for (const srv6::RouterState& rs : state.routers) {
    for (const auto& [id, info] : rs.policies) {
      if (info.ipv4) continue;  // the candidate's IPv4 twin; the IPv6 id is the one shown
      std::vector<std::string> links;
      for (model::ArcIndex a : info.path.arcs) links.push_back(model.link(model::LinkOf(a)).id);
      const std::string key = CandidateKey(model.site(info.site).id, links);
      for (model::ServiceIndex svc : info.services) {
        out[{rs.router_id, model.service(svc).id}][key] = {id, info.segments.Texts()};
      }
    }
  }
  return out;
}

}  // namespace

SouthboundClient::SouthboundClient(SouthboundOptions options, const api::ModelStore* model,
                                   const api::DecisionLoop* loop, api::DemandStore* demands,
                                   api::LinkLoadStore* link_loads)
    : options_(std::move(options)),
      model_(model),
      loop_(loop),
      keep_unknown_until_(absl::Now() + options_.adopt_grace),
      feed_(demands, link_loads),
      draining_(options_.drain_time) {}

SouthboundClient::~SouthboundClient() { Stop(); }

void SouthboundClient::Start() {
  thread_ = std::thread([this] { Run(); });
}

void SouthboundClient::Stop() {
  std::map<std::string, std::unique_ptr<DataplaneSession>> sessions;
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  {
    absl::MutexLock l(&mu_);
    sessions.swap(sessions_);
  }
  // Stopped outside the lock: a session's ports callback takes it.
  for (auto& [id, s] : sessions) s->Stop();
}

std::vector<cv1::DataplaneSession> SouthboundClient::Sessions() const {
  std::vector<cv1::DataplaneSession> out;
  absl::MutexLock l(&mu_);
  for (const auto& [id, s] : sessions_) {
    out.push_back(s->Snapshot());
    if (!compile_error_.empty() && out.back().last_error().empty()) {
      out.back().set_last_error(compile_error_);
    }
  }
  return out;
}

std::map<std::string, SessionStats> SouthboundClient::Stats() const {
  std::map<std::string, SessionStats> out;
  absl::MutexLock l(&mu_);
  for (const auto& [id, s] : sessions_) out[id] = s->stats();
  return out;
}

void SouthboundClient::Annotate(std::span<cv1::Decision* const> decisions) const {
  std::shared_ptr<const CompiledCandidates> compiled;
  uint64_t reflected_epoch = 0, reflected_generation = 0;
  struct Ingress {
    cv1::DataplaneSession status;
    uint64_t synced = 0;
  };
  std::map<std::string, Ingress> ingress;
  {
    absl::MutexLock l(&mu_);
    compiled = compiled_;
    reflected_epoch = reflected_epoch_;
    reflected_generation = reflected_generation_;
    for (const cv1::Decision* d : decisions) {
      const std::string& router = d->ingress_router_id();
      if (ingress.contains(router)) continue;
      auto it = sessions_.find(router);
      if (it != sessions_.end())
        ingress[router] = {it->second->Snapshot(), it->second->stats().synced_generation};
    }
  }
  for (cv1::Decision* d : decisions) {
    auto in = ingress.find(d->ingress_router_id());
    cv1::InstallState state = cv1::INSTALL_STATE_NO_DATAPLANE;
    if (in != ingress.end() && in->second.status.state() == cv1::SESSION_STATE_PRIMARY) {
      const Ingress& s = in->second;
      if (d->last_change().epoch() <= reflected_epoch && reflected_generation > 0 &&
          s.synced >= reflected_generation) {
        state = cv1::INSTALL_STATE_INSTALLED;
      } else if (!s.status.last_error().empty() && s.status.pending_updates() > 0) {
        state = cv1::INSTALL_STATE_FAILED;
      } else {
        state = cv1::INSTALL_STATE_PENDING;
      }
    }
    d->set_install_state(state);
    if (compiled == nullptr) continue;
    auto by_demand = compiled->find({d->ingress_router_id(), d->service_id()});
    if (by_demand == compiled->end()) continue;
    for (cv1::WeightedCandidate& c : *d->mutable_candidates()) {
      auto it = by_demand->second.find(
          CandidateKey(c.site_id(), {c.path().link_ids().begin(), c.path().link_ids().end()}));
      if (it == by_demand->second.end()) continue;
      c.set_policy_id(it->second.policy_id);
      c.mutable_path()->clear_segments();
      for (const std::string& sid : it->second.segments) c.mutable_path()->add_segments(sid);
    }
  }
}

uint64_t SouthboundClient::compile_generation() const {
  absl::MutexLock l(&mu_);
  return generation_;
}

std::string SouthboundClient::compile_error() const {
  absl::MutexLock l(&mu_);
  return compile_error_;
}

void SouthboundClient::OnPorts(const PortsReport& report) {
  absl::MutexLock l(&mu_);
  auto it = ports_.find(report.router_id);
  if (it != ports_.end() && it->second.ports_key == report.ports_key) return;
  ports_[report.router_id] = report;
  ++ports_version_;
}

void SouthboundClient::SyncSessions(const model::NetworkModel& model,
                                    std::vector<std::unique_ptr<DataplaneSession>>* gone) {
  std::map<std::string, std::string> want;  // router id -> address
  for (const cpn::topology::v1::Router& r : model.proto().routers()) {
    if (!r.dataplane_address().empty()) want[r.id()] = r.dataplane_address();
  }
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    auto w = want.find(it->first);
    if (w != want.end() && w->second == it->second->options().address) {
      ++it;
      continue;
    }
    // Stopped by the caller outside mu_ (a session's ports callback takes
    // it).
    gone->push_back(std::move(it->second));
    ports_.erase(it->first);
    it = sessions_.erase(it);
  }
  for (const auto& [id, address] : want) {
    if (sessions_.count(id) > 0) continue;
    SessionOptions so;
    so.router_id = id;
    so.address = address;
    so.election_id_high = options_.election_id_high;
    so.election_id_low = options_.election_id_low;
    so.client_id = options_.client_id;
    so.min_backoff = options_.min_backoff;
    so.max_backoff = options_.max_backoff;
    so.rpc_timeout = options_.rpc_timeout;
    so.keep_unknown_until = keep_unknown_until_;
    so.counters_interval = options_.counters_interval;
    auto s = std::make_unique<DataplaneSession>(
        std::move(so), [this](const PortsReport& r) { OnPorts(r); },
        [this](const std::string& router, const cpn::telemetry::v1::CountersSnapshot& c) {
          feed_.OnSample(router, c);
        });
    s->Start();
    sessions_[id] = std::move(s);
  }
}

void SouthboundClient::Run() {
  uint64_t seen_model = UINT64_MAX;
  uint64_t seen_ports = UINT64_MAX;
  const api::DecisionSet* seen_decisions = nullptr;
  std::string seen_intents;
  bool compiled_ok = false;
  while (true) {
    std::shared_ptr<const api::ModelSnapshot> snap = model_->Current();
    std::shared_ptr<const api::DecisionSet> decisions = loop_->Current();
    uint64_t ports_version = 0;
    std::vector<std::unique_ptr<DataplaneSession>> gone;
    {
      absl::MutexLock l(&mu_);
      if (stopping_) return;
      if (snap->generation != seen_model) SyncSessions(*snap->model, &gone);
      ports_version = ports_version_;
    }
    for (auto& s : gone) s->Stop();
    const bool inputs_moved = snap->generation != seen_model || ports_version != seen_ports ||
                              decisions.get() != seen_decisions;
    // Decisions made on another snapshot may name what this one lacks; the
    // loop re-decides at once on a model change, so wait for that.
    if (inputs_moved && decisions->epoch > 0 && decisions->model_generation == snap->generation) {
      IntentsResult intents = IntentsFromDecisions(*snap->model, *decisions);
      draining_.Apply(*snap->model, absl::Now(), &intents.intents);
      std::string key = IntentsKey(intents.intents);
      if (snap->generation != seen_model || ports_version != seen_ports || key != seen_intents) {
        compiled_ok = Compile(*snap->model, intents);
        seen_intents = std::move(key);
      }
      // The desired state now stands for these decisions (compiled, or
      // equal to what was): unless it failed to compile.
      if (compiled_ok) {
        absl::MutexLock l(&mu_);
        reflected_epoch_ = decisions->epoch;
        reflected_generation_ = generation_;
      }
      seen_model = snap->generation;
      seen_ports = ports_version;
      seen_decisions = decisions.get();
    }
    absl::MutexLock l(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.poll_interval);
  }
}

bool SouthboundClient::Compile(const model::NetworkModel& model, const IntentsResult& intents) {
  srv6::CompileOptions co = options_.compile;
  std::map<std::string, PortsReport> ports;
  {
    absl::MutexLock l(&mu_);
    ports = ports_;
  }
  for (const auto& [router, report] : ports) co.port_bindings[router] = report.ports;
  absl::StatusOr<srv6::DesiredState> state = srv6::CompileDesiredState(model, intents.intents, co);
  std::shared_ptr<const CompiledCandidates> compiled;
  if (state.ok()) {
    feed_.SetRouters(FeedInfo(model, *state));
    compiled = std::make_shared<const CompiledCandidates>(IndexCandidates(model, *state));
  }
  absl::MutexLock l(&mu_);
  if (!state.ok()) {
    compile_error_ = absl::StrCat("compiling the desired state: ", state.status().message());
    return false;
  }
  compiled_ = std::move(compiled);
  compile_error_ = intents.skipped.empty() ? "" : absl::StrJoin(intents.skipped, "; ");
  ++generation_;
  for (auto& [id, session] : sessions_) {
    auto p = ports.find(id);
    const srv6::RouterState* rs = state->Find(id);
    if (p == ports.end() || rs == nullptr) continue;  // not read yet
    auto d = std::make_shared<DesiredForSession>();
    d->generation = generation_;
    d->ports_key = p->second.ports_key;
    d->entities = rs->entities;
    session->SetDesired(std::move(d));
  }
  return true;
}

}  // namespace cpn::southbound
