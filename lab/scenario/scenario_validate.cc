#include "lab/scenario/scenario_validate.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "controller/model/network_model.h"
#include "lab/scenario/validate_context.h"

namespace cpn::lab {
namespace {

using namespace validate_internal;  // NOLINT: this file's own internals

void CheckModel(const v1::ServiceTimeModel& m, const FieldPath& at, const std::string& who,
                Problems& p) {
  switch (m.model_case()) {
    case v1::ServiceTimeModel::kExponential:
      if (!Positive(m.exponential().mean_ms()))
        p.Add(Join(Join(at, "exponential"), "mean_ms"), who + ": mean must be > 0 ms");
      break;
    case v1::ServiceTimeModel::kDeterministic:
      if (!Positive(m.deterministic().time_ms()))
        p.Add(Join(Join(at, "deterministic"), "time_ms"), who + ": time must be > 0 ms");
      break;
    case v1::ServiceTimeModel::kLognormal:
      if (!Positive(m.lognormal().mean_ms()))
        p.Add(Join(Join(at, "lognormal"), "mean_ms"), who + ": mean must be > 0 ms");
      if (!Positive(m.lognormal().sigma()))
        p.Add(Join(Join(at, "lognormal"), "sigma"), who + ": sigma must be > 0");
      break;
    case v1::ServiceTimeModel::kTrace:
      if (m.trace().path().empty())
        p.Add(Join(Join(at, "trace"), "path"), who + ": trace path is empty");
      break;
    case v1::ServiceTimeModel::MODEL_NOT_SET:
      p.Add(at, who + ": no service-time model (exponential, deterministic, lognormal or trace)");
      break;
  }
}

// Next free "eth<n>" on `router`.
std::string FreeInterface(const tv1::Topology& t, const std::string& router) {
  std::set<std::string> used;
  for (const tv1::Link& l : t.links()) {
    if (l.a().router_id() == router) used.insert(l.a().interface());
    if (l.b().router_id() == router) used.insert(l.b().interface());
  }
  for (int n = 1;; ++n) {
    std::string name = absl::StrCat("eth", n);
    if (!used.count(name)) return name;
  }
}

void ResolveRouters(Context& c) {
  const FieldPath net = {{"network"}};
  std::set<std::string> all;
  for (const tv1::Router& r : c.source->routers()) all.insert(r.id());
  std::set<std::string> subset;
  for (int i = 0; i < c.s.network().routers_size(); ++i) {
    const std::string& id = c.s.network().routers(i);
    if (!all.count(id)) {
      c.p.Add(Join(net, "routers", i),
              absl::StrCat("unknown router ", Q(id), " (the network has: ", Known(all), ")"));
    } else if (!subset.insert(id).second) {
      c.p.Add(Join(net, "routers", i), absl::StrCat("router ", Q(id), " listed twice"));
    }
  }
  for (const tv1::Router& r : c.source->routers()) {
    if (!subset.empty() && !subset.count(r.id())) continue;
    c.routers.insert(r.id());
    *c.out.topology.add_routers() = r;
  }
  if (c.routers.empty()) c.p.Add(net, "the network has no routers");
}

void ResolveLinks(Context& c) {
  tv1::Topology& t = c.out.topology;
  for (const tv1::Link& l : c.source->links()) {
    if (!c.routers.count(l.a().router_id()) || !c.routers.count(l.b().router_id())) continue;
    *t.add_links() = l;
    c.out.links.push_back({l.id(), l.a().router_id(), l.b().router_id(),
                           static_cast<double>(l.propagation_delay_us()) / 1000.0,
                           static_cast<double>(l.capacity_bps()) / 1e6, 0});
  }
  std::set<int> tuned;  // links already named by a LinkSpec
  for (int i = 0; i < c.s.links_size(); ++i) {
    const v1::LinkSpec& spec = c.s.links(i);
    const FieldPath at = {{"links", i}};
    const std::string who = absl::StrCat("link ", spec.a(), "--", spec.b());
    bool ok = true;
    for (const auto& [field, id] :
         {std::pair<const char*, std::string>{"a", spec.a()}, {"b", spec.b()}}) {
      if (!c.routers.count(id)) {
        c.p.Add(Join(at, field), absl::StrCat(who, ": unknown router ", Q(id),
                                              " (routers: ", Known(c.routers), ")"));
        ok = false;
      }
    }
    if (ok && spec.a() == spec.b()) {
      c.p.Add(Join(at, "b"), who + ": a link needs two different routers");
      ok = false;
    }
    if (spec.has_delay_ms() && !NonNegative(spec.delay_ms())) {
      c.p.Add(Join(at, "delay_ms"), who + ": delay must be >= 0 ms");
      ok = false;
    }
    if (spec.has_rate_mbps() && !Positive(spec.rate_mbps())) {
      c.p.Add(Join(at, "rate_mbps"), who + ": rate must be > 0 Mbit/s");
      ok = false;
    }
    if (!(std::isfinite(spec.loss_percent()) && spec.loss_percent() >= 0 &&
          spec.loss_percent() < 100)) {
      c.p.Add(Join(at, "loss_percent"), who + ": loss must be in [0, 100) percent");
      ok = false;
    }
    if (!ok) continue;
    std::vector<int> joining;
    for (int k = 0; k < t.links_size(); ++k) {
      const tv1::Link& l = t.links(k);
      const bool ab = l.a().router_id() == spec.a() && l.b().router_id() == spec.b();
      const bool ba = l.a().router_id() == spec.b() && l.b().router_id() == spec.a();
      if ((ab || ba) && (spec.id().empty() || l.id() == spec.id())) joining.push_back(k);
    }
    if (joining.size() > 1) {
      std::vector<std::string> ids;
      for (int k : joining) ids.push_back(t.links(k).id());
      c.p.Add(at, absl::StrCat(who, ": several links join ", spec.a(), " and ", spec.b(), " (",
                               absl::StrJoin(ids, ", "), "); name one with id"));
      continue;
    }
    int k;
    if (joining.size() == 1) {
      k = joining[0];
    } else {
      const std::string id = spec.id().empty() ? absl::StrCat(spec.a(), "--", spec.b()) : spec.id();
      if (!ValidId(id)) {
        c.p.Add(Join(at, "id"), absl::StrCat(who, ": link id ", Q(id),
                                             " must be letters, digits, '-', '_' or '.'"));
        continue;
      }
      if (std::any_of(t.links().begin(), t.links().end(),
                      [&](const tv1::Link& l) { return l.id() == id; })) {
        c.p.Add(Join(at, "id"), absl::StrCat(who, ": link id ", Q(id),
                                             " is taken by a link between other routers"));
        continue;
      }
      if (!spec.has_delay_ms() || !spec.has_rate_mbps()) {
        c.p.Add(at, absl::StrCat(who, ": no link joins ", spec.a(), " and ", spec.b(),
                                 " in the network; a new link needs delay_ms and rate_mbps"));
        continue;
      }
      tv1::Link* l = t.add_links();
      l->set_id(id);
      l->mutable_a()->set_router_id(spec.a());
      l->mutable_a()->set_interface(FreeInterface(t, spec.a()));
      l->mutable_b()->set_router_id(spec.b());
      l->mutable_b()->set_interface(FreeInterface(t, spec.b()));
      c.out.links.push_back({id, spec.a(), spec.b(), 0, 0, 0});
      k = t.links_size() - 1;
    }
    if (!tuned.insert(k).second) {
      c.p.Add(at, absl::StrCat(who, ": link ", Q(t.links(k).id()), " is tuned twice"));
      continue;
    }
    LinkEmulation& e = c.out.links[k];
    if (spec.has_delay_ms()) e.delay_ms = spec.delay_ms();
    if (spec.has_rate_mbps()) e.rate_mbps = spec.rate_mbps();
    e.loss_percent = spec.loss_percent();
  }
  // The controller sees what the lab emulates.
  for (int k = 0; k < t.links_size(); ++k) {
    tv1::Link* l = t.mutable_links(k);
    l->set_propagation_delay_us(
        std::max<uint64_t>(1, std::llround(c.out.links[k].delay_ms * 1000)));
    l->set_capacity_bps(static_cast<uint64_t>(std::llround(c.out.links[k].rate_mbps * 1e6)));
    if (l->igp_metric() == 0) l->set_igp_metric(static_cast<uint32_t>(l->propagation_delay_us()));
  }
}

void ResolveServices(Context& c) {
  tv1::Topology& t = c.out.topology;
  *t.mutable_services() = c.source->services();
  std::set<std::string> seen;
  for (int i = 0; i < c.s.network().services_size(); ++i) {
    const auto& svc = c.s.network().services(i);
    const FieldPath at = {{"network"}, {"services", i}};
    if (!ValidId(svc.id())) {
      c.p.Add(Join(at, "id"), absl::StrCat("service id ", Q(svc.id()),
                                           " must be letters, digits, '-', '_' or '.'"));
      continue;
    }
    if (!seen.insert(svc.id()).second) {
      c.p.Add(Join(at, "id"), absl::StrCat("service ", Q(svc.id()), " defined twice"));
      continue;
    }
    auto it = std::find_if(t.mutable_services()->begin(), t.mutable_services()->end(),
                           [&](const auto& x) { return x.id() == svc.id(); });
    if (it != t.mutable_services()->end()) {
      *it = svc;
    } else {
      *t.add_services() = svc;
    }
  }
}

// A free "2001:db8:5:<n>::/64" site prefix (the importer's plan).
std::string FreeSitePrefix(const tv1::Topology& t, int& next) {
  std::set<std::string> used;
  for (const auto& site : t.sites())
    for (const std::string& p : site.attachment().site_prefixes()) used.insert(p);
  for (const auto& site : t.sites()) used.insert(site.attachment().next_hop_ipv6());
  while (true) {
    std::string prefix = absl::StrCat("2001:db8:5:", absl::Hex(next++), "::/64");
    if (!used.count(prefix)) return prefix;
  }
}

void ResolveSites(Context& c) {
  tv1::Topology& t = c.out.topology;
  std::set<std::string> services;
  for (const auto& svc : t.services()) services.insert(svc.id());
  std::set<std::string> ids;
  int next_prefix = 0x100;
  for (int i = 0; i < c.s.sites_size(); ++i) {
    const v1::SiteSpec& spec = c.s.sites(i);
    const FieldPath at = {{"sites", i}};
    const std::string who = absl::StrCat("site ", Q(spec.id()));
    if (!ValidId(spec.id())) {
      c.p.Add(Join(at, "id"),
              absl::StrCat("site id ", Q(spec.id()), " must be letters, digits, '-', '_' or '.'"));
      continue;
    }
    if (!ids.insert(spec.id()).second) {
      c.p.Add(Join(at, "id"), who + ": defined twice");
      continue;
    }
    const cpn::compute::v1::Site* base = nullptr;
    for (const auto& s : c.source->sites())
      if (s.id() == spec.id()) base = &s;
    const std::string router = !spec.router().empty() ? spec.router()
                               : base != nullptr      ? base->attachment().router_id()
                                                      : std::string();
    if (router.empty()) {
      c.p.Add(Join(at, "router"),
              who + ": no router (the network has no site of this id to take it from)");
    } else if (!c.routers.count(router)) {
      c.p.Add(Join(at, "router"), absl::StrCat(who, ": unknown router ", Q(router),
                                               " (routers: ", Known(c.routers), ")"));
    }
    if (spec.services().empty()) c.p.Add(Join(at, "services"), who + ": serves no service");
    std::set<std::string> hosted;
    cpn::compute::v1::Site site;
    for (int k = 0; k < spec.services_size(); ++k) {
      const v1::SiteServiceSpec& ss = spec.services(k);
      const FieldPath sat = Join(at, "services", k);
      if (!services.count(ss.service_id())) {
        c.p.Add(Join(sat, "service_id"), absl::StrCat(who, ": unknown service ", Q(ss.service_id()),
                                                      " (services: ", Known(services), ")"));
      } else if (!hosted.insert(ss.service_id()).second) {
        c.p.Add(Join(sat, "service_id"),
                absl::StrCat(who, ": service ", Q(ss.service_id()), " listed twice"));
      }
      if (ss.servers() == 0) c.p.Add(Join(sat, "servers"), who + ": servers must be > 0");
      CheckModel(ss.service_time(), Join(sat, "service_time"), who, c.p);
      auto* cap = site.add_capacities();
      cap->set_service_id(ss.service_id());
      cap->set_servers(ss.servers());
      double mean = ModelMeanMs(ss.service_time());
      if (ss.service_time().has_trace()) {
        auto it = c.trace_means->find(ss.service_time().trace().path());
        if (it != c.trace_means->end()) mean = it->second;
      }
      cap->set_mean_service_time_ms(mean);
    }
    const uint32_t interval = spec.metrics().interval_ms();
    if (interval != 0 && interval < 100)
      c.p.Add(Join(Join(at, "metrics"), "interval_ms"),
              who + ": report interval must be 0 (500) or >= 100 ms");
    site.set_id(spec.id());
    site.set_name(!spec.name().empty() ? spec.name() : base != nullptr ? base->name() : spec.id());
    if (spec.has_location()) {
      *site.mutable_location() = spec.location();
    } else if (base != nullptr) {
      *site.mutable_location() = base->location();
    }
    if (base != nullptr) {
      *site.mutable_attachment() = base->attachment();
      *site.mutable_power() = base->power();
    }
    site.mutable_attachment()->set_router_id(router);
    if (site.attachment().interface().empty())
      site.mutable_attachment()->set_interface("site-" + spec.id());
    if (site.attachment().site_prefixes().empty()) {
      const std::string prefix = FreeSitePrefix(t, next_prefix);
      site.mutable_attachment()->add_site_prefixes(prefix);
      site.mutable_attachment()->set_next_hop_ipv6(prefix.substr(0, prefix.size() - 5) + "::2");
    }
    *t.add_sites() = std::move(site);
    for (auto& r : *t.mutable_routers())
      if (r.id() == router) AddRole(r, tv1::ROUTER_ROLE_SITE_GATEWAY);
  }
}

}  // namespace

double ModelMeanMs(const v1::ServiceTimeModel& m) {
  switch (m.model_case()) {
    case v1::ServiceTimeModel::kExponential:
      return m.exponential().mean_ms();
    case v1::ServiceTimeModel::kDeterministic:
      return m.deterministic().time_ms();
    case v1::ServiceTimeModel::kLognormal:
      return m.lognormal().mean_ms();
    default:
      return 0;
  }
}

uint64_t DeriveSeed(uint64_t seed, const std::string& kind, const std::string& id) {
  uint64_t h = 1469598103934665603ULL ^ seed;
  for (char ch : kind + "/" + id) {
    h ^= static_cast<unsigned char>(ch);
    h *= 1099511628211ULL;
  }
  return h;
}

absl::StatusOr<ResolvedScenario> ValidateScenario(const ParsedScenario& parsed,
                                                  const ScenarioInputs& inputs) {
  const v1::Scenario& s = parsed.scenario;
  Problems p(parsed.positions);
  Context c(s, p);
  c.trace_means = &inputs.trace_means_ms;
  c.out.scenario = s;
  if (!ValidId(s.name()))
    p.Add({{"name"}},
          absl::StrCat("scenario name ", Q(s.name()), " must be letters, digits, '-', '_' or '.'"));
  if (!Positive(s.duration_s())) p.Add({{"duration_s"}}, "duration must be > 0 s");
  switch (s.network().source_case()) {
    case v1::Network::kTopology:
      c.source = &s.network().topology();
      if (!s.network().overlay_file().empty())
        p.Add({{"network"}, {"overlay_file"}},
              "an overlay applies to a .graphml topology_file only");
      break;
    case v1::Network::kTopologyFile:
      if (inputs.file_topology == nullptr) {
        return absl::InternalError("ValidateScenario: network.topology_file was not loaded");
      }
      c.source = inputs.file_topology;
      break;
    case v1::Network::SOURCE_NOT_SET:
      p.Add({{"network"}}, "no network: set network.topology or network.topology_file");
      return p.ToStatus();
  }
  tv1::Topology& t = c.out.topology;
  t.set_name(s.name());
  t.set_description(s.description());
  *t.mutable_provenance() = c.source->provenance();
  ResolveRouters(c);
  ResolveLinks(c);
  ResolveServices(c);
  ResolveSites(c);
  std::set<std::string> regions;
  CheckClients(c, regions);
  CheckReachability(c);
  CheckEvents(c, regions);
  if (!p.empty()) return p.ToStatus();
  t.mutable_provenance()->add_notes(absl::StrCat("lab scenario ", Q(s.name()), ": ",
                                                 t.routers_size(), " routers, ", t.links_size(),
                                                 " links, ", t.sites_size(), " sites"));
  auto model = cpn::model::NetworkModel::Build(t);
  if (!model.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(parsed.positions.source_name(),
                                                   ": the resolved network does not validate:\n",
                                                   model.status().message()));
  }
  return std::move(c.out);
}

absl::Status AddControllerRestart(ResolvedScenario& scenario, double at_s, double down_s) {
  v1::Scenario& s = scenario.scenario;
  const double end = s.duration_s();
  if (!NonNegative(at_s) || at_s >= end) {
    return absl::InvalidArgumentError(
        absl::StrCat("controller restart at ", at_s, " s: not within the run [0, ", end, ") s"));
  }
  if (!NonNegative(down_s) || at_s + down_s >= end) {
    return absl::InvalidArgumentError(absl::StrCat(
        "controller restart at ", at_s, " s: down for ", down_s,
        " s, the controller must be back before the end of the run (duration_s ", end, ")"));
  }
  v1::Scenario with = s;
  v1::TimelineEvent* e = with.add_events();
  e->set_at_s(at_s);
  e->mutable_controller_restart()->set_down_s(down_s);
  const SourcePositions none;
  Problems p(none);
  CheckControllerRestarts(with, p);
  if (!p.empty()) return p.ToStatus();
  s = std::move(with);
  return absl::OkStatus();
}

}  // namespace cpn::lab
