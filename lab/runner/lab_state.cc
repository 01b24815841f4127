#include "lab/runner/lab_state.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace cpn::lab {

std::string FormatLabState(const LabState& state) {
  std::string out = absl::StrCat("name ", state.name, "\n");
  if (!state.controller.empty()) absl::StrAppend(&out, "controller ", state.controller, "\n");
  for (const auto& n : state.netns) absl::StrAppend(&out, "netns ", n, "\n");
  for (const auto& v : state.veths) absl::StrAppend(&out, "veth ", v, "\n");
  for (const auto& p : state.dpdk_prefixes) absl::StrAppend(&out, "dpdk ", p, "\n");
  for (const auto& p : state.processes) {
    absl::StrAppend(&out, "process ", p.pid, " ", p.role, " ", p.id, " ",
                    p.netns.empty() ? "-" : p.netns, "\n");
  }
  return out;
}

absl::StatusOr<LabState> ParseLabState(const std::string& text, const std::string& path) {
  LabState state;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (line.empty()) continue;
    std::vector<std::string> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
    auto bad = [&](const std::string& why) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_no, ": ", why, ": \"", line, "\""));
    };
    const std::string& key = f[0];
    if (key == "process") {
      LabProcessRecord p;
      if (f.size() != 5 || !absl::SimpleAtoi(f[1], &p.pid) || p.pid <= 1)
        return bad("expected `process PID ROLE ID NETNS`");
      p.role = f[2];
      p.id = f[3];
      p.netns = f[4] == "-" ? "" : f[4];
      state.processes.push_back(p);
      continue;
    }
    if (f.size() != 2) return bad("expected `KEY VALUE`");
    if (key == "name")
      state.name = f[1];
    else if (key == "controller")
      state.controller = f[1];
    else if (key == "netns")
      state.netns.push_back(f[1]);
    else if (key == "veth")
      state.veths.push_back(f[1]);
    else if (key == "dpdk")
      state.dpdk_prefixes.push_back(f[1]);
    else
      return bad(absl::StrCat("unknown key \"", key, "\""));
  }
  if (state.name.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no `name` line"));
  return state;
}

absl::Status SaveLabState(const std::string& dir, const LabState& state) {
  const std::string path = dir + "/state", tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << FormatLabState(state);
    out.flush();
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return absl::InternalError(absl::StrCat("cannot rename ", tmp, " to ", path));
  return absl::OkStatus();
}

absl::StatusOr<LabState> LoadLabState(const std::string& dir) {
  const std::string path = dir + "/state";
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("no lab state at ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseLabState(ss.str(), path);
}

}  // namespace cpn::lab
