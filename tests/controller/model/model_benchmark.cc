// Build time of a Kdl-sized snapshot (the API rebuilds one per change), and
// the cost of the shortest-path helper and Summarize on it.
#include <benchmark/benchmark.h>

#include "controller/model/network_model.h"
#include "controller/model/shortest_path.h"
#include "controller/model/summary.h"
#include "tests/controller/model/test_topologies.h"

namespace cpn::model {
namespace {

void BM_BuildKdlSized(benchmark::State& state) {
  const cpn::topology::v1::Topology t = testing::KdlSizedTopology();
  for (auto _ : state) {
    auto m = NetworkModel::Build(t);
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_BuildKdlSized)->Unit(benchmark::kMillisecond);

// As the API does it: the new Topology is moved in (the copy is excluded).
void BM_BuildKdlSizedMoved(benchmark::State& state) {
  const cpn::topology::v1::Topology t = testing::KdlSizedTopology();
  for (auto _ : state) {
    state.PauseTiming();
    cpn::topology::v1::Topology copy = t;
    state.ResumeTiming();
    auto m = NetworkModel::Build(std::move(copy));
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_BuildKdlSizedMoved)->Unit(benchmark::kMillisecond);

// The share of Build spent keeping the source proto for ToProto().
void BM_CopyTopologyKdlSized(benchmark::State& state) {
  const cpn::topology::v1::Topology t = testing::KdlSizedTopology();
  for (auto _ : state) {
    cpn::topology::v1::Topology copy = t;
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_CopyTopologyKdlSized)->Unit(benchmark::kMillisecond);

void BM_ShortestPathTreeKdlSized(benchmark::State& state) {
  auto m = *NetworkModel::Build(testing::KdlSizedTopology());
  ShortestPathTree<uint64_t> tree;
  uint32_t root = 0;
  for (auto _ : state) {
    tree.Compute(*m, RouterIndex(root), m->arc_delay_us());
    root = (root + 1) % static_cast<uint32_t>(m->num_routers());
    benchmark::DoNotOptimize(tree.distances().data());
  }
}
BENCHMARK(BM_ShortestPathTreeKdlSized)->Unit(benchmark::kMicrosecond);

void BM_SummarizeKdlSized(benchmark::State& state) {
  auto m = *NetworkModel::Build(testing::KdlSizedTopology());
  for (auto _ : state) benchmark::DoNotOptimize(Summarize(*m));
}
BENCHMARK(BM_SummarizeKdlSized)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cpn::model

BENCHMARK_MAIN();
