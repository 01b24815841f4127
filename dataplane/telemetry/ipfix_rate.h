// Token bucket bounding the IPFIX export rate: `rate` records per second on
// average, at most `burst` at once. Records that find no token are dropped
// by the exporter and counted (cpn_ipfix_records_dropped_total{reason=
// "rate"}). Pure; one thread.
#ifndef CPN_DATAPLANE_TELEMETRY_IPFIX_RATE_H_
#define CPN_DATAPLANE_TELEMETRY_IPFIX_RATE_H_

#include <cstdint>

namespace cpn::dataplane::ipfix {

class TokenBucket {
 public:
  // rate 0: unlimited. The bucket starts full.
  TokenBucket(double rate_per_s, double burst)
      : rate_(rate_per_s), burst_(burst < 1 ? 1 : burst), tokens_(burst_) {}

  // One token at `now_ns` (a monotonic clock); false when there is none.
  bool Take(uint64_t now_ns) {
    if (rate_ <= 0) return true;
    if (last_ns_ != 0 && now_ns > last_ns_) {
      tokens_ += static_cast<double>(now_ns - last_ns_) * rate_ / 1e9;
      if (tokens_ > burst_) tokens_ = burst_;
    }
    if (now_ns > last_ns_) last_ns_ = now_ns;
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

 private:
  const double rate_;
  const double burst_;
  double tokens_;
  uint64_t last_ns_ = 0;
};

}  // namespace cpn::dataplane::ipfix

#endif  // CPN_DATAPLANE_TELEMETRY_IPFIX_RATE_H_
