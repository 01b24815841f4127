#include "dataplane/agent/entity_check.h"

#include <cstdio>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "dataplane/agent/emulation.h"

namespace cpn::dataplane::agent {
namespace {

absl::Status Bad(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

// Parses an address of the given family ("" = either) and rewrites it in
// canonical form. `field` names it in errors.
absl::StatusOr<IpAddress> CanonAddress(std::string* text, absl::string_view field,
                                       int family /* 0 either, 4, 6 */) {
  if (text->empty()) return Bad(field, "missing address");
  absl::StatusOr<IpAddress> a = ParseIpAddress(*text);
  if (!a.ok()) return Bad(field, a.status().message());
  if (family == 6 && a->is_v4_mapped()) {
    return Bad(field, absl::StrCat("'", *text, "' is not an IPv6 address"));
  }
  if (family == 4 && !a->is_v4_mapped()) {
    return Bad(field, absl::StrCat("'", *text, "' is not an IPv4 address"));
  }
  *text = ToString(*a);
  return *a;
}

absl::Status CanonNextHop(v1::NextHop* nh, absl::string_view field, int family) {
  if (nh->port_id() == 0) return Bad(absl::StrCat(field, ".port_id"), "0 is not a port id");
  absl::StatusOr<IpAddress> a =
      CanonAddress(nh->mutable_address(), absl::StrCat(field, ".address"), family);
  return a.ok() ? absl::OkStatus() : a.status();
}

absl::Status CanonPort(v1::Port* p, const Limits& limits) {
  if (p->name().empty()) return Bad("name", "missing");
  if (!p->mac_address().empty()) {
    absl::StatusOr<rte_ether_addr> mac = ParseMac(p->mac_address());
    if (!mac.ok()) return Bad("mac_address", mac.status().message());
    p->set_mac_address(MacText(*mac));
  }
  if (p->mtu() != 0 && (p->mtu() < 1280 || p->mtu() > 9000)) {
    return Bad("mtu", absl::StrCat(p->mtu(), " is outside 1280..9000 (0 means 1500)"));
  }
  if (!cpn::common::v1::AdminState_IsValid(p->admin_state())) {
    return Bad("admin_state", absl::StrCat("unknown value ", p->admin_state()));
  }
  if (p->has_emulation()) {
    RETURN_IF_ERROR(CheckLinkEmulation(p->emulation(), "emulation", limits.lab_emulation));
  }
  p->clear_status();
  return absl::OkStatus();
}

absl::Status CanonNeighbor(v1::Neighbor* n) {
  absl::StatusOr<rte_ether_addr> mac = ParseMac(n->mac_address());
  if (!mac.ok()) return Bad("mac_address", mac.status().message());
  n->set_mac_address(MacText(*mac));
  return absl::OkStatus();
}

absl::Status CanonRoute(v1::Route* r, const EntityKey& key, const Limits& limits) {
  const int family = key.route.prefix.family == IpFamily::kIpv4 ? 4 : 6;
  switch (r->action_case()) {
    case v1::Route::kNextHops: {
      auto* hops = r->mutable_next_hops()->mutable_next_hops();
      if (hops->empty() || static_cast<uint32_t>(hops->size()) > limits.max_ecmp_next_hops) {
        return Bad("next_hops.next_hops",
                   absl::StrCat(hops->size(), " next hops; want 1..", limits.max_ecmp_next_hops));
      }
      std::set<std::pair<uint32_t, std::string>> seen;
      for (int i = 0; i < hops->size(); ++i) {
        const std::string field = absl::StrCat("next_hops.next_hops[", i, "]");
        if (absl::Status s = CanonNextHop(&(*hops)[i], field, family); !s.ok()) return s;
        if (!seen.emplace((*hops)[i].port_id(), (*hops)[i].address()).second) {
          return Bad(field, "the same next hop twice");
        }
      }
      return absl::OkStatus();
    }
    case v1::Route::kLocal:
    case v1::Route::kBlackhole:
      return absl::OkStatus();
    case v1::Route::ACTION_NOT_SET:
      break;
  }
  return Bad("action", "exactly one of next_hops, local, blackhole must be set");
}

absl::Status CanonLocalSid(v1::LocalSid* sid, const Limits& limits) {
  bool flavors_allowed = false;
  switch (sid->behavior_case()) {
    case v1::LocalSid::kEnd:
      flavors_allowed = true;
      break;
    case v1::LocalSid::kEndX:
      flavors_allowed = true;
      if (!sid->end_x().has_next_hop()) return Bad("end_x.next_hop", "missing");
      RETURN_IF_ERROR(CanonNextHop(sid->mutable_end_x()->mutable_next_hop(), "end_x.next_hop", 6));
      break;
    case v1::LocalSid::kEndDx6:
      if (!sid->end_dx6().has_next_hop()) return Bad("end_dx6.next_hop", "missing");
      RETURN_IF_ERROR(
          CanonNextHop(sid->mutable_end_dx6()->mutable_next_hop(), "end_dx6.next_hop", 6));
      break;
    case v1::LocalSid::kEndDx4:
      if (!sid->end_dx4().has_next_hop()) return Bad("end_dx4.next_hop", "missing");
      RETURN_IF_ERROR(
          CanonNextHop(sid->mutable_end_dx4()->mutable_next_hop(), "end_dx4.next_hop", 4));
      break;
    case v1::LocalSid::kEndDt6:
      if (sid->end_dt6().table_id() >= limits.capacities.tables) {
        return Bad("end_dt6.table_id", absl::StrCat(sid->end_dt6().table_id(), " >= ",
                                                    limits.capacities.tables, " (FIB tables)"));
      }
      break;
    case v1::LocalSid::BEHAVIOR_NOT_SET:
      return Bad("behavior", "exactly one of end, end_x, end_dx6, end_dt6, end_dx4 must be set");
  }
  std::set<int> seen;
  for (int i = 0; i < sid->flavors_size(); ++i) {
    const std::string field = absl::StrCat("flavors[", i, "]");
    const int f = sid->flavors(i);
    if (!flavors_allowed) return Bad(field, "flavours are allowed only with end and end_x");
    if (f == v1::SID_FLAVOR_USP) {
      return Bad(field, "USP is not supported (the dataplane has no local stack)");
    }
    if (f != v1::SID_FLAVOR_PSP && f != v1::SID_FLAVOR_USD) {
      return Bad(field, absl::StrCat("not a flavour: ", f));
    }
    if (!seen.insert(f).second) return Bad(field, "repeated flavour");
  }
  return absl::OkStatus();
}

absl::Status CanonPolicy(v1::Srv6Policy* p, const Limits& limits) {
  if (absl::StatusOr<IpAddress> a = CanonAddress(p->mutable_source_address(), "source_address", 6);
      !a.ok()) {
    return a.status();
  }
  if (p->segments().empty() || static_cast<uint32_t>(p->segments_size()) > limits.max_segments) {
    return Bad("segments",
               absl::StrCat(p->segments_size(), " segments; want 1..", limits.max_segments));
  }
  for (int i = 0; i < p->segments_size(); ++i) {
    absl::StatusOr<IpAddress> a =
        CanonAddress(p->mutable_segments(i), absl::StrCat("segments[", i, "]"), 6);
    if (!a.ok()) return a.status();
  }
  if (p->encap_mode() != v1::ENCAP_MODE_H_ENCAPS &&
      p->encap_mode() != v1::ENCAP_MODE_H_ENCAPS_RED) {
    return Bad("encap_mode", "must be H_ENCAPS or H_ENCAPS_RED");
  }
  if (p->hop_limit() > 255) return Bad("hop_limit", absl::StrCat(p->hop_limit(), " > 255"));
  return absl::OkStatus();
}

absl::Status CanonRule(v1::SteeringRule* r, const Limits& limits,
                       const std::string* installed_prefix) {
  if (!r->has_match()) return Bad("match", "missing");
  v1::SteeringMatch* m = r->mutable_match();
  if (installed_prefix == nullptr || m->destination_prefix() != *installed_prefix) {
    absl::StatusOr<IpPrefix> prefix = ParseIpPrefix(m->destination_prefix());
    if (!prefix.ok()) return Bad("match.destination_prefix", prefix.status().message());
    if (std::string canonical = CanonicalText(*prefix); canonical != m->destination_prefix()) {
      m->set_destination_prefix(std::move(canonical));
    }
  }
  if (m->protocol() != cpn::compute::v1::PROTOCOL_UNSPECIFIED &&
      m->protocol() != cpn::compute::v1::PROTOCOL_TCP &&
      m->protocol() != cpn::compute::v1::PROTOCOL_UDP) {
    return Bad("match.protocol", absl::StrCat("unknown protocol ", m->protocol()));
  }
  if (m->has_destination_ports()) {
    const uint32_t first = m->destination_ports().first();
    const uint32_t last =
        m->destination_ports().last() == 0 ? first : m->destination_ports().last();
    if (first < 1 || first > 65535 || last < first || last > 65535) {
      return Bad("match.destination_ports",
                 absl::StrCat("[", first, ", ", m->destination_ports().last(),
                              "] is not a range within 1..65535"));
    }
  }
  switch (r->action_case()) {
    case v1::SteeringRule::kWeighted: {
      const auto& ps = r->weighted().policies();
      if (ps.empty() || static_cast<uint32_t>(ps.size()) > limits.max_policies_per_rule) {
        return Bad("weighted.policies",
                   absl::StrCat(ps.size(), " policies; want 1..", limits.max_policies_per_rule));
      }
      // At most max_policies_per_rule (64) members: a quadratic scan for
      // duplicates beats a std::set, and field names are formatted only for
      // an error (this runs for every rule of a Write).
      uint64_t sum = 0;
      for (int i = 0; i < ps.size(); ++i) {
        auto field = [i] { return absl::StrCat("weighted.policies[", i, "].policy_id"); };
        if (ps[i].policy_id() == 0) return Bad(field(), "0 is not an id");
        for (int j = 0; j < i; ++j) {
          if (ps[j].policy_id() == ps[i].policy_id()) {
            return Bad(field(), absl::StrCat("policy ", ps[i].policy_id(), " listed twice"));
          }
        }
        sum += ps[i].weight();
      }
      if (sum > (1u << 24)) {
        return Bad("weighted.policies", absl::StrCat("weights sum to ", sum, " > 2^24"));
      }
      break;
    }
    case v1::SteeringRule::kDrop:
      break;
    case v1::SteeringRule::ACTION_NOT_SET:
      return Bad("action", "exactly one of weighted, drop must be set");
  }
  if (r->has_affinity_idle_timeout()) {
    const auto& d = r->affinity_idle_timeout();
    if (d.seconds() < 0 || d.nanos() < 0 || d.nanos() >= 1'000'000'000) {
      return Bad("affinity_idle_timeout", "must be a non-negative duration");
    }
  }
  if (!v1::AffinityKey_IsValid(r->affinity_key())) {
    return Bad("affinity_key", absl::StrCat("unknown value ", r->affinity_key()));
  }
  return absl::OkStatus();
}

}  // namespace

std::string CanonicalText(const IpPrefix& p) {
  if (p.family == IpFamily::kIpv4) return ToString(p);
  uint16_t words[8];
  for (int i = 0; i < 8; ++i)
    words[i] = static_cast<uint16_t>(p.addr.bytes[2 * i] << 8 | p.addr.bytes[2 * i + 1]);
  // The longest run of zero groups (the first of equal runs), if >= 2 long,
  // becomes "::" (RFC 5952, as inet_ntop does).
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (words[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && words[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2) best = -1;
  // inet_ntop writes ::a.b.c.d and ::ffff:a.b.c.d: leave those to it.
  if (best == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) return ToString(p);
  static constexpr char kHex[] = "0123456789abcdef";
  char buf[48];
  char* out = buf;
  for (int i = 0; i < 8; ++i) {
    if (best >= 0 && i >= best && i < best + best_len) {
      if (i == best) *out++ = ':';
      continue;
    }
    if (i != 0) *out++ = ':';
    const uint16_t w = words[i];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const int nibble = (w >> shift) & 0xf;
      if (nibble == 0 && !started && shift != 0) continue;
      started = true;
      *out++ = kHex[nibble];
    }
  }
  if (best >= 0 && best + best_len == 8) *out++ = ':';
  std::string text(buf, out);
  absl::StrAppend(&text, "/", p.length);
  return text;
}

v1::EntityType TypeOf(const v1::Entity& e) {
  // Field numbers equal the EntityType values (entities.proto).
  return static_cast<v1::EntityType>(static_cast<int>(e.entity_case()));
}

absl::StatusOr<rte_ether_addr> ParseMac(absl::string_view text) {
  rte_ether_addr mac{};
  if (text.size() != 17) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not a MAC aa:bb:cc:dd:ee:ff"));
  }
  for (int i = 0; i < 6; ++i) {
    if (i > 0 && text[3 * i - 1] != ':') {
      return absl::InvalidArgumentError(
          absl::StrCat("'", text, "' is not a MAC aa:bb:cc:dd:ee:ff"));
    }
    int v = 0;
    for (int j = 0; j < 2; ++j) {
      const char c = absl::ascii_tolower(text[3 * i + j]);
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("'", text, "' is not a MAC aa:bb:cc:dd:ee:ff"));
      }
      v = v * 16 + d;
    }
    mac.addr_bytes[i] = static_cast<uint8_t>(v);
  }
  return mac;
}

