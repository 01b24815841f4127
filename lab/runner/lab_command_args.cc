#include "lab/runner/lab_command_args.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace cpn::lab {

absl::StatusOr<LabArgs> ParseLabArgs(const std::string& command,
                                     const std::vector<std::string>& args, bool needs_scenario,
                                     std::ostream& out) {
  LabArgs a;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& f = args[i];
    auto value = [&](std::string* v) -> absl::Status {
      if (i + 1 >= args.size()) return absl::InvalidArgumentError(f + " needs a value");
      *v = args[++i];
      return absl::OkStatus();
    };
    absl::Status s;
    std::string policy;
    if (f == "--help" || f == "-h") {
      out << "Usage: cpn-lab " << command
          << (command == "down" ? " [SCENARIO] [--name NAME]"
                                : " SCENARIO [--name NAME] [--policy cpn|nearest|capacity]")
          << (command == "run" ? " [--out DIR]" : "") << " [--state-dir DIR]\n"
          << "  --name NAME      lab name (default: the scenario's name)\n"
          << "  --policy P       cpn (default): the controller on live site metrics;\n"
          << "                   nearest / capacity: static weights, sites do not report\n"
          << "  --out DIR        run: where results and the report go (default results/NAME)\n"
          << "  --controller-restart-at S  run: SIGKILL the controller at S s and start it\n"
          << "                   again at once (a controller_restart event added to the file's)\n"
          << "  --state-dir DIR  where labs keep their state (default /run/cpn-lab)\n";
      return absl::CancelledError("help");
    } else if (f == "--name") {
      s = value(&a.name);
    } else if (f == "--controller-restart-at" && command == "run") {
      std::string v;
      s = value(&v);
      if (s.ok() &&
          (!absl::SimpleAtod(v, &a.controller_restart_at_s) || a.controller_restart_at_s < 0)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--controller-restart-at \"", v, "\": give seconds >= 0"));
      }
    } else if (f == "--out") {
      s = value(&a.out_dir);
    } else if (f == "--state-dir") {
      s = value(&a.state_root);
    } else if (f == "--policy") {
      s = value(&policy);
      if (s.ok()) {
        absl::StatusOr<LabPolicy> p = ParseLabPolicy(policy);
        if (!p.ok()) return p.status();
        a.policy = *p;
      }
    } else if (!f.empty() && f[0] == '-') {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", f));
    } else if (a.scenario.empty()) {
      a.scenario = f;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument ", f));
    }
    if (!s.ok()) return s;
  }
  if (needs_scenario && a.scenario.empty())
    return absl::InvalidArgumentError("give the scenario file");
  if (!a.name.empty()) {
    if (absl::Status s = CheckLabName(a.name); !s.ok()) return s;
  }
  return a;
}

}  // namespace cpn::lab
