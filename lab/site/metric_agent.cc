#include "lab/site/metric_agent.h"

#include <deque>
#include <iostream>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cpn/controller/v1/controller.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace cpn::lab {
namespace {

namespace compute = cpn::compute::v1;
namespace cv1 = cpn::controller::v1;

void AddL0(compute::ComputeMetrics& r, compute::MetricType type, double value,
           compute::MetricUnit unit, compute::MetricStatistic stat, absl::Duration window) {
  compute::L0Metric* m = r.add_l0();
  m->set_type(type);
  m->set_value(value);
  m->set_unit(unit);
  m->set_statistic(stat);
  m->set_source(compute::METRIC_SOURCE_MEASURED);
  if (stat != compute::METRIC_STATISTIC_UNSPECIFIED) {
    m->mutable_window()->set_seconds(absl::ToInt64Seconds(window));
    m->mutable_window()->set_nanos(
        static_cast<int32_t>(absl::ToInt64Nanoseconds(window % absl::Seconds(1))));
  }
}

// One open ReportMetrics stream and the thread reading its answers.
struct Stream {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderWriter<compute::ComputeMetrics, cv1::ReportMetricsResponse>> rw;
  std::thread reader;

  void Close() {
    if (rw != nullptr) {
      rw->WritesDone();
      context.TryCancel();
    }
    if (reader.joinable()) reader.join();
    if (rw != nullptr) rw->Finish().ok();  // the status only says how it ended
  }
};

}  // namespace

compute::ComputeMetrics BuildReport(const MetricAgentOptions& options, const LoadWindow& w,
                                    absl::Time measured_at, uint64_t sequence) {
  compute::ComputeMetrics r;
  r.set_site_id(options.site_id);
  r.set_service_id(options.service_id);
  const int64_t ns = absl::ToUnixNanos(measured_at);
  r.mutable_measured_at()->set_seconds(ns / 1000000000);
  r.mutable_measured_at()->set_nanos(static_cast<int32_t>(ns % 1000000000));
  r.set_sequence(sequence);
  r.set_reporter_id(options.reporter_id.empty() ? "cpn-site/" + options.site_id
                                                : options.reporter_id);
  const absl::Duration window = absl::Seconds(w.window_s);
  const double c = options.servers;
  const double busy = std::min(w.mean_busy, c);
  AddL0(r, compute::METRIC_TYPE_SERVER_UTILIZATION, c > 0 ? busy / c : 0,
        compute::METRIC_UNIT_RATIO, compute::METRIC_STATISTIC_MEAN, window);
  AddL0(r, compute::METRIC_TYPE_BUSY_SERVERS, busy, compute::METRIC_UNIT_COUNT,
        compute::METRIC_STATISTIC_MEAN, window);
  AddL0(r, compute::METRIC_TYPE_AVAILABLE_SERVERS, c, compute::METRIC_UNIT_COUNT,
        compute::METRIC_STATISTIC_UNSPECIFIED, window);
  AddL0(r, compute::METRIC_TYPE_QUEUE_LENGTH, static_cast<double>(w.queue_now),
        compute::METRIC_UNIT_COUNT, compute::METRIC_STATISTIC_UNSPECIFIED, window);
  if (w.window_s > 0) {
    AddL0(r, compute::METRIC_TYPE_ARRIVAL_RATE, static_cast<double>(w.arrivals) / w.window_s,
          compute::METRIC_UNIT_PER_SECOND, compute::METRIC_STATISTIC_MEAN, window);
  }
  // µ per server, over the recent completions (not just this window's).
  if (w.recent_service_ms > 0 && w.recent_completions >= options.min_service_samples) {
    AddL0(r, compute::METRIC_TYPE_SERVICE_RATE, 1000.0 / w.recent_service_ms,
          compute::METRIC_UNIT_PER_SECOND, compute::METRIC_STATISTIC_MEAN,
          absl::Seconds(w.recent_span_s));
  }
  if (w.mean_service_ms > 0) {  // unknown without completions in the window
    AddL0(r, compute::METRIC_TYPE_PROCESSING_DELAY, w.mean_sojourn_ms,
          compute::METRIC_UNIT_MILLISECONDS, compute::METRIC_STATISTIC_MEAN, window);
  }
  return r;
}

MetricAgent::MetricAgent(MetricAgentOptions options, std::function<LoadWindow()> sample,
                         std::function<uint32_t()> delay_ms)
    : options_(std::move(options)), sample_(std::move(sample)), delay_ms_(std::move(delay_ms)) {}

MetricAgent::~MetricAgent() { Stop(); }

void MetricAgent::Start() {
  thread_ = std::thread([this] { Run(); });
}

void MetricAgent::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MetricAgent::Run() {
  auto stub = cv1::ControllerService::NewStub(
      grpc::CreateChannel(options_.controller_address, grpc::InsecureChannelCredentials()));
  // Sequence numbers start at the clock in microseconds so that a restarted
  // site (site_down, site_up) still sends increasing ones.
  uint64_t sequence = static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()));
  std::deque<std::pair<absl::Time, compute::ComputeMetrics>> held;
  std::unique_ptr<Stream> stream;
  absl::Time next_sample = absl::Now() + options_.interval;
  bool warned = false;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    absl::Time wake = next_sample;
    if (!held.empty()) wake = std::min(wake, held.front().first);
    stop_cv_.wait_for(
        lock, absl::ToChronoNanoseconds(std::max(absl::ZeroDuration(), wake - absl::Now())));
    if (stop_) break;
    lock.unlock();
    const absl::Time now = absl::Now();
    if (now >= next_sample) {
      held.emplace_back(now + absl::Milliseconds(delay_ms_()),
                        BuildReport(options_, sample_(), now, sequence++));
      next_sample = std::max(next_sample + options_.interval, now);
    }
    while (!held.empty() && held.front().first <= absl::Now()) {
      if (stream == nullptr) {
        stream = std::make_unique<Stream>();
        stream->rw = stub->ReportMetrics(&stream->context);
        stream->reader = std::thread([this, s = stream.get()] {
          cv1::ReportMetricsResponse answer;
          while (s->rw->Read(&answer)) {
            if (answer.has_accepted()) {
              ++accepted_;
            } else {
              ++rejected_;
              std::cerr << "cpn-site: report " << answer.sequence() << " rejected: "
                        << cv1::MetricsRejectReason_Name(answer.rejected().reason()) << ": "
                        << answer.rejected().detail() << std::endl;
            }
          }
        });
      }
      if (!stream->rw->Write(held.front().second)) {
        if (!warned) {
          std::cerr << "cpn-site: cannot report to " << options_.controller_address
                    << " (stream closed); retrying every interval" << std::endl;
          warned = true;
        }
        stream->Close();
        stream.reset();
        held.pop_front();  // dropped: a newer report follows
        break;
      }
      warned = false;
      ++sent_;
      held.pop_front();
    }
    lock.lock();
  }
  lock.unlock();
  if (stream != nullptr) stream->Close();
}

}  // namespace cpn::lab
