#include "controller/api/metrics_ingest.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "controller/api/proto_time.h"
#include "google/protobuf/util/time_util.h"

namespace cpn::api {

namespace compute = cpn::compute::v1;
namespace cv1 = cpn::controller::v1;
using google::protobuf::util::TimeUtil;

namespace {

std::string Quote(const std::string& s) { return absl::StrCat("\"", s, "\""); }

// The unit a metric type is measured in, and whether it is a ratio.
struct TypeRule {
  compute::MetricUnit unit;
  bool ratio;
};

std::optional<TypeRule> RuleOf(compute::MetricType type) {
  switch (type) {
    case compute::METRIC_TYPE_SERVER_UTILIZATION:
    case compute::METRIC_TYPE_CPU_UTILIZATION:
    case compute::METRIC_TYPE_GPU_UTILIZATION:
    case compute::METRIC_TYPE_MEMORY_UTILIZATION:
      return TypeRule{compute::METRIC_UNIT_RATIO, true};
    case compute::METRIC_TYPE_BUSY_SERVERS:
    case compute::METRIC_TYPE_AVAILABLE_SERVERS:
    case compute::METRIC_TYPE_QUEUE_LENGTH:
      return TypeRule{compute::METRIC_UNIT_COUNT, false};
    case compute::METRIC_TYPE_SERVICE_RATE:
    case compute::METRIC_TYPE_ARRIVAL_RATE:
      return TypeRule{compute::METRIC_UNIT_PER_SECOND, false};
    case compute::METRIC_TYPE_PROCESSING_DELAY:
      return TypeRule{compute::METRIC_UNIT_MILLISECONDS, false};
    case compute::METRIC_TYPE_POWER_DRAW:
      return TypeRule{compute::METRIC_UNIT_WATTS, false};
    case compute::METRIC_TYPE_CARBON_INTENSITY:
      return TypeRule{compute::METRIC_UNIT_GRAMS_CO2_PER_KWH, false};
    default:
      return std::nullopt;
  }
}

std::string TypeName(int type) {
  return compute::MetricType_IsValid(type)
             ? compute::MetricType_Name(static_cast<compute::MetricType>(type))
             : absl::StrCat(type);
}

cv1::ReportMetricsResponse Reject(cv1::ReportMetricsResponse response,
                                  cv1::MetricsRejectReason reason, std::string detail) {
  cv1::MetricsRejected* r = response.mutable_rejected();
  r->set_reason(reason);
  r->set_detail(std::move(detail));
  return response;
}

}  // namespace

absl::Status ValidateMetricValues(const compute::ComputeMetrics& report) {
  for (int i = 0; i < report.l0_size(); ++i) {
    const compute::L0Metric& m = report.l0(i);
    std::optional<TypeRule> rule = RuleOf(m.type());
    if (!rule) {
      return absl::InvalidArgumentError(
          absl::StrFormat("l0[%d].type: %s is not a metric type", i, TypeName(m.type())));
    }
    const std::string field = absl::StrFormat("l0[%d] (%s)", i, TypeName(m.type()));
    if (!std::isfinite(m.value())) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": value is not a finite number"));
    }
    if (m.unit() != compute::METRIC_UNIT_UNSPECIFIED && m.unit() != rule->unit) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: unit %s does not fit the type; use %s", field,
                          compute::MetricUnit_IsValid(m.unit()) ? compute::MetricUnit_Name(m.unit())
                                                                : absl::StrCat(m.unit()),
                          compute::MetricUnit_Name(rule->unit)));
    }
    if (m.value() < 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: value %g is negative", field, m.value()));
    }
    if (rule->ratio && m.value() > 1) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: value %g is outside 0..1", field, m.value()));
    }
  }
  for (int i = 0; i < report.l1_size(); ++i) {
    const double v = report.l1(i).value();
    if (!std::isfinite(v) || v < 0 || v > 10) {
      return absl::InvalidArgumentError(absl::StrFormat("l1[%d].value: %g is outside 0..10", i, v));
    }
  }
  if (report.has_l2_score() &&
      (!std::isfinite(report.l2_score()) || report.l2_score() < 0 || report.l2_score() > 10)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("l2_score: %g is outside 0..10", report.l2_score()));
  }
  return absl::OkStatus();
}

