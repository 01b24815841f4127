// cpn-lab run: up, the scenario's timeline with load, collection, report,
// down.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "lab/runner/lab_command_args.h"
#include "lab/runner/lab_commands.h"
#include "lab/runner/lab_report.h"
#include "lab/runner/timeline.h"

namespace cpn::lab {
namespace {

namespace fs = std::filesystem;

// cpn-loadgen: a new connection (a new flow, steered anew) every 10
// requests, so new weights show in the traffic within a second or two.
constexpr char kRequestsPerConnection[] = "10";

absl::Status Apply(Lab& lab, const TimelineAction& a) {
  using Kind = TimelineAction::Kind;
  switch (a.kind) {
    case Kind::kDemand:
      return lab.controller().SetDemand(a.target, a.service, a.value);
    case Kind::kLinkDown:
    case Kind::kLinkUp: {
      const bool up = a.kind == Kind::kLinkUp;
      absl::Status s = lab.SetLinkDevices(a.target, up);
      s.Update(lab.controller().SetLinkUp(a.target, up));
      return s;
    }
    case Kind::kSiteDown:
      return lab.StopSite(a.target);
    case Kind::kSiteUp:
      return lab.StartSite(a.target);
    case Kind::kMetricDelay: {
      // The site listens inside its namespace only: call it from there.
      char self[4096];
      const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
      if (n <= 0) return absl::InternalError("cannot find cpn-lab's own executable");
      self[n] = '\0';
      absl::Status s;
      for (const SiteProcess& sp : lab.plan().sites) {
        if (sp.site_id != a.target) continue;
        s.Update(lab.runner()
                     .Run({"ip", "netns", "exec", sp.netns, self, "site-metric-delay", sp.listen,
                           absl::StrCat(static_cast<uint32_t>(a.value))})
                     .status());
      }
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status Run(const LabArgs& args, UpLab& up, std::ostream& out) {
  Lab& lab = *up.lab;
  const auto& sc = up.scenario.scenario;
  const std::string out_dir = args.out_dir.empty() ? absl::StrCat("results/", lab.plan().name, "-",
                                                                  LabPolicyName(args.policy))
                                                   : args.out_dir;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", out_dir, ": ", ec.message()));

  const std::vector<TimelineAction> actions = BuildTimeline(up.scenario);
  const absl::Time t0 = absl::Now();
  const int64_t t0_ns = absl::ToUnixNanos(t0);
  std::map<pid_t, std::string> loadgens;
  for (const auto& c : sc.clients()) {
    absl::StatusOr<pid_t> pid = lab.StartLoadgen(
        c.id(), {"--out", absl::StrCat(out_dir, "/loadgen-", c.id(), ".csv"),
                 "--requests-per-connection", kRequestsPerConnection, "--timeout-ms", "5000"});
    if (!pid.ok()) return pid.status();
    loadgens[*pid] = c.id();
  }
  std::vector<WeightSample> weights;
  std::vector<SiteMetricSample> site_metrics;
  std::map<std::pair<std::string, std::string>, double> demand;  // in force
  for (const TimelineAction& a : actions) {
    if (a.at_s == 0 && a.kind == TimelineAction::Kind::kDemand)
      demand[{a.target, a.service}] = a.value;
  }
  bool restarted = false;
  size_t next = 0;
  absl::Time next_poll = t0;
  std::string action_log;
  while (!loadgens.empty()) {
    const double t = absl::ToDoubleSeconds(absl::Now() - t0);
    for (; next < actions.size() && actions[next].at_s <= t; ++next) {
      const TimelineAction& a = actions[next];
      if (a.at_s == 0 && a.kind == TimelineAction::Kind::kDemand) continue;  // set by up
      if (a.kind == TimelineAction::Kind::kDemand) demand[{a.target, a.service}] = a.value;
      absl::Status s = Apply(lab, a);
      const std::string line = absl::StrFormat("%7.2f s  %s%s%s", t, ActionText(a),
                                               a.note.empty() ? "" : "  # ", a.note) +
                               (s.ok() ? "" : absl::StrCat("  FAILED: ", s.message()));
      out << "cpn-lab: " << line << "\n";
      action_log += line + "\n";
    }
    if (args.controller_restart_at_s >= 0 && !restarted && t >= args.controller_restart_at_s) {
      // A new controller starts empty of configured demand: configure the
      // demand in force again once it serves.
      restarted = true;
      absl::Status s = lab.StopController();
      if (s.ok()) s = lab.StartController();
      for (const auto& [key, rps] : demand) {
        if (s.ok()) s = lab.controller().SetDemand(key.first, key.second, rps);
      }
      const std::string line =
          absl::StrFormat("%7.2f s  controller restarted%s", t,
                          s.ok() ? "" : absl::StrCat("  FAILED: ", s.message()));
      out << "cpn-lab: " << line << "\n";
      action_log += line + "\n";
    }
    if (absl::Now() >= next_poll) {
      absl::StatusOr<std::vector<WeightSample>> w = lab.controller().Weights(t);
      if (w.ok()) weights.insert(weights.end(), w->begin(), w->end());
      absl::StatusOr<std::vector<SiteMetricSample>> m = lab.controller().SiteMetrics(t);
      if (m.ok()) site_metrics.insert(site_metrics.end(), m->begin(), m->end());
      next_poll += absl::Milliseconds(250);
    }
    for (auto it = loadgens.begin(); it != loadgens.end();) {
      int status = 0;
      const pid_t r = waitpid(it->first, &status, WNOHANG);
      if (r == it->first) {
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
          out << "cpn-lab: cpn-loadgen " << it->second << " exited with status " << status
              << " (log " << lab.LogPath("loadgen-" + it->second) << ")\n";
        it = loadgens.erase(it);
      } else {
        ++it;
      }
    }
    if (t > sc.duration_s() + 30) {
      for (const auto& [pid, id] : loadgens) kill(pid, SIGKILL);
      return absl::DeadlineExceededError("cpn-loadgen did not finish 30 s after the run's end");
    }
    absl::SleepFor(absl::Milliseconds(20));
  }

  ReportInput in;
  in.title = absl::StrCat(sc.name(), ", policy ", LabPolicyName(args.policy));
  in.duration_s = sc.duration_s();
  in.weights = std::move(weights);
  in.site_metrics = std::move(site_metrics);
  in.events = MarkedEvents(sc);
  if (args.controller_restart_at_s >= 0) {
    in.events.push_back(
        {args.controller_restart_at_s, args.controller_restart_at_s, "controller restart"});
  }
  for (const auto& site : sc.sites())
    for (const auto& s : site.services()) in.site_servers[site.id()] += s.servers();
  for (const auto& c : sc.clients()) {
    const std::string path = absl::StrCat(out_dir, "/loadgen-", c.id(), ".csv");
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    absl::StatusOr<std::vector<RequestRecord>> r = ParseLoadgenCsv(ss.str(), path, t0_ns);
    if (!r.ok()) return r.status();
    in.requests.insert(in.requests.end(), r->begin(), r->end());
  }
  Report rep = MakeReport(in);
  rep.files["actions.txt"] = action_log;
  for (const auto& [name, content] : rep.files) {
    std::ofstream f(absl::StrCat(out_dir, "/", name), std::ios::trunc);
    f << content;
  }
  fs::copy(lab.plan().state_dir + "/logs", out_dir + "/logs",
           fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
  fs::copy(lab.plan().state_dir + "/events.jsonl", out_dir + "/logs/controller-events.jsonl",
           fs::copy_options::overwrite_existing, ec);
  out << "\n" << rep.summary << "Report: " << out_dir << "/report.md\n";
  return absl::OkStatus();
}

}  // namespace

int RunRunCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<LabArgs> a = ParseLabArgs("run", args, /*needs_scenario=*/true, out);
  if (!a.ok()) {
    if (absl::IsCancelled(a.status())) return 0;
    err << "cpn-lab run: " << a.status().message() << "\n";
    return 2;
  }
  if (absl::Status s = CheckRoot(); !s.ok()) {
    err << "cpn-lab run: " << s.message() << "\n";
    return 1;
  }
  absl::StatusOr<std::unique_ptr<UpLab>> up = BringUp(*a, out);
  if (!up.ok()) {
    err << "cpn-lab run: " << up.status().message() << "\n";
    return 1;
  }
  out << "cpn-lab: lab \"" << (*up)->lab->plan().name << "\" up in "
      << absl::StrFormat("%.1f", (*up)->up_seconds) << " s; running "
      << (*up)->scenario.scenario.duration_s() << " s\n";
  absl::Status s = Run(*a, **up, out);
  const absl::Status down = DownLab((*up)->lab->plan().name, a->state_root, (*up)->runner, out);
  if (!s.ok()) {
    err << "cpn-lab run: " << s.message() << "\n";
    return 1;
  }
  if (!down.ok()) {
    err << "cpn-lab run: down: " << down.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace cpn::lab
