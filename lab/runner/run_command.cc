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

// What the controller was told that a restarted controller must be told
// again (it starts from its topology file with no configured demand and
// every link and site up), and whether a controller runs.
struct ControllerInForce {
  bool up = true;
  std::map<std::pair<std::string, std::string>, double> demand;  // (ingress, service) -> rps
  std::set<std::string> links_down, sites_down;
  // After a start: when it was killed, and consecutive programmed looks.
  absl::Time t0, killed_at;
  bool awaiting_programmed = false;
  int programmed_looks = 0;
  // Every restart (for the report).
  std::vector<ControllerRestartRecord> restarts;
};

absl::Status Apply(Lab& lab, const TimelineAction& a, ControllerInForce& ctl) {
  using Kind = TimelineAction::Kind;
  switch (a.kind) {
    case Kind::kDemand:
      ctl.demand[{a.target, a.service}] = a.value;
      // While the controller is down, the start configures it.
      return ctl.up ? lab.controller().SetDemand(a.target, a.service, a.value) : absl::OkStatus();
    case Kind::kLinkDown:
    case Kind::kLinkUp: {
      const bool up = a.kind == Kind::kLinkUp;
      if (up) {
        ctl.links_down.erase(a.target);
      } else {
        ctl.links_down.insert(a.target);
      }
      absl::Status s = lab.SetLinkDevices(a.target, up);
      if (ctl.up) s.Update(lab.controller().SetLinkUp(a.target, up));
      return s;
    }
    case Kind::kSiteDown:
    case Kind::kSiteUp: {
      // The site's process stops (starts), and the controller hears of it
      // as from a health check of the site that notices at once, not only
      // from its reports going stale (which takes seconds of failed
      // requests). Down: the controller is told as the site is signalled,
      // not after its shutdown (hundreds of ms under load, during which
      // new connections would still be steered to it). Up: once it
      // listens.
      const bool up = a.kind == Kind::kSiteUp;
      if (up) {
        ctl.sites_down.erase(a.target);
        absl::Status s = lab.StartSite(a.target);
        if (ctl.up) s.Update(lab.controller().SetSiteUp(a.target, true));
        return s;
      }
      ctl.sites_down.insert(a.target);
      absl::Status told;
      absl::Status s = lab.StopSite(a.target, [&] {
        if (ctl.up) told = lab.controller().SetSiteUp(a.target, false);
      });
      s.Update(told);
      return s;
    }
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
    case Kind::kControllerStop:
      ctl.up = false;
      ctl.awaiting_programmed = false;
      ctl.killed_at = absl::Now();
      ctl.restarts.push_back({absl::ToDoubleSeconds(ctl.killed_at - ctl.t0), -1});
      return lab.StopController();
    case Kind::kControllerStart: {
      // Same address and topology; then what was configured and is still
      // in force. The dataplanes kept forwarding; the new controller adopts
      // their installed state.
      absl::Status s = lab.StartController();
      if (!s.ok()) return s;
      ctl.up = true;
      for (const auto& [key, rps] : ctl.demand) {
        s.Update(lab.controller().SetDemand(key.first, key.second, rps));
      }
      for (const std::string& link : ctl.links_down) {
        s.Update(lab.controller().SetLinkUp(link, false));
      }
      for (const std::string& site : ctl.sites_down) {
        s.Update(lab.controller().SetSiteUp(site, false));
      }
      ctl.awaiting_programmed = true;
      ctl.programmed_looks = 0;
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
  ControllerInForce ctl;
  ctl.t0 = t0;
  for (const TimelineAction& a : actions) {
    if (a.at_s == 0 && a.kind == TimelineAction::Kind::kDemand)
      ctl.demand[{a.target, a.service}] = a.value;
  }
  size_t next = 0;
  absl::Time next_poll = t0, next_programmed_look = t0;
  std::string action_log;
  while (!loadgens.empty()) {
    const double t = absl::ToDoubleSeconds(absl::Now() - t0);
    for (; next < actions.size() && actions[next].at_s <= t; ++next) {
      const TimelineAction& a = actions[next];
      if (a.at_s == 0 && a.kind == TimelineAction::Kind::kDemand) continue;  // set by up
      absl::Status s = Apply(lab, a, ctl);
      const std::string line = absl::StrFormat("%7.2f s  %s%s%s", t, ActionText(a),
                                               a.note.empty() ? "" : "  # ", a.note) +
                               (s.ok() ? "" : absl::StrCat("  FAILED: ", s.message()));
      out << "cpn-lab: " << line << "\n";
      action_log += line + "\n";
    }
    if (ctl.up && ctl.awaiting_programmed && absl::Now() >= next_programmed_look) {
      next_programmed_look = absl::Now() + absl::Milliseconds(100);
      // After a restart: when every dataplane is programmed again (twice in
      // a row, as up waits).
      std::string why;
      ctl.programmed_looks = lab.controller().Programmed(lab.plan().dataplanes.size(), &why)
                                 ? ctl.programmed_looks + 1
                                 : 0;
      if (ctl.programmed_looks == 2) {
        ctl.awaiting_programmed = false;
        ctl.restarts.back().programmed_s = absl::ToDoubleSeconds(absl::Now() - t0);
        const std::string line = absl::StrFormat(
            "%7.2f s  controller: every dataplane programmed again, %.2f s after the kill",
            absl::ToDoubleSeconds(absl::Now() - t0),
            absl::ToDoubleSeconds(absl::Now() - ctl.killed_at));
        out << "cpn-lab: " << line << "\n";
        action_log += line + "\n";
      }
    }
    if (absl::Now() >= next_poll) {
      if (ctl.up) {  // nothing to sample while the controller is down
        absl::StatusOr<std::vector<WeightSample>> w = lab.controller().Weights(t);
        if (w.ok()) weights.insert(weights.end(), w->begin(), w->end());
        absl::StatusOr<std::vector<SiteMetricSample>> m = lab.controller().SiteMetrics(t);
        if (m.ok()) site_metrics.insert(site_metrics.end(), m->begin(), m->end());
      }
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
  in.controller_restarts = ctl.restarts;
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
