// The scenario file as text: parsing a cpn.lab.v1.Scenario from protobuf
// text format, keeping where each field was written so that later checks
// can name file:line:column. Pure (strings in and out); callable from any
// thread.
#ifndef CPN_LAB_SCENARIO_SCENARIO_TEXT_H_
#define CPN_LAB_SCENARIO_SCENARIO_TEXT_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "cpn/lab/v1/scenario.pb.h"
#include "google/protobuf/text_format.h"

namespace cpn::lab {

// One step of a path to a field: a field name and, for repeated fields, the
// element's index (-1 for singular fields).
struct PathStep {
  std::string field;
  int index = -1;
};
using FieldPath = std::vector<PathStep>;

// Where the fields of a parsed scenario were written. Empty (no positions)
// for scenarios built in code.
class SourcePositions {
 public:
  SourcePositions() = default;
  SourcePositions(std::string source_name,
                  std::unique_ptr<google::protobuf::TextFormat::ParseInfoTree> tree)
      : source_name_(std::move(source_name)), tree_(std::move(tree)) {}

  // "<source>:<line>:<column>" of the deepest field of `path` that was
  // written (an unset field points at its enclosing message), or
  // "<source>" when none was; "" for a scenario built in code.
  std::string Where(const FieldPath& path) const;
  const std::string& source_name() const { return source_name_; }

 private:
  std::string source_name_;
  std::shared_ptr<google::protobuf::TextFormat::ParseInfoTree> tree_;
};

struct ParsedScenario {
  cpn::lab::v1::Scenario scenario;
  SourcePositions positions;
};

// Parses `text`. Syntax errors are INVALID_ARGUMENT, one line per problem:
// "<source_name>:<line>:<column>: <what>". Meaning is checked by
// ValidateScenario (scenario_validate.h).
absl::StatusOr<ParsedScenario> ParseScenarioText(std::string_view text,
                                                 std::string_view source_name);

// "sites[1].services[0].servers" for people.
std::string PathText(const FieldPath& path);

}  // namespace cpn::lab

#endif  // CPN_LAB_SCENARIO_SCENARIO_TEXT_H_
