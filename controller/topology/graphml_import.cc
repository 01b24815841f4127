#include "controller/topology/graphml_import.h"

#include <algorithm>
#include <boost/property_tree/detail/rapidxml.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "controller/topology/geo.h"
#include "controller/topology/import_overlay.h"

namespace cpn::topology {
namespace {

// The XML parser is the rapidxml that Boost.PropertyTree bundles (header
// only, no new dependency). It is used directly rather than through
// read_xml() because only the raw parser validates closing tags and keeps
// positions, which give element line numbers for messages.
namespace rx = boost::property_tree::detail::rapidxml;

// ---------------------------------------------------------------------------
// The graph as read from the file, plus what the overlay decides per node.

struct GNode {
  std::string id;  // GraphML id attribute
  int line = 0;
  std::string label;
  bool hyperedge = false;
  // Valid coordinates from the file, or why there are none.
  std::optional<LatLon> location;
  bool coordinates_missing = false;
  std::string coordinate_problem;
  // Overlay decisions.
  bool placed = false;
  std::string place;  // place name override
  bool dropped = false;
  bool renamed = false;
  std::string rename_id;
  std::string rename_name;
};

struct GEdge {
  int ordinal = 0;  // 1-based position among the file's edges
  int line = 0;
  std::string xml_id;
  std::string source_id;
  std::string target_id;
  size_t a = 0;  // node indices
  size_t b = 0;
  std::optional<uint64_t> speed_bps;  // from LinkSpeedRaw
  std::string speed_problem;
};

struct Graph {
  bool directed = false;
  std::map<std::string, std::string> attributes;  // graph-level <data>
  std::vector<GNode> nodes;
  std::vector<GEdge> edges;
  std::map<std::string, size_t> node_index;  // by GraphML id
};

std::string DescribeNode(const GNode& node) {
  std::string out = absl::StrCat("node \"", node.id, "\" (");
  if (node.label.empty()) {
    absl::StrAppend(&out, "no label");
  } else {
    absl::StrAppend(&out, "\"", node.label, "\"");
  }
  if (node.hyperedge) absl::StrAppend(&out, ", a hyperedge junction");
  return absl::StrCat(out, ")");
}

std::string DescribeEdge(const GEdge& edge) {
  const std::string name = edge.xml_id.empty() ? absl::StrCat("edge #", edge.ordinal)
                                               : absl::StrCat("edge \"", edge.xml_id, "\"");
  return absl::StrCat(name, " (source \"", edge.source_id, "\", target \"", edge.target_id, "\")");
}

// ---------------------------------------------------------------------------
// Reading the XML into a plain graph.

// Maps byte offsets of the original text to 1-based lines and columns.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) {
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') newlines_.push_back(i);
    }
  }
  int Line(size_t offset) const {
    return static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), offset) -
                            newlines_.begin()) +
           1;
  }
  int Column(size_t offset) const {
    auto it = std::lower_bound(newlines_.begin(), newlines_.end(), offset);
    const size_t line_start = it == newlines_.begin() ? 0 : *std::prev(it) + 1;
    return static_cast<int>(offset - line_start) + 1;
  }

 private:
  std::vector<size_t> newlines_;
};

absl::string_view Name(const rx::xml_base<>* n) { return {n->name(), n->name_size()}; }

std::string Text(const rx::xml_base<>* n) {
  return std::string(absl::StripAsciiWhitespace(absl::string_view(n->value(), n->value_size())));
}

// Value of attribute `name`, or nullopt when absent.
std::optional<std::string> Attr(const rx::xml_node<>* n, absl::string_view name) {
  for (const rx::xml_attribute<>* a = n->first_attribute(); a; a = a->next_attribute()) {
    if (Name(a) == name) return Text(a);
  }
  return std::nullopt;
}

struct KeyDef {
  std::string name;    // attr.name
  std::string domain;  // for= "node", "edge", "graph", "all"
  std::optional<std::string> default_value;
};

class GraphmlReader {
 public:
  GraphmlReader(std::string_view xml, std::string_view source)
      : xml_(xml), source_(source), lines_(xml) {}

