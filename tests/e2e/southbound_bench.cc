// Southbound benchmarks (docs/southbound.md, "Figures"); not a ctest.
//
//   southbound_bench rules [N] [ROUNDS]   rules per second written end to
//       end through a DataplaneSession into one cpn-dataplane process. The
//       base (a route, a local SID, 64 policies) is written first; then
//       ROUNDS times (default 5): N steering rules (default 16000, one /64
//       each) INSERTed, every rule's weights MODIFYed, one more rule
//       INSERTed beside them, every rule DELETEd.
//       The medians are printed last, as the machine may be shared. Each
//       line splits the time: controller (diff, request, mirror), transport
//       (gRPC, (de)serialisation), dataplane (apply: validate, compile,
//       publish).
//   southbound_bench latency [N] [EPOCH_MS] [SMOOTHING_S]   time from a metric report to
//       the new weights being active in the ingress dataplane (the
//       InstalledVersionEvent's applied_at), over N reports (default 50),
//       in the three-dataplane network of the e2e tests.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "controller/api/proto_time.h"
#include "controller/southbound/dataplane_session.h"
#include "tests/e2e/network.h"

namespace cpn::testing {
namespace {

namespace v1 = cpn::dataplane::v1;
using Clock = std::chrono::steady_clock;

double Share(const std::map<std::string, uint32_t>& w, const std::string& site) {
  double total = 0;
  for (const auto& [s, v] : w) total += v;
  auto it = w.find(site);
  return total == 0 || it == w.end() ? 0 : it->second / total;
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// The base every round keeps: a route, a local SID and 64 policies.
std::vector<v1::Entity> BaseEntities() {
  std::vector<v1::Entity> es = {RouteLocal(0, "fc00:1::/48"), SidEnd("fc00:1:0:1::")};
  for (uint32_t p = 1; p <= 64; ++p) {
    es.push_back(
        PolicyEntity(p, "fc00:1::1", {"fc00:1:0:1::", absl::StrCat("fc00:", p + 1, "::d6")}));
  }
  return es;
}

// The base plus `rules` steering rules (one /64 each) over the policies;
// `salt` changes every rule's weights.
srv6::EntityMap RulesState(int rules, uint32_t salt) {
  std::vector<v1::Entity> es = BaseEntities();
  for (int r = 0; r < rules; ++r) {
    const uint32_t p = static_cast<uint32_t>(r % 63) + 1;
    es.push_back(RuleEntity(static_cast<uint32_t>(r + 1),
                            absl::StrCat("2001:db8:", r / 256, ":", r % 256, "::/64"),
                            {{p, 1 + salt}, {p + 1, 2}}));
  }
  return *srv6::MakeEntityMap(es);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Rules(int n, int rounds) {
  const std::string prefix = absl::StrCat("cpnbench", getpid());
  ChildProcess dp({CPN_DATAPLANE_BINARY, "--router-id", "r1", "--listen", "127.0.0.1:0",
                   "--workers", "1", "-m", "512", "--file-prefix", prefix});
  const std::string port = dp.WaitForNumberAfter("serving DataplaneService on 127.0.0.1:");
  if (port.empty()) {
    std::fprintf(stderr, "%s\n", dp.log().c_str());
    return 1;
  }
  southbound::SessionOptions o;
  o.router_id = "r1";
  o.address = absl::StrCat("127.0.0.1:", port);
  o.election_id_low = 1;
  o.rpc_timeout = absl::Seconds(120);
  southbound::DataplaneSession s(o, nullptr);
  s.Start();
  uint64_t gen = 0;
  southbound::SessionStats before = s.stats();
  // Writes `entities` as the next generation; returns its time in ms (or a
  // negative number on an error) and prints a line for `what`.
  auto push = [&](const char* what, int counted, srv6::EntityMap entities) -> double {
    auto d = std::make_shared<southbound::DesiredForSession>();
    d->generation = ++gen;
    d->ports_key = southbound::PortsKey({});
    d->entities = std::move(entities);
    const auto t0 = Clock::now();
    s.SetDesired(d);
    while (s.stats().synced_generation != gen) {
      if (!s.Snapshot().last_error().empty()) {
        std::fprintf(stderr, "error: %s\n", s.Snapshot().last_error().c_str());
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    const double ms = Ms(Clock::now() - t0);
    const southbound::SessionStats st = s.stats();
    const double write_ms = absl::ToDoubleMilliseconds(st.write_time - before.write_time);
    const double apply_ms = absl::ToDoubleMilliseconds(st.apply_time - before.apply_time);
    const std::string count = counted == 0 ? "" : absl::StrCat(" ", counted, " rules");
    const std::string per_s =
        counted == 0 ? "" : absl::StrFormat(", %.0f rules/s", counted / (ms / 1000.0));
    std::printf(
        "%s%s: %.1f ms%s (%llu writes; controller %.1f ms, transport %.1f ms, dataplane "
        "applied %.1f ms)\n",
        what, count.c_str(), ms, per_s.c_str(),
        static_cast<unsigned long long>(st.writes - before.writes), ms - write_ms,
        write_ms - apply_ms, apply_ms);
    before = st;
    return ms;
  };
  // The base first (its FIB is the dataplane's first: a 32 MiB first level
  // page-faulted under --no-huge); then each round inserts every rule,
  // modifies every rule's weights, inserts one more and deletes them all.
  if (push("base (66 entities)", 0, *srv6::MakeEntityMap(BaseEntities())) < 0) return 1;
  std::vector<double> insert, modify, one, remove;
  for (int round = 0; round < rounds; ++round) {
    const double i = push("insert", n, RulesState(n, 0));
    const double m = i < 0 ? -1 : push("modify", n, RulesState(n, 5));
    const double o = m < 0 ? -1 : push("insert 1 more rule beside them", 0, RulesState(n + 1, 5));
    const double d = o < 0 ? -1 : push("delete", n + 1, *srv6::MakeEntityMap(BaseEntities()));
    if (d < 0) return 1;
    insert.push_back(n / (i / 1000.0));
    modify.push_back(n / (m / 1000.0));
    one.push_back(o);
    remove.push_back((n + 1) / (d / 1000.0));
  }
  std::printf(
      "median of %d rounds: insert %.0f rules/s (the first, into a fresh dataplane: %.0f), "
      "modify %.0f rules/s, one more rule %.1f ms, delete %.0f rules/s\n",
      rounds, Median(insert), insert.front(), Median(modify), Median(one), Median(remove));
  s.Stop();
  dp.Signal(SIGTERM);
  std::error_code ignored;
  std::filesystem::remove_all(DpdkRuntimeDir(prefix), ignored);
  return 0;
}

int Latency(int n, int epoch_ms, double smoothing_s) {
  Network net;
  net.StartDataplanes();
  const int c = net.StartController(
      2, epoch_ms,
      {"--metrics-min-interval-ms", "0", "--metrics-smoothing-s", std::to_string(smoothing_s)});
  net.ReportLoad(c, 0, 7);
  net.SetDemand(c, 20);
  if (!net.WaitForSessions(c, cpn::controller::v1::SESSION_STATE_PRIMARY)) return 1;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ControllerStream watch(&net.dataplane("ing"), 1, "bench-observer");
  watch.NextArbitration();
  std::vector<double> ms;
  int background = 0;  // writes not caused by a report (should be none)
  for (int i = 0; i < n; ++i) {
    while (watch.NextInstalledVersion(std::chrono::milliseconds(1)).has_value()) ++background;
    const std::string idle = i % 2 == 0 ? "s2" : "s1";
    const double before = Share(net.IngressWeights(), idle);
    const absl::Time t0 = absl::Now();
    if (i % 2 == 0) {
      net.ReportLoad(c, 7, 0);
    } else {
      net.ReportLoad(c, 0, 7);
    }
    // The first write that moves new flows toward the site reported idle
    // (the undamped optimiser also rewrites weights a little every epoch as
    // metrics age; those writes do not count).
    std::optional<v1::InstalledVersionEvent> hit;
    while (auto e = watch.NextInstalledVersion(std::chrono::seconds(5))) {
      if (Share(net.IngressWeights(), idle) > before + 0.05) {
        hit = e;
        break;
      }
    }
    if (!hit.has_value()) {
      std::printf("report %d: weights did not move within 5 s\n", i);
      continue;
    }
    ms.push_back(absl::ToDoubleMilliseconds(api::FromProtoTime(hit->applied_at()) - t0));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::sort(ms.begin(), ms.end());
  if (ms.empty()) return 1;
  std::printf(
      "metric report -> weights active at ing (epoch %d ms, smoothing %.1f s, %zu "
      "reports): p50 %.1f ms, p90 %.1f ms, max %.1f ms; %d writes between reports\n",
      epoch_ms, smoothing_s, ms.size(), ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms.back(),
      background);
  return 0;
}

}  // namespace
}  // namespace cpn::testing

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "rules";
  if (what == "rules") {
    return cpn::testing::Rules(argc > 2 ? std::atoi(argv[2]) : 16000,
                               argc > 3 ? std::max(1, std::atoi(argv[3])) : 5);
  }
  if (what == "latency") {
    return cpn::testing::Latency(argc > 2 ? std::atoi(argv[2]) : 50,
                                 argc > 3 ? std::atoi(argv[3]) : 100,
                                 argc > 4 ? std::atof(argv[4]) : 2);
  }
  std::fprintf(stderr,
               "usage: southbound_bench rules [N] [ROUNDS] | latency [N] [EPOCH_MS] "
               "[SMOOTHING_S]\n");
  return 2;
}
