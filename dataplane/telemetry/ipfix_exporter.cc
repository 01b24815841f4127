#include "dataplane/telemetry/ipfix_exporter.h"

#include <pthread.h>

#include <chrono>

namespace cpn::dataplane::ipfix {
namespace {

constexpr unsigned kDequeueBurst = 256;

uint64_t MonotonicNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

absl::StatusOr<std::unique_ptr<IpfixExporter>> IpfixExporter::Start(
    const ExporterConfig& config, std::vector<FlowRecordRing*> rings, PolicySource* policies,
    const TscClock& clock, std::unique_ptr<DatagramSender> sender) {
  if (sender == nullptr || policies == nullptr) {
    return absl::InvalidArgumentError("IPFIX exporter: no sender or policy source");
  }
  if (config.max_message_bytes < 512 || config.max_message_bytes > 65507) {
    return absl::InvalidArgumentError("IPFIX exporter: max_message_bytes not in [512, 65507]");
  }
  for (FlowRecordRing* r : rings) {
    if (r == nullptr) return absl::InvalidArgumentError("IPFIX exporter: a worker has no ring");
  }
  std::unique_ptr<IpfixExporter> e(
      new IpfixExporter(config, std::move(rings), policies, clock, std::move(sender)));
  e->thread_ = std::thread([p = e.get()] { p->Run(); });
  pthread_setname_np(e->thread_.native_handle(), "cpn-ipfix");
  return e;
}

IpfixExporter::IpfixExporter(const ExporterConfig& config, std::vector<FlowRecordRing*> rings,
                             PolicySource* policies, const TscClock& clock,
                             std::unique_ptr<DatagramSender> sender)
    : config_(config),
      rings_(std::move(rings)),
      policies_(policies),
      clock_(clock),
      sender_(std::move(sender)),
      encoder_(config.observation_domain, config.max_message_bytes),
      bucket_(config.max_records_per_s, config.max_records_per_s) {}

IpfixExporter::~IpfixExporter() { Stop(); }

void IpfixExporter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void IpfixExporter::Run() {
  const auto interval = absl::ToChronoMilliseconds(config_.poll_interval);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    PollOnce(false);
    lock.lock();
    cv_.wait_for(lock, interval, [this] { return stop_; });
  }
  lock.unlock();
  PollOnce(true);
}

void IpfixExporter::PollOnce(bool final) {
  std::vector<FlowData> flows;
  FlowRecord batch[kDequeueBurst];
  for (FlowRecordRing* ring : rings_) {
    // At most 64 bursts (16,384 records, two rings' worth) per ring and
    // poll: bounded work; everything at the end.
    for (int round = 0; round < (final ? 1 << 20 : 64); ++round) {
      const unsigned n = ring->Dequeue(batch, kDequeueBurst);
      const uint64_t now = MonotonicNs();
      for (unsigned i = 0; i < n; ++i) {
        if (!bucket_.Take(now)) {
          dropped_rate_.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        const PolicyInfo* policy =
            policies_->Find(batch[i].policy_slot, batch[i].policy_generation);
        flows.push_back(BuildFlowData(batch[i], policy, clock_));
      }
      if (n < kDequeueBurst) break;
    }
  }
  const absl::Time now = absl::Now();
  const bool templates = now >= next_templates_;
  if (flows.empty() && !templates) return;
  if (templates) next_templates_ = now + config_.template_interval;
  const uint32_t export_s = static_cast<uint32_t>(absl::ToUnixSeconds(now));
  for (const Message& m : encoder_.Encode(flows, templates, export_s)) {
    // Sent = handed to the socket (UDP has no receipt).
    if (sender_->Send(m.bytes).ok()) {
      messages_sent_.fetch_add(1, std::memory_order_relaxed);
      records_sent_.fetch_add(m.records, std::memory_order_relaxed);
    } else {
      send_errors_.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

ExporterStats IpfixExporter::stats() const {
  ExporterStats s;
  s.records_sent = records_sent_.load(std::memory_order_relaxed);
  s.messages_sent = messages_sent_.load(std::memory_order_relaxed);
  s.dropped_rate = dropped_rate_.load(std::memory_order_relaxed);
  s.send_errors = send_errors_.load(std::memory_order_relaxed);
  for (const FlowRecordRing* r : rings_) s.dropped_ring += r->dropped();
  return s;
}

}  // namespace cpn::dataplane::ipfix
