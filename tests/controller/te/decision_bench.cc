// Benchmarks of the joint decision (controller/te): a full decision (solve
// from scratch, damping, explanations) and an incremental re-decision after
// one site's metrics change, on
//   - a synthetic network: 1000 routers, 100 sites, 10 services each at 20
//     sites, 10,000 demands (every router × service), k = 4 paths per
//     (ingress, site router), seeded;
//   - Chinanet, Cogentco and Kdl from the Topology Zoo (imported with
//     cpn_topology_import) with 20 sites, 4 services each at 8 sites, every
//     router an ingress of every service; skipped when the data is absent.
// Candidate paths come from the path cache (not timed here; see
// cpn_paths_bench). Run: build/.../cpn_decision_bench
//   [--benchmark_filter=Synthetic] [--max_sites=N] (candidate sites per
//   demand, default 8; 0 = every site hosting the service).
//
// The reference run in the same process (these machines are noisy) is
// BM_ReferenceAllPairsSpf: one latency shortest-path tree from every router
// of the same network, what an IGP does after each topology change. The
// summary at the end prints each decision's CPU time and its ratio to it.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "controller/te/candidates.h"
#include "controller/te/decision.h"
#include "controller/te/explain.h"
#include "controller/model/shortest_path.h"
#include "controller/te/path_cache.h"
#include "controller/topology/graphml_import.h"
#include "tests/controller/te/decision_test_util.h"

namespace cpn::te {
namespace {

int g_max_sites = 8;

struct Instance {
  std::string name;
  DecisionInputs inputs;
  size_t candidates = 0;
  double candidate_build_ms = 0;
  bool ok = false;
};

MetricState RandomMetrics(const model::NetworkModel& m, absl::Time now, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 0.4);
  MetricState s;
  s.placements.resize(m.placements().size());
  for (size_t p = 0; p < s.placements.size(); ++p) {
    const model::Placement& pl = m.placements()[p];
    s.placements[p].measured_at = now;
    s.placements[p].background_rps = u(rng) * pl.servers * 1000.0 / pl.mean_service_time_ms;
  }
  return s;
}

Instance Make(const std::string& name, testing::SyntheticNetwork net) {
  Instance inst;
  inst.name = name;
  if (!net.model) return inst;
  const auto t0 = std::chrono::steady_clock::now();
  PathCacheOptions po;
  po.k = 4;
  PathCache cache(net.model, po);
  CandidateOptions co;
  co.max_sites_per_demand = g_max_sites;
  auto cands = BuildCandidates(cache, net.demands, co);
  const auto t1 = std::chrono::steady_clock::now();
  if (!cands.ok()) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), std::string(cands.status().message()).c_str());
    return inst;
  }
  inst.candidate_build_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  inst.candidates = cands->num_candidates();
  const absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  MetricState metrics = RandomMetrics(*net.model, now, 99);
  inst.inputs = testing::MakeInputs(net.model, std::move(net.demands), *std::move(cands),
                                    std::move(metrics), now, 1);
  inst.ok = true;
  std::printf(
      "%-10s %5zu routers %5zu links %4zu sites %4zu placements %6zu demands %8zu "
      "candidates (%zu paths), built in %.0f ms\n",
      name.c_str(), inst.inputs.model->num_routers(), inst.inputs.model->num_links(),
      inst.inputs.model->sites().size(), inst.inputs.model->placements().size(),
      inst.inputs.demands->size(), inst.candidates, inst.inputs.candidates->paths.size(),
      inst.candidate_build_ms);
  return inst;
}

const Instance& Get(const std::string& name) {
  static std::map<std::string, Instance> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  Instance inst;
  if (name == "Synthetic") {
    inst = Make(name, testing::MakeSyntheticNetwork(1000, 100, 10, 20, 10000, 1));
  } else {
    const std::string path =
        std::string(CPN_SHARED_DATA_DIR) + "/topologies/topologyzoo/graphml/" + name + ".graphml";
    if (std::filesystem::exists(path)) {
      topology::GraphmlImportOptions opts;
      opts.drop_unplaced = true;
      auto imported = topology::ImportGraphmlFile(path, opts, nullptr);
      if (imported.ok()) {
        const int routers = imported->topology.routers_size();
        inst = Make(name, testing::AddComputeAndDemands(std::move(imported->topology), 20, 4, 8,
                                                        routers * 4, 1));
      } else {
        std::fprintf(stderr, "%s: %s\n", name.c_str(),
                     std::string(imported.status().message()).c_str());
      }
    }
  }
  return cache.emplace(name, std::move(inst)).first->second;
}

// Mean thread CPU milliseconds per iteration of each (benchmark, instance),
// for the summary printed after the run. Written by the benchmark thread only.
std::map<std::string, std::map<std::string, double>> g_cpu_ms;

