// cpn-dataplane: one router of a computing power network. Starts DPDK's EAL
// (no hugepages by default), opens the ports given on the command line,
// starts the workers and serves the southbound API (DataplaneService) until
// SIGTERM or SIGINT. See docs/dataplane.md for the flags.
//
// Threads: the main thread becomes EAL's main lcore and creates the gRPC
// server (whose threads inherit the main lcore's CPU); workers are pinned to
// the other CPUs (--worker-cpus). SIGINT/SIGTERM are blocked everywhere and
// taken by sigwait on the main thread, which then shuts down in order:
// agent (ends streams), workers, ports, EAL.
#include <dirent.h>
#include <pthread.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/telemetry/metrics_http_server.h"
#include "dataplane/agent/agent.h"
#include "dataplane/pipeline/pipeline.h"
#include "dataplane/pipeline/port_manager.h"
#include "dataplane/ports/eal.h"
#include "dataplane/ports/huge_page_arena.h"
#include "dataplane/stages/packet_meta.h"
#include "dataplane/tables/two_way_cache.h"
#include "dataplane/telemetry/ipfix_export.h"
#include "dataplane/telemetry/prometheus_counters.h"

namespace cpn::dataplane {
namespace {

constexpr char kUsage[] = R"(usage: cpn-dataplane --router-id ID [options]

