#include "lab/scenario/traces.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace cpn::lab {
namespace {

// Calls `line_fn(line_number, text)` for every line that is not blank or a
// comment; stops at the first error.
template <typename F>
absl::Status ForEachLine(std::string_view text, F line_fn) {
  int number = 0;
  for (absl::string_view line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    absl::Status s = line_fn(number, std::string(line));
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<double>> ParseServiceTimeTrace(std::string_view text,
                                                          std::string_view source_name) {
  const std::string src(source_name);
  std::vector<double> out;
  absl::Status s = ForEachLine(text, [&](int n, const std::string& line) {
    double v = 0;
    if (!absl::SimpleAtod(line, &v) || !std::isfinite(v) || v <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(src, ":", n, ": service time \"", line,
                                                     "\" is not a number of milliseconds > 0"));
    }
    out.push_back(v);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  if (out.empty()) return absl::InvalidArgumentError(absl::StrCat(src, ": no service times"));
  return out;
}

absl::StatusOr<std::vector<RatePoint>> ParseRateTrace(std::string_view text,
                                                      std::string_view source_name) {
  const std::string src(source_name);
  std::vector<RatePoint> out;
  absl::Status s = ForEachLine(text, [&](int n, const std::string& line) {
    std::vector<std::string> cols = absl::StrSplit(line, ',');
    RatePoint p;
    if (cols.size() != 2 || !absl::SimpleAtod(cols[0], &p.at_s) ||
        !absl::SimpleAtod(cols[1], &p.rps) || !std::isfinite(p.at_s) || !std::isfinite(p.rps)) {
      return absl::InvalidArgumentError(
          absl::StrCat(src, ":", n, ": expected \"time_s,rps\", got \"", line, "\""));
    }
    if (p.rps < 0)
      return absl::InvalidArgumentError(absl::StrCat(src, ":", n, ": rate must be >= 0"));
    if (out.empty() && p.at_s != 0) {
      return absl::InvalidArgumentError(absl::StrCat(src, ":", n, ": the first time must be 0"));
    }
    if (!out.empty() && p.at_s <= out.back().at_s) {
      return absl::InvalidArgumentError(absl::StrCat(src, ":", n, ": times must increase"));
    }
    out.push_back(p);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  if (out.empty()) return absl::InvalidArgumentError(absl::StrCat(src, ": no rates"));
  return out;
}

absl::StatusOr<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace cpn::lab
