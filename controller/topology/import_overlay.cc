#include "controller/topology/import_overlay.h"

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "controller/topology/geo.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace cpn::topology {
namespace {

using ::cpn::topology::v1::ImportOverlay;
using ::cpn::topology::v1::NodeSelector;
using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::TextFormat;

// One step of a field path: a field and, for repeated fields, an index
// (-1 for singular fields).
struct PathStep {
  const FieldDescriptor* field;
  int index;
};

const FieldDescriptor* Field(const Descriptor* d, const char* name) {
  return d->FindFieldByName(name);
}

// Formats errors about overlay fields. When the overlay was parsed from text,
// the error carries the line and column of the innermost field found.
class ErrorFormatter {
 public:
  ErrorFormatter(std::string_view source, const TextFormat::ParseInfoTree* tree)
      : source_(source), tree_(tree) {}

  absl::Status Error(std::initializer_list<PathStep> path, absl::string_view what) const {
    std::string path_text;
    for (const PathStep& step : path) {
      if (!path_text.empty()) path_text += '.';
      path_text += step.field->name();
      if (step.index >= 0) absl::StrAppend(&path_text, "[", step.index, "]");
    }
    return absl::InvalidArgumentError(
        absl::StrCat(source_, Where(path), ": ", path_text, ": ", what));
  }

 private:
  // ":line:column" of the innermost located step, or "" without a tree.
  std::string Where(std::initializer_list<PathStep> path) const {
    const TextFormat::ParseInfoTree* tree = tree_;
    TextFormat::ParseLocation best;
    for (const PathStep& step : path) {
      if (tree == nullptr) break;
      TextFormat::ParseLocation here = tree->GetLocation(step.field, step.index);
      if (here.line < 0) break;
      best = here;
      if (step.field->type() != FieldDescriptor::TYPE_MESSAGE) break;
      tree = tree->GetTreeForNested(step.field, step.index);
    }
    if (best.line < 0) return "";
    return absl::StrCat(":", best.line + 1, ":", best.column + 1);
  }

  std::string source_;
  const TextFormat::ParseInfoTree* tree_;
};

// Collects the first syntax error of a text-format parse.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (has_error_) return;
    has_error_ = true;
    line_ = line;
    column_ = column;
    message_ = message;
  }
  bool has_error() const { return has_error_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& message() const { return message_; }

 private:
  bool has_error_ = false;
  int line_ = 0;
  int column_ = 0;
  std::string message_;
};

bool SelectorIsSet(const NodeSelector& s) {
  switch (s.key_case()) {
    case NodeSelector::kLabel:
      return !s.label().empty();
    case NodeSelector::kGraphmlId:
      return !s.graphml_id().empty();
    case NodeSelector::KEY_NOT_SET:
      return false;
  }
  return false;
}

