// Loading a scenario file: reads it, the topology file it names (relative to
// its directory) and its trace files, and validates it all
// (scenario_validate.h). Does file I/O; call from control threads only (the
// lab's tools at start-up).
#ifndef CPN_LAB_SCENARIO_SCENARIO_FILE_H_
#define CPN_LAB_SCENARIO_SCENARIO_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "lab/scenario/scenario_validate.h"

namespace cpn::lab {

// Errors name the file (and line:column where known). The trace files are
// checked, and the mean of a service-time trace becomes the site's
// mean_service_time_ms in the resolved topology.
absl::StatusOr<ResolvedScenario> LoadScenarioFile(const std::string& path);

// `relative` resolved against the directory of `scenario_path` (absolute
// paths are kept).
std::string ScenarioRelativePath(const std::string& scenario_path, const std::string& relative);

}  // namespace cpn::lab

#endif  // CPN_LAB_SCENARIO_SCENARIO_FILE_H_
