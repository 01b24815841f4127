// cpnctl metrics report|list.
#include <ostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "controller/cpnctl/args.h"
#include "controller/cpnctl/commands.h"
#include "controller/cpnctl/output.h"

namespace cpn::cpnctl {

namespace cv1 = cpn::controller::v1;
namespace compute = cpn::compute::v1;

namespace {

constexpr char kUsage[] =
    "metrics report --site SITE [--service SERVICE] [--servers N] [--busy N] "
    "[--utilization RATIO] [--queue N] [--service-rate PER_SERVER_RPS] [--arrival-rate RPS] "
    "[--sequence N] [--reporter ID] [--measured-at RFC3339 | --age DURATION]\n"
    "       cpnctl metrics list [--site SITE] [--service SERVICE]";

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t us = absl::ToUnixMicros(t);
  ts.set_seconds(us / 1000000);
  ts.set_nanos(static_cast<int32_t>(us % 1000000) * 1000);
  return ts;
}

int Report(Client& client, const Words& words) {
  absl::StatusOr<Args> args = ParseArgs(words, {{"site"},
                                                {"service"},
                                                {"servers"},
                                                {"busy"},
                                                {"utilization"},
                                                {"queue"},
                                                {"service-rate"},
                                                {"arrival-rate"},
                                                {"sequence"},
                                                {"reporter"},
                                                {"measured-at"},
                                                {"age"}});
  if (!args.ok())
    return client.Usage("metrics report", std::string(args.status().message()), kUsage);
  if (!args->positional.empty()) {
    return client.Usage("metrics report", "unexpected argument " + args->positional[0], kUsage);
  }
  if (!args->Has("site")) return client.Usage("metrics report", "--site is required", kUsage);
  compute::ComputeMetrics report;
  report.set_site_id(*args->Get("site"));
  report.set_service_id(args->Get("service").value_or(""));
  report.set_reporter_id(args->Get("reporter").value_or("cpnctl"));
  const absl::Time now = absl::Now();
  absl::Time measured = now;
  if (std::optional<std::string> at = args->Get("measured-at")) {
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, *at, &measured, &err)) {
      return client.Usage("metrics report",
                          absl::StrCat("--measured-at: \"", *at, "\" is not RFC 3339 (", err, ")"),
                          kUsage);
    }
  }
  if (std::optional<std::string> age = args->Get("age")) {
    absl::StatusOr<absl::Duration> d = ParseDurationArg(*age, "--age");
    if (!d.ok()) return client.Usage("metrics report", std::string(d.status().message()), kUsage);
    measured = now - *d;
  }
  *report.mutable_measured_at() = ToTimestamp(measured);
  absl::StatusOr<std::optional<uint64_t>> sequence = args->GetUint("sequence");
  if (!sequence.ok()) {
    return client.Usage("metrics report", std::string(sequence.status().message()), kUsage);
  }
  // Default: microseconds since the epoch, increasing across invocations.
  report.set_sequence(sequence->value_or(static_cast<uint64_t>(absl::ToUnixMicros(now))));
  struct Value {
    const char* flag;
    compute::MetricType type;
    compute::MetricUnit unit;
  };
  for (const Value& v :
       {Value{"servers", compute::METRIC_TYPE_AVAILABLE_SERVERS, compute::METRIC_UNIT_COUNT},
        Value{"busy", compute::METRIC_TYPE_BUSY_SERVERS, compute::METRIC_UNIT_COUNT},
        Value{"utilization", compute::METRIC_TYPE_SERVER_UTILIZATION, compute::METRIC_UNIT_RATIO},
        Value{"queue", compute::METRIC_TYPE_QUEUE_LENGTH, compute::METRIC_UNIT_COUNT},
        Value{"service-rate", compute::METRIC_TYPE_SERVICE_RATE, compute::METRIC_UNIT_PER_SECOND},
        Value{"arrival-rate", compute::METRIC_TYPE_ARRIVAL_RATE,
              compute::METRIC_UNIT_PER_SECOND}}) {
    absl::StatusOr<std::optional<double>> x = args->GetDouble(v.flag);
    if (!x.ok()) return client.Usage("metrics report", std::string(x.status().message()), kUsage);
    if (!x->has_value()) continue;
    compute::L0Metric* m = report.add_l0();
    m->set_type(v.type);
    m->set_value(**x);
    m->set_unit(v.unit);
    m->set_source(compute::METRIC_SOURCE_MEASURED);
  }
  if (!client.Connect()) return kExitUnreachable;
  auto ctx = client.Call();
  auto stream = client.stub().ReportMetrics(ctx.get());
  cv1::ReportMetricsResponse response;
  const bool sent = stream->Write(report);
  stream->WritesDone();
  const bool got = sent && stream->Read(&response);
  grpc::Status s = stream->Finish();
  if (!s.ok()) return client.Failed("ReportMetrics", s);
  if (!got) {
    client.err() << "cpnctl: ReportMetrics: the controller closed the stream without an answer\n";
    return kExitRejected;
  }
  if (client.json()) client.PrintJson(response);
  if (response.has_rejected()) {
    client.err() << "cpnctl: metrics report rejected: "
                 << EnumWord(cv1::MetricsRejectReason_Name(response.rejected().reason()),
                             "METRICS_REJECT_REASON_")
                 << ": " << response.rejected().detail() << "\n";
    return kExitRejected;
  }
  if (!client.json()) {
    client.out() << "accepted: site " << response.site_id() << " service "
                 << (response.service_id().empty() ? "(all)" : response.service_id())
                 << " sequence " << response.sequence() << " (age "
                 << Dur(response.accepted().age()) << ", min interval "
                 << Dur(response.accepted().min_interval()) << ")\n";
  }
  return kExitOk;
}

int List(Client& client, const Words& words) {
  absl::StatusOr<Args> args = ParseArgs(words, {{"site", true, true}, {"service", true, true}});
  if (!args.ok()) return client.Usage("metrics list", std::string(args.status().message()), kUsage);
  if (!client.Connect()) return kExitUnreachable;
  cv1::ListSiteStatesRequest request;
  for (const std::string& s : args->GetAll("site")) request.add_site_ids(s);
  for (const std::string& s : args->GetAll("service")) request.add_service_ids(s);
  cv1::ListSiteStatesResponse response;
  grpc::Status s = client.stub().ListSiteStates(client.Call().get(), request, &response);
  if (!s.ok()) return client.Failed("ListSiteStates", s);
  if (client.json()) {
    client.PrintJson(response);
    return kExitOk;
  }
  Table t({"site", "service", "metrics", "age", "servers", "util", "background_rps", "assigned_rps",
           "wait_ms"});
  for (const cv1::SiteState& st : response.sites()) {
    t.Add({st.site_id(), st.service_id(),
           EnumWord(cv1::MetricsFreshness_Name(st.freshness()), "METRICS_FRESHNESS_"),
           Dur(st.age()), absl::StrCat(st.servers()), Num(st.utilization()),
           Num(st.background_rate_rps(), 1), Num(st.assigned_rate_rps(), 1),
           Num(st.expected_wait_ms(), 2)});
  }
  client.out() << t.Render();
  return kExitOk;
}

}  // namespace

int RunMetrics(Client& client, const Words& words) {
  if (words.empty()) return client.Usage("metrics", "expected report or list", kUsage);
  Words rest(words.begin() + 1, words.end());
  if (words[0] == "report") return Report(client, rest);
  if (words[0] == "list") return List(client, rest);
  return client.Usage("metrics", "unknown command " + words[0], kUsage);
}

}  // namespace cpn::cpnctl