absl::Status CheckOverlay(const ImportOverlay& overlay, const ErrorFormatter& err) {
  const Descriptor* od = ImportOverlay::descriptor();
  if (overlay.has_route_factor()) {
    const double rf = overlay.route_factor();
    if (!std::isfinite(rf) || rf < 1.0 || rf > 10.0) {
      return err.Error({{Field(od, "route_factor"), -1}},
                       absl::StrFormat("%g is outside 1..10 (fibre route length over "
                                       "great-circle distance)",
                                       rf));
    }
  }
  if (overlay.has_default_capacity_bps() && overlay.default_capacity_bps() == 0) {
    return err.Error({{Field(od, "default_capacity_bps"), -1}}, "must be > 0");
  }
  constexpr char kNoSelector[] = "names no node (set label or graphml_id)";

  const FieldDescriptor* placements = Field(od, "placements");
  const Descriptor* pd = placements->message_type();
  for (int i = 0; i < overlay.placements_size(); ++i) {
    const auto& p = overlay.placements(i);
    if (!SelectorIsSet(p.node())) {
      return err.Error({{placements, i}, {Field(pd, "node"), -1}}, kNoSelector);
    }
    if (!p.has_location()) {
      return err.Error({{placements, i}}, "has no location");
    }
    const LatLon where{p.location().latitude_deg(), p.location().longitude_deg()};
    if (!IsValidLatLon(where)) {
      return err.Error({{placements, i}, {Field(pd, "location"), -1}},
                       absl::StrFormat("(%g, %g) is out of range (latitude -90..90, "
                                       "longitude -180..180)",
                                       where.latitude_deg, where.longitude_deg));
    }
  }

  const FieldDescriptor* drops = Field(od, "drops");
  for (int i = 0; i < overlay.drops_size(); ++i) {
    if (!SelectorIsSet(overlay.drops(i).node())) {
      return err.Error({{drops, i}, {Field(drops->message_type(), "node"), -1}}, kNoSelector);
    }
  }

  const FieldDescriptor* renames = Field(od, "renames");
  const Descriptor* rd = renames->message_type();
  for (int i = 0; i < overlay.renames_size(); ++i) {
    const auto& r = overlay.renames(i);
    if (!SelectorIsSet(r.node())) {
      return err.Error({{renames, i}, {Field(rd, "node"), -1}}, kNoSelector);
    }
    if (!IsValidEntityId(r.router_id())) {
      return err.Error({{renames, i}, {Field(rd, "router_id"), -1}},
                       absl::StrCat("\"", r.router_id(),
                                    "\" is not a valid id (letters, digits, '.', '_', '-')"));
    }
  }

  const FieldDescriptor* links = Field(od, "links");
  const Descriptor* ld = links->message_type();
  for (int i = 0; i < overlay.links_size(); ++i) {
    const auto& l = overlay.links(i);
    if (!SelectorIsSet(l.a())) {
      return err.Error({{links, i}, {Field(ld, "a"), -1}}, kNoSelector);
    }
    if (!SelectorIsSet(l.b())) {
      return err.Error({{links, i}, {Field(ld, "b"), -1}}, kNoSelector);
    }
    if (l.has_capacity_bps() && l.capacity_bps() == 0) {
      return err.Error({{links, i}, {Field(ld, "capacity_bps"), -1}}, "must be > 0");
    }
    if (l.has_igp_metric() && l.igp_metric() == 0) {
      return err.Error({{links, i}, {Field(ld, "igp_metric"), -1}}, "must be > 0");
    }
    if (!l.has_capacity_bps() && !l.has_propagation_delay_us() && !l.has_igp_metric()) {
      return err.Error({{links, i}},
                       "overrides nothing (set capacity_bps, propagation_delay_us or "
                       "igp_metric)");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ReadImportFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open file"));
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return std::move(contents).str();
}

bool IsValidEntityId(std::string_view id) {
  if (id.empty()) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string DescribeSelector(const cpn::topology::v1::NodeSelector& selector) {
  switch (selector.key_case()) {
    case NodeSelector::kLabel:
      return absl::StrCat("label \"", selector.label(), "\"");
    case NodeSelector::kGraphmlId:
      return absl::StrCat("graphml_id \"", selector.graphml_id(), "\"");
    case NodeSelector::KEY_NOT_SET:
      break;
  }
  return "(empty selector)";
}

absl::Status CheckImportOverlay(const ImportOverlay& overlay, std::string_view source_name) {
  return CheckOverlay(overlay, ErrorFormatter(source_name, nullptr));
}

absl::StatusOr<ImportOverlay> ParseImportOverlay(std::string_view text,
                                                 std::string_view source_name) {
  ImportOverlay overlay;
  FirstErrorCollector errors;
  TextFormat::ParseInfoTree tree;
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(&tree);
  if (!parser.ParseFromString(std::string(text), &overlay)) {
    if (!errors.has_error()) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(source_name), ": not a valid ImportOverlay"));
    }
    return absl::InvalidArgumentError(absl::StrCat(std::string(source_name), ":", errors.line() + 1,
                                                   ":", errors.column() + 1, ": ",
                                                   errors.message()));
  }
  if (absl::Status s = CheckOverlay(overlay, ErrorFormatter(source_name, &tree)); !s.ok()) {
    return s;
  }
  return overlay;
}

absl::StatusOr<ImportOverlay> ReadImportOverlayFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadImportFile(path);
  if (!text.ok()) return text.status();
  return ParseImportOverlay(*text, path);
}

// ---------------------------------------------------------------------------
// Ids and address plans.

