// Lab: creates and runs the emulated network a LabPlan describes —
// namespaces, veths, addresses, one cpn-dataplane per router, cpn-controller,
// cpn-site per site service — and tears it down (DownLab). Every creation
// is recorded in the lab's state file before the next one starts, so DownLab
// cleans up after a crash at any point.
//
// Needs root. Control thread only; not thread-safe.
#ifndef CPN_LAB_RUNNER_LAB_H_
#define CPN_LAB_RUNNER_LAB_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lab/runner/command_runner.h"
#include "lab/runner/controller_client.h"
#include "lab/runner/lab_plan.h"
#include "lab/runner/lab_state.h"

namespace cpn::lab {

// Where the executables are: the build tree's by default; each can be
// overridden by $CPN_DATAPLANE_BIN, $CPN_CONTROLLER_BIN, $CPN_SITE_BIN,
// $CPN_LOADGEN_BIN.
struct LabBinaries {
  std::string dataplane, controller, site, loadgen;
  static LabBinaries Default();
};

inline constexpr char kDefaultStateRoot[] = "/run/cpn-lab";

class Lab {
 public:
  Lab(LabPlan plan, LabBinaries binaries, std::string scenario_path, CommandRunner& runner,
      std::ostream& log);

  // Creates everything, configures each client's rate at time 0 as demand,
  // and waits until the controller has programmed every dataplane.
  // ALREADY_EXISTS when the lab's state directory exists.
  absl::Status Up();

  // Pieces of a run's timeline.
  absl::Status StartSite(const std::string& site_id);  // every service of the site
  // Sends SIGTERM to every process of the site, calls `stopping` (if
  // any) at once, then waits for them to exit: a site under load takes a
  // while to shut down, and whatever must happen as the site fails (the
  // controller hearing of it, as from a health check) belongs in that
  // moment, not after it.
  absl::Status StopSite(const std::string& site_id,
                        const std::function<void()>& stopping = nullptr);
  absl::Status SetLinkDevices(const std::string& link_id, bool up);
  // Starts cpn-loadgen in the client's namespace; returns its pid (a child
  // of this process: reap it with waitpid).
  absl::StatusOr<pid_t> StartLoadgen(const std::string& client_id,
                                     const std::vector<std::string>& extra_args);
  absl::Status StopController();
  absl::Status StartController();

  ControllerClient& controller() { return *controller_; }
  CommandRunner& runner() { return runner_; }
  const LabPlan& plan() const { return plan_; }
  const std::string& controller_address() const { return state_.controller; }
  std::string LogPath(const std::string& process) const;

 private:
  absl::Status Ip(std::vector<std::string> args);  // "ip" + args
  absl::Status Save();
  absl::StatusOr<pid_t> Spawn(const std::string& role, const std::string& id,
                              const std::string& netns, const std::vector<std::string>& argv);
  absl::Status CreateNetwork();
  absl::Status StartDataplanes();
  // Sets every lossy link's loss on both its ports (plan_.link_loss): the
  // controller's model has no loss, so the lab overrides the ports'
  // emulation itself (SetPortEmulation), with the controller's delay and
  // rate. The override outlives the controller's writes and restarts.
  absl::Status ApplyLinkLoss();

  LabPlan plan_;
  LabBinaries bin_;
  std::string scenario_path_;
  CommandRunner& runner_;
  std::ostream& log_;
  LabState state_;
  int controller_port_ = 0;
  std::unique_ptr<ControllerClient> controller_;
  std::map<std::string, std::vector<pid_t>> site_pids_;
  pid_t controller_pid_ = -1;
};

// Removes everything lab `name` created: processes (recorded pids that
// still run in the lab's namespaces or name its state directory, and every
// process in its namespaces), namespaces, veths, DPDK runtime directories
// (/var/run/dpdk/<prefix>) and the state directory. Works without a state
// file too (names follow the plan's naming). Prints what it removed.
absl::Status DownLab(const std::string& name, const std::string& state_root, CommandRunner& runner,
                     std::ostream& log);

// What of lab `name` exists now (namespaces, root veths, DPDK runtime
// directories, processes in its namespaces or naming its state directory,
// the state directory), one a line;
// empty when nothing does.
std::vector<std::string> LabLeftovers(const std::string& name, const std::string& state_root);

// Disables transmit checksum offload (and so TSO) on `device` in `netns`:
// frames a Linux host sends on a veth reach the af_packet dataplane with
// their checksums complete.
absl::Status DisableTxOffload(const std::string& netns, const std::string& device);

}  // namespace cpn::lab

#endif  // CPN_LAB_RUNNER_LAB_H_
