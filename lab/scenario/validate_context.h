// Internals of ValidateScenario shared by its two files:
// scenario_validate.cc resolves the network (routers, links, services,
// sites), scenario_checks.cc checks clients, reachability and events. Not
// part of the library's interface. Pure; one Context per validation.
#ifndef CPN_LAB_SCENARIO_VALIDATE_CONTEXT_H_
#define CPN_LAB_SCENARIO_VALIDATE_CONTEXT_H_

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cpn/lab/v1/scenario.pb.h"
#include "cpn/topology/v1/topology.pb.h"
#include "lab/scenario/scenario_text.h"
#include "lab/scenario/scenario_validate.h"

namespace cpn::lab::validate_internal {

namespace v1 = cpn::lab::v1;
namespace tv1 = cpn::topology::v1;

inline std::string Q(const std::string& s) { return absl::StrCat("\"", s, "\""); }

inline bool ValidId(const std::string& id) {
  if (id.empty()) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

// Every problem found, each with where it was written.
class Problems {
 public:
  explicit Problems(const SourcePositions& positions) : positions_(positions) {}
  void Add(const FieldPath& path, const std::string& what) {
    std::string where = positions_.Where(path);
    list_.push_back(absl::StrCat(where.empty() ? "" : where + ": ", PathText(path), ": ", what));
  }
  bool empty() const { return list_.empty(); }
  absl::Status ToStatus() const { return absl::InvalidArgumentError(absl::StrJoin(list_, "\n")); }

 private:
  const SourcePositions& positions_;
  std::vector<std::string> list_;
};

inline FieldPath Join(FieldPath path, const std::string& field, int index = -1) {
  path.push_back({field, index});
  return path;
}

// A list of known keys for "did you mean" style messages (capped).
inline std::string Known(const std::set<std::string>& keys) {
  std::vector<std::string> v(keys.begin(), keys.end());
  if (v.size() > 8) {
    const size_t more = v.size() - 8;
    v.resize(8);
    v.push_back(absl::StrCat("... (", more, " more)"));
  }
  return v.empty() ? "none" : absl::StrJoin(v, ", ");
}

inline bool Positive(double x) { return std::isfinite(x) && x > 0; }
inline bool NonNegative(double x) { return std::isfinite(x) && x >= 0; }

// Gives `r` the role unless it has it.
inline void AddRole(tv1::Router& r, tv1::RouterRole role) {
  for (int x : r.roles())
    if (x == role) return;
  r.add_roles(role);
}

// What one validation works on and produces.
struct Context {
  Context(const v1::Scenario& scenario, Problems& problems) : s(scenario), p(problems) {}
  const v1::Scenario& s;
  Problems& p;
  const tv1::Topology* source = nullptr;  // the network's source topology
  const std::map<std::string, double>* trace_means = nullptr;
  std::set<std::string> routers;  // kept router ids
  ResolvedScenario out;
};

// Checks of scenario_checks.cc.
void CheckRate(const v1::RateSchedule& r, double duration_s, const FieldPath& at,
               const std::string& who, Problems& p);
// Client routers become ingresses; `regions` gets every client's region.
void CheckClients(Context& c, std::set<std::string>& regions);
// Every client reaches a site for each of its services.
void CheckReachability(Context& c);
void CheckEvents(Context& c, const std::set<std::string>& regions);
// No controller restart begins while the controller is down from another
// (part of CheckEvents).
void CheckControllerRestarts(const v1::Scenario& s, Problems& p);

}  // namespace cpn::lab::validate_internal

#endif  // CPN_LAB_SCENARIO_VALIDATE_CONTEXT_H_
