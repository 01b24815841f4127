// Trace files a scenario may name: service times (one number a line) and
// request rates ("time_s,rps" a line). Parsing is pure; callable from any
// thread. Errors name the file and line.
#ifndef CPN_LAB_SCENARIO_TRACES_H_
#define CPN_LAB_SCENARIO_TRACES_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace cpn::lab {

// Service times in milliseconds, each > 0; at least one. Blank lines and
// lines starting with '#' are skipped.
absl::StatusOr<std::vector<double>> ParseServiceTimeTrace(std::string_view text,
                                                          std::string_view source_name);

struct RatePoint {
  double at_s = 0;  // from this time on ...
  double rps = 0;   // ... this rate
};

// A step function of time: "time_s,rps" lines, times increasing from 0,
// rates >= 0; at least one.
absl::StatusOr<std::vector<RatePoint>> ParseRateTrace(std::string_view text,
                                                      std::string_view source_name);

// Reads a whole file (for the loaders); NOT_FOUND naming the path.
absl::StatusOr<std::string> ReadTextFile(const std::string& path);

}  // namespace cpn::lab

#endif  // CPN_LAB_SCENARIO_TRACES_H_