double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Records the mean CPU time per iteration of `kind` on `name` when the
// benchmark loop ends (constructed before the loop, destroyed after it).
class CpuTimeRecorder {
 public:
  CpuTimeRecorder(const benchmark::State& state, std::string kind, std::string name)
      : state_(state), kind_(std::move(kind)), name_(std::move(name)), start_(ThreadCpuMs()) {}
  ~CpuTimeRecorder() {
    if (state_.iterations() > 0 && !state_.error_occurred()) {
      g_cpu_ms[name_][kind_] =
          (ThreadCpuMs() - start_ - paused_ms_) / static_cast<double>(state_.iterations());
    }
  }
  // Time spent between PauseTiming and ResumeTiming is not the decision's.
  void Paused(double ms) { paused_ms_ += ms; }

 private:
  const benchmark::State& state_;
  std::string kind_, name_;
  double start_;
  double paused_ms_ = 0;
};

// The reference: one latency shortest-path tree from every router.
void BM_ReferenceAllPairsSpf(benchmark::State& state, const std::string& name) {
  const Instance& inst = Get(name);
  if (!inst.ok) {
    state.SkipWithError("instance not available");
    return;
  }
  const model::NetworkModel& m = *inst.inputs.model;
  const std::vector<uint64_t> weights = model::InServiceArcWeights(m, m.arc_delay_us());
  model::ShortestPathTree<uint64_t> tree;
  CpuTimeRecorder recorder(state, "reference", name);
  for (auto _ : state) {
    uint64_t sum = 0;
    for (uint32_t r = 0; r < m.num_routers(); ++r) {
      tree.Compute(m, model::RouterIndex(r), weights);
      sum += tree.distance(model::RouterIndex((r + 1) % m.num_routers()));
    }
    benchmark::DoNotOptimize(sum);
  }
}

// After the run: CPU ms per decision and its ratio to the reference.
void PrintSummary() {
  std::printf("\nCPU time per decision (one thread) and ratio to the reference "
              "(all-pairs SPF on the same network, same process):\n");
  std::printf("%-10s %12s %12s %9s %12s %9s %12s %9s\n", "network", "reference", "full",
              "ratio", "full warm", "ratio", "incremental", "ratio");
  for (const auto& [name, kinds] : g_cpu_ms) {
    auto get = [&kinds](const char* k) {
      auto it = kinds.find(k);
      return it == kinds.end() ? -1.0 : it->second;
    };
    const double ref = get("reference");
    auto cell = [ref](double ms) {
      if (ms < 0) return std::string("         -            -");
      return absl::StrFormat("%9.2f ms %9s", ms,
                             ref > 0 ? absl::StrFormat("%.2fx", ms / ref) : std::string("-"));
    };
    std::printf("%-10s %9.2f ms %s %s %s\n", name.c_str(), ref, cell(get("full")).c_str(),
                cell(get("warm")).c_str(), cell(get("incremental")).c_str());
  }
}

void Counters(benchmark::State& state, const Instance& inst, const DecisionSet& set) {
  state.counters["demands"] = static_cast<double>(inst.inputs.demands->size());
  state.counters["candidates"] = static_cast<double>(inst.candidates);
  state.counters["iterations"] = set.solver.iterations;
  state.counters["gap"] = set.solver.relative_gap;
  state.counters["solved_demands"] = static_cast<double>(set.solver.demands);
  state.counters["changed"] = static_cast<double>(set.changed.size());
}

// A full decision from scratch: compile, cold solve, damping (no previous
// set: targets taken), explanations for every candidate.
void BM_FullDecision(benchmark::State& state, const std::string& name) {
  const Instance& inst = Get(name);
  if (!inst.ok) {
    state.SkipWithError("instance not available");
    return;
  }
  std::shared_ptr<const DecisionSet> set;
  CpuTimeRecorder recorder(state, "full", name);
  for (auto _ : state) {
    DecisionEngine engine;
    auto r = engine.Decide(inst.inputs, nullptr);
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    set = *r;
  }
  Counters(state, inst, *set);
  static std::map<std::string, bool> printed;
  if (!printed[name]) {
    printed[name] = true;
    std::printf("%s\n", SummarizeDecisionSet(*set).c_str());
  }
}

// A full epoch on an engine that decided before: new metrics everywhere
// (every placement's background moves by up to ±10 %), warm start from the
// previous solution, damping against the previous set.
void BM_FullDecisionWarm(benchmark::State& state, const std::string& name) {
  const Instance& inst = Get(name);
  if (!inst.ok) {
    state.SkipWithError("instance not available");
    return;
  }
  DecisionEngine engine;
  auto first = engine.Decide(inst.inputs, nullptr);
  if (!first.ok()) {
    state.SkipWithError(std::string(first.status().message()).c_str());
    return;
  }
  std::shared_ptr<const DecisionSet> prev = *first;
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> jitter(0.9, 1.1);
  DecisionInputs in = inst.inputs;
  uint64_t epoch = 1;
  CpuTimeRecorder recorder(state, "warm", name);
  for (auto _ : state) {
    state.PauseTiming();
    const double pause_start = ThreadCpuMs();
    auto m = std::make_shared<MetricState>(*inst.inputs.metrics);
    for (PlacementMetrics& p : m->placements) *p.background_rps *= jitter(rng);
    in.metrics = m;
    in.epoch = ++epoch;
    in.now = inst.inputs.now + absl::Milliseconds(100) * static_cast<int64_t>(epoch);
    recorder.Paused(ThreadCpuMs() - pause_start);
    state.ResumeTiming();
    auto r = engine.Decide(in, prev.get());
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    prev = *r;
  }
  Counters(state, inst, *prev);
}