  absl::StatusOr<Graph> Read() {
    std::vector<char> buffer(xml_.begin(), xml_.end());
    buffer.push_back('\0');
    buffer_start_ = buffer.data();
    rx::xml_document<> doc;
    try {
      doc.parse<rx::parse_validate_closing_tags>(buffer.data());
    } catch (const rx::parse_error& e) {
      const size_t offset = static_cast<size_t>(e.where<char>() - buffer.data());
      return absl::InvalidArgumentError(absl::StrCat(source_, ":", lines_.Line(offset), ":",
                                                     lines_.Column(offset),
                                                     ": malformed XML: ", e.what()));
    }
    const rx::xml_node<>* root = doc.first_node();
    if (root == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_, ": not a GraphML document: no root element"));
    }
    if (Name(root) != "graphml") {
      return absl::InvalidArgumentError(absl::StrCat(source_, At(root),
                                                     ": not a GraphML document: root element is <",
                                                     Name(root), ">, expected <graphml>"));
    }
    RETURN_IF_ERROR(ReadKeys(root));
    const rx::xml_node<>* graph = root->first_node("graph", 5);
    if (graph == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(source_, ": GraphML has no <graph> element"));
    }
    if (graph->next_sibling("graph", 5) != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_, At(graph->next_sibling("graph", 5)),
                       ": a second <graph> element; only one graph per file is supported"));
    }
    Graph g;
    g.directed = Attr(graph, "edgedefault").value_or("undirected") == "directed";
    for (const rx::xml_node<>* child = graph->first_node(); child; child = child->next_sibling()) {
      if (child->type() != rx::node_element) continue;
      const absl::string_view name = Name(child);
      if (name == "node") {
        RETURN_IF_ERROR(ReadNode(child, g));
      } else if (name == "edge") {
        RETURN_IF_ERROR(ReadEdge(child, g));
      } else if (name == "data") {
        ASSIGN_OR_RETURN(auto kv, ReadData(child, std::string("graph")));
        g.attributes[kv.first] = kv.second;
      } else if (name == "hyperedge") {
        return absl::InvalidArgumentError(
            absl::StrCat(source_, At(child), ": <hyperedge> elements are not supported"));
      }
    }
    return g;
  }

 private:
  // ":<line>" of an element, for messages.
  std::string At(const rx::xml_base<>* n) const {
    return absl::StrCat(":", lines_.Line(static_cast<size_t>(n->name() - buffer_start_)));
  }
  int LineOf(const rx::xml_base<>* n) const {
    return lines_.Line(static_cast<size_t>(n->name() - buffer_start_));
  }

  absl::Status ReadKeys(const rx::xml_node<>* root) {
    for (const rx::xml_node<>* k = root->first_node("key", 3); k; k = k->next_sibling("key", 3)) {
      std::optional<std::string> id = Attr(k, "id");
      if (!id || id->empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(source_, At(k), ": <key> without an id attribute"));
      }
      KeyDef def;
      def.name = Attr(k, "attr.name").value_or(*id);
      def.domain = Attr(k, "for").value_or("all");
      if (const rx::xml_node<>* d = k->first_node("default", 7)) def.default_value = Text(d);
      keys_[*id] = std::move(def);
    }
    return absl::OkStatus();
  }

  // Reads one <data key="..."> into (attr.name, value).
  absl::StatusOr<std::pair<std::string, std::string>> ReadData(const rx::xml_node<>* data,
                                                               const std::string& element) {
    std::optional<std::string> key = Attr(data, "key");
    if (!key) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_, At(data), ": ", element, ": <data> without a key attribute"));
    }
    auto it = keys_.find(*key);
    if (it == keys_.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          source_, At(data), ": ", element, ": <data> refers to undeclared key \"", *key, "\""));
    }
    return std::make_pair(it->second.name, Text(data));
  }

  // Attribute values of an element: declared defaults first, then its <data>.
  absl::StatusOr<std::map<std::string, std::string>> ReadAttributes(const rx::xml_node<>* n,
                                                                    std::string_view domain,
                                                                    const std::string& element) {
    std::map<std::string, std::string> attrs;
    for (const auto& [id, def] : keys_) {
      if (def.default_value && (def.domain == domain || def.domain == "all")) {
        attrs[def.name] = *def.default_value;
      }
    }
    for (const rx::xml_node<>* d = n->first_node(); d; d = d->next_sibling()) {
      if (d->type() != rx::node_element) continue;
      if (Name(d) == "data") {
        ASSIGN_OR_RETURN(auto kv, ReadData(d, element));
        attrs[kv.first] = kv.second;
      } else if (Name(d) == "graph") {
        return absl::InvalidArgumentError(
            absl::StrCat(source_, At(d), ": ", element, ": nested graphs are not supported"));
      }
    }
    return attrs;
  }

  absl::Status ReadNode(const rx::xml_node<>* n, Graph& g) {
    GNode node;
    node.line = LineOf(n);
    std::optional<std::string> id = Attr(n, "id");
    if (!id || id->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_, At(n), ": node #", g.nodes.size() + 1, " has no id attribute"));
    }
    node.id = *id;
    if (g.node_index.count(node.id) != 0) {
      return absl::InvalidArgumentError(absl::StrCat(source_, At(n), ": node \"", node.id,
                                                     "\" is declared twice (first at line ",
                                                     g.nodes[g.node_index[node.id]].line, ")"));
    }
    ASSIGN_OR_RETURN(auto attrs, ReadAttributes(n, "node", absl::StrCat("node \"", node.id, "\"")));
    if (auto it = attrs.find("label"); it != attrs.end()) node.label = it->second;
    if (auto it = attrs.find("hyperedge"); it != attrs.end()) node.hyperedge = it->second == "1";
    ReadCoordinates(attrs, node);
    g.node_index[node.id] = g.nodes.size();
    g.nodes.push_back(std::move(node));
    return absl::OkStatus();
  }

  // Fills location, or coordinate_problem when the coordinates are missing
  // or unusable. Problems are raised later, unless an overlay places the node.
  static void ReadCoordinates(const std::map<std::string, std::string>& attrs, GNode& node) {
    auto get = [&](const char* k) -> std::string {
      auto it = attrs.find(k);
      return it == attrs.end() ? "" : it->second;
    };
    const std::string lat = get("Latitude");
    const std::string lon = get("Longitude");
    if (lat.empty() || lon.empty()) {
      node.coordinates_missing = true;
      node.coordinate_problem = lat.empty() && lon.empty() ? "Latitude and Longitude missing"
                                : lat.empty()              ? "Latitude missing"
                                                           : "Longitude missing";
      return;
    }
    LatLon p;
    if (!absl::SimpleAtod(lat, &p.latitude_deg) || !std::isfinite(p.latitude_deg)) {
      node.coordinate_problem = absl::StrCat("Latitude \"", lat, "\" is not a number");
      return;
    }
    if (!absl::SimpleAtod(lon, &p.longitude_deg) || !std::isfinite(p.longitude_deg)) {
      node.coordinate_problem = absl::StrCat("Longitude \"", lon, "\" is not a number");
      return;
    }
    if (!IsValidLatLon(p)) {
      node.coordinate_problem = absl::StrFormat(
          "coordinates (%g, %g) out of range (latitude -90..90, longitude -180..180)",
          p.latitude_deg, p.longitude_deg);
      return;
    }
    node.location = p;
  }

  absl::Status ReadEdge(const rx::xml_node<>* e, Graph& g) {
    GEdge edge;
    edge.ordinal = static_cast<int>(g.edges.size()) + 1;
    edge.line = LineOf(e);
    edge.xml_id = Attr(e, "id").value_or("");
    edge.source_id = Attr(e, "source").value_or("");
    edge.target_id = Attr(e, "target").value_or("");
    const std::string where = absl::StrCat(source_, At(e), ": ", DescribeEdge(edge));
    if (edge.source_id.empty() || edge.target_id.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": missing ", edge.source_id.empty() ? "source" : "target", " attribute"));
    }
    for (const auto& [end, id] :
         {std::pair{"source", &edge.source_id}, std::pair{"target", &edge.target_id}}) {
      if (g.node_index.count(*id) == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": ", end, " \"", *id, "\" is not a node of the graph"));
      }
    }
    edge.a = g.node_index[edge.source_id];
    edge.b = g.node_index[edge.target_id];
    ASSIGN_OR_RETURN(auto attrs, ReadAttributes(e, "edge", DescribeEdge(edge)));
    if (auto it = attrs.find("LinkSpeedRaw"); it != attrs.end() && !it->second.empty()) {
      double bps = 0;
      if (!absl::SimpleAtod(it->second, &bps) || !std::isfinite(bps) || bps < 1.0) {
        edge.speed_problem =
            absl::StrCat("LinkSpeedRaw \"", it->second, "\" is not a positive number of bit/s");
      } else if (bps >= 1e18) {
        edge.speed_problem = absl::StrCat("LinkSpeedRaw \"", it->second, "\" is too large");
      } else {
        edge.speed_bps = static_cast<uint64_t>(std::round(bps));
      }
    }
    g.edges.push_back(std::move(edge));
    return absl::OkStatus();
  }

  std::string_view xml_;
  std::string source_;
  LineIndex lines_;
  const char* buffer_start_ = nullptr;
  std::map<std::string, KeyDef> keys_;
};

