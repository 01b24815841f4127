// Starting DPDK's EAL from a config, the same way on a NIC box and here
// (no hugepages, vdev ports).
//
// BuildEalArgs is pure; StartEal/StopEal run rte_eal_init/rte_eal_cleanup,
// which DPDK allows once per process, and must be called from the main
// thread before/after every other DPDK call. Errors come back as
// absl::Status; nothing here exits the process.
#ifndef CPN_DATAPLANE_PORTS_EAL_H_
#define CPN_DATAPLANE_PORTS_EAL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace cpn::dataplane {

struct EalConfig {
  std::string program_name = "cpn-dataplane";
  std::string lcores = "0";  // -l: the first lcore is the main (control) lcore.
  bool no_huge = true;       // --no-huge: anonymous memory, no hugetlbfs.
  uint32_t memory_mb = 256;  // -m; required with no_huge.
  bool no_pci = true;        // --no-pci: vdevs only (set false on NIC boxes).
  // --file-prefix; empty picks a unique one (UniqueFilePrefix()) so several
  // dataplanes, or tests, run side by side on one machine.
  std::string file_prefix;
  bool no_shconf = false;               // --no-shconf: no shared config files at all.
  bool telemetry = false;               // DPDK's telemetry socket (we export /metrics).
  std::vector<std::string> vdevs;       // Each becomes --vdev=<devargs>.
  std::vector<std::string> allow_pci;   // Each becomes -a <addr>.
  std::string log_level;                // --log-level=<value> when set.
  std::vector<std::string> extra_args;  // Appended verbatim, last.
};

// "cpn-<pid>-<n>": unique per process and per call.
std::string UniqueFilePrefix();

// The argv (argv[0] first) rte_eal_init would get. Fails on contradictory
// or incomplete configs (e.g. no_huge without memory_mb, empty lcores).
absl::Status BuildEalArgs(const EalConfig& config, std::vector<std::string>* args);

// rte_eal_init with BuildEalArgs. FailedPrecondition if EAL already runs in
// this process; Unavailable (with DPDK's error text) if rte_eal_init fails.
absl::Status StartEal(const EalConfig& config);

// rte_eal_cleanup. Call after every port is closed and worker stopped.
absl::Status StopEal();

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_PORTS_EAL_H_