  --router-id ID              router this dataplane is (cpn.topology.v1.Router.id)
  --listen HOST:PORT          southbound gRPC address (default 127.0.0.1:9559;
                              port 0 picks a free one and prints it)
  --metrics-listen HOST:PORT  serve Prometheus /metrics there (default: off;
                              port 0 picks a free one and prints it)
  --port NAME=DEVARGS         a port, e.g. eth1=net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap
                              (repeatable; Port.id is 1, 2, ... in order)
  --vdev DEVARGS              a port named port<id> (same as --port port<id>=DEVARGS)
  --workers N                 fast-path workers (default 1)
  --worker-cpus LIST          CPUs of the workers, e.g. 1 or 1,2 (default: every CPU
                              but the main lcore's, or the main lcore's if it is alone)
  --main-cpu CPU              CPU of the main lcore, which runs the gRPC agent (default:
                              the first CPU the process may use)
  -m, --memory MB             DPDK memory (default 256; an IPv6+IPv4 router with
                              IPv4 rules or routes wants 512)
  --file-prefix PREFIX        DPDK runtime file prefix (default: unique per process)
  --huge                      use hugepages (default: --no-huge)
  --pci                       allow PCI devices (default: --no-pci)
  --lab-emulation             lab link emulation: accept Port.emulation (delay,
                              rate, loss in the tx path) and SetPortEmulation
  --eal-args "ARGS"           extra EAL arguments, appended verbatim
  --mbufs N                   packet buffers (default 16383)
  --packet-memory thp|eal     where the packet buffers live: thp, anonymous memory in
                              2 MiB transparent huge pages, outside -m (default without
                              --huge and --pci; vdevs only); eal, DPDK's own memory
                              (4 KiB pages under --no-huge: ~25 % slower)
  --affinity-capacity N       flows in the affinity tables, all workers together
                              (default 262144)
  --affinity-idle-timeout S   seconds without packets before a flow's affinity
                              entry expires (default 60)
  --flow-cache N              steering decisions cached per worker for established
                              flows, a power of two (default 8192; 0 = off)
  --route-cache N             IPv6 FIB answers cached per worker by destination,
                              a power of two (default 4096; 0 = off)
  --ipfix-collector HOST:PORT IPFIX (RFC 7011) flow records to this UDP collector
                              (default: off; off costs the fast path ~nothing)
  --ipfix-domain-id N         IPFIX observation domain id (default 0)
  --ipfix-active-timeout-s S  a long flow is reported every S seconds (default 60;
                              0: only when it ends)
  --ipfix-max-records-per-s N at most N records a second, the rest dropped and
                              counted (default 10000; 0: no limit)
  -h, --help                  this text
)";

struct Flags {
  std::string router_id;
  std::string listen = "127.0.0.1:9559";
  std::string metrics_listen;
  std::vector<std::pair<std::string, std::string>> ports;  // name, devargs
  uint32_t workers = 1;
  std::vector<int> worker_cpus;
  int main_cpu = -1;
  uint32_t memory_mb = 256;
  std::string file_prefix;
  bool huge = false;
  bool pci = false;
  bool lab_emulation = false;
  std::vector<std::string> eal_args;
  uint32_t mbufs = 16383;
  std::string packet_memory;  // "thp" or "eal"; "" = by --huge and --pci
  uint32_t affinity_capacity = 262144;
  uint32_t affinity_idle_timeout_s = 60;
  uint32_t flow_cache = 8192;
  uint32_t route_cache = 4096;
  std::string ipfix_collector;  // IPFIX flow export (docs/telemetry.md); "" = off.
  uint32_t ipfix_domain_id = 0;
  uint32_t ipfix_active_timeout_s = 60;
  uint32_t ipfix_max_records_per_s = 10000;
};

bool ParseUint(const std::string& s, uint32_t* out) { return absl::SimpleAtoi(s, out); }

// A cache's entries: 0 (no cache) or a size TwoWayCache takes.
bool ParseCacheSize(const std::string& s, uint32_t* out) {
  return ParseUint(s, out) && (*out == 0 || IsTwoWayCacheSize(*out));
}

bool ParseCpus(const std::string& s, std::vector<int>* out) {
  out->clear();
  for (absl::string_view part : absl::StrSplit(s, ',', absl::SkipEmpty())) {
    int cpu;
    if (!absl::SimpleAtoi(part, &cpu) || cpu < 0) return false;
    out->push_back(cpu);
  }
  return !out->empty();
}

// Returns an error message, or "" when the flags are fine.
std::string ParseFlags(int argc, char** argv, Flags* f) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::optional<std::string> inline_value;
    if (arg.rfind("--", 0) == 0) {
      if (const size_t eq = arg.find('='); eq != std::string::npos) {
        inline_value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
      }
    }
    if (arg == "-h" || arg == "--help") return "help";
    if (arg == "--huge") {
      f->huge = true;
      continue;
    }
    if (arg == "--pci") {
      f->pci = true;
      continue;
    }
    if (arg == "--lab-emulation") {
      f->lab_emulation = true;
      continue;
    }
    std::string value;
    if (inline_value.has_value()) {
      value = *inline_value;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return absl::StrCat(arg, ": missing value");
    }
    if (arg == "--router-id") {
      f->router_id = value;
    } else if (arg == "--listen") {
      f->listen = value;
    } else if (arg == "--metrics-listen") {
      f->metrics_listen = value;
    } else if (arg == "--port") {
      const size_t eq = value.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == value.size()) {
        return absl::StrCat("--port ", value, ": want NAME=DEVARGS");
      }
      f->ports.emplace_back(value.substr(0, eq), value.substr(eq + 1));
    } else if (arg == "--vdev") {
      f->ports.emplace_back(absl::StrCat("port", f->ports.size() + 1), value);
    } else if (arg == "--workers") {
      if (!ParseUint(value, &f->workers) || f->workers == 0 || f->workers > kMaxWorkers) {
        return absl::StrCat("--workers ", value, ": want 1..", kMaxWorkers);
      }
    } else if (arg == "--worker-cpus") {
      if (!ParseCpus(value, &f->worker_cpus))
        return absl::StrCat("--worker-cpus ", value, ": want a CPU list like 1,2");
    } else if (arg == "--main-cpu") {
      uint32_t cpu;
      if (!ParseUint(value, &cpu)) return absl::StrCat("--main-cpu ", value, ": not a CPU number");
      f->main_cpu = static_cast<int>(cpu);
    } else if (arg == "-m" || arg == "--memory") {
      if (!ParseUint(value, &f->memory_mb) || f->memory_mb < 64) {
        return absl::StrCat(arg, " ", value, ": want megabytes >= 64");
      }
    } else if (arg == "--file-prefix") {
      f->file_prefix = value;
    } else if (arg == "--eal-args") {
      for (absl::string_view a : absl::StrSplit(value, ' ', absl::SkipEmpty())) {
        f->eal_args.emplace_back(a);
      }
    } else if (arg == "--packet-memory") {
      if (value != "thp" && value != "eal") return "--packet-memory: want thp or eal";
      f->packet_memory = value;
    } else if (arg == "--mbufs") {
      if (!ParseUint(value, &f->mbufs) || f->mbufs < 1024) return "--mbufs: want >= 1024";
    } else if (arg == "--affinity-capacity") {
      if (!ParseUint(value, &f->affinity_capacity) || f->affinity_capacity == 0) {
        return "--affinity-capacity: want > 0";
      }
    } else if (arg == "--affinity-idle-timeout") {
      if (!ParseUint(value, &f->affinity_idle_timeout_s))
        return "--affinity-idle-timeout: want seconds";
    } else if (arg == "--flow-cache") {
      if (!ParseCacheSize(value, &f->flow_cache)) {
        return "--flow-cache: want 0 or a power of two in [2, 2^24]";
      }
    } else if (arg == "--route-cache") {
      if (!ParseCacheSize(value, &f->route_cache)) {
        return "--route-cache: want 0 or a power of two in [2, 2^24]";
      }
    } else if (arg == "--ipfix-collector") {
      f->ipfix_collector = value;
    } else if (arg == "--ipfix-domain-id") {
      if (!ParseUint(value, &f->ipfix_domain_id)) return "--ipfix-domain-id: want 0..2^32-1";
    } else if (arg == "--ipfix-active-timeout-s") {
      if (!ParseUint(value, &f->ipfix_active_timeout_s))
        return "--ipfix-active-timeout-s: want seconds";
    } else if (arg == "--ipfix-max-records-per-s") {
      if (!ParseUint(value, &f->ipfix_max_records_per_s))
        return "--ipfix-max-records-per-s: want a count";
    } else {
      return absl::StrCat("unknown flag ", arg);
    }
  }
  if (f->router_id.empty()) return "--router-id is required";
  if (f->packet_memory.empty()) f->packet_memory = f->huge || f->pci ? "eal" : "thp";
  if (f->packet_memory == "thp" && f->pci) {
    return "--packet-memory thp: not with --pci (a NIC's DMA needs DPDK's memory; use --huge)";
  }
  return "";
}

