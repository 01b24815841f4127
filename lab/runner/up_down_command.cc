// cpn-lab up / down.
#include <unistd.h>

#include <iostream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "lab/runner/lab.h"
#include "lab/runner/lab_command_args.h"
#include "lab/runner/lab_commands.h"
#include "lab/runner/timeline.h"
#include "lab/scenario/scenario_file.h"

namespace cpn::lab {

absl::StatusOr<std::unique_ptr<UpLab>> BringUp(const LabArgs& a, std::ostream& out) {
  absl::StatusOr<ResolvedScenario> scenario = LoadScenarioFile(a.scenario);
  if (!scenario.ok()) return scenario.status();
  if (a.controller_restart_at_s >= 0) {
    // The flag is a controller_restart event (down 0 s) added to the file's.
    if (absl::Status s = AddControllerRestart(*scenario, a.controller_restart_at_s); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--controller-restart-at ", a.controller_restart_at_s, ": ", s.message()));
    }
  }
  const std::string name = a.name.empty() ? scenario->scenario.name() : a.name;
  absl::StatusOr<LabPlan> plan = MakeLabPlan(*scenario, name, a.state_root, a.policy);
  if (!plan.ok()) return plan.status();
  auto up = std::make_unique<UpLab>();
  up->scenario = *std::move(scenario);
  up->lab =
      std::make_unique<Lab>(*std::move(plan), LabBinaries::Default(), a.scenario, up->runner, out);
  const absl::Time t0 = absl::Now();
  absl::Status s = up->lab->Up();
  if (s.ok()) {
    // The demand at time 0, so that decisions (and steering) exist.
    for (const TimelineAction& act : BuildTimeline(up->scenario)) {
      if (act.at_s > 0 || act.kind != TimelineAction::Kind::kDemand) continue;
      s.Update(up->lab->controller().SetDemand(act.target, act.service, act.value));
    }
  }
  if (s.ok()) {
    s = up->lab->controller().WaitProgrammed(up->lab->plan().dataplanes.size(), absl::Seconds(60));
  }
  if (!s.ok()) {
    SystemCommandRunner runner;
    out << "cpn-lab: up failed; removing what was created (logs were in "
        << up->lab->plan().state_dir << "/logs)\n";
    (void)DownLab(name, a.state_root, runner, out);
    return s;
  }
  up->up_seconds = absl::ToDoubleSeconds(absl::Now() - t0);
  return up;
}

absl::Status CheckRoot() {
  if (geteuid() == 0) return absl::OkStatus();
  return absl::PermissionDeniedError(
      "the emulated lab needs root (network namespaces, veths); run it with sudo");
}

int RunUpCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<LabArgs> a = ParseLabArgs("up", args, /*needs_scenario=*/true, out);
  if (!a.ok()) {
    if (absl::IsCancelled(a.status())) return 0;
    err << "cpn-lab up: " << a.status().message() << "\n";
    return 2;
  }
  if (absl::Status s = CheckRoot(); !s.ok()) {
    err << "cpn-lab up: " << s.message() << "\n";
    return 1;
  }
  absl::StatusOr<std::unique_ptr<UpLab>> up = BringUp(*a, out);
  if (!up.ok()) {
    err << "cpn-lab up: " << up.status().message() << "\n";
    return 1;
  }
  const LabPlan& plan = (*up)->lab->plan();
  out << "cpn-lab: lab \"" << plan.name << "\" is up in "
      << absl::StrFormat("%.1f", (*up)->up_seconds) << " s: " << plan.dataplanes.size()
      << " dataplanes, " << plan.sites.size() << " sites, " << plan.clients.size()
      << " clients; controller at " << (*up)->lab->controller_address() << "\n";
  for (const ClientProcess& c : plan.clients) {
    out << "  client " << c.client_id << ": ip netns exec " << c.netns << " ... (service at "
        << c.target << ")\n";
  }
  out << "  state and logs: " << plan.state_dir << "\n  remove it: cpn-lab down --name "
      << plan.name << "\n";
  return 0;
}

int RunDownCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<LabArgs> a = ParseLabArgs("down", args, /*needs_scenario=*/false, out);
  if (!a.ok()) {
    if (absl::IsCancelled(a.status())) return 0;
    err << "cpn-lab down: " << a.status().message() << "\n";
    return 2;
  }
  if (a->name.empty() && !a->scenario.empty()) {
    absl::StatusOr<ResolvedScenario> scenario = LoadScenarioFile(a->scenario);
    if (!scenario.ok()) {
      err << "cpn-lab down: " << scenario.status().message() << "\n";
      return 2;
    }
    a->name = scenario->scenario.name();
  }
  if (a->name.empty()) {
    err << "cpn-lab down: give --name NAME (or the scenario file)\n";
    return 2;
  }
  if (absl::Status s = CheckRoot(); !s.ok()) {
    err << "cpn-lab down: " << s.message() << "\n";
    return 1;
  }
  SystemCommandRunner runner;
  absl::Status s = DownLab(a->name, a->state_root, runner, out);
  if (!s.ok()) {
    err << "cpn-lab down: " << s.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace cpn::lab
