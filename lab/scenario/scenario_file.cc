#include "lab/scenario/scenario_file.h"

#include <filesystem>
#include <numeric>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "controller/topology/topology_file.h"
#include "lab/scenario/traces.h"

namespace cpn::lab {

std::string ScenarioRelativePath(const std::string& scenario_path, const std::string& relative) {
  std::filesystem::path p(relative);
  if (p.is_absolute()) return relative;
  return (std::filesystem::path(scenario_path).parent_path() / p).lexically_normal().string();
}

namespace {

// Reads and checks the trace files the scenario names (an empty path is
// left to the validator); records each service-time trace's mean.
absl::Status ReadTraces(const std::string& path, const ParsedScenario& parsed,
                        ScenarioInputs& inputs) {
  const cpn::lab::v1::Scenario& scenario = parsed.scenario;
  auto read = [&](const std::string& relative, const FieldPath& at) -> absl::StatusOr<std::string> {
    absl::StatusOr<std::string> text = ReadTextFile(ScenarioRelativePath(path, relative));
    if (!text.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(parsed.positions.Where(at), ": ", PathText(at),
                                                     ": ", text.status().message()));
    }
    return text;
  };
  for (int i = 0; i < scenario.sites_size(); ++i) {
    for (int k = 0; k < scenario.sites(i).services_size(); ++k) {
      const auto& model = scenario.sites(i).services(k).service_time();
      if (!model.has_trace() || model.trace().path().empty()) continue;
      const FieldPath at = {{"sites", i}, {"services", k}, {"service_time"}, {"trace"}, {"path"}};
      absl::StatusOr<std::string> text = read(model.trace().path(), at);
      if (!text.ok()) return text.status();
      absl::StatusOr<std::vector<double>> times =
          ParseServiceTimeTrace(*text, ScenarioRelativePath(path, model.trace().path()));
      if (!times.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            parsed.positions.Where(at), ": ", PathText(at), ": ", times.status().message()));
      }
      inputs.trace_means_ms[model.trace().path()] =
          std::accumulate(times->begin(), times->end(), 0.0) / static_cast<double>(times->size());
    }
  }
  for (int i = 0; i < scenario.clients_size(); ++i) {
    const auto& rate = scenario.clients(i).rate();
    if (!rate.has_trace() || rate.trace().path().empty()) continue;
    const FieldPath at = {{"clients", i}, {"rate"}, {"trace"}, {"path"}};
    absl::StatusOr<std::string> text = read(rate.trace().path(), at);
    if (!text.ok()) return text.status();
    absl::StatusOr<std::vector<RatePoint>> rates =
        ParseRateTrace(*text, ScenarioRelativePath(path, rate.trace().path()));
    if (!rates.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(parsed.positions.Where(at), ": ", PathText(at),
                                                     ": ", rates.status().message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ResolvedScenario> LoadScenarioFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<ParsedScenario> parsed = ParseScenarioText(*text, path);
  if (!parsed.ok()) return parsed.status();
  const cpn::lab::v1::Network& net = parsed->scenario.network();
  ScenarioInputs inputs;
  cpn::topology::v1::Topology file_topology;
  if (net.has_topology_file()) {
    cpn::topology::LoadOptions options;
    if (!net.overlay_file().empty())
      options.overlay_path = ScenarioRelativePath(path, net.overlay_file());
    absl::StatusOr<cpn::topology::v1::Topology> t =
        cpn::topology::LoadTopologyFile(ScenarioRelativePath(path, net.topology_file()), options);
    if (!t.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(parsed->positions.Where({{"network"}, {"topology_file"}}),
                       ": network.topology_file: ", t.status().message()));
    }
    file_topology = *std::move(t);
    inputs.file_topology = &file_topology;
  }
  absl::Status traces = ReadTraces(path, *parsed, inputs);
  if (!traces.ok()) return traces;
  return ValidateScenario(*parsed, inputs);
}

}  // namespace cpn::lab
