// Writer of the Prometheus text exposition format (version 0.0.4), the
// format every Prometheus server, promtool and most monitoring agents read:
//
//   # HELP cpn_port_rx_packets_total Packets received on the port.
//   # TYPE cpn_port_rx_packets_total counter
//   cpn_port_rx_packets_total{port="eth1"} 1027
//
// Families are written in the order they are begun, each once, with their
// samples grouped under them (the format requires it). Names and label names
// are checked, label values and help texts escaped; a family or sample that
// breaks the format's rules is refused with an error naming it, so a bad
// name never reaches a scrape. Counter family names must end in "_total".
//
// Not thread-safe: one writer builds one scrape on one thread.
#ifndef CPN_COMMON_TELEMETRY_PROMETHEUS_TEXT_H_
#define CPN_COMMON_TELEMETRY_PROMETHEUS_TEXT_H_

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace cpn::telemetry {

enum class MetricType { kCounter, kGauge, kUntyped };

// Label name/value pairs of one sample, in the order they are written.
using Labels = std::vector<std::pair<std::string, std::string>>;

class PrometheusText {
 public:
  // Starts a family; its samples follow. InvalidArgument for a bad or
  // repeated name, or a counter not named *_total.
  absl::Status BeginFamily(std::string_view name, std::string_view help, MetricType type);

  // A sample of the current family (which must exist). InvalidArgument for
  // a bad label name or a repeated label name. Counters must be >= 0.
  absl::Status Sample(const Labels& labels, double value);
  absl::Status Sample(const Labels& labels, uint64_t value);

  // The exposition text so far (ends with a newline when not empty).
  const std::string& text() const { return out_; }

  // [a-zA-Z_:][a-zA-Z0-9_:]* for metric names; labels may not use ':' and
  // names beginning with "__" are reserved.
  static bool ValidMetricName(std::string_view name);
  static bool ValidLabelName(std::string_view name);

  // The Content-Type of the format.
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  absl::Status WriteLabels(const Labels& labels);

  std::string out_;
  std::string family_;
  MetricType type_ = MetricType::kUntyped;
  std::set<std::string, std::less<>> families_;
};

// A label value from a protobuf enum value name: the prefix dropped, lower
// case ("DROP_REASON_NO_ROUTE", "DROP_REASON_" -> "no_route").
std::string EnumLabelValue(std::string_view enum_name, std::string_view prefix);

}  // namespace cpn::telemetry

#endif  // CPN_COMMON_TELEMETRY_PROMETHEUS_TEXT_H_
