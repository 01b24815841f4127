#include "proto/tools/contract.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.pb.h"

namespace cpn::proto_contract {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::ServiceDescriptor;

constexpr absl::string_view kReservedPrefix = "reserved ";
constexpr absl::string_view kEnumPrefix = "enum ";
constexpr absl::string_view kRpcPrefix = "rpc ";

std::string TypeName(const FieldDescriptor& field) {
  switch (field.type()) {
    case FieldDescriptor::TYPE_MESSAGE:
    case FieldDescriptor::TYPE_GROUP:
      return field.message_type()->full_name();
    case FieldDescriptor::TYPE_ENUM:
      return field.enum_type()->full_name();
    default:
      return field.type_name();
  }
}

std::string FieldType(const FieldDescriptor& field) {
  if (field.is_map()) {
    const Descriptor& entry = *field.message_type();
    return absl::StrCat("map<", TypeName(*entry.field(0)), ", ", TypeName(*entry.field(1)), ">");
  }
  return TypeName(field);
}

absl::string_view FieldLabel(const FieldDescriptor& field) {
  if (field.is_repeated()) return "repeated";
  if (field.is_required()) return "required";
  if (field.has_optional_keyword()) return "proto3_optional";
  return "optional";
}

std::string ReservedRange(absl::string_view owner, int first, int last_inclusive) {
  if (first == last_inclusive) return absl::StrCat(kReservedPrefix, owner, " ", first);
  return absl::StrCat(kReservedPrefix, owner, " ", first, " to ", last_inclusive);
}

std::string ReservedName(absl::string_view owner, absl::string_view name) {
  return absl::StrCat(kReservedPrefix, owner, " \"", name, "\"");
}

void RenderEnum(const EnumDescriptor& e, std::vector<std::string>& out) {
  out.push_back(absl::StrCat(kEnumPrefix, e.full_name()));
  for (int i = 0; i < e.value_count(); ++i) {
    const auto& v = *e.value(i);
    out.push_back(absl::StrCat(kEnumPrefix, e.full_name(), ".", v.name(), " = ", v.number()));
  }
  for (int i = 0; i < e.reserved_range_count(); ++i) {
    const auto* r = e.reserved_range(i);  // Enum ranges are inclusive.
    out.push_back(ReservedRange(e.full_name(), r->start, r->end));
  }
  for (int i = 0; i < e.reserved_name_count(); ++i) {
    out.push_back(ReservedName(e.full_name(), e.reserved_name(i)));
  }
}

void RenderMessage(const Descriptor& m, std::vector<std::string>& out) {
  if (m.options().map_entry()) return;  // Rendered as the map field's type.
  out.push_back(absl::StrCat("message ", m.full_name()));
  for (int i = 0; i < m.field_count(); ++i) {
    const FieldDescriptor& f = *m.field(i);
    std::string line =
        absl::StrCat(f.full_name(), " = ", f.number(), " : ", FieldType(f), " ", FieldLabel(f));
    if (const auto* oneof = f.real_containing_oneof())
      absl::StrAppend(&line, " oneof ", oneof->name());
    out.push_back(std::move(line));
  }
  for (int i = 0; i < m.reserved_range_count(); ++i) {
    const auto* r = m.reserved_range(i);  // Message ranges are half-open.
    out.push_back(ReservedRange(m.full_name(), r->start, r->end - 1));
  }
  for (int i = 0; i < m.reserved_name_count(); ++i) {
    out.push_back(ReservedName(m.full_name(), m.reserved_name(i)));
  }
  for (int i = 0; i < m.enum_type_count(); ++i) RenderEnum(*m.enum_type(i), out);
  for (int i = 0; i < m.nested_type_count(); ++i) RenderMessage(*m.nested_type(i), out);
}

void RenderService(const ServiceDescriptor& s, std::vector<std::string>& out) {
  out.push_back(absl::StrCat("service ", s.full_name()));
  for (int i = 0; i < s.method_count(); ++i) {
    const auto& m = *s.method(i);
    out.push_back(absl::StrCat(kRpcPrefix, m.full_name(), "(",
                               m.client_streaming() ? "stream " : "", m.input_type()->full_name(),
                               ") returns (", m.server_streaming() ? "stream " : "",
                               m.output_type()->full_name(), ")"));
  }
}

bool IsContractLine(absl::string_view line) { return !line.empty() && line[0] != '#'; }

// The part of a line that names its element: the same for a field (or enum
// value, or RPC) before and after an incompatible change.
absl::string_view ElementKey(absl::string_view line) {
  if (absl::StartsWith(line, kRpcPrefix)) return line.substr(0, line.find('('));
  if (const auto eq = line.find(" = "); eq != absl::string_view::npos) return line.substr(0, eq);
  return line;
}

// A field or enum value line taken apart.
struct NumberedElement {
  std::string owner;  // Full name of the message or enum.
  std::string name;   // Field or value name.
  int number = 0;
};

std::optional<NumberedElement> ParseNumberedElement(absl::string_view line) {
  if (absl::StartsWith(line, kReservedPrefix) || absl::StartsWith(line, kRpcPrefix)) {
    return std::nullopt;
  }
  const auto eq = line.find(" = ");
  if (eq == absl::string_view::npos) return std::nullopt;
  absl::string_view key = line.substr(0, eq);
  absl::ConsumePrefix(&key, kEnumPrefix);
  const auto dot = key.rfind('.');
  if (dot == absl::string_view::npos) return std::nullopt;
  absl::string_view rest = line.substr(eq + 3);
  NumberedElement e{std::string(key.substr(0, dot)), std::string(key.substr(dot + 1)), 0};
  if (!absl::SimpleAtoi(rest.substr(0, rest.find(' ')), &e.number)) return std::nullopt;
  return e;
}

// What a message or enum reserves, from "reserved" lines.
struct Reservations {
  std::vector<std::pair<int, int>> ranges;  // Inclusive.
  std::set<std::string, std::less<>> names;