// ---------------------------------------------------------------------------
// Building the topology.

constexpr char kLicense[] = "CC BY 4.0";
constexpr char kAttribution[] =
    "The Internet Topology Zoo (https://topology-zoo.org/, archived at "
    "https://github.com/mroughan/InternetTopologyZoo and doi:10.25909/30153949): S. Knight, "
    "H. X. Nguyen, N. Falkner, R. Bowden and M. Roughan, \"The Internet Topology Zoo\", IEEE "
    "Journal on Selected Areas in Communications 29(9):1765-1775, October 2011. Licensed under "
    "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/).";

std::string BaseName(std::string_view path) {
  const size_t slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string FormatBps(uint64_t bps) {
  if (bps >= 1'000'000'000) return absl::StrFormat("%g Gbit/s", static_cast<double>(bps) / 1e9);
  if (bps >= 1'000'000) return absl::StrFormat("%g Mbit/s", static_cast<double>(bps) / 1e6);
  if (bps >= 1'000) return absl::StrFormat("%g kbit/s", static_cast<double>(bps) / 1e3);
  return absl::StrCat(bps, " bit/s");
}

std::string FormatLatLon(const LatLon& p) {
  return absl::StrFormat("(%.8g, %.8g)", p.latitude_deg, p.longitude_deg);
}

class TopologyBuilder {
 public:
  TopologyBuilder(Graph graph, std::string_view source, const GraphmlImportOptions& options,
                  const v1::ImportOverlay* overlay)
      : g_(std::move(graph)), source_(source), options_(options), overlay_(overlay) {}

  absl::StatusOr<ImportResult> Build() {
    RETURN_IF_ERROR(ResolveSettings());
    if (overlay_ != nullptr) RETURN_IF_ERROR(ApplyOverlay());
    RETURN_IF_ERROR(HandleUnplaced());
    ImportResult result;
    result.graphml_nodes = static_cast<int>(g_.nodes.size());
    result.graphml_edges = static_cast<int>(g_.edges.size());
    RETURN_IF_ERROR(AddRouters(result));
    RETURN_IF_ERROR(AddLinks(result));
    Finish(result);
    return result;
  }

 private:
  std::string At(int line) const { return absl::StrCat(source_, ":", line, ": "); }
  std::string OverlayAt(const char* field, int index) const {
    return absl::StrCat(options_.overlay_name, ": ", field, "[", index, "]: ");
  }

  absl::Status ResolveSettings() {
    route_factor_ = kDefaultRouteFactor;
    route_factor_origin_ = "built-in default";
    if (options_.route_factor) {
      route_factor_ = *options_.route_factor;
      route_factor_origin_ = "option";
    } else if (overlay_ != nullptr && overlay_->has_route_factor()) {
      route_factor_ = overlay_->route_factor();
      route_factor_origin_ = absl::StrCat("overlay ", BaseName(options_.overlay_name));
    }
    if (!std::isfinite(route_factor_) || route_factor_ < 1.0 || route_factor_ > 10.0) {
      return absl::InvalidArgumentError(absl::StrFormat("%s: route factor %g (%s) is outside 1..10",
                                                        source_, route_factor_,
                                                        route_factor_origin_));
    }
    default_capacity_ = kDefaultCapacityBps;
    capacity_origin_ = "built-in default";
    if (options_.default_capacity_bps) {
      default_capacity_ = *options_.default_capacity_bps;
      capacity_origin_ = "option";
    } else if (overlay_ != nullptr && overlay_->has_default_capacity_bps()) {
      default_capacity_ = overlay_->default_capacity_bps();
      capacity_origin_ = absl::StrCat("overlay ", BaseName(options_.overlay_name));
    }
    if (default_capacity_ == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_, ": default capacity (", capacity_origin_, ") must be > 0"));
    }
    return absl::OkStatus();
  }

  // Index of the one node `sel` selects; `where` prefixes errors.
  absl::StatusOr<size_t> Resolve(const v1::NodeSelector& sel, const std::string& where) const {
    if (sel.key_case() == v1::NodeSelector::kGraphmlId) {
      auto it = g_.node_index.find(sel.graphml_id());
      if (it == g_.node_index.end()) {
        return absl::NotFoundError(
            absl::StrCat(where, DescribeSelector(sel), " matches no node of ", source_));
      }
      return it->second;
    }
    std::vector<size_t> matches;
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      if (sel.key_case() == v1::NodeSelector::kLabel && g_.nodes[i].label == sel.label()) {
        matches.push_back(i);
      }
    }
    if (matches.empty()) {
      return absl::NotFoundError(
          absl::StrCat(where, DescribeSelector(sel), " matches no node of ", source_));
    }
    if (matches.size() > 1) {
      std::vector<std::string> ids;
      for (size_t i : matches) ids.push_back(absl::StrCat("\"", g_.nodes[i].id, "\""));
      return absl::InvalidArgumentError(absl::StrCat(
          where, DescribeSelector(sel), " matches ", matches.size(), " nodes of ", source_,
          " (graphml ids ", absl::StrJoin(ids, ", "), "); select one by graphml_id"));
    }
    return matches.front();
  }

  absl::Status ApplyOverlay() {
    const v1::ImportOverlay& ov = *overlay_;
    RETURN_IF_ERROR(CheckImportOverlay(ov, options_.overlay_name));
    if (!ov.source().empty() && ov.source() != BaseName(source_)) {
      return absl::InvalidArgumentError(absl::StrCat(options_.overlay_name, ": written for \"",
                                                     ov.source(), "\", not for ", source_));
    }
    const std::string prefix = absl::StrCat("overlay ", BaseName(options_.overlay_name), ": ");
    for (int i = 0; i < ov.placements_size(); ++i) {
      const v1::NodePlacement& p = ov.placements(i);
      ASSIGN_OR_RETURN(size_t n, Resolve(p.node(), OverlayAt("placements", i)));
      GNode& node = g_.nodes[n];
      if (node.placed) {
        return absl::InvalidArgumentError(
            absl::StrCat(OverlayAt("placements", i), DescribeNode(node), " is placed twice"));
      }
      const LatLon to{p.location().latitude_deg(), p.location().longitude_deg()};
      notes_.push_back(absl::StrCat(prefix, "placed ", DescribeNode(node), " at ", FormatLatLon(to),
                                    node.location
                                        ? absl::StrCat(" instead of ", FormatLatLon(*node.location))
                                        : absl::StrCat(" (file: ", node.coordinate_problem, ")"),
                                    p.reason().empty() ? "" : absl::StrCat(": ", p.reason())));
      node.placed = true;
      node.location = to;
      node.coordinate_problem.clear();
      node.coordinates_missing = false;
      node.place = p.location().place();
    }
    for (int i = 0; i < ov.drops_size(); ++i) {
      const v1::NodeDrop& d = ov.drops(i);
      ASSIGN_OR_RETURN(size_t n, Resolve(d.node(), OverlayAt("drops", i)));
      GNode& node = g_.nodes[n];
      if (node.dropped || node.placed) {
        return absl::InvalidArgumentError(
            absl::StrCat(OverlayAt("drops", i), DescribeNode(node), " is ",
                         node.dropped ? "dropped twice" : "both placed and dropped"));
      }
      node.dropped = true;
      notes_.push_back(absl::StrCat(prefix, "dropped ", DescribeNode(node),
                                    d.reason().empty() ? "" : absl::StrCat(": ", d.reason())));
    }
    std::set<std::string> new_ids;
    for (int i = 0; i < ov.renames_size(); ++i) {
      const v1::RouterRename& r = ov.renames(i);
      ASSIGN_OR_RETURN(size_t n, Resolve(r.node(), OverlayAt("renames", i)));
      GNode& node = g_.nodes[n];
      if (node.dropped || node.renamed) {
        return absl::InvalidArgumentError(absl::StrCat(OverlayAt("renames", i), DescribeNode(node),
                                                       " is ",
                                                       node.dropped ? "dropped" : "renamed twice"));
      }
      if (!new_ids.insert(r.router_id()).second) {
        return absl::InvalidArgumentError(absl::StrCat(OverlayAt("renames", i), "router id \"",
                                                       r.router_id(), "\" is given twice"));
      }
      node.renamed = true;
      node.rename_id = r.router_id();
      node.rename_name = r.name();
      notes_.push_back(absl::StrCat(
          prefix, "router id \"", r.router_id(), "\"",
          r.name().empty() ? "" : absl::StrCat(" and name \"", r.name(), "\""), " for ",
          DescribeNode(node), r.reason().empty() ? "" : absl::StrCat(": ", r.reason())));
    }
    for (int i = 0; i < ov.links_size(); ++i) {
      const v1::LinkOverride& l = ov.links(i);
      ASSIGN_OR_RETURN(size_t a, Resolve(l.a(), OverlayAt("links", i)));
      ASSIGN_OR_RETURN(size_t b, Resolve(l.b(), OverlayAt("links", i)));
      for (size_t n : {a, b}) {
        if (g_.nodes[n].dropped) {
          return absl::InvalidArgumentError(absl::StrCat(OverlayAt("links", i), "end ",
                                                         DescribeNode(g_.nodes[n]), " is dropped"));
        }
      }
      const auto key = std::minmax(a, b);
      bool any = false;
      for (const GEdge& e : g_.edges) any = any || std::minmax(e.a, e.b) == key;
      if (!any) {
        return absl::NotFoundError(absl::StrCat(OverlayAt("links", i), "no edge between ",
                                                DescribeNode(g_.nodes[a]), " and ",
                                                DescribeNode(g_.nodes[b]), " in ", source_));
      }
      if (!link_overrides_.emplace(key, i).second) {
        return absl::InvalidArgumentError(absl::StrCat(OverlayAt("links", i),
                                                       "the same links are overridden by links[",
                                                       link_overrides_[key], "]"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status HandleUnplaced() {
    std::vector<size_t> missing;
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const GNode& node = g_.nodes[i];
      if (node.dropped || node.location) continue;
      if (!node.coordinates_missing) {
        return absl::InvalidArgumentError(absl::StrCat(At(node.line), DescribeNode(node), ": ",
                                                       node.coordinate_problem,
                                                       "; correct it with an overlay placement"));
      }
      missing.push_back(i);
    }
    if (missing.empty()) return absl::OkStatus();
    if (options_.drop_unplaced) {
      for (size_t i : missing) {
        g_.nodes[i].dropped = true;
        notes_.push_back(absl::StrCat("dropped ", DescribeNode(g_.nodes[i]), ": no coordinates (",
                                      g_.nodes[i].coordinate_problem, "), --drop-unplaced"));
      }
      return absl::OkStatus();
    }
    const GNode& first = g_.nodes[missing.front()];
    std::string msg = absl::StrCat(At(first.line), DescribeNode(first), " has no coordinates (",
                                   first.coordinate_problem, ")");
    if (missing.size() > 1) {
      std::vector<std::string> others;
      for (size_t k = 1; k < missing.size() && k <= 5; ++k) {
        others.push_back(DescribeNode(g_.nodes[missing[k]]));
      }
      if (missing.size() > 6) others.push_back(absl::StrCat(missing.size() - 6, " more"));
      absl::StrAppend(&msg, ", nor have ", missing.size() - 1,
                      " other nodes: ", absl::StrJoin(others, ", "));
    }
    absl::StrAppend(&msg,
                    "; place them with overlay placements, drop them with overlay drops, or "
                    "import with --drop-unplaced");
    return absl::InvalidArgumentError(msg);
  }

  absl::Status AddRouters(ImportResult& result) {
    std::set<std::string> used;
    for (const GNode& node : g_.nodes) {
      if (!node.dropped && node.renamed) used.insert(node.rename_id);
    }
    uint64_t number = 0;
    router_of_node_.assign(g_.nodes.size(), -1);
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const GNode& node = g_.nodes[i];
      if (node.dropped) continue;
      std::string id = node.rename_id;
      if (!node.renamed) {
        std::string base = SlugifyId(node.label);
        if (base.empty()) base = SlugifyId(absl::StrCat("node-", node.id));
        id = base;
        for (int k = 2; used.count(id) != 0; ++k) id = absl::StrCat(base, "-", k);
        if (id != base) renumbered_.push_back(absl::StrCat(DescribeNode(node), " -> ", id));
        used.insert(id);
      }
      absl::StatusOr<std::string> locator = NthIpv6Subprefix(options_.locator_block, 48, ++number);
      if (!locator.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            source_, ": cannot give router \"", id, "\" a locator: ", locator.status().message()));
      }
      ASSIGN_OR_RETURN(std::string loopback, Ipv6HostAddress(*locator, 1));

      v1::Router* r = result.topology.add_routers();
      r->set_id(id);
      r->set_name(!node.rename_name.empty() ? node.rename_name
                  : !node.label.empty()     ? node.label
                                            : id);
      r->mutable_location()->set_latitude_deg(node.location->latitude_deg);
      r->mutable_location()->set_longitude_deg(node.location->longitude_deg);
      r->mutable_location()->set_place(!node.place.empty() ? node.place : node.label);
      r->set_srv6_locator(*locator);
      r->set_loopback_ipv6(loopback);
      for (v1::RouterRole role : options_.router_roles) r->add_roles(role);
      router_of_node_[i] = result.topology.routers_size() - 1;
      result.router_id_by_graphml_id[node.id] = id;
    }
    if (result.topology.routers_size() == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_, ": no nodes left to import (all ", g_.nodes.size(), " dropped)"));
    }
    return absl::OkStatus();
  }

  absl::Status AddLinks(ImportResult& result) {
    v1::Topology& t = result.topology;
    std::vector<int> next_interface(t.routers_size(), 1);
    std::map<std::pair<int, int>, int> pair_count;
    std::set<std::string> link_ids;
    for (const GEdge& e : g_.edges) {
      const GNode& na = g_.nodes[e.a];
      const GNode& nb = g_.nodes[e.b];
      if (e.a == e.b) {
        skipped_.push_back(absl::StrCat(DescribeEdge(e), ": self-loop at ", DescribeNode(na)));
        continue;
      }
      if (na.dropped || nb.dropped) {
        skipped_.push_back(absl::StrCat(DescribeEdge(e), ": ", DescribeNode(na.dropped ? na : nb),
                                        " was dropped"));
        continue;
      }
      const int ra = router_of_node_[e.a];
      const int rb = router_of_node_[e.b];
      const v1::Router& router_a = t.routers(ra);
      const v1::Router& router_b = t.routers(rb);
      const v1::LinkOverride* ov = nullptr;
      if (auto it = link_overrides_.find(std::minmax(e.a, e.b)); it != link_overrides_.end()) {
        ov = &overlay_->links(it->second);
      }

      uint64_t capacity = default_capacity_;
      if (ov != nullptr && ov->has_capacity_bps()) {
        capacity = ov->capacity_bps();
      } else if (!e.speed_problem.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(At(e.line), DescribeEdge(e), ": ", e.speed_problem,
                         "; override the capacity with an overlay link entry"));
      } else if (e.speed_bps) {
        capacity = *e.speed_bps;
      } else {
        ++default_capacity_links_;
      }

      const std::string base = absl::StrCat(router_a.id(), "--", router_b.id());
      const int nth = ++pair_count[std::minmax(ra, rb)];
      std::string id = nth == 1 ? base : absl::StrCat(base, "-", nth);
      for (int k = nth + 1; link_ids.count(id) != 0; ++k) id = absl::StrCat(base, "-", k);
      link_ids.insert(id);
      if (nth > 1) parallel_.push_back(id);

      uint64_t delay = 0;
      if (ov != nullptr && ov->has_propagation_delay_us()) {
        delay = ov->propagation_delay_us();
      } else {
        const double km = GreatCircleKm(*na.location, *nb.location);
        delay = FiberDelayUs(km, route_factor_);
        if (delay < kMinPropagationDelayUs) {
          delay = kMinPropagationDelayUs;
          floored_.push_back(id);
        }
      }
      uint32_t metric = static_cast<uint32_t>(
          std::clamp<uint64_t>(delay, 1, std::numeric_limits<uint32_t>::max()));
      if (ov != nullptr && ov->has_igp_metric()) metric = ov->igp_metric();

      v1::Link* link = t.add_links();
      link->set_id(id);
      link->mutable_a()->set_router_id(router_a.id());
      link->mutable_a()->set_interface(absl::StrCat("eth", next_interface[ra]++));
      link->mutable_b()->set_router_id(router_b.id());
      link->mutable_b()->set_interface(absl::StrCat("eth", next_interface[rb]++));
      link->set_propagation_delay_us(delay);
      link->set_capacity_bps(capacity);
      link->set_igp_metric(metric);
      if (ov != nullptr) {
        overridden_.push_back(
            absl::StrCat(id, ov->reason().empty() ? "" : absl::StrCat(" (", ov->reason(), ")")));
      }
    }
    if (t.links_size() == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          source_, ": no edges left between imported nodes (", g_.edges.size(), " in the file)"));
    }
    return absl::OkStatus();
  }

  // Summary notes, topology name, description and provenance.
  void Finish(ImportResult& result) {
    v1::Topology& t = result.topology;
    const std::string base = BaseName(source_);
    auto attr = [&](const char* k) -> std::string {
      auto it = g_.attributes.find(k);
      return it == g_.attributes.end() ? "" : it->second;
    };
    std::string name = attr("label");
    if (name.empty()) name = std::string(base.substr(0, base.rfind('.')));
    t.set_name(name);
    std::string description = attr("Network").empty() ? name : attr("Network");
    if (!attr("GeoLocation").empty()) absl::StrAppend(&description, " (", attr("GeoLocation"), ")");
    if (!attr("NetworkDate").empty()) absl::StrAppend(&description, ", ", attr("NetworkDate"));
    absl::StrAppend(&description, "; imported from Internet Topology Zoo file ", base);
    t.set_description(description);

    std::vector<std::string> notes;
    notes.push_back(absl::StrCat("GraphML import of ", base, ": ", t.routers_size(), " of ",
                                 g_.nodes.size(), " nodes as routers, ", t.links_size(), " of ",
                                 g_.edges.size(), " edges as links"));
    if (g_.directed) {
      notes.push_back("the graph is directed; every edge became one full-duplex link");
    }
    notes.push_back(absl::StrFormat(
        "propagation delay = great-circle distance x %g us/km x route factor %g (%s), at "
        "least %d us; IGP metric = propagation delay in us",
        kFiberDelayUsPerKm, route_factor_, route_factor_origin_, kMinPropagationDelayUs));
    if (default_capacity_links_ == 0) {
      notes.push_back("capacity: every link from LinkSpeedRaw or the overlay");
    } else {
      notes.push_back(absl::StrCat("capacity: ", default_capacity_links_, " of ", t.links_size(),
                                   " links have no LinkSpeedRaw and got the default ",
                                   FormatBps(default_capacity_), " (", capacity_origin_, ")"));
    }
    notes.push_back(absl::StrCat("SRv6 locators: one /48 per router from ", options_.locator_block,
                                 " in file order; loopback = locator::1; interfaces eth1, eth2, "
                                 "... per router in edge order"));
    for (std::string& n : notes_) notes.push_back(std::move(n));
    for (const std::string& s : skipped_) notes.push_back(absl::StrCat("skipped ", s));
    if (!renumbered_.empty()) {
      notes.push_back(absl::StrCat("router ids suffixed because labels repeat: ",
                                   absl::StrJoin(renumbered_, "; ")));
    }
    if (!parallel_.empty()) {
      notes.push_back(
          absl::StrCat("parallel edges kept as separate links: ", absl::StrJoin(parallel_, ", ")));
    }
    if (!floored_.empty()) {
      notes.push_back(
          absl::StrCat("propagation delay raised to the ", kMinPropagationDelayUs,
                       " us floor (ends at one location): ", absl::StrJoin(floored_, ", ")));
    }
    if (!overridden_.empty()) {
      notes.push_back(absl::StrCat("overlay ", BaseName(options_.overlay_name),
                                   ": link properties overridden on ",
                                   absl::StrJoin(overridden_, ", ")));
    }
    AddConnectivityNotes(t, notes);

    cpn::common::v1::Provenance* p = t.mutable_provenance();
    p->set_source(absl::StrCat("Internet Topology Zoo: ", base));
    p->set_license(kLicense);
    p->set_attribution(kAttribution);
    for (std::string& n : notes) p->add_notes(std::move(n));
  }

  static void AddConnectivityNotes(const v1::Topology& t, std::vector<std::string>& notes) {
    std::map<std::string, int> index;
    for (int i = 0; i < t.routers_size(); ++i) index[t.routers(i).id()] = i;
    std::vector<int> parent(t.routers_size());
    for (int i = 0; i < t.routers_size(); ++i) parent[i] = i;
    auto find = [&](int x) {
      while (parent[x] != x) x = parent[x] = parent[parent[x]];
      return x;
    };
    std::vector<int> degree(t.routers_size(), 0);
    for (const v1::Link& l : t.links()) {
      const int a = index[l.a().router_id()];
      const int b = index[l.b().router_id()];
      ++degree[a];
      ++degree[b];
      parent[find(a)] = find(b);
    }
    std::vector<std::string> isolated;
    int components = 0;
    for (int i = 0; i < t.routers_size(); ++i) {
      if (find(i) == i) ++components;
      if (degree[i] == 0) isolated.push_back(t.routers(i).id());
    }
    if (!isolated.empty()) {
      notes.push_back(absl::StrCat("routers without links: ", absl::StrJoin(isolated, ", ")));
    }
    if (components > 1) {
      notes.push_back(absl::StrCat("the network falls into ", components, " connected components"));
    }
  }

  Graph g_;
  std::string source_;
  const GraphmlImportOptions& options_;
  const v1::ImportOverlay* overlay_;

  double route_factor_ = kDefaultRouteFactor;
  std::string route_factor_origin_;
  uint64_t default_capacity_ = kDefaultCapacityBps;
  std::string capacity_origin_;
  // Link override index by (smaller, larger) node index.
  std::map<std::pair<size_t, size_t>, int> link_overrides_;
  std::vector<int> router_of_node_;

  // Collected for the provenance notes, in order of discovery.
  std::vector<std::string> notes_;
  std::vector<std::string> skipped_;
  std::vector<std::string> renumbered_;
  std::vector<std::string> parallel_;
  std::vector<std::string> floored_;
  std::vector<std::string> overridden_;
  int default_capacity_links_ = 0;
};

}  // namespace

absl::StatusOr<ImportResult> ImportGraphml(std::string_view xml, std::string_view source_name,
                                           const GraphmlImportOptions& options,
                                           const v1::ImportOverlay* overlay) {
  ASSIGN_OR_RETURN(Graph graph, GraphmlReader(xml, source_name).Read());
  return TopologyBuilder(std::move(graph), source_name, options, overlay).Build();
}

absl::StatusOr<ImportResult> ImportGraphmlFile(const std::string& path,
                                               const GraphmlImportOptions& options,
                                               const v1::ImportOverlay* overlay) {
  ASSIGN_OR_RETURN(std::string xml, ReadImportFile(path));
  return ImportGraphml(xml, path, options, overlay);
}

}  // namespace cpn::topology
