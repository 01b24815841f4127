// Human output of cpnctl: aligned tables and number/time formatting.
//
// Pure; safe from any thread.
#ifndef CPN_CONTROLLER_CPNCTL_OUTPUT_H_
#define CPN_CONTROLLER_CPNCTL_OUTPUT_H_

#include <string>
#include <vector>

#include "cpn/controller/v1/decision.pb.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace cpn::cpnctl {

// A table with a header row; columns are padded to their widest cell,
// separated by two spaces; cells that look like numbers are right-aligned.
class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Fixed-point with `digits` decimals ("12.50").
std::string Num(double v, int digits = 2);
// RFC 3339 UTC ("2026-01-02T03:04:05.123Z"); "-" when unset (seconds 0 and
// nanos 0).
std::string Time(const google::protobuf::Timestamp& t);
// "1.5s", "120ms"; "-" when zero.
std::string Dur(const google::protobuf::Duration& d);
// An enum value name without its prefix, lower case: ("DECISION_BASIS_DAMPED",
// "DECISION_BASIS_") -> "damped".
std::string EnumWord(const std::string& name, const std::string& prefix);

// Decisions in words (decision list/explain/watch, watch).
std::string Basis(cpn::controller::v1::DecisionBasis b);
std::string Cause(cpn::controller::v1::ChangeCause c);
// "cause: detail", without repeating the cause when the detail starts with
// it (the optimiser's details do: "failover: site ...").
std::string ChangeText(const cpn::controller::v1::DecisionChange& c);
// Weights per site (paths to one site added up), largest first; at most
// `max_sites` listed (0: all), the rest counted.
std::string Weights(const cpn::controller::v1::Decision& d, size_t max_sites = 0);

}  // namespace cpn::cpnctl

#endif  // CPN_CONTROLLER_CPNCTL_OUTPUT_H_