std::vector<int> AllowedCpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
    }
  }
  if (cpus.empty()) cpus.push_back(0);
  return cpus;
}

// rte_eal_cleanup leaves the runtime directory (/var/run/dpdk/<prefix> or
// under $XDG_RUNTIME_DIR) behind; a clean exit removes it so that many lab
// runs do not accumulate them. Only plain files are expected in it.
void RemoveRuntimeDir(const std::string& dir) {
  if (dir.empty()) return;
  if (DIR* d = opendir(dir.c_str()); d != nullptr) {
    while (const dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      unlink((dir + "/" + name).c_str());
    }
    closedir(d);
  }
  rmdir(dir.c_str());
}

int Fail(const std::string& what, const absl::Status& s) {
  std::fprintf(stderr, "cpn-dataplane: %s: %s\n", what.c_str(), std::string(s.message()).c_str());
  return 1;
}

int Run(int argc, char** argv) {
  Flags flags;
  if (const std::string err = ParseFlags(argc, argv, &flags); !err.empty()) {
    if (err == "help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    std::fprintf(stderr, "cpn-dataplane: %s\n%s", err.c_str(), kUsage);
    return 2;
  }
  const std::vector<int> cpus = AllowedCpus();
  const int main_cpu = flags.main_cpu >= 0 ? flags.main_cpu : cpus.front();
  if (flags.worker_cpus.empty()) {
    for (int c : cpus) {
      if (c != main_cpu) flags.worker_cpus.push_back(c);
    }
    if (flags.worker_cpus.empty()) flags.worker_cpus.push_back(main_cpu);
  }

  // Every thread (EAL's, gRPC's, the workers') inherits this mask; only the
  // main thread takes the signals, with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  EalConfig eal;
  eal.lcores = absl::StrCat(main_cpu);
  eal.no_huge = !flags.huge;
  eal.memory_mb = flags.memory_mb;
  eal.no_pci = !flags.pci;
  eal.file_prefix = flags.file_prefix;
  eal.log_level = "lib.eal:error";
  eal.extra_args = flags.eal_args;
  if (absl::Status s = StartEal(eal); !s.ok()) return Fail("EAL", s);

  // The packet pool in 2 MiB pages (ports/huge_page_arena.h); it outlives
  // the pool, freed before EAL stops.
  std::unique_ptr<HugePageArena> arena;
  int pool_socket = SOCKET_ID_ANY;
  if (flags.packet_memory == "thp") {
    absl::StatusOr<std::unique_ptr<HugePageArena>> a =
        HugePageArena::Create("cpn_packets", PacketPoolBytes(flags.mbufs));
    if (!a.ok()) return Fail("--packet-memory thp", a.status());
    arena = *std::move(a);
    pool_socket = arena->socket_id();
    std::fprintf(stderr, "cpn-dataplane: packet memory: %zu MiB, %zu MiB of it in 2 MiB pages%s\n",
                 arena->bytes() >> 20, arena->huge_bytes() >> 20,
                 arena->huge_bytes() == 0
                     ? " (none: is /sys/kernel/mm/transparent_hugepage/enabled \"never\"?)"
                     : "");
  }
  absl::StatusOr<rte_mempool*> pool = CreatePacketPool("cpn_pkts", flags.mbufs, pool_socket);
  if (!pool.ok()) return Fail("packet pool", pool.status());
  int rc = 0;
  {
    PortManager ports(*pool, flags.workers);
    PipelineConfig pc;
    pc.workers = flags.workers;
    pc.worker_cpus = flags.worker_cpus;
    pc.affinity_capacity_per_worker =
        std::max<uint32_t>(flags.affinity_capacity / flags.workers, 1024);
    pc.affinity_idle_timeout_ms = uint64_t{flags.affinity_idle_timeout_s} * 1000;
    pc.flow_cache_entries = flags.flow_cache;
    pc.route_cache_entries = flags.route_cache;
    if (!flags.ipfix_collector.empty()) {  // Per-flow counts only when exporting.
      pc.flow_record_ring_size = ipfix::kFlowRecordRingSize;
      pc.flow_active_timeout_ms = uint64_t{flags.ipfix_active_timeout_s} * 1000;
    }
    agent::AgentConfig ac;
    ac.dataplane_id = flags.router_id;
    ac.listen = flags.listen;
    pc.lab_emulation = ac.limits.lab_emulation = flags.lab_emulation;
    const agent::Capacities& cap = ac.limits.capacities;
    pc.counter_sizes = CounterSizes{cap.steering_rules, cap.srv6_policies, cap.local_sids};
    absl::StatusOr<std::unique_ptr<Pipeline>> pipeline = Pipeline::Create(pc);
    if (!pipeline.ok()) return Fail("pipeline", pipeline.status());
    absl::StatusOr<std::unique_ptr<agent::Agent>> agent =
        agent::Agent::Create(ac, pipeline->get(), &ports);
    if (!agent.ok()) return Fail("agent", agent.status());
    for (size_t i = 0; i < flags.ports.size() && rc == 0; ++i) {
      const auto& [name, devargs] = flags.ports[i];
      if (absl::Status s = (*agent)->AddStartupPort(static_cast<uint32_t>(i + 1), name, devargs);
          !s.ok()) {
        rc = Fail(absl::StrCat("--port ", name), s);
      }
    }
    if (rc == 0) {
      if (absl::Status s = (*pipeline)->Start(); !s.ok()) rc = Fail("workers", s);
    }
    if (rc == 0) {
      if (absl::Status s = (*agent)->Start(); !s.ok()) rc = Fail("gRPC server", s);
    }
    // IPFIX: the exporter thread inherits the main lcore's CPU.
    std::unique_ptr<ipfix::IpfixExport> flow_export;
    if (rc == 0 && !flags.ipfix_collector.empty()) {
      ipfix::ExporterConfig xc;
      xc.observation_domain = flags.ipfix_domain_id;
      xc.max_records_per_s = flags.ipfix_max_records_per_s;
      absl::StatusOr<std::unique_ptr<ipfix::IpfixExport>> x = ipfix::IpfixExport::Start(
          flags.ipfix_collector, xc, **pipeline, (*agent)->state());
      if (!x.ok()) {
        rc = Fail("--ipfix-collector", x.status());
      } else {
        flow_export = *std::move(x);
        std::fprintf(stderr, "cpn-dataplane: IPFIX flow records to %s\n",
                     flags.ipfix_collector.c_str());
      }
    }
    // /metrics: a counters sample per scrape, on the HTTP server's thread
    // (which inherits the main lcore's CPU); stopped before the agent.
    std::unique_ptr<telemetry::MetricsHttpServer> metrics;
    std::vector<agent::WorkerCycles> scrape_cycles;  // the HTTP thread's only
    if (rc == 0 && !flags.metrics_listen.empty()) {
      agent::Agent* a = agent->get();
      absl::StatusOr<std::unique_ptr<telemetry::MetricsHttpServer>> server =
          telemetry::MetricsHttpServer::Start(flags.metrics_listen, [a, &scrape_cycles,
                                                                     &flow_export] {
            IpfixExportCounters flows;
            if (flow_export != nullptr) flows = flow_export->counters();
            absl::StatusOr<std::string> text = RenderDataplaneMetrics(
                a->counters().Sample({}, &scrape_cycles), flow_export ? &flows : nullptr);
            return text.ok() ? *text : absl::StrCat("# ", text.status().message(), "\n");
          });
      if (!server.ok()) {
        rc = Fail("--metrics-listen", server.status());
      } else {
        metrics = *std::move(server);
        std::fprintf(stderr, "cpn-dataplane: metrics on http://%s/metrics\n",
                     metrics->address().c_str());
      }
    }
    if (rc == 0) {
      std::vector<std::string> names;
      for (const auto& [name, devargs] : flags.ports) names.push_back(name);
      const size_t colon = flags.listen.rfind(':');
      std::fprintf(stderr,
                   "cpn-dataplane: router %s serving DataplaneService on %s:%d; %u worker(s) on "
                   "CPU(s) %s; main lcore on CPU %d; ports: %s\n",
                   flags.router_id.c_str(), flags.listen.substr(0, colon).c_str(),
                   (*agent)->bound_port(), flags.workers,
                   absl::StrJoin(flags.worker_cpus, ",").c_str(), main_cpu,
                   names.empty() ? "(none)" : absl::StrJoin(names, ", ").c_str());
      int sig = 0;
      sigwait(&stop_signals, &sig);
      std::fprintf(stderr, "cpn-dataplane: signal %d, shutting down\n", sig);
    }
    metrics.reset();
    (*agent)->Shutdown();
    (*pipeline)->Stop();
    if (flow_export != nullptr) flow_export->Stop();  // Last records, then the thread ends.
    (*agent)->ClosePorts();
    agent->reset();
    pipeline->reset();
  }
  rte_mempool_free(*pool);
  arena.reset();
  const std::string runtime_dir = rte_eal_get_runtime_dir();
  if (absl::Status s = StopEal(); !s.ok()) return Fail("EAL cleanup", s);
  RemoveRuntimeDir(runtime_dir);
  return rc;
}

}  // namespace
}  // namespace cpn::dataplane

int main(int argc, char** argv) { return cpn::dataplane::Run(argc, argv); }
