// Flags shared by cpn-lab up, run and down, and a brought-up lab. Control
// thread only.
#ifndef CPN_LAB_RUNNER_LAB_COMMAND_ARGS_H_
#define CPN_LAB_RUNNER_LAB_COMMAND_ARGS_H_

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lab/runner/command_runner.h"
#include "lab/runner/lab.h"
#include "lab/runner/lab_plan.h"
#include "lab/scenario/scenario_validate.h"

namespace cpn::lab {

struct LabArgs {
  std::string scenario;  // positional
  std::string name;      // --name (default: the scenario's name)
  LabPolicy policy = LabPolicy::kCpn;
  std::string out_dir;  // --out (run)
  // --controller-restart-at S (run): as a controller_restart event at S
  // seconds (down 0 s) in the scenario; BringUp adds it.
  double controller_restart_at_s = -1;
  std::string state_root = kDefaultStateRoot;  // --state-dir
};

// CANCELLED after printing --help; INVALID_ARGUMENT naming the flag.
absl::StatusOr<LabArgs> ParseLabArgs(const std::string& command,
                                     const std::vector<std::string>& args, bool needs_scenario,
                                     std::ostream& out);

struct UpLab {
  ResolvedScenario scenario;
  SystemCommandRunner runner;
  std::unique_ptr<Lab> lab;
  double up_seconds = 0;
};

// Loads the scenario, creates the lab, configures the demand at time 0 and
// waits until every dataplane is programmed; on failure removes what it
// created.
absl::StatusOr<std::unique_ptr<UpLab>> BringUp(const LabArgs& args, std::ostream& out);
absl::Status CheckRoot();

}  // namespace cpn::lab

#endif  // CPN_LAB_RUNNER_LAB_COMMAND_ARGS_H_