std::string MacText(const rte_ether_addr& m) {
  const uint8_t* b = m.addr_bytes;
  return absl::StrFormat("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
}

absl::StatusOr<IpAddress> ParseIpv6(absl::string_view text) {
  absl::StatusOr<IpAddress> a = ParseIpAddress(text);
  if (!a.ok()) return a;
  if (a->is_v4_mapped()) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not an IPv6 address"));
  }
  return a;
}

absl::StatusOr<EntityKey> KeyOf(const v1::Entity& e) {
  EntityKey k;
  k.type = TypeOf(e);
  switch (e.entity_case()) {
    case v1::Entity::kPort:
      k.id = e.port().id();
      if (k.id == 0) return Bad("id", "0 is not a port id");
      k.text = absl::StrCat(k.id);
      return k;
    case v1::Entity::kNeighbor: {
      k.neighbor.port_id = e.neighbor().port_id();
      if (k.neighbor.port_id == 0) return Bad("port_id", "0 is not a port id");
      absl::StatusOr<IpAddress> a = ParseIpAddress(e.neighbor().address());
      if (!a.ok()) return Bad("address", a.status().message());
      k.neighbor.address = *a;
      k.text = KeyText(k.neighbor);
      return k;
    }
    case v1::Entity::kRoute: {
      k.route.table_id = e.route().table_id();
      absl::StatusOr<IpPrefix> p = ParseIpPrefix(e.route().prefix());
      if (!p.ok()) return Bad("prefix", p.status().message());
      k.route.prefix = *p;
      k.text = KeyText(k.route);
      return k;
    }
    case v1::Entity::kLocalSid: {
      absl::StatusOr<IpAddress> a = ParseIpv6(e.local_sid().sid());
      if (!a.ok()) return Bad("sid", a.status().message());
      k.sid = *a;
      k.text = ToString(*a);
      return k;
    }
    case v1::Entity::kSrv6Policy:
      k.id = e.srv6_policy().id();
      if (k.id == 0) return Bad("id", "0 is not a policy id");
      k.text = absl::StrCat(k.id);
      return k;
    case v1::Entity::kSteeringRule:
      k.id = e.steering_rule().id();
      if (k.id == 0) return Bad("id", "0 is not a rule id");
      k.text = absl::StrCat(k.id);
      return k;
    case v1::Entity::ENTITY_NOT_SET:
      break;
  }
  return Bad("entity", "exactly one entity kind must be set");
}

