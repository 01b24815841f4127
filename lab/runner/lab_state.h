// LabState: what a running lab has created, kept in <state_dir>/state so
// that `cpn-lab down` removes it all, even after `up` or `run` crashed
// half-way (every creation is recorded before the next one starts).
// Text, one entry a line:
//   name four-router
//   controller 127.0.0.1:40123
//   netns cpnlab-four-router+r-r1
//   veth cl1a2bm1
//   dpdk cpnlab-four-router+dp-r1
//   process 4242 dataplane r1 cpnlab-four-router+r-r1
// Format/Parse are pure; Load/Save do file I/O (control thread).
#ifndef CPN_LAB_RUNNER_LAB_STATE_H_
#define CPN_LAB_RUNNER_LAB_STATE_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cpn::lab {

struct LabProcessRecord {
  pid_t pid = 0;
  std::string role;   // dataplane, controller, site, loadgen
  std::string id;     // router, site or client id; "controller"
  std::string netns;  // "-" in the state file for the root namespace
  bool operator==(const LabProcessRecord&) const = default;
};

struct LabState {
  std::string name;
  std::string controller;  // the controller's API address, host:port
  std::vector<std::string> netns, veths, dpdk_prefixes;
  std::vector<LabProcessRecord> processes;
  bool operator==(const LabState&) const = default;
};

std::string FormatLabState(const LabState& state);
// INVALID_ARGUMENT "<path>:<line>: ..." on a malformed line.
absl::StatusOr<LabState> ParseLabState(const std::string& text, const std::string& path);

// <dir>/state, written to a temporary file and renamed (never half
// written).
absl::Status SaveLabState(const std::string& dir, const LabState& state);
// NOT_FOUND when the lab has no state file.
absl::StatusOr<LabState> LoadLabState(const std::string& dir);

}  // namespace cpn::lab

#endif  // CPN_LAB_RUNNER_LAB_STATE_H_
