#include "common/telemetry/prometheus_text.h"

#include <cctype>
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace cpn::telemetry {
namespace {

// Debian's abseil has its own string_view type.
absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool NameChar(char c, bool first, bool colon_ok) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (c == ':') return colon_ok;
  return !first && c >= '0' && c <= '9';
}

bool ValidName(std::string_view name, bool colon_ok) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!NameChar(name[i], i == 0, colon_ok)) return false;
  }
  return true;
}

// HELP text: backslash and newline escaped.
void AppendHelp(std::string_view help, std::string* out) {
  for (char c : help) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

// Label value: backslash, double quote and newline escaped.
void AppendLabelValue(std::string_view value, std::string* out) {
  for (char c : value) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '"') {
      out->append("\\\"");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

// Go's ParseFloat spellings, which Prometheus reads: +Inf, -Inf, NaN;
// otherwise the shortest text that reads back to the same double.
void AppendValue(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("NaN");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
  } else if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0) {  // 2^53: exact
    absl::StrAppend(out, static_cast<int64_t>(v));
  } else {
    char buf[32];
    for (int precision = 1; precision <= 17; ++precision) {
      std::snprintf(buf, sizeof buf, "%.*g", precision, v);
      if (precision == 17 || std::strtod(buf, nullptr) == v) break;
    }
    out->append(buf);
  }
}

const char* TypeWord(MetricType t) {
  switch (t) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kUntyped:
      break;
  }
  return "untyped";
}

}  // namespace

bool PrometheusText::ValidMetricName(std::string_view name) { return ValidName(name, true); }

bool PrometheusText::ValidLabelName(std::string_view name) {
  return ValidName(name, false) && name.substr(0, 2) != "__";
}

absl::Status PrometheusText::BeginFamily(std::string_view name, std::string_view help,
                                         MetricType type) {
  if (!ValidMetricName(name)) {
    return absl::InvalidArgumentError(absl::StrCat("metric name \"", A(name),
                                                   "\" is not [a-zA-Z_:][a-zA-Z0-9_:]*"));
  }
  if (type == MetricType::kCounter &&
      (name.size() < 6 || name.substr(name.size() - 6) != "_total")) {
    return absl::InvalidArgumentError(
        absl::StrCat("counter \"", A(name), "\" must be named *_total"));
  }
  if (families_.count(name) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("metric family \"", A(name), "\" is written twice"));
  }
  families_.emplace(name);
  family_ = std::string(name);
  type_ = type;
  absl::StrAppend(&out_, "# HELP ", A(name), " ");
  AppendHelp(help, &out_);
  absl::StrAppend(&out_, "\n# TYPE ", A(name), " ", TypeWord(type), "\n");
  return absl::OkStatus();
}

absl::Status PrometheusText::WriteLabels(const Labels& labels) {
  if (labels.empty()) return absl::OkStatus();
  std::set<std::string_view> seen;
  for (const auto& [name, value] : labels) {
    if (!ValidLabelName(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("metric \"", family_, "\": label name \"", name, "\" is not valid"));
    }
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("metric \"", family_, "\": label \"", name, "\" is repeated"));
    }
  }
  out_.push_back('{');
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out_.push_back(',');
    first = false;
    absl::StrAppend(&out_, name, "=\"");
    AppendLabelValue(value, &out_);
    out_.push_back('"');
  }
  out_.push_back('}');
  return absl::OkStatus();
}

absl::Status PrometheusText::Sample(const Labels& labels, double value) {
  if (family_.empty()) {
    return absl::FailedPreconditionError("a sample needs a metric family begun first");
  }
  if (type_ == MetricType::kCounter && !(value >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("counter \"", family_, "\" has a negative or NaN value"));
  }
  const size_t mark = out_.size();
  out_.append(family_);
  if (absl::Status s = WriteLabels(labels); !s.ok()) {
    out_.resize(mark);
    return s;
  }
  out_.push_back(' ');
  AppendValue(value, &out_);
  out_.push_back('\n');
  return absl::OkStatus();
}

absl::Status PrometheusText::Sample(const Labels& labels, uint64_t value) {
  if (family_.empty()) {
    return absl::FailedPreconditionError("a sample needs a metric family begun first");
  }
  const size_t mark = out_.size();
  out_.append(family_);
  if (absl::Status s = WriteLabels(labels); !s.ok()) {
    out_.resize(mark);
    return s;
  }
  absl::StrAppend(&out_, " ", value, "\n");
  return absl::OkStatus();
}

std::string EnumLabelValue(std::string_view enum_name, std::string_view prefix) {
  if (enum_name.substr(0, prefix.size()) == prefix) enum_name.remove_prefix(prefix.size());
  std::string out(enum_name);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace cpn::telemetry
