// cpnctl watch: the controller's TelemetryService.Subscribe, one line per
// notification (or protobuf JSON with -o json).
#include <iostream>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "controller/cpnctl/args.h"
#include "controller/cpnctl/client.h"
#include "controller/cpnctl/commands.h"
#include "controller/cpnctl/output.h"

namespace cpn::cpnctl {
namespace {

namespace cv1 = cpn::controller::v1;
namespace tv1 = cpn::telemetry::v1;

constexpr char kUsage[] =
    "watch PATH [PATH ...] [--sample DURATION] [--router R] [--service S] [--site S] "
    "[--link L] [--count N]\n"
    "  PATH: decisions | sites | links | counters | events (--sample: not events)";

std::optional<tv1::TelemetryPath> PathOf(const std::string& word) {
  if (word == "decisions") return tv1::TELEMETRY_PATH_DECISIONS;
  if (word == "sites") return tv1::TELEMETRY_PATH_SITE_METRICS;
  if (word == "links") return tv1::TELEMETRY_PATH_LINK_UTILIZATION;
  if (word == "counters") return tv1::TELEMETRY_PATH_DATAPLANE_COUNTERS;
  if (word == "events") return tv1::TELEMETRY_PATH_EVENTS;
  return std::nullopt;
}

std::string Line(const tv1::Notification& n) {
  const std::string at = Time(n.timestamp());
  std::string lost = n.dropped() > 0 ? absl::StrCat("  (", n.dropped(), " lost)") : "";
  switch (n.payload_case()) {
    case tv1::Notification::kDecision: {
      const cv1::Decision& d = n.decision();
      return absl::StrCat(at, "  decision  ", d.service_id(), "@", d.ingress_router_id(), "  ",
                          Basis(d.basis()), "  ", Weights(d), lost);
    }
    case tv1::Notification::kDecisionChange: {
      const cv1::DecisionEvent& e = n.decision_change();
      const cv1::Decision& d = e.decision();
      return absl::StrCat(at, "  changed   ", d.service_id(), "@", d.ingress_router_id(),
                          "  epoch ", e.change().epoch(), "  ", ChangeText(e.change()), "  ->  ",
                          Weights(d), lost);
    }
    case tv1::Notification::kSiteState: {
      const cv1::SiteState& s = n.site_state();
      return absl::StrCat(at, "  site      ", s.site_id(), "/", s.service_id(), "  util ",
                          Num(s.utilization(), 2), "  wait ", Num(s.expected_wait_ms(), 1),
                          " ms  assigned ", Num(s.assigned_rate_rps(), 1), " rps  ",
                          EnumWord(cv1::MetricsFreshness_Name(s.freshness()),
                                   "METRICS_FRESHNESS_"),
                          lost);
    }
    case tv1::Notification::kLinkState: {
      const cv1::LinkState& l = n.link_state();
      return absl::StrCat(at, "  link      ", l.link_id(), "  util ",
                          Num(l.a_to_b().utilization(), 2), " / ",
                          Num(l.b_to_a().utilization(), 2), lost);
    }
    case tv1::Notification::kDataplaneCounters: {
      const tv1::DataplaneCounters& c = n.dataplane_counters();
      uint64_t rx = 0, tx = 0;
      for (const tv1::PortCounters& p : c.snapshot().ports()) {
        rx += p.rx_packets();
        tx += p.tx_packets();
      }
      return absl::StrCat(at, "  counters  ", c.router_id(), "  rx ", rx, "  tx ", tx,
                          "  flows ", c.snapshot().affinity().entries(), lost);
    }
    case tv1::Notification::kEvent: {
      const tv1::EventRecord& e = n.event();
      std::string what;
      switch (e.event_case()) {
        case tv1::EventRecord::kDecisionChange:
          what = absl::StrCat("decision ", e.decision_change().decision().service_id(), "@",
                              e.decision_change().decision().ingress_router_id(), ": ",
                              ChangeText(e.decision_change().change()));
          break;
        case tv1::EventRecord::kDataplaneSession:
          what = absl::StrCat("dataplane ", e.dataplane_session().router_id(), ": ",
                              EnumWord(cv1::SessionState_Name(e.dataplane_session().new_state()),
                                       "SESSION_STATE_"),
                              " ", e.dataplane_session().detail());
          break;
        case tv1::EventRecord::kSiteMetrics:
          what = absl::StrCat("metrics ", e.site_metrics().site_id(), ": ",
                              EnumWord(cv1::MetricsFreshness_Name(e.site_metrics().new_freshness()),
                                       "METRICS_FRESHNESS_"));
          break;
        case tv1::EventRecord::kModelChange:
          what = absl::StrCat("model ", e.model_change().rpc(), " ", e.model_change().entity(), " ",
                              e.model_change().detail());
          break;
        case tv1::EventRecord::kSolve:
          what = absl::StrCat("solve ", e.solve().error());
          break;
        default:
          what = "event";
      }
      return absl::StrCat(at, "  event #", e.sequence(), "  ", what, lost);
    }
    default:
      return absl::StrCat(at, "  (empty notification)");
  }
}

}  // namespace

int RunWatch(Client& client, const Words& words) {
  absl::StatusOr<Args> args = ParseArgs(words, {{"sample"},
                                                {"router", true, true},
                                                {"service", true, true},
                                                {"site", true, true},
                                                {"link", true, true},
                                                {"count"}});
  if (!args.ok()) return client.Usage("watch", std::string(args.status().message()), kUsage);
  if (args->positional.empty()) return client.Usage("watch", "expected a PATH", kUsage);
  absl::StatusOr<std::optional<uint64_t>> count = args->GetUint("count");
  if (!count.ok()) return client.Usage("watch", std::string(count.status().message()), kUsage);
  std::optional<absl::Duration> sample;
  if (std::optional<std::string> v = args->Get("sample")) {
    absl::StatusOr<absl::Duration> d = ParseDurationArg(*v, "--sample");
    if (!d.ok()) return client.Usage("watch", std::string(d.status().message()), kUsage);
    sample = *d;
  }
  tv1::SubscribeRequest request;
  for (const std::string& word : args->positional) {
    std::optional<tv1::TelemetryPath> path = PathOf(word);
    if (!path) return client.Usage("watch", absl::StrCat("unknown PATH \"", word, "\""), kUsage);
    tv1::Subscription* s = request.add_subscriptions();
    s->set_path(*path);
    if (sample) {
      const int64_t ns = absl::ToInt64Nanoseconds(*sample);
      s->mutable_sample()->mutable_interval()->set_seconds(ns / 1'000'000'000);
      s->mutable_sample()->mutable_interval()->set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
    } else {
      s->mutable_on_change();
    }
    // Filters go to the paths they apply to (the controller refuses others).
    tv1::SubscriptionFilter* f = s->mutable_filter();
    const bool decisions = *path == tv1::TELEMETRY_PATH_DECISIONS;
    const bool sites = *path == tv1::TELEMETRY_PATH_SITE_METRICS;
    if (decisions || *path == tv1::TELEMETRY_PATH_DATAPLANE_COUNTERS) {
      for (const std::string& r : args->GetAll("router")) f->add_router_ids(r);
    }
    if (decisions || sites) {
      for (const std::string& x : args->GetAll("service")) f->add_service_ids(x);
    }
    if (sites) {
      for (const std::string& x : args->GetAll("site")) f->add_site_ids(x);
    }
    if (*path == tv1::TELEMETRY_PATH_LINK_UTILIZATION) {
      for (const std::string& x : args->GetAll("link")) f->add_link_ids(x);
    }
  }
  if (!client.Connect()) return kExitUnreachable;
  auto ctx = client.Call(/*stream=*/true);
  auto reader = client.telemetry().Subscribe(ctx.get(), request);
  tv1::SubscribeResponse m;
  uint64_t updates = 0;
  bool synced = false;
  while (reader->Read(&m)) {
    if (client.json()) {
      client.PrintJson(m);
    } else if (m.has_sync_complete()) {
      client.out() << "-- in sync at epoch " << m.sync_complete().epoch() << "; updates follow\n";
    } else {
      client.out() << Line(m.update()) << "\n";
    }
    client.out().flush();
    synced |= m.has_sync_complete();
    if (synced && m.has_update() && count->has_value() && ++updates >= **count) {
      ctx->TryCancel();
      break;
    }
  }
  grpc::Status s = reader->Finish();
  if (count->has_value() && updates >= **count) return kExitOk;
  if (!s.ok()) return client.Failed("Subscribe", s);
  return kExitOk;
}

}  // namespace cpn::cpnctl
