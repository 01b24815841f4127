#include "controller/topology/site_attach.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "controller/topology/import_overlay.h"

namespace cpn::topology {
namespace {

using ::cpn::compute::v1::Service;
using ::cpn::compute::v1::Site;
using ::cpn::topology::v1::Router;
using ::cpn::topology::v1::Topology;

// ISO 3166-2:CN code by the first two digits of a Chinese administrative
// division code.
std::string_view ProvinceZone(std::string_view adcode) {
  static const auto* const kZones = new std::map<std::string_view, std::string_view>{
      {"11", "CN-BJ"}, {"12", "CN-TJ"}, {"13", "CN-HE"}, {"14", "CN-SX"}, {"15", "CN-NM"},
      {"21", "CN-LN"}, {"22", "CN-JL"}, {"23", "CN-HL"}, {"31", "CN-SH"}, {"32", "CN-JS"},
      {"33", "CN-ZJ"}, {"34", "CN-AH"}, {"35", "CN-FJ"}, {"36", "CN-JX"}, {"37", "CN-SD"},
      {"41", "CN-HA"}, {"42", "CN-HB"}, {"43", "CN-HN"}, {"44", "CN-GD"}, {"45", "CN-GX"},
      {"46", "CN-HI"}, {"50", "CN-CQ"}, {"51", "CN-SC"}, {"52", "CN-GZ"}, {"53", "CN-YN"},
      {"54", "CN-XZ"}, {"61", "CN-SN"}, {"62", "CN-GS"}, {"63", "CN-QH"}, {"64", "CN-NX"},
      {"65", "CN-XJ"}, {"71", "CN-TW"}, {"81", "CN-HK"}, {"82", "CN-MO"}};
  if (adcode.size() < 2) return "";
  auto it = kZones->find(adcode.substr(0, 2));
  return it == kZones->end() ? "" : it->second;
}

// The i-th /24 of an IPv4 block of length <= 24, and its host .2.
absl::StatusOr<std::pair<std::string, std::string>> Ipv4SitePlan(const std::string& block,
                                                                 uint32_t index) {
  const size_t slash = block.find('/');
  int length = -1;
  in_addr addr{};
  if (slash == std::string::npos || !absl::SimpleAtoi(block.substr(slash + 1), &length) ||
      length < 0 || length > 24 || inet_pton(AF_INET, block.substr(0, slash).c_str(), &addr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("site IPv4 block \"", block, "\" is not an IPv4 prefix of length 0..24"));
  }
  if (length < 32 && index >= (uint64_t{1} << (24 - length))) {
    return absl::ResourceExhaustedError(
        absl::StrCat("site IPv4 block \"", block, "\" has no /24 number ", index));
  }
  const uint32_t base = ntohl(addr.s_addr);
  const uint32_t net = base | (index << 8);
  auto format = [](uint32_t host_order) {
    in_addr a{};
    a.s_addr = htonl(host_order);
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a, buf, sizeof(buf));
    return std::string(buf);
  };
  return std::make_pair(absl::StrCat(format(net), "/24"), format(net + 2));
}

// Splits CSV text into records of fields (RFC 4180: quoted fields may hold
// commas, doubled quotes and line breaks). Each record carries the line it
// starts on.
struct CsvRecord {
  int line = 0;
  std::vector<std::string> fields;
};

absl::StatusOr<std::vector<CsvRecord>> SplitCsv(absl::string_view text,
                                                const std::string& source_name) {
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 BOM
  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string field;
  int line = 1;
  bool in_quotes = false;
  bool record_started = false;
  record.line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"') {
      in_quotes = true;
      record_started = true;
    } else if (c == ',') {
      record.fields.push_back(std::move(field));
      field.clear();
      record_started = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (record_started || !field.empty()) {
        record.fields.push_back(std::move(field));
        records.push_back(std::move(record));
      }
      field.clear();
      record = CsvRecord();
      record.line = ++line;
      record_started = false;
    } else {
      field += c;
      record_started = true;
    }
  }
  if (in_quotes) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ":", record.line, ": quoted field is never closed"));
  }
  if (record_started || !field.empty()) {
    record.fields.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace

absl::StatusOr<std::vector<AttachedSite>> AttachSitesNearest(Topology& topology,
                                                             const std::vector<SiteSeed>& seeds,
                                                             const SiteDefaults& defaults) {
  if (topology.routers_size() == 0) {
    return absl::FailedPreconditionError("cannot attach sites: the topology has no routers");
  }
  std::vector<std::string> services = defaults.service_ids;
  if (services.empty()) {
    for (const Service& s : topology.services()) services.push_back(s.id());
  }
  for (const std::string& id : services) {
    const bool known = std::any_of(topology.services().begin(), topology.services().end(),
                                   [&](const Service& s) { return s.id() == id; });
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot attach sites: service \"", id, "\" is not in the topology"));
    }
  }
  std::set<std::string> site_ids;
  for (const Site& s : topology.sites()) site_ids.insert(s.id());
  // Interfaces taken per router.
  std::map<std::string, std::set<std::string>> interfaces;
  for (const auto& l : topology.links()) {
    interfaces[l.a().router_id()].insert(l.a().interface());
    interfaces[l.b().router_id()].insert(l.b().interface());
  }
  for (const Site& s : topology.sites()) {
    interfaces[s.attachment().router_id()].insert(s.attachment().interface());
  }

  // Build everything first, so that a failure leaves the topology unchanged.
  std::vector<Site> new_sites;
  std::vector<AttachedSite> attached;
  std::set<int> gateways;
  for (const SiteSeed& seed : seeds) {
    if (!IsValidEntityId(seed.id)) {
      return absl::InvalidArgumentError(absl::StrCat("site id \"", seed.id, "\" is not valid"));
    }
    if (!site_ids.insert(seed.id).second) {
      return absl::AlreadyExistsError(absl::StrCat("site id \"", seed.id, "\" is taken"));
    }
    if (!IsValidLatLon(seed.location)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("site \"%s\": location (%g, %g) is out of range", seed.id,
                          seed.location.latitude_deg, seed.location.longitude_deg));
    }
    int best = -1;
    double best_km = std::numeric_limits<double>::infinity();
    for (int r = 0; r < topology.routers_size(); ++r) {
      const auto& loc = topology.routers(r).location();
      const double km = GreatCircleKm(seed.location, {loc.latitude_deg(), loc.longitude_deg()});
      if (km < best_km) {
        best_km = km;
        best = r;
      }
    }
    const Router& router = topology.routers(best);
    const std::string interface = absl::StrCat("site-", seed.id);
    if (!interfaces[router.id()].insert(interface).second) {
      return absl::AlreadyExistsError(absl::StrCat(
          "router \"", router.id(), "\" already has an interface \"", interface, "\""));
    }
    const uint64_t number = static_cast<uint64_t>(topology.sites_size() + new_sites.size() + 1);
    ASSIGN_OR_RETURN(std::string prefix, NthIpv6Subprefix(defaults.site_prefix_block, 64, number));
    ASSIGN_OR_RETURN(std::string next_hop, Ipv6HostAddress(prefix, 2));

    Site site;
    site.set_id(seed.id);
    site.set_name(seed.name.empty() ? seed.id : seed.name);
    site.mutable_location()->set_latitude_deg(seed.location.latitude_deg);
    site.mutable_location()->set_longitude_deg(seed.location.longitude_deg);
    site.mutable_location()->set_place(seed.place);
    auto* att = site.mutable_attachment();
    att->set_router_id(router.id());
    att->set_interface(interface);
    att->set_next_hop_ipv6(next_hop);
    att->add_site_prefixes(prefix);
    if (!defaults.site_ipv4_block.empty()) {
      ASSIGN_OR_RETURN(auto v4,
                       Ipv4SitePlan(defaults.site_ipv4_block, static_cast<uint32_t>(number)));
      att->set_next_hop_ipv4(v4.second);
      att->add_site_prefixes(v4.first);
    }
    const bool resource = seed.hub_kind == HubKind::kResource;
    const uint32_t servers = resource ? defaults.resource_hub_servers : defaults.demand_hub_servers;
    if (servers == 0 && !services.empty()) {
      return absl::InvalidArgumentError("site defaults: servers per service must be > 0");
    }
    for (const std::string& service : services) {
      auto* cap = site.add_capacities();
      cap->set_service_id(service);
      cap->set_servers(servers);
    }
    const double total_servers = static_cast<double>(servers) * services.size();
    auto* power = site.mutable_power();
    power->set_idle_power_w(total_servers * defaults.server_idle_power_w);
    power->set_max_power_w(total_servers * defaults.server_max_power_w);
    power->set_pue(resource ? defaults.resource_hub_pue : defaults.demand_hub_pue);
    power->set_grid_zone(seed.grid_zone);

    new_sites.push_back(std::move(site));
    attached.push_back({seed.id, router.id(), best_km});
    gateways.insert(best);
  }

  for (int r : gateways) {
    Router* router = topology.mutable_routers(r);
    if (std::find(router->roles().begin(), router->roles().end(), v1::ROUTER_ROLE_SITE_GATEWAY) ==
        router->roles().end()) {
      router->add_roles(v1::ROUTER_ROLE_SITE_GATEWAY);
    }
  }
  auto* notes = topology.mutable_provenance()->mutable_notes();
  for (size_t i = 0; i < new_sites.size(); ++i) {
    const Site& s = new_sites[i];
    *notes->Add() = absl::StrFormat(
        "site \"%s\" attached to the nearest router \"%s\" (%.0f km great-circle); %u servers "
        "per service (%s hub)",
        s.id(), s.attachment().router_id(), attached[i].distance_km,
        s.capacities_size() > 0 ? s.capacities(0).servers() : 0,
        seeds[i].hub_kind == HubKind::kResource ? "resource" : "demand");
    *topology.add_sites() = s;
  }
  return attached;
}

