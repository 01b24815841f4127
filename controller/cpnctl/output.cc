#include "controller/cpnctl/output.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
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

}  // namespace cpn::cpnctl
