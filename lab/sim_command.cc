#include "lab/sim_command.h"

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "controller/model/network_model.h"
#include "controller/topology/topology_file.h"
#include "lab/sim/auto_sites.h"
#include "lab/sim/policy.h"
#include "lab/sim/report.h"
#include "lab/sim/scenario.h"
#include "lab/sim/setup.h"
#include "lab/sim/simulator.h"
#include "lab/sim/trace_io.h"

namespace cpn::lab {
namespace {

namespace po = boost::program_options;

std::vector<std::string> SplitList(const std::string& s, const std::vector<std::string>& all) {
  if (s == "all") return all;
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(s, ',', absl::SkipEmpty())) {
    out.emplace_back(part.data(), part.size());
  }
  return out;
}

absl::Status WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary);
  f << content;
  f.close();
  if (!f) return absl::InternalError(absl::StrFormat("cannot write %s", path.string()));
  return absl::OkStatus();
}

// Scenario overrides given on the command line (negative / empty: keep).
struct Overrides {
  uint64_t seed = 0;
  double duration_s = -1, warmup_s = -1, load = -1, metric_delay_s = -1, epoch_s = -1;
  double flash_factor = -1, flash_start_s = -1, report_window_s = -1, demand_window_s = -1;
  std::string flash_center, site_fail, link_fail;
  bool uniform_ingress = false;
};

void Apply(const Overrides& o, sim::Scenario& s) {
  if (o.seed != 0) s.seed = o.seed;
  if (o.duration_s > 0) {
    // Keep the events at the same share of the run.
    const double k = o.duration_s / s.duration_s;
    s.duration_s = o.duration_s;
    s.warmup_s *= k;
    for (double* t : {&s.flash_start_s, &s.site_fail_at_s, &s.site_recover_at_s, &s.link_fail_at_s,
                      &s.link_recover_at_s}) {
      if (*t >= 0) *t *= k;
    }
  }
  if (o.warmup_s >= 0) s.warmup_s = o.warmup_s;
  if (o.load > 0) s.target_load = o.load;
  if (o.metric_delay_s >= 0) s.metric_delay_s = o.metric_delay_s;
  if (o.epoch_s > 0) s.epoch_s = o.epoch_s;
  if (o.flash_factor > 0) s.flash_factor = o.flash_factor;
  if (o.flash_start_s >= 0) s.flash_start_s = o.flash_start_s;
  if (!o.flash_center.empty()) s.flash_center = o.flash_center;
  if (!o.site_fail.empty()) s.site_fail_id = o.site_fail;
  if (!o.link_fail.empty()) s.link_fail_id = o.link_fail;
  if (o.uniform_ingress) s.uniform_ingress = true;
  if (o.report_window_s > 0) s.report_window_s = o.report_window_s;
  if (o.demand_window_s > 0) s.demand_window_s = o.demand_window_s;
}

}  // namespace

int RunSimCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description desc(
      "Usage: cpn-lab sim --topology FILE [options]\n"
      "Runs the flow-level simulator: every policy on identical input, per scenario;\n"
      "writes summary.csv, site_util.csv, SVG charts and report.md under --out.\nOptions");
  std::string topology_file, overlay, sites_csv, scenarios = "steady", policies = "all", out_dir;
  std::string data_dir = "../shared/data", service, llm_trace, util_trace;
  std::string site_background = "alibaba,google,azure", traffic_matrix, tm_nodes;
  bool default_service = false, synthetic = false;
  int auto_sites = 8, k_paths = 2;
  double service_time_ms = 0;
  Overrides ov;
  desc.add_options()("help,h", "show this help")("topology", po::value(&topology_file),
                                                 "topology: .txtpb, or Topology Zoo .graphml")(
      "overlay", po::value(&overlay), "GraphML import overlay")(
      "sites-csv", po::value(&sites_csv), "attach these sites to their nearest routers")(
      "default-service", po::bool_switch(&default_service),
      "add the default llm-inference service when the topology has none")(
      "auto-sites", po::value(&auto_sites)->default_value(8),
      "sites to place when the topology has none (farthest-point; 60% demand hubs)")(
      "service", po::value(&service), "service to simulate (default: the first)")(
      "service-time-ms", po::value(&service_time_ms),
      "override the service's mean service time at every site (e.g. 100: network matters)")(
      "scenario", po::value(&scenarios)->default_value("steady"),
      ("comma list or 'all': " + absl::StrJoin(sim::ScenarioNames(), ", ")).c_str())(
      "policies", po::value(&policies)->default_value("all"),
      ("comma list or 'all': " + absl::StrJoin(sim::PolicyNames(), ", ")).c_str())(
      "out", po::value(&out_dir),
      "output directory (created); without it only the summary is printed")(
      "data-dir", po::value(&data_dir)->default_value("../shared/data"),
      "where the workload traces are (skipped when absent)")(
      "llm-trace", po::value(&llm_trace), "Azure LLM trace CSV (default: from --data-dir)")(
      "util-trace", po::value(&util_trace),
      "Alibaba 2018 utilisation series CSV (default: from --data-dir)")(
      "site-background", po::value(&site_background)->default_value(site_background),
      "comma list of the series sites' background load follows, site i the (i mod n)th: "
      "alibaba, google (2019), azure (v2)")(
      "traffic-matrix", po::value(&traffic_matrix),
      "SNDlib wide CSV (time,SRC->DST,...): each ingress's volume is its node's mean sent "
      "traffic (default: demand-hub weighting)")(
      "tm-nodes", po::value(&tm_nodes),
      "\"CODE router-id\" lines mapping the matrix's nodes to routers (default: same names)")(
      "synthetic", po::bool_switch(&synthetic), "ignore traces: Poisson, exponential, constant")(
      "k-paths", po::value(&k_paths)->default_value(2), "candidate paths per ingress and site")(
      "seed", po::value(&ov.seed), "random seed (default 1)")(
      "duration-s", po::value(&ov.duration_s), "run length; scenario events scale with it")(
      "warmup-s", po::value(&ov.warmup_s), "unmeasured start")(
      "load", po::value(&ov.load), "offered load / capacity (default 0.65)")(
      "metric-delay-s", po::value(&ov.metric_delay_s), "report delay to the controller")(
      "epoch-s", po::value(&ov.epoch_s), "decision epoch")(
      "flash-factor", po::value(&ov.flash_factor), "flash-crowd arrival multiplier")(
      "flash-start-s", po::value(&ov.flash_start_s), "flash-crowd start")(
      "flash-center", po::value(&ov.flash_center), "router id at the flash crowd's centre")(
      "site-fail", po::value(&ov.site_fail), "site id to fail (site-failure)")(
      "link-fail", po::value(&ov.link_fail), "link id to fail (link-failure)")(
      "uniform-ingress", po::bool_switch(&ov.uniform_ingress), "all ingresses weigh the same")(
      "report-window-s", po::value(&ov.report_window_s), "site agents' rate window (default 30)")(
      "demand-window-s", po::value(&ov.demand_window_s),
      "time constant of the measured demand (default 30)");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    err << "cpn-lab sim: " << e.what() << "\n" << desc << "\n";
    return 2;
  }
  if (vm.count("help")) {
    out << desc << "\n";
    return 0;
  }
  if (topology_file.empty()) {
    err << "cpn-lab sim: missing --topology\n" << desc << "\n";
    return 2;
  }
  std::vector<sim::Scenario> scenario_list;
  for (const std::string& name : SplitList(scenarios, sim::ScenarioNames())) {
    absl::StatusOr<sim::Scenario> s = sim::NamedScenario(name);
    if (!s.ok()) {
      err << "cpn-lab sim: --scenario: " << s.status().message() << "\n";
      return 2;
    }
    Apply(ov, *s);
    if (absl::Status st = sim::ValidateScenario(*s); !st.ok()) {
      err << "cpn-lab sim: " << st.message() << "\n";
      return 2;
    }
    scenario_list.push_back(*s);
  }
  const std::vector<std::string> policy_names = SplitList(policies, sim::PolicyNames());
  for (const std::string& p : policy_names) {
    if (absl::StatusOr<std::unique_ptr<sim::Policy>> made = sim::MakePolicy(p); !made.ok()) {
      err << "cpn-lab sim: --policies: " << made.status().message() << "\n";
      return 2;
    }
  }
  if (scenario_list.empty() || policy_names.empty()) {
    err << "cpn-lab sim: no scenario or no policy given\n";
    return 2;
  }

  // Network.
  topology::LoadOptions lo;
  lo.overlay_path = overlay;
  lo.sites_csv_path = sites_csv;
  lo.add_default_service = default_service;
  lo.graphml.drop_unplaced = true;
  absl::StatusOr<cpn::topology::v1::Topology> topo = topology::LoadTopologyFile(topology_file, lo);
  if (!topo.ok()) {
    err << "cpn-lab sim: " << topo.status().message() << "\n";
    return 1;
  }
  if (topo->sites_size() == 0) {
    if (absl::Status st = sim::AddAutoSites(*topo, auto_sites); !st.ok()) {
      err << "cpn-lab sim: " << topology_file << ": " << st.message() << "\n";
      return 1;
    }
    out << absl::StrFormat("cpn-lab sim: %s has no sites; placed %d (--auto-sites)\n",
                           topology_file, topo->sites_size());
  }
  if (service_time_ms > 0) {
    for (auto& svc : *topo->mutable_services()) {
      if (service.empty() || svc.id() == service) svc.set_mean_service_time_ms(service_time_ms);
    }
    for (auto& site : *topo->mutable_sites()) {
      for (auto& cap : *site.mutable_capacities()) {
        if (service.empty() || cap.service_id() == service) cap.set_mean_service_time_ms(0);
      }
    }
  } else if (vm.count("service-time-ms")) {
    err << "cpn-lab sim: --service-time-ms must be > 0\n";
    return 2;
  }
  absl::StatusOr<std::shared_ptr<const model::NetworkModel>> model =
      model::NetworkModel::Build(*topo);
  if (!model.ok()) {
    err << "cpn-lab sim: " << topology_file << ": " << model.status().message() << "\n";
    return 1;
  }

  // Workload.
  sim::WorkloadFiles wf;
  if (!synthetic) {
    wf = sim::DefaultWorkloadFiles(data_dir);
    if (!llm_trace.empty()) wf.llm_trace = llm_trace;
    if (!util_trace.empty()) wf.utilization_trace = util_trace;
    std::vector<std::string> sources = absl::StrSplit(site_background, ',', absl::SkipEmpty());
    for (const std::string& src : sources) {
      if (src != "alibaba" && src != "google" && src != "azure") {
        err << "cpn-lab sim: --site-background: unknown series \"" << src
            << "\" (known: alibaba, google, azure)\n";
        return 2;
      }
    }
    auto wanted = [&](const char* src) {
      return std::find(sources.begin(), sources.end(), src) != sources.end();
    };
    if (!wanted("google")) wf.google_trace.clear();
    if (!wanted("azure")) wf.azure_vm_trace.clear();
    // Without "alibaba" its net_in still gives the links' background.
    wf.alibaba_sites = wanted("alibaba");
    if (wf.llm_trace.empty() || wf.utilization_trace.empty()) {
      out << "cpn-lab sim: traces not found under " << data_dir
          << "; using synthetic parts instead\n";
    }
  }
  absl::StatusOr<sim::Workload> workload = sim::LoadWorkload(wf);
  if (!workload.ok()) {
    err << "cpn-lab sim: " << workload.status().message() << "\n";
    return 1;
  }
  if (!traffic_matrix.empty()) {
    std::vector<std::string> router_ids;
    for (uint32_t r = 0; r < (*model)->num_routers(); ++r) {
      router_ids.push_back((*model)->router(model::RouterIndex(r)).id);
    }
    std::vector<std::string> unmatched;
    absl::StatusOr<std::map<std::string, double>> volumes =
        sim::LoadIngressVolumes(traffic_matrix, tm_nodes, router_ids, &unmatched);
    if (!volumes.ok()) {
      err << "cpn-lab sim: --traffic-matrix: " << volumes.status().message() << "\n";
      return 1;
    }
    workload->ingress_volume = *std::move(volumes);
    workload->ingress_volume_source = std::filesystem::path(traffic_matrix).filename().string();
    workload->description += absl::StrFormat(
        "; ingress volume from %s (%d routers%s)", workload->ingress_volume_source,
        workload->ingress_volume.size(),
        unmatched.empty()
            ? ""
            : absl::StrCat("; nodes without a router: ", absl::StrJoin(unmatched, ", ")));
  }

  const std::filesystem::path root(out_dir);
  std::string report = absl::StrFormat(
      "# CPN simulator report\n\nTopology `%s` (%s): %d routers, %d links, %d sites. Workload: "
      "%s.\n\n",
      topology_file, (*model)->name(), (*model)->num_routers(), (*model)->num_links(),
      (*model)->sites().size(), workload->description);
  std::string all_csv = sim::SummaryCsvHeader();
  for (const sim::Scenario& sc : scenario_list) {
    absl::StatusOr<sim::SimSetup> setup = sim::BuildSetup(*model, sc, &*workload, service);
    if (!setup.ok()) {
      err << "cpn-lab sim: " << setup.status().message() << "\n";
      return 1;
    }
    std::string description = absl::StrFormat(
        "%d sites, capacity %.1f req/s; CPN demand %.1f req/s at %d ingresses, background %.0f%% "
        "of the load; load %.0f%% of capacity; epoch %.1f s, reports every %.1f s arriving %.1f s "
        "late, failures seen after %.1f s",
        setup->sites.size(), setup->capacity_rps, setup->demand_rps, setup->ingresses.size(),
        100 * sc.background_share, 100 * sc.target_load, sc.epoch_s, sc.report_interval_s,
        sc.metric_delay_s, sc.detect_delay_s);
    if (sc.flash_start_s >= 0) {
      description += absl::StrFormat(
          "; flash crowd %.0fx at %s (%.1f req/s region) from %.0f s for %.0f s", sc.flash_factor,
          setup->flash_center, setup->flash_region_rps, sc.flash_start_s, sc.flash_duration_s);
    }
    for (const sim::TopologyChange& c : setup->changes) {
      description += absl::StrFormat("; %s at %.0f s", c.what, c.at_s);
    }
    description += ".";
    std::vector<sim::RunResult> runs;
    for (const std::string& p : policy_names) {
      std::unique_ptr<sim::Policy> policy = *sim::MakePolicy(p);
      const auto t0 = std::chrono::steady_clock::now();
      sim::SimOptions so;
      so.k_paths = k_paths;
      absl::StatusOr<sim::RunResult> run = sim::Simulate(*setup, *policy, so);
      if (!run.ok()) {
        err << "cpn-lab sim: " << sc.name << ", " << p << ": " << run.status().message() << "\n";
        return 1;
      }
      const sim::Summary s = sim::Summarize(*run);
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      out << absl::StrFormat(
          "%-14s %-18s n=%-6d mean %7.0f  p50 %7.0f  p99 %7.0f ms  excess mean %6.0f p99 %6.0f  "
          "max util %.2f  imbalance %4.0f s  osc %3d  moved %5d  (%.1f s)\n",
          sc.name, p, run->requests, s.mean_ms, s.p50_ms, s.p99_ms, s.excess_mean_ms,
          s.excess_p99_ms, s.max_site_util, s.imbalance_s, run->oscillations, run->moved_live,
          secs);
      all_csv += sim::SummaryCsvRow(*run, s);
      runs.push_back(*std::move(run));
    }
    for (const std::string& p : policy_names) {
      if (p.rfind("cpn", 0) != 0) continue;
      const sim::GoalCheck g = sim::CheckGoals(runs, p);
      if (!g.has_cpn) continue;
      out << absl::StrFormat(
          "%-14s goal: %s p99 %.2fx best (%s), mean %.2fx best (%s), imbalance %.0f s, "
          "oscillations %d, live moved %d: %s; excess over service time p99 %.2fx, mean %.2fx\n",
          sc.name, p, g.p99_ratio, g.best_p99_policy, g.mean_ratio, g.best_mean_policy,
          g.imbalance_s, g.oscillations, g.moved_live, g.met() ? "met" : "not met",
          g.excess_p99_ratio, g.excess_mean_ratio);
      for (const sim::GoalCheck::Reference& ref : g.references) {
        out << absl::StrFormat(
            "%-14s   reference %s: p99 %.2fx, mean %.2fx; excess over service time p99 %.2fx, "
            "mean %.2fx\n",
            sc.name, ref.policy, ref.p99_ratio, ref.mean_ratio, ref.excess_p99_ratio,
            ref.excess_mean_ratio);
      }
    }
    if (!out_dir.empty()) {
      const std::filesystem::path dir = root / sc.name;
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      if (ec) {
        err << "cpn-lab sim: cannot create " << dir.string() << ": " << ec.message() << "\n";
        return 1;
      }
      std::string section;
      for (const sim::ReportFile& f :
           sim::ScenarioReport(runs, description, sc.name + "/", &section)) {
        if (absl::Status st = WriteFile(dir / f.name, f.content); !st.ok()) {
          err << "cpn-lab sim: " << st.message() << "\n";
          return 1;
        }
      }
      report += section + "\n";
    }
  }
  if (!out_dir.empty()) {
    for (const auto& [name, content] : std::vector<std::pair<std::string, std::string>>{
             {"report.md", report}, {"summary.csv", all_csv}}) {
      if (absl::Status st = WriteFile(root / name, content); !st.ok()) {
        err << "cpn-lab sim: " << st.message() << "\n";
        return 1;
      }
    }
    out << "cpn-lab sim: report in " << (root / "report.md").string() << "\n";
  }
  return 0;
}

}  // namespace cpn::lab
