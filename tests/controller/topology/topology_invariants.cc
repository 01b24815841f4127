#include "tests/controller/topology/topology_invariants.h"

#include <arpa/inet.h>

#include <array>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace cpn::topology::testing {
namespace {

using Bytes = std::array<uint8_t, 16>;

bool ValidId(const std::string& id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

bool ParseAddress(const std::string& text, Bytes& out) {
  return inet_pton(AF_INET6, text.c_str(), out.data()) == 1;
}

bool ParsePrefix(const std::string& text, Bytes& out, int& length) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) return false;
  if (!absl::SimpleAtoi(text.substr(slash + 1), &length) || length < 0 || length > 128) {
    return false;
  }
  return ParseAddress(text.substr(0, slash), out);
}

// Whether the first `length` bits of a and b agree.
bool SamePrefix(const Bytes& a, const Bytes& b, int length) {
  for (int bit = 0; bit < length; ++bit) {
    const uint8_t mask = static_cast<uint8_t>(0x80 >> (bit % 8));
    if ((a[bit / 8] & mask) != (b[bit / 8] & mask)) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> CheckTopologyInvariants(const cpn::topology::v1::Topology& t) {
  std::vector<std::string> problems;
  auto fail = [&](std::string s) { problems.push_back(std::move(s)); };
  if (t.routers_size() == 0) fail("no routers");
  if (t.links_size() == 0) fail("no links");

  std::set<std::string> routers;
  std::map<std::string, std::set<std::string>> interfaces;
  std::vector<std::pair<Bytes, std::string>> locators;
  for (const auto& r : t.routers()) {
    if (!ValidId(r.id())) fail(absl::StrCat("router id \"", r.id(), "\" is not valid"));
    if (!routers.insert(r.id()).second) fail(absl::StrCat("router id \"", r.id(), "\" repeats"));
    const double lat = r.location().latitude_deg();
    const double lon = r.location().longitude_deg();
    if (!r.has_location() || !std::isfinite(lat) || !std::isfinite(lon) || lat < -90 || lat > 90 ||
        lon < -180 || lon > 180) {
      fail(absl::StrCat("router \"", r.id(), "\" has no valid location"));
    }
    Bytes loc{};
    int length = 0;
    if (!ParsePrefix(r.srv6_locator(), loc, length) || length != 48) {
      fail(absl::StrCat("router \"", r.id(), "\" locator \"", r.srv6_locator(), "\" is not a /48"));
      continue;
    }
    for (const auto& [other, owner] : locators) {
      if (SamePrefix(loc, other, 48)) {
        fail(absl::StrCat("locators of \"", r.id(), "\" and \"", owner, "\" overlap"));
      }
    }
    locators.emplace_back(loc, r.id());
    Bytes loopback{};
    if (!r.loopback_ipv6().empty() &&
        (!ParseAddress(r.loopback_ipv6(), loopback) || !SamePrefix(loopback, loc, 48))) {
      fail(absl::StrCat("router \"", r.id(), "\" loopback is not inside its locator"));
    }
  }

  std::set<std::string> links;
  for (const auto& l : t.links()) {
    if (!ValidId(l.id())) fail(absl::StrCat("link id \"", l.id(), "\" is not valid"));
    if (!links.insert(l.id()).second) fail(absl::StrCat("link id \"", l.id(), "\" repeats"));
    if (l.a().router_id() == l.b().router_id()) {
      fail(absl::StrCat("link \"", l.id(), "\" joins a router to itself"));
    }
    for (const auto* end : {&l.a(), &l.b()}) {
      if (routers.count(end->router_id()) == 0) {
        fail(absl::StrCat("link \"", l.id(), "\" names missing router \"", end->router_id(), "\""));
      }
      if (end->interface().empty() ||
          !interfaces[end->router_id()].insert(end->interface()).second) {
        fail(absl::StrCat("link \"", l.id(), "\": interface \"", end->interface(), "\" on \"",
                          end->router_id(), "\" is empty or repeats"));
      }
    }
    if (l.capacity_bps() == 0) fail(absl::StrCat("link \"", l.id(), "\" has no capacity"));
    if (l.propagation_delay_us() == 0) fail(absl::StrCat("link \"", l.id(), "\" has no delay"));
    if (l.igp_metric() == 0) fail(absl::StrCat("link \"", l.id(), "\" has metric 0"));
  }

  std::set<std::string> services;
  for (const auto& s : t.services()) {
    if (!ValidId(s.id()) || !services.insert(s.id()).second) {
      fail(absl::StrCat("service id \"", s.id(), "\" is not valid or repeats"));
    }
  }
  std::set<std::string> sites;
  for (const auto& s : t.sites()) {
    if (!ValidId(s.id()) || !sites.insert(s.id()).second) {
      fail(absl::StrCat("site id \"", s.id(), "\" is not valid or repeats"));
    }
    const auto& att = s.attachment();
    if (routers.count(att.router_id()) == 0) {
      fail(absl::StrCat("site \"", s.id(), "\" attaches to missing router \"", att.router_id(),
                        "\""));
    }
    if (att.interface().empty() || !interfaces[att.router_id()].insert(att.interface()).second) {
      fail(absl::StrCat("site \"", s.id(), "\": interface \"", att.interface(),
                        "\" is empty or repeats"));
    }
    for (const auto& c : s.capacities()) {
      if (services.count(c.service_id()) == 0 || c.servers() == 0) {
        fail(absl::StrCat("site \"", s.id(), "\": bad capacity for \"", c.service_id(), "\""));
      }
    }
  }
  return problems;
}

}  // namespace cpn::topology::testing