  bool Covers(const NumberedElement& e) const {
    const bool number = std::any_of(ranges.begin(), ranges.end(), [&](const auto& r) {
      return r.first <= e.number && e.number <= r.second;
    });
    return number && names.count(e.name) > 0;
  }
};

std::map<std::string, Reservations, std::less<>> CollectReservations(
    const std::vector<std::string>& lines) {
  std::map<std::string, Reservations, std::less<>> out;
  for (absl::string_view line : lines) {
    if (!absl::ConsumePrefix(&line, kReservedPrefix)) continue;
    const auto space = line.find(' ');
    if (space == absl::string_view::npos) continue;
    Reservations& r = out[std::string(line.substr(0, space))];
    absl::string_view what = line.substr(space + 1);
    if (absl::ConsumePrefix(&what, "\"") && absl::ConsumeSuffix(&what, "\"")) {
      r.names.emplace(what);
      continue;
    }
    std::vector<absl::string_view> parts = absl::StrSplit(what, " to ");
    int first = 0;
    int last = 0;
    if (!absl::SimpleAtoi(parts[0], &first)) continue;
    last = first;
    if (parts.size() == 2 && !absl::SimpleAtoi(parts[1], &last)) continue;
    r.ranges.emplace_back(first, last);
  }
  return out;
}

}  // namespace

std::vector<std::string> RenderContract(const std::vector<const FileDescriptor*>& files) {
  std::vector<const FileDescriptor*> sorted = files;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->name() < b->name(); });
  std::vector<std::string> out;
  for (const FileDescriptor* file : sorted) {
    out.push_back(absl::StrCat("# file ", file->name(), " (package ", file->package(), ")"));
    for (int i = 0; i < file->enum_type_count(); ++i) RenderEnum(*file->enum_type(i), out);
    for (int i = 0; i < file->message_type_count(); ++i) RenderMessage(*file->message_type(i), out);
    for (int i = 0; i < file->service_count(); ++i) RenderService(*file->service(i), out);
  }
  return out;
}

