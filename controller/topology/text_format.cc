#include "controller/topology/text_format.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/parse_errors.h"
#include "google/protobuf/text_format.h"

namespace cpn::topology {
absl::StatusOr<cpn::topology::v1::Topology> ParseTopologyText(std::string_view text,
                                                              std::string_view source_name) {
  cpn::PositionedParseErrors errors(source_name);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  cpn::topology::v1::Topology topology;
  // ParseFromString needs a std::string; topology files are small.
  if (!parser.ParseFromString(std::string(text), &topology)) {
    if (errors.errors().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(std::string(source_name), ": not a valid topology file"));
    }
    return absl::InvalidArgumentError(absl::StrJoin(errors.errors(), "\n"));
  }
  return topology;
}

std::string FormatTopologyText(const cpn::topology::v1::Topology& topology,
                               std::string_view header_comment) {
  std::string out;
  if (!header_comment.empty()) {
    for (absl::string_view line : absl::StrSplit(absl::string_view(header_comment.data(), header_comment.size()), '\n')) {
      absl::StrAppend(&out, line.empty() ? "#" : absl::StrCat("# ", std::string(line)), "\n");
    }
    out += "# proto-file: cpn/topology/v1/topology.proto\n# proto-message: cpn.topology.v1.Topology\n\n";
  }
  google::protobuf::TextFormat::Printer printer;
  printer.SetUseUtf8StringEscaping(true);
  std::string body;
  printer.PrintToString(topology, &body);
  out += body;
  return out;
}

}  // namespace cpn::topology