absl::StatusOr<std::vector<SiteSeed>> ParseSiteSeedsCsv(std::string_view csv,
                                                        std::string_view source) {
  const std::string source_name(source);
  ASSIGN_OR_RETURN(std::vector<CsvRecord> records,
                   SplitCsv(absl::string_view(csv.data(), csv.size()), source_name));
  if (records.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": empty file, no header row"));
  }
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < records[0].fields.size(); ++i) {
    column[std::string(absl::StripAsciiWhitespace(records[0].fields[i]))] = i;
  }
  for (const char* required : {"cluster_en", "hub_type", "latitude", "longitude"}) {
    if (column.count(required) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(source_name, ":", records[0].line,
                                                     ": header has no column \"", required, "\""));
    }
  }
  std::vector<SiteSeed> seeds;
  std::set<std::string> ids;
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& rec = records[r];
    const std::string where = absl::StrCat(source_name, ":", rec.line, ": ");
    if (rec.fields.size() != records[0].fields.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, rec.fields.size(), " fields, the header has ", records[0].fields.size()));
    }
    auto get = [&](const char* name) -> std::string {
      auto it = column.find(name);
      if (it == column.end()) return "";
      return std::string(absl::StripAsciiWhitespace(rec.fields[it->second]));
    };
    SiteSeed seed;
    const std::string cluster = get("cluster_en");
    absl::string_view stem = cluster;
    if (stem.size() > 8 && absl::EqualsIgnoreCase(stem.substr(stem.size() - 8), " cluster")) {
      stem.remove_suffix(8);
    }
    seed.id = SlugifyId(std::string_view(stem.data(), stem.size()));
    if (seed.id.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "cluster_en \"", cluster, "\" gives no usable id"));
    }
    if (!ids.insert(seed.id).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, "site id \"", seed.id,
                                                     "\" (from cluster_en \"", cluster,
                                                     "\") repeats an earlier row"));
    }
    const std::string hub = get("hub_en");
    seed.name = hub.empty() ? cluster : absl::StrCat(cluster, " (", hub, ")");
    seed.place = get("proxy_admin_unit");
    for (auto [name, out] : {std::pair{"latitude", &seed.location.latitude_deg},
                             std::pair{"longitude", &seed.location.longitude_deg}}) {
      const std::string value = get(name);
      if (!absl::SimpleAtod(value, out) || !std::isfinite(*out)) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, name, " \"", value, "\" is not a number"));
      }
    }
    if (!IsValidLatLon(seed.location)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s(latitude %g, longitude %g) is out of range", where,
                          seed.location.latitude_deg, seed.location.longitude_deg));
    }
    const std::string hub_type = get("hub_type");
    if (absl::StartsWith(hub_type, "demand_hub")) {
      seed.hub_kind = HubKind::kDemand;
    } else if (absl::StartsWith(hub_type, "resource_hub")) {
      seed.hub_kind = HubKind::kResource;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "hub_type \"", hub_type, "\" is neither demand_hub... nor resource_hub..."));
    }
    seed.grid_zone = std::string(ProvinceZone(get("adcode")));
    seeds.push_back(std::move(seed));
  }
  return seeds;
}

absl::StatusOr<std::vector<SiteSeed>> ReadSiteSeedsCsvFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadImportFile(path));
  return ParseSiteSeedsCsv(text, path);
}

Service DefaultLlmInferenceService() {
  Service s;
  s.set_id("llm-inference");
  s.set_name("LLM inference (demo)");
  s.set_anycast_prefix("2001:db8:cafe:1::/64");
  s.set_protocol(cpn::compute::v1::PROTOCOL_TCP);
  auto* port = s.add_ports();
  port->set_first(443);
  port->set_last(443);
  s.set_latency_bound_ms(10000);
  s.set_mean_request_bytes(4620);
  s.set_mean_response_bytes(844);
  s.set_mean_service_time_ms(4000);
  return s;
}

}  // namespace cpn::topology
