#include "lab/scenario/scenario_text.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/parse_errors.h"
#include "google/protobuf/descriptor.h"

namespace cpn::lab {

namespace pb = google::protobuf;

std::string SourcePositions::Where(const FieldPath& path) const {
  if (tree_ == nullptr) return source_name_;
  const pb::Descriptor* type = cpn::lab::v1::Scenario::descriptor();
  const pb::TextFormat::ParseInfoTree* tree = tree_.get();
  pb::TextFormat::ParseLocation best(-1, -1);
  for (const PathStep& step : path) {
    if (type == nullptr || tree == nullptr) break;
    const pb::FieldDescriptor* field = type->FindFieldByName(step.field);
    if (field == nullptr) break;
    const int index = field->is_repeated() ? std::max(step.index, 0) : -1;
    pb::TextFormat::ParseLocation at = tree->GetLocation(field, index);
    if (at.line < 0) break;
    best = at;
    if (field->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) break;
    tree = tree->GetTreeForNested(field, index);
    type = field->message_type();
  }
  if (best.line < 0) return source_name_;
  return absl::StrCat(source_name_, ":", best.line + 1, ":", best.column + 1);
}

std::string PathText(const FieldPath& path) {
  std::string out;
  for (const PathStep& step : path) {
    if (!out.empty()) out += ".";
    out += step.field;
    if (step.index >= 0) absl::StrAppend(&out, "[", step.index, "]");
  }
  return out;
}

absl::StatusOr<ParsedScenario> ParseScenarioText(std::string_view text,
                                                 std::string_view source_name) {
  const std::string source(source_name);
  cpn::PositionedParseErrors errors(source);
  auto tree = std::make_unique<pb::TextFormat::ParseInfoTree>();
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(tree.get());
  ParsedScenario parsed;
  if (!parser.ParseFromString(std::string(text), &parsed.scenario)) {
    if (errors.errors().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": not a valid scenario file"));
    }
    return absl::InvalidArgumentError(absl::StrJoin(errors.errors(), "\n"));
  }
  parsed.positions = SourcePositions(source, std::move(tree));
  return parsed;
}

}  // namespace cpn::lab