absl::Status Canonicalize(v1::Entity* e, const Limits& limits,
                          const std::string* installed_prefix) {
  if (e->has_steering_rule()) {  // Its key is just the id.
    if (e->steering_rule().id() == 0) return Bad("id", "0 is not a rule id");
    return CanonRule(e->mutable_steering_rule(), limits, installed_prefix);
  }
  absl::StatusOr<EntityKey> key = KeyOf(*e);
  if (!key.ok()) return key.status();
  switch (e->entity_case()) {
    case v1::Entity::kPort:
      return CanonPort(e->mutable_port(), limits);
    case v1::Entity::kNeighbor:
      e->mutable_neighbor()->set_address(ToString(key->neighbor.address));
      return CanonNeighbor(e->mutable_neighbor());
    case v1::Entity::kRoute:
      if (key->route.table_id >= limits.capacities.tables) {
        return Bad("table_id", absl::StrCat(key->route.table_id, " >= ", limits.capacities.tables,
                                            " (FIB tables)"));
      }
      e->mutable_route()->set_prefix(ToString(key->route.prefix));
      return CanonRoute(e->mutable_route(), *key, limits);
    case v1::Entity::kLocalSid:
      e->mutable_local_sid()->set_sid(key->text);
      return CanonLocalSid(e->mutable_local_sid(), limits);
    case v1::Entity::kSrv6Policy:
      return CanonPolicy(e->mutable_srv6_policy(), limits);
    case v1::Entity::kSteeringRule:
      return CanonRule(e->mutable_steering_rule(), limits, installed_prefix);
    case v1::Entity::ENTITY_NOT_SET:
      break;
  }
  return Bad("entity", "exactly one entity kind must be set");
}

}  // namespace cpn::dataplane::agent