std::string FormatContractFile(const std::vector<std::string>& lines) {
  std::string text =
      "# CPN API contract snapshot. Generated by cpn-proto-contract; do not edit by hand.\n"
      "# Regenerate deliberately with scripts/update-proto-contract.sh (see docs/api.md).\n"
      "#\n"
      "# The test ProtoContractGuard fails when a line below no longer holds for the\n"
      "# current protos: a field, enum value or RPC changed its number, type, label,\n"
      "# oneof or streaming, or an element was removed. Adding is allowed. A field or\n"
      "# enum value may be removed only by reserving both its number and its name.\n";
  for (const std::string& line : lines) {
    if (absl::StartsWith(line, "# file ")) text += "\n";
    absl::StrAppend(&text, line, "\n");
  }
  return text;
}

std::vector<std::string> ParseContractFile(std::string_view text) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    line = absl::StripTrailingAsciiWhitespace(line);
    if (IsContractLine(line)) lines.emplace_back(line);
  }
  return lines;
}

std::vector<Violation> FindViolations(const std::vector<std::string>& snapshot,
                                      const std::vector<std::string>& current) {
  std::set<absl::string_view> current_lines;
  std::map<absl::string_view, absl::string_view> current_by_key;
  for (const std::string& line : current) {
    if (!IsContractLine(line)) continue;
    current_lines.insert(line);
    current_by_key.emplace(ElementKey(line), line);
  }
  const auto reservations = CollectReservations(current);

  std::vector<Violation> violations;
  for (const std::string& line : snapshot) {
    if (!IsContractLine(line) || current_lines.count(line) > 0) continue;
    if (auto it = current_by_key.find(ElementKey(line)); it != current_by_key.end()) {
      violations.push_back({line, std::string(it->second),
                            "changed: number, type, label, oneof or streaming differ; old "
                            "clients and stored data would be misread"});
      continue;
    }
    const auto element = ParseNumberedElement(line);
    if (element.has_value()) {
      const auto r = reservations.find(element->owner);
      if (r != reservations.end() && r->second.Covers(*element)) continue;  // Removed properly.
      violations.push_back(
          {line, "",
           absl::StrCat("removed without reservation: add `reserved ", element->number,
                        "; reserved \"", element->name, "\";` to ", element->owner)});
      continue;
    }
    violations.push_back({line, "", "removed"});
  }
  return violations;
}

std::vector<std::string> FindAdditions(const std::vector<std::string>& snapshot,
                                       const std::vector<std::string>& current) {
  const std::set<absl::string_view> known(snapshot.begin(), snapshot.end());
  std::vector<std::string> added;
  for (const std::string& line : current) {
    if (IsContractLine(line) && known.count(line) == 0) added.push_back(line);
  }
  return added;
}

std::string FormatViolations(const std::vector<Violation>& violations) {
  if (violations.empty()) return "";
  std::string text = absl::StrCat(
      "The API contract is broken: ", violations.size(),
      " line(s) of proto/contract/api_contract.txt no longer hold.\n"
      "Released fields, enum values and RPCs must keep their number, type, label, oneof\n"
      "and streaming; remove them only by reserving their number and name.\n");
  for (const Violation& v : violations) {
    absl::StrAppend(&text, "\n  snapshot: ", v.snapshot_line,
                    "\n  now:      ", v.current_line.empty() ? "(missing)" : v.current_line,
                    "\n  why:      ", v.explanation, "\n");
  }
  absl::StrAppend(&text,
                  "\nIf the break is deliberate (nothing released depends on it), update the\n"
                  "snapshot: scripts/update-proto-contract.sh --accept-breaking\n");
  return text;
}

}  // namespace cpn::proto_contract
