// cpnctl decision list|explain|watch.
#include <algorithm>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controller/cpnctl/args.h"
#include "controller/cpnctl/commands.h"
#include "controller/cpnctl/output.h"

namespace cpn::cpnctl {

namespace cv1 = cpn::controller::v1;

namespace {

constexpr char kUsage[] =
    "decision list [--ingress ROUTER] [--service SERVICE]\n"
    "       cpnctl decision explain INGRESS SERVICE\n"
    "       cpnctl decision watch [--ingress ROUTER] [--service SERVICE] [--count N]";

std::string PathText(const cv1::CandidatePath& p) {
  return p.router_ids().empty() ? "(no path)" : absl::StrJoin(p.router_ids(), ">");
}

std::string Install(cv1::InstallState s) {
  return s == cv1::INSTALL_STATE_UNSPECIFIED
             ? "-"
             : EnumWord(cv1::InstallState_Name(s), "INSTALL_STATE_");
}

int List(Client& client, const Words& words) {
  absl::StatusOr<Args> args = ParseArgs(words, {{"ingress", true, true}, {"service", true, true}});
  if (!args.ok())
    return client.Usage("decision list", std::string(args.status().message()), kUsage);
  if (!args->positional.empty()) {
    return client.Usage("decision list", "unexpected argument " + args->positional[0], kUsage);
  }
  if (!client.Connect()) return kExitUnreachable;
  cv1::ListDecisionsRequest request;
  for (const std::string& r : args->GetAll("ingress")) request.add_ingress_router_ids(r);
  for (const std::string& s : args->GetAll("service")) request.add_service_ids(s);
  cv1::ListDecisionsResponse response;
  grpc::Status s = client.stub().ListDecisions(client.Call().get(), request, &response);
  if (!s.ok()) return client.Failed("ListDecisions", s);
  if (client.json()) {
    client.PrintJson(response);
    return kExitOk;
  }
  client.out() << "epoch " << response.epoch() << "\n";
  Table t({"ingress", "service", "rps", "basis", "install", "e2e_ms", "weights", "last_change"});
  for (const cv1::Decision& d : response.decisions()) {
    t.Add({d.ingress_router_id(), d.service_id(), Num(d.demand_rps(), 1), Basis(d.basis()),
           Install(d.install_state()), Num(d.expected_completion_ms(), 2), Weights(d, 4),
           d.last_change().cause() == cv1::CHANGE_CAUSE_UNSPECIFIED
               ? "-"
               : absl::StrCat(Cause(d.last_change().cause()), " @", d.last_change().epoch())});
  }
  client.out() << t.Render();
  for (const std::string& w : response.warnings()) client.out() << "warning: " << w << "\n";
  return kExitOk;
}

int Explain(Client& client, const Words& words) {
  if (words.size() != 2)
    return client.Usage("decision explain", "expected INGRESS SERVICE", kUsage);
  if (!client.Connect()) return kExitUnreachable;
  cv1::ExplainDecisionRequest request;
  request.mutable_key()->set_ingress_router_id(words[0]);
  request.mutable_key()->set_service_id(words[1]);
  cv1::ExplainDecisionResponse response;
  grpc::Status s = client.stub().ExplainDecision(client.Call().get(), request, &response);
  if (!s.ok()) return client.Failed("ExplainDecision", s);
  if (client.json()) {
    client.PrintJson(response);
    return kExitOk;
  }
  const cv1::Decision& d = response.decision();
  std::ostream& out = client.out();
  out << "Decision     " << d.service_id() << " at " << d.ingress_router_id() << ", epoch "
      << d.epoch() << " (" << Time(d.decided_at()) << ")\n";
  out << "Demand       " << Num(d.demand_rps(), 1) << " requests/s ("
      << EnumWord(cv1::DemandSource_Name(d.demand_source()), "DEMAND_SOURCE_") << ")\n";
  out << "Basis        " << Basis(d.basis()) << "; expected completion "
      << Num(d.expected_completion_ms(), 2) << " ms; objective " << Num(d.objective_value(), 1)
      << "\n";
  out << "Weights      " << Weights(d) << "\n";
  out << "Install      " << Install(d.install_state()) << " (ingress dataplane)\n";
  if (d.last_change().cause() != cv1::CHANGE_CAUSE_UNSPECIFIED) {
    out << "Last change  epoch " << d.last_change().epoch() << ", " << ChangeText(d.last_change())
        << "\n";
  }
  out << "Solver       " << response.solver().algorithm() << ", "
      << EnumWord(cv1::SolveOutcome_Name(response.solver().outcome()), "SOLVE_OUTCOME_") << ", "
      << response.solver().iterations() << " iterations, gap " << response.solver().relative_gap()
      << "\n\n";
  Table t({"site", "path", "weight", "target", "prop_ms", "queue_ms", "xfer_ms", "wait_ms",
           "svc_ms", "total_ms", "site_util", "link_util", "metrics", "why_not"});
  for (const cv1::CandidateExplanation& c : response.candidates()) {
    t.Add({c.site_id(), PathText(c.path()), Num(c.weight(), 3), Num(c.target_weight(), 3),
           Num(c.cost().network_propagation_ms()), Num(c.cost().queueing_ms()),
           Num(c.cost().transfer_ms()), Num(c.cost().compute_wait_ms()), Num(c.cost().service_ms()),
           Num(c.cost().total_ms()), Num(c.site_utilization()), Num(c.max_link_utilization()),
           EnumWord(cv1::MetricsFreshness_Name(c.site_metrics_freshness()), "METRICS_FRESHNESS_"),
           c.rejected_reason() == cv1::REJECT_REASON_UNSPECIFIED
               ? "-"
               : (c.rejected_detail().empty()
                      ? EnumWord(cv1::RejectReason_Name(c.rejected_reason()), "REJECT_REASON_")
                      : c.rejected_detail())});
  }
  out << t.Render();
  // The SRv6 policy each candidate is installed as (join key with the
  // ingress's per-policy counters), once compiled.
  Table policies({"policy", "site", "path", "weight", "segments"});
  for (const cv1::WeightedCandidate& c : d.candidates()) {
    if (c.policy_id() == 0) continue;
    policies.Add({absl::StrCat(c.policy_id()), c.site_id(), PathText(c.path()),
                  Num(c.weight(), 3), absl::StrJoin(c.path().segments(), ",")});
  }
  if (!policies.empty()) out << "\n" << policies.Render();
  return kExitOk;
}

int Watch(Client& client, const Words& words) {
  absl::StatusOr<Args> args =
      ParseArgs(words, {{"ingress", true, true}, {"service", true, true}, {"count"}});
  if (!args.ok())
    return client.Usage("decision watch", std::string(args.status().message()), kUsage);
  absl::StatusOr<std::optional<uint64_t>> count = args->GetUint("count");
  if (!count.ok())
    return client.Usage("decision watch", std::string(count.status().message()), kUsage);
  if (!client.Connect()) return kExitUnreachable;
  cv1::WatchDecisionsRequest request;
  for (const std::string& r : args->GetAll("ingress")) request.add_ingress_router_ids(r);
  for (const std::string& s : args->GetAll("service")) request.add_service_ids(s);
  auto ctx = client.Call(/*stream=*/true);
  auto reader = client.stub().WatchDecisions(ctx.get(), request);
  cv1::WatchDecisionsResponse m;
  uint64_t changes = 0;
  while (reader->Read(&m)) {
    if (client.json()) {
      client.PrintJson(m);
    } else if (m.has_initial()) {
      const cv1::Decision& d = m.initial();
      client.out() << "current  " << d.service_id() << "@" << d.ingress_router_id() << "  "
                   << Basis(d.basis()) << "  " << Weights(d) << "\n";
    } else if (m.has_sync_complete()) {
      client.out() << "-- in sync at epoch " << m.sync_complete().epoch() << "; changes follow\n";
    } else if (m.has_changed()) {
      const cv1::DecisionEvent& e = m.changed();
      const cv1::Decision& d = e.decision();
      client.out() << "epoch " << e.change().epoch() << "  " << d.service_id() << "@"
                   << d.ingress_router_id() << "  " << ChangeText(e.change()) << "  ->  "
                   << Weights(d) << "\n";
    }
    client.out().flush();
    if (m.has_changed() && count->has_value() && ++changes >= **count) {
      ctx->TryCancel();
      break;
    }
  }
  grpc::Status s = reader->Finish();
  if (count->has_value() && changes >= **count) return kExitOk;
  if (!s.ok()) return client.Failed("WatchDecisions", s);
  return kExitOk;
}

}  // namespace

int RunDecision(Client& client, const Words& words) {
  if (words.empty()) return client.Usage("decision", "expected list, explain or watch", kUsage);
  Words rest(words.begin() + 1, words.end());
  if (words[0] == "list") return List(client, rest);
  if (words[0] == "explain") return Explain(client, rest);
  if (words[0] == "watch") return Watch(client, rest);
  return client.Usage("decision", "unknown command " + words[0], kUsage);
}

}  // namespace cpn::cpnctl