namespace {

// ASCII replacements of U+00C0..U+00FF; '?' marks two-letter replacements
// (handled in LatinReplacement), '-' characters that separate words.
constexpr std::string_view kLatin1 =
    "aaaaaa?ceeeeiiiidnooooo-ouuuuy??aaaaaa?ceeeeiiiidnooooo-ouuuuy?y";
// ASCII replacements of U+0100..U+017F (Latin Extended-A).
constexpr std::string_view kLatinExtA =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkklllllll"
    "lllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
static_assert(kLatin1.size() == 64);
static_assert(kLatinExtA.size() == 128);

// ASCII replacement of a Latin code point, or "" when there is none.
std::string_view LatinReplacement(uint32_t cp) {
  switch (cp) {
    case 0xC6:
    case 0xE6:
      return "ae";
    case 0xDE:
    case 0xFE:
      return "th";
    case 0xDF:
      return "ss";
    case 0x152:
    case 0x153:
      return "oe";
    default:
      break;
  }
  if (cp >= 0xC0 && cp <= 0xFF) return kLatin1.substr(cp - 0xC0, 1);
  if (cp >= 0x100 && cp <= 0x17F) return kLatinExtA.substr(cp - 0x100, 1);
  return "";
}

struct Ipv6Prefix {
  std::array<uint8_t, 16> bytes{};
  int length = 0;
};

absl::StatusOr<Ipv6Prefix> ParseIpv6Prefix(const std::string& text) {
  const size_t slash = text.find('/');
  Ipv6Prefix p;
  if (slash == std::string_view::npos || !absl::SimpleAtoi(text.substr(slash + 1), &p.length) ||
      p.length < 0 || p.length > 128) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not an IPv6 prefix (address/length)"));
  }
  const std::string addr(text.substr(0, slash));
  if (inet_pton(AF_INET6, addr.c_str(), p.bytes.data()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not an IPv6 prefix"));
  }
  for (int bit = p.length; bit < 128; ++bit) {
    if (p.bytes[bit / 8] & (0x80 >> (bit % 8))) {
      return absl::InvalidArgumentError(
          absl::StrCat("IPv6 prefix \"", text, "\" has bits set beyond its length"));
    }
  }
  return p;
}

// Adds `value` << `shift` to the address (bits below the prefix are zero, so
// adding is OR-ing). Caller guarantees the result stays inside the prefix.
void OrShifted(std::array<uint8_t, 16>& bytes, uint64_t value, int shift) {
  for (int bit = 0; bit < 64 && value != 0; ++bit, value >>= 1) {
    if ((value & 1) == 0) continue;
    const int pos = 127 - (shift + bit);  // bit index from the most significant bit
    bytes[pos / 8] |= static_cast<uint8_t>(0x80 >> (pos % 8));
  }
}

std::string FormatIpv6(const std::array<uint8_t, 16>& bytes) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, bytes.data(), buf, sizeof(buf));
  return buf;
}

// Whether `value` fits in `bits` bits.
bool Fits(uint64_t value, int bits) { return bits >= 64 || value < (uint64_t{1} << bits); }

}  // namespace

std::string SlugifyId(std::string_view name) {
  std::string out;
  bool pending_dash = false;
  auto emit = [&](std::string_view s) {
    if (pending_dash && !out.empty()) out += '-';
    pending_dash = false;
    out += s;
  };
  for (size_t i = 0; i < name.size();) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (c < 0x80) {
      ++i;
      if (c == '\'' || c == '`') continue;
      if (std::isalnum(c)) {
        const char lower = static_cast<char>(std::tolower(c));
        emit(std::string_view(&lower, 1));
      } else {
        pending_dash = true;
      }
      continue;
    }
    // Decode one UTF-8 sequence; malformed bytes count as separators.
    uint32_t cp = 0;
    size_t len = 1;
    if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F;
      len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F;
      len = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07;
      len = 4;
    }
    bool ok = len > 1 && i + len <= name.size();
    for (size_t k = 1; ok && k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(name[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    i += ok ? len : 1;
    if (ok && (cp == 0x2018 || cp == 0x2019)) continue;  // typographic apostrophes
    const std::string_view repl = ok ? LatinReplacement(cp) : "";
    if (repl.empty() || repl == "-") {
      pending_dash = true;
    } else {
      emit(repl);
    }
  }
  return out;
}

absl::StatusOr<std::string> NthIpv6Subprefix(std::string_view block_text, int sub_length,
                                             uint64_t index) {
  const std::string block(block_text);
  ASSIGN_OR_RETURN(Ipv6Prefix p, ParseIpv6Prefix(block));
  if (sub_length < p.length || sub_length > 128 || sub_length < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot take /", sub_length, " prefixes from \"", block, "\""));
  }
  if (!Fits(index, sub_length - p.length)) {
    return absl::ResourceExhaustedError(
        absl::StrCat("\"", block, "\" has no /", sub_length, " prefix number ", index, " (only ",
                     uint64_t{1} << (sub_length - p.length), " of them)"));
  }
  OrShifted(p.bytes, index, 128 - sub_length);
  return absl::StrCat(FormatIpv6(p.bytes), "/", sub_length);
}

absl::StatusOr<std::string> Ipv6HostAddress(std::string_view prefix_text, uint64_t host) {
  const std::string prefix(prefix_text);
  ASSIGN_OR_RETURN(Ipv6Prefix p, ParseIpv6Prefix(prefix));
  if (!Fits(host, 128 - p.length)) {
    return absl::InvalidArgumentError(
        absl::StrCat("host ", host, " does not fit in prefix \"", prefix, "\""));
  }
  OrShifted(p.bytes, host, 0);
  return FormatIpv6(p.bytes);
}

}  // namespace cpn::topology