MetricsIngest::MetricsIngest(const ModelStore* store, const Clock* clock,
                             MetricsIngestOptions options)
    : store_(store), clock_(clock), options_(options) {}

cv1::ReportMetricsResponse MetricsIngest::Ingest(const compute::ComputeMetrics& report) {
  cv1::ReportMetricsResponse response = Check(report);
  if (response.has_accepted() && on_accepted_) on_accepted_();
  return response;
}

cv1::ReportMetricsResponse MetricsIngest::Check(const compute::ComputeMetrics& report) {
  cv1::ReportMetricsResponse response;
  response.set_site_id(report.site_id());
  response.set_service_id(report.service_id());
  response.set_sequence(report.sequence());

  if (!report.has_measured_at()) {
    return Reject(std::move(response), cv1::METRICS_REJECT_REASON_INVALID,
                  "measured_at is missing");
  }
  if (report.measured_at().seconds() < TimeUtil::kTimestampMinSeconds ||
      report.measured_at().seconds() > TimeUtil::kTimestampMaxSeconds ||
      report.measured_at().nanos() < 0 || report.measured_at().nanos() > 999999999) {
    return Reject(std::move(response), cv1::METRICS_REJECT_REASON_INVALID,
                  "measured_at is not a valid timestamp");
  }
  if (absl::Status s = ValidateMetricValues(report); !s.ok()) {
    return Reject(std::move(response), cv1::METRICS_REJECT_REASON_INVALID,
                  std::string(s.message()));
  }
  std::shared_ptr<const ModelSnapshot> snap = store_->Current();
  const model::NetworkModel& m = *snap->model;
  std::optional<model::SiteIndex> site = m.FindSite(report.site_id());
  if (!site) {
    return Reject(std::move(response), cv1::METRICS_REJECT_REASON_UNKNOWN_SITE,
                  absl::StrCat("site_id: no site ", Quote(report.site_id())));
  }
  if (!report.service_id().empty()) {
    std::optional<model::ServiceIndex> service = m.FindService(report.service_id());
    if (!service) {
      return Reject(std::move(response), cv1::METRICS_REJECT_REASON_UNKNOWN_SERVICE,
                    absl::StrCat("service_id: no service ", Quote(report.service_id())));
    }
    if (!m.FindPlacement(*site, *service)) {
      return Reject(std::move(response), cv1::METRICS_REJECT_REASON_UNKNOWN_SERVICE,
                    absl::StrCat("service_id: site ", Quote(report.site_id()),
                                 " does not host service ", Quote(report.service_id())));
    }
  }
  const absl::Time now = clock_->Now();
  const absl::Time measured = FromProtoTime(report.measured_at());
  if (measured - now > options_.max_future_skew) {
    return Reject(std::move(response), cv1::METRICS_REJECT_REASON_FUTURE_TIMESTAMP,
                  absl::StrCat("measured_at ", TimeUtil::ToString(report.measured_at()), " is ",
                               absl::FormatDuration(measured - now),
                               " ahead of the controller's clock (allowed skew ",
                               absl::FormatDuration(options_.max_future_skew), ")"));
  }
  if (now - measured > options_.max_age) {
    return Reject(std::move(response), cv1::METRICS_REJECT_REASON_STALE,
                  absl::StrCat("measured_at ", TimeUtil::ToString(report.measured_at()), " is ",
                               absl::FormatDuration(now - measured), " old (maximum age ",
                               absl::FormatDuration(options_.max_age), ")"));
  }

  PlacementKey key(report.site_id(), report.service_id());
  ReporterKey reporter(report.reporter_id(), report.site_id(), report.service_id());
  absl::MutexLock lock(&mu_);
  if (auto it = last_sequence_.find(reporter);
      it != last_sequence_.end() && report.sequence() <= it->second) {
    return Reject(std::move(response), cv1::METRICS_REJECT_REASON_OUT_OF_ORDER,
                  absl::StrFormat("sequence %d is not greater than %d, the last accepted from "
                                  "reporter %s for this site and service",
                                  report.sequence(), it->second, Quote(report.reporter_id())));
  }
  auto latest = latest_.find(key);
  if (latest != latest_.end() && measured < latest->second.measured_at) {
    return Reject(std::move(response), cv1::METRICS_REJECT_REASON_OUT_OF_ORDER,
                  absl::StrCat("measured_at ", TimeUtil::ToString(report.measured_at()),
                               " is older than the latest accepted report (",
                               TimeUtil::ToString(latest->second.report.measured_at()), ")"));
  }
  // Token bucket per (site, service).
  const double interval_s = absl::ToDoubleSeconds(options_.min_interval);
  const double burst = std::max(1, options_.burst);
  auto [bucket_it, fresh_bucket] = buckets_.try_emplace(key, Bucket{burst, now});
  Bucket& bucket = bucket_it->second;
  if (!fresh_bucket && interval_s > 0) {
    bucket.tokens =
        std::min(burst, bucket.tokens + std::max(0.0, absl::ToDoubleSeconds(now - bucket.updated)) /
                                            interval_s);
    bucket.updated = now;
  }
  if (interval_s > 0 && bucket.tokens < 1) {
    const absl::Duration wait = absl::Seconds((1 - bucket.tokens) * interval_s);
    cv1::ReportMetricsResponse r = Reject(
        std::move(response), cv1::METRICS_REJECT_REASON_RATE_LIMITED,
        absl::StrCat("more than ", options_.burst, " reports per ",
                     absl::FormatDuration(options_.min_interval * options_.burst), " for site ",
                     Quote(report.site_id()), " service ", Quote(report.service_id()),
                     "; retry after ", absl::FormatDuration(wait)));
    *r.mutable_rejected()->mutable_retry_after() = ToProtoDuration(wait);
    return r;
  }
  if (interval_s > 0) bucket.tokens -= 1;

  last_sequence_[reporter] = report.sequence();
  latest_[key] = SiteReport{report, now, measured};
  ++accepted_;

  cv1::MetricsAccepted* accepted = response.mutable_accepted();
  *accepted->mutable_received_at() = ToProtoTime(now);
  *accepted->mutable_age() = ToProtoDuration(now - measured);
  *accepted->mutable_min_interval() = ToProtoDuration(options_.min_interval);
  return response;
}

