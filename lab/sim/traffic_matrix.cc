#include "lab/sim/traffic_matrix.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lab/sim/line_error.h"

namespace cpn::lab::sim {

absl::StatusOr<std::map<std::string, double>> ParseTrafficMatrixSources(std::string_view text,
                                                                        std::string_view source) {
  std::vector<std::string> src_of;  // per column (column 0: time)
  std::vector<double> sums;
  size_t rows = 0, line_no = 0;
  bool header = false;
  for (absl::string_view raw : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++line_no;
    const absl::string_view l = absl::StripAsciiWhitespace(raw);
    if (l.empty() || l[0] == '#') continue;
    const std::vector<absl::string_view> f = absl::StrSplit(l, ',');
    if (!header) {
      header = true;
      src_of.assign(f.size(), "");
      for (size_t c = 1; c < f.size(); ++c) {
        const size_t arrow = f[c].find("->");
        if (arrow == absl::string_view::npos || arrow == 0 || arrow + 2 >= f[c].size()) {
          return LineError(source, line_no,
                           absl::StrFormat("column %d \"%s\" is not SRC->DST", c + 1, f[c]));
        }
        const absl::string_view src = f[c].substr(0, arrow), dst = f[c].substr(arrow + 2);
        if (src != dst) src_of[c] = std::string(src);
      }
      if (f.size() < 2) return LineError(source, line_no, "no SRC->DST columns");
      sums.assign(f.size(), 0.0);
      continue;
    }
    if (f.size() != src_of.size()) {
      return LineError(source, line_no,
                       absl::StrFormat("%d fields, the header has %d", f.size(), src_of.size()));
    }
    for (size_t c = 1; c < f.size(); ++c) {
      double v;
      if (!absl::SimpleAtod(f[c], &v) || !std::isfinite(v) || v < 0) {
        return LineError(source, line_no,
                         absl::StrFormat("column %d: \"%s\" is not a volume >= 0", c + 1, f[c]));
      }
      sums[c] += v;
    }
    ++rows;
  }
  if (rows == 0) return LineError(source, line_no, "no matrix rows");
  std::map<std::string, double> out;
  for (size_t c = 1; c < src_of.size(); ++c) {
    if (!src_of[c].empty()) out[src_of[c]] += sums[c] / static_cast<double>(rows);
  }
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> ParseNodeMap(std::string_view text,
                                                                std::string_view source) {
  std::map<std::string, std::string> out;
  size_t line_no = 0;
  for (absl::string_view raw : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++line_no;
    absl::string_view l = raw;
    if (const size_t hash = l.find('#'); hash != absl::string_view::npos) l = l.substr(0, hash);
    l = absl::StripAsciiWhitespace(l);
    if (l.empty()) continue;
    const std::vector<absl::string_view> f = absl::StrSplit(l, ' ', absl::SkipWhitespace());
    if (f.size() != 2) return LineError(source, line_no, "expected \"CODE router-id\"");
    if (!out.emplace(std::string(f[0]), std::string(f[1])).second) {
      return LineError(source, line_no, absl::StrFormat("node \"%s\" mapped twice", f[0]));
    }
  }
  return out;
}

absl::StatusOr<std::map<std::string, double>> IngressVolumes(
    const std::map<std::string, double>& node_volume,
    const std::map<std::string, std::string>& node_map, const std::vector<std::string>& router_ids,
    std::vector<std::string>* unmatched) {
  const std::set<std::string> routers(router_ids.begin(), router_ids.end());
  std::map<std::string, double> out;
  std::vector<std::string> missed;
  for (const auto& [node, volume] : node_volume) {
    auto m = node_map.find(node);
    const std::string& router = m == node_map.end() ? node : m->second;
    if (routers.contains(router)) {
      out[router] += volume;
    } else {
      missed.push_back(node);
    }
  }
  if (unmatched != nullptr) *unmatched = missed;
  if (out.empty()) {
    return absl::NotFoundError(absl::StrFormat(
        "no node of the traffic matrix is a router of the network (nodes: %s); map them with "
        "--tm-nodes",
        absl::StrJoin(missed, ", ")));
  }
  return out;
}

}  // namespace cpn::lab::sim