// Incremental re-decision after one site's metrics change: the placement
// carrying the most CPN load alternates between its background and a
// background of half its capacity (each change moves demand).
void BM_IncrementalSiteChange(benchmark::State& state, const std::string& name) {
  const Instance& inst = Get(name);
  if (!inst.ok) {
    state.SkipWithError("instance not available");
    return;
  }
  // The incremental path only: the periodic full epoch (every
  // max_incremental_epochs) is BM_FullDecisionWarm.
  DecisionOptions options;
  options.max_incremental_epochs = 1 << 30;
  DecisionEngine engine(options);
  auto first = engine.Decide(inst.inputs, nullptr);
  if (!first.ok()) {
    state.SkipWithError(std::string(first.status().message()).c_str());
    return;
  }
  std::shared_ptr<const DecisionSet> prev = *first;
  DecisionInputs in = inst.inputs;
  auto base = std::make_shared<const MetricState>(*inst.inputs.metrics);
  auto surged = std::make_shared<MetricState>(*inst.inputs.metrics);
  Evaluation eval;
  engine.solver().EvaluateCurrent(&eval);
  size_t placement = 0;
  for (size_t p = 0; p < eval.site_rps.size(); ++p) {
    if (eval.site_rps[p] > eval.site_rps[placement]) placement = p;
  }
  const model::Placement& pl = inst.inputs.model->placements()[placement];
  surged->placements[placement].background_rps =
      *surged->placements[placement].background_rps +
      0.5 * pl.servers * 1000.0 / pl.mean_service_time_ms;
  std::shared_ptr<const MetricState> surged_c = surged;
  uint64_t epoch = 1;
  double scope = 0, changed = 0, iterations = 0, refreshed = 0;
  int n = 0;
  CpuTimeRecorder recorder(state, "incremental", name);
  for (auto _ : state) {
    ++epoch;
    in.metrics = epoch % 2 == 0 ? surged_c : base;
    in.epoch = epoch;
    auto r = engine.Redecide(in, prev.get());
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    prev = *r;
    scope += static_cast<double>(prev->solver.demands);
    changed += static_cast<double>(prev->changed.size());
    refreshed += static_cast<double>(prev->refreshed);
    iterations += prev->solver.iterations;
    ++n;
  }
  Counters(state, inst, *prev);
  state.counters["solved_demands"] = n > 0 ? scope / n : 0;
  state.counters["changed"] = changed / std::max(1, n);
  state.counters["iterations"] = iterations / std::max(1, n);
  state.counters["refreshed"] = refreshed / std::max(1, n);
}

void Register() {
  for (const char* name : {"Synthetic", "Chinanet", "Cogentco", "Kdl"}) {
    const std::string n = name;
    benchmark::RegisterBenchmark((std::string("BM_ReferenceAllPairsSpf/") + n).c_str(),
                                 [n](benchmark::State& s) { BM_ReferenceAllPairsSpf(s, n); })
        ->Unit(benchmark::kMillisecond)
        ->Iterations(5);
    benchmark::RegisterBenchmark((std::string("BM_FullDecision/") + n).c_str(),
                                 [n](benchmark::State& s) { BM_FullDecision(s, n); })
        ->Unit(benchmark::kMillisecond)
        ->Iterations(3);
    benchmark::RegisterBenchmark((std::string("BM_FullDecisionWarm/") + n).c_str(),
                                 [n](benchmark::State& s) { BM_FullDecisionWarm(s, n); })
        ->Unit(benchmark::kMillisecond)
        ->Iterations(5);
    benchmark::RegisterBenchmark((std::string("BM_IncrementalSiteChange/") + n).c_str(),
                                 [n](benchmark::State& s) { BM_IncrementalSiteChange(s, n); })
        ->Unit(benchmark::kMillisecond)
        ->Iterations(200);
  }
}

}  // namespace
}  // namespace cpn::te

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--max_sites=", 12) == 0) {
      cpn::te::g_max_sites = std::atoi(argv[i] + 12);
      for (int j = i; j + 1 < argc; ++j) argv[j] = argv[j + 1];
      --argc;
      --i;
    }
  }
  cpn::te::Register();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  cpn::te::PrintSummary();
  benchmark::Shutdown();
  return 0;
}