std::vector<SiteReport> MetricsIngest::Latest(const model::NetworkModel& model) const {
  std::vector<SiteReport> out;
  {
    absl::MutexLock lock(&mu_);
    out.reserve(latest_.size());
    for (const auto& [key, report] : latest_) {
      std::optional<model::SiteIndex> site = model.FindSite(key.first);
      if (!site) continue;
      if (!key.second.empty()) {
        std::optional<model::ServiceIndex> service = model.FindService(key.second);
        if (!service || !model.FindPlacement(*site, *service)) continue;
      }
      out.push_back(report);
    }
  }
  std::sort(out.begin(), out.end(), [](const SiteReport& a, const SiteReport& b) {
    return std::tie(a.report.site_id(), a.report.service_id()) <
           std::tie(b.report.site_id(), b.report.service_id());
  });
  return out;
}

uint64_t MetricsIngest::accepted_count() const {
  absl::MutexLock lock(&mu_);
  return accepted_;
}

cv1::MetricsFreshness MetricsIngest::FreshnessAt(absl::Time measured_at, absl::Time now) const {
  if (measured_at == absl::InfinitePast()) return cv1::METRICS_FRESHNESS_MISSING;
  const absl::Duration age = now - measured_at;
  if (age <= options_.fresh_age) return cv1::METRICS_FRESHNESS_FRESH;
  if (age <= options_.max_age) return cv1::METRICS_FRESHNESS_STALE;
  return cv1::METRICS_FRESHNESS_MISSING;
}

}  // namespace cpn::api
