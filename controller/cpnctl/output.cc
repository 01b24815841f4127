#include "controller/cpnctl/output.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace cpn::cpnctl {

namespace {

bool LooksNumeric(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' ||
          c == 'e' || c == '%')) {
      return false;
    }
  }
  const bool any_digit = std::any_of(
      s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
  return any_digit && (std::isdigit(static_cast<unsigned char>(s.front())) || s.front() == '-');
}

}  // namespace

std::string Table::Render() const {
  std::vector<size_t> width(headers_.size(), 0);
  for (size_t c = 0; c < headers_.size(); ++c) width[c] = headers_[c].size();
  for (const auto& row : rows_) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string l;
    for (size_t c = 0; c < width.size(); ++c) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      const size_t pad = width[c] - std::min(width[c], cell.size());
      const bool right = !header && LooksNumeric(cell);
      if (c > 0) l += "  ";
      if (right) l.append(pad, ' ');
      l += cell;
      if (!right && c + 1 < width.size()) l.append(pad, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(headers_, true);
  for (const auto& row : rows_) line(row, false);
  return out;
}

std::string Num(double v, int digits) { return absl::StrFormat("%.*f", digits, v); }

std::string Time(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "-";
  absl::Time at = absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", at, absl::UTCTimeZone());
}

std::string Dur(const google::protobuf::Duration& d) {
  if (d.seconds() == 0 && d.nanos() == 0) return "-";
  absl::Duration x = absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
  if (x >= absl::Seconds(1))
    x = absl::Trunc(x, absl::Milliseconds(1));
  else
    x = absl::Trunc(x, absl::Microseconds(1));
  return absl::FormatDuration(x);
}

std::string EnumWord(const std::string& name, const std::string& prefix) {
  std::string s = absl::StartsWith(name, prefix) ? name.substr(prefix.size()) : name;
  absl::AsciiStrToLower(&s);
  std::replace(s.begin(), s.end(), '_', '-');
  return s;
}

namespace cv1 = cpn::controller::v1;

std::string Basis(cv1::DecisionBasis b) {
  return EnumWord(cv1::DecisionBasis_Name(b), "DECISION_BASIS_");
}

std::string Cause(cv1::ChangeCause c) {
  return EnumWord(cv1::ChangeCause_Name(c), "CHANGE_CAUSE_");
}

std::string ChangeText(const cv1::DecisionChange& c) {
  std::string cause = Cause(c.cause());
  std::string spaced = cause;
  std::replace(spaced.begin(), spaced.end(), '-', ' ');
  if (c.detail().empty()) return cause;
  if (absl::StartsWith(c.detail(), spaced) || absl::StartsWith(c.detail(), cause)) {
    return c.detail();
  }
  return absl::StrCat(cause, ": ", c.detail());
}

std::string Weights(const cv1::Decision& d, size_t max_sites) {
  std::vector<std::pair<std::string, double>> sites;
  for (const cv1::WeightedCandidate& c : d.candidates()) {
    auto it = std::find_if(sites.begin(), sites.end(),
                           [&](const auto& s) { return s.first == c.site_id(); });
    if (it == sites.end()) {
      sites.emplace_back(c.site_id(), c.weight());
    } else {
      it->second += c.weight();
    }
  }
  std::stable_sort(sites.begin(), sites.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> parts;
  for (size_t i = 0; i < sites.size() && (max_sites == 0 || i < max_sites); ++i) {
    parts.push_back(absl::StrCat(sites[i].first, " ", Num(sites[i].second, 2)));
  }
  if (max_sites > 0 && sites.size() > max_sites) {
    parts.push_back(absl::StrCat("+", sites.size() - max_sites, " more"));
  }
  return parts.empty() ? "-" : absl::StrJoin(parts, ", ");
}

}  // namespace cpn::cpnctl
