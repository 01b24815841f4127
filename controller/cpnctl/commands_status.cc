// cpnctl status, solve.
#include <ostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "controller/cpnctl/commands.h"
#include "controller/cpnctl/output.h"

namespace cpn::cpnctl {

namespace cv1 = cpn::controller::v1;

namespace {

std::string SolveLine(const cv1::SolverSummary& s) {
  std::string line = absl::StrCat(
      s.algorithm(), ", ", EnumWord(cv1::SolveOutcome_Name(s.outcome()), "SOLVE_OUTCOME_"), ", ",
      s.iterations(), " iterations, gap ", s.relative_gap(), ", objective ",
      Num(s.objective_value(), 1), ", took ", Dur(s.solve_duration()));
  if (!s.error().empty()) absl::StrAppend(&line, " (", s.error(), ")");
  return line;
}

}  // namespace

int RunStatus(Client& client, const Words& words) {
  if (!words.empty()) return client.Usage("status", "takes no arguments", "status");
  if (!client.Connect()) return kExitUnreachable;
  cv1::GetStatusResponse response;
  grpc::Status s = client.stub().GetStatus(client.Call().get(), cv1::GetStatusRequest(), &response);
  if (!s.ok()) return client.Failed("GetStatus", s);
  if (client.json()) {
    client.PrintJson(response);
    return kExitOk;
  }
  const cv1::ControllerStatus& st = response.status();
  std::ostream& out = client.out();
  out << "Controller   " << st.controller_id() << " (" << st.software_version() << ") at "
      << client.options().controller << "\n";
  out << "Started      " << Time(st.started_at()) << "\n";
  out << "Epoch        " << st.epoch() << " (every " << Dur(st.epoch_interval()) << ")\n";
  out << "Last solve   "
      << (st.has_last_solve()
              ? absl::StrCat(Time(st.last_solve_at()), ": ", SolveLine(st.last_solve()))
              : std::string("none yet"))
      << "\n";
  const cv1::ModelCounts& c = st.model();
  out << "Model        generation " << st.model_generation() << ": " << c.routers() << " routers, "
      << c.links() << " links, " << c.sites() << " sites, " << c.services() << " services, "
      << c.demands() << " demands";
  if (c.fibers() > 0) out << ", " << c.fibers() << " fibres, " << c.lightpaths() << " lightpaths";
  out << "\n";
  if (st.dataplanes().empty()) {
    out << "Dataplanes   none (no router has a dataplane_address)\n";
  } else {
    Table t({"router", "address", "session", "installed", "desired", "last_error"});
    for (const cv1::DataplaneSession& d : st.dataplanes()) {
      t.Add({d.router_id(), d.address(),
             EnumWord(cv1::SessionState_Name(d.state()), "SESSION_STATE_"),
             absl::StrCat(d.installed_version()), absl::StrCat(d.desired_version()),
             d.last_error().empty() ? "-" : d.last_error()});
    }
    out << "Dataplanes\n" << t.Render();
  }
  return kExitOk;
}

int RunSolve(Client& client, const Words& words) {
  if (!words.empty()) return client.Usage("solve", "takes no arguments", "solve");
  if (!client.Connect()) return kExitUnreachable;
  cv1::SolveNowResponse response;
  auto ctx = client.Call();
  grpc::Status s = client.stub().SolveNow(ctx.get(), cv1::SolveNowRequest(), &response);
  if (!s.ok()) return client.Failed("SolveNow", s);
  if (client.json()) {
    client.PrintJson(response);
  } else {
    client.out() << "epoch " << response.solver().epoch() << ": " << SolveLine(response.solver())
                 << "\n";
  }
  return kExitOk;
}

}  // namespace cpn::cpnctl
