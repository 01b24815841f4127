// cpnctl whatif CHANGE... : what the controller would decide after
// hypothetical changes (nothing is applied).
#include <algorithm>
#include <cmath>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controller/cpnctl/args.h"
#include "controller/cpnctl/commands.h"
#include "controller/cpnctl/output.h"

namespace cpn::cpnctl {

namespace cv1 = cpn::controller::v1;

namespace {

constexpr char kUsage[] =
    "whatif [--steady-state] CHANGE [CHANGE ...]\n"
    "  CHANGE: link-down LINK | router-down ROUTER | site-down SITE | fiber-cut FIBRE |\n"
    "          surge SITE FACTOR | load SITE UTILIZATION | demand INGRESS SERVICE RPS";

}  // namespace

int RunWhatIf(Client& client, const Words& words) {
  absl::StatusOr<Args> args = ParseArgs(words, {{"steady-state", false}});
  if (!args.ok()) return client.Usage("whatif", std::string(args.status().message()), kUsage);
  const Words& w = args->positional;
  if (w.empty()) return client.Usage("whatif", "expected at least one change", kUsage);
  cv1::WhatIfRequest request;
  request.set_horizon(args->Has("steady-state") ? cv1::WHAT_IF_HORIZON_STEADY_STATE
                                                : cv1::WHAT_IF_HORIZON_NEXT_EPOCH);
  for (size_t i = 0; i < w.size();) {
    const std::string& kind = w[i];
    auto need = [&](size_t n) { return i + n < w.size(); };
    cv1::WhatIfChange* c = request.add_changes();
    if (kind == "link-down" && need(1)) {
      c->mutable_link_down()->set_link_id(w[i + 1]);
      i += 2;
    } else if (kind == "router-down" && need(1)) {
      c->mutable_router_down()->set_router_id(w[i + 1]);
      i += 2;
    } else if (kind == "site-down" && need(1)) {
      c->mutable_site_down()->set_site_id(w[i + 1]);
      i += 2;
    } else if (kind == "fiber-cut" && need(1)) {
      c->mutable_fiber_cut()->set_fiber_id(w[i + 1]);
      i += 2;
    } else if ((kind == "surge" || kind == "load") && need(2)) {
      absl::StatusOr<double> v = ParseDouble(w[i + 2], kind == "surge" ? "FACTOR" : "UTILIZATION");
      if (!v.ok()) return client.Usage("whatif", std::string(v.status().message()), kUsage);
      cv1::SiteLoadSurge* s = c->mutable_site_load_surge();
      s->set_site_id(w[i + 1]);
      if (kind == "surge") {
        s->set_load_factor(*v);
      } else {
        s->set_utilization(*v);
      }
      i += 3;
    } else if (kind == "demand" && need(3)) {
      absl::StatusOr<double> rps = ParseDouble(w[i + 3], "RPS");
      if (!rps.ok()) return client.Usage("whatif", std::string(rps.status().message()), kUsage);
      c->mutable_demand()->set_ingress_router_id(w[i + 1]);
      c->mutable_demand()->set_service_id(w[i + 2]);
      c->mutable_demand()->set_requests_per_second(*rps);
      i += 4;
    } else {
      return client.Usage("whatif",
                          absl::StrCat("cannot read change \"", kind, "\" (word ", i + 1,
                                       "): unknown, or too few arguments"),
                          kUsage);
    }
  }
  if (!client.Connect()) return kExitUnreachable;
  cv1::WhatIfResponse response;
  grpc::Status s = client.stub().WhatIf(client.Call().get(), request, &response);
  if (!s.ok()) return client.Failed("WhatIf", s);
  if (client.json()) {
    client.PrintJson(response);
    return kExitOk;
  }
  std::ostream& out = client.out();
  out << "What-if against epoch " << response.based_on_epoch() << " ("
      << (args->Has("steady-state") ? "steady state" : "next epoch, damping included")
      << "); nothing was applied\n";
  out << "objective " << Num(response.current_objective(), 1) << " -> "
      << Num(response.what_if_objective(), 1) << " (requests/s x ms)\n";
  if (response.diffs().empty()) {
    out << "no decision would change\n";
  } else {
    Table t({"demand", "change", "e2e_ms_now", "e2e_ms_then", "basis", "weights"});
    for (const cv1::DecisionDiff& d : response.diffs()) {
      // Moves per site (paths to one site added up), largest first.
      std::vector<std::tuple<std::string, double, double>> sites;
      for (const cv1::WeightChange& wc : d.weight_changes()) {
        auto it = std::find_if(sites.begin(), sites.end(),
                               [&](const auto& s) { return std::get<0>(s) == wc.site_id(); });
        if (it == sites.end()) {
          sites.emplace_back(wc.site_id(), wc.old_weight(), wc.new_weight());
        } else {
          std::get<1>(*it) += wc.old_weight();
          std::get<2>(*it) += wc.new_weight();
        }
      }
      std::stable_sort(sites.begin(), sites.end(), [](const auto& a, const auto& b) {
        return std::abs(std::get<2>(a) - std::get<1>(a)) >
               std::abs(std::get<2>(b) - std::get<1>(b));
      });
      std::vector<std::string> moves;
      for (const auto& [site, old_w, new_w] : sites) {
        if (moves.size() == 5) {
          moves.push_back(absl::StrCat("+", sites.size() - 5, " more"));
          break;
        }
        if (Num(old_w) == Num(new_w)) continue;
        moves.push_back(absl::StrCat(site, " ", Num(old_w), "->", Num(new_w)));
      }
      t.Add({absl::StrCat(d.key().service_id(), "@", d.key().ingress_router_id()),
             EnumWord(cv1::DiffKind_Name(d.kind()), "DIFF_KIND_"),
             Num(d.current_expected_completion_ms()), Num(d.what_if_expected_completion_ms()),
             EnumWord(cv1::DecisionBasis_Name(d.what_if_basis()), "DECISION_BASIS_"),
             moves.empty() ? "-" : absl::StrJoin(moves, ", ")});
    }
    out << t.Render();
  }
  for (const std::string& warning : response.warnings()) out << "warning: " << warning << "\n";
  return kExitOk;
}

}  // namespace cpn::cpnctl
