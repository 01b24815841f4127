#include "dataplane/agent/batch.h"

#include <map>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace cpn::dataplane::agent {
namespace {

using Code = absl::StatusCode;

class Tracker {
 public:
  void Fail(uint32_t index, Code code, v1::EntityType type, const std::string& key,
            std::string message) {
    errors_.emplace(index, UpdateFailure{index, code, std::move(message), type, key});
  }
  // Each key an update of this batch names, with the first update naming it:
  // seen, then written (INSERT, MODIFY) or deleted once it applied. One map
  // for the duplicate check and for blame (two string-keyed maps per kind
  // were a visible part of a 16,000-update batch).
  enum class State : uint8_t { kSeen, kWritten, kDeleted };
  struct Touch {
    uint32_t index;
    State state;
  };
  // nullptr when an earlier update of the batch named the same key. The
  // pointer stays valid until the next See of that kind.
  Touch* See(v1::EntityType t, const std::string& key, uint32_t index) {
    auto [it, fresh] = touched_[t].try_emplace(key, Touch{index, State::kSeen});
    return fresh ? &it->second : nullptr;
  }
  void Wrote(v1::EntityType t, Touch* touch) {
    touch->state = State::kWritten;
    wrote_any_[t] = true;
  }
  void Deleted(v1::EntityType t, Touch* touch) {
    touch->state = State::kDeleted;
    deleted_any_[t] = true;
  }
  bool wrote_any(v1::EntityType t) const { return wrote_any_[t]; }
  bool deleted_any(v1::EntityType t) const { return deleted_any_[t]; }
  void Reserve(v1::EntityType t, size_t n) { touched_[t].reserve(n); }
  std::optional<uint32_t> WrittenAt(v1::EntityType t, const std::string& key) const {
    return At(t, key, State::kWritten);
  }
  std::optional<uint32_t> DeletedAt(v1::EntityType t, const std::string& key) const {
    return At(t, key, State::kDeleted);
  }

  // A reference from (from, from_key).field to (to, to_key) that the batch
  // leaves dangling: blame the referring update when the batch wrote it,
  // else the DELETE that removed the target.
  void Dangling(v1::EntityType from, const std::string& from_key, const std::string& field,
                v1::EntityType to, const std::string& to_key) {
    if (std::optional<uint32_t> w = WrittenAt(from, from_key)) {
      Fail(*w, Code::kInvalidArgument, from, from_key,
           absl::StrCat(field, ": ", KindName(to), " ", to_key, " does not exist"));
    } else if (std::optional<uint32_t> d = DeletedAt(to, to_key)) {
      Fail(*d, Code::kInvalidArgument, to, to_key,
           absl::StrCat("still referenced by ", KindName(from), " ", from_key, " (", field, ")"));
    }
  }

  std::vector<UpdateFailure> TakeErrors() {
    std::vector<UpdateFailure> out;
    for (auto& [i, e] : errors_) out.push_back(std::move(e));
    return out;
  }

 private:
  std::optional<uint32_t> At(v1::EntityType t, const std::string& key, State state) const {
    auto it = touched_[t].find(key);
    return it == touched_[t].end() || it->second.state != state
               ? std::nullopt
               : std::optional<uint32_t>(it->second.index);
  }

  std::map<uint32_t, UpdateFailure> errors_;  // First problem of each update.
  absl::flat_hash_map<std::string, Touch> touched_[7];
  bool wrote_any_[7] = {};
  bool deleted_any_[7] = {};
};

// INSERT / MODIFY / DELETE of one keyed entity. Returns false on failure
// (reported to the tracker).
template <typename Map, typename Key, typename Value>
bool ApplyOne(Map& map, const Key& key, Value&& value, v1::UpdateType type, uint32_t index,
              v1::EntityType kind, const std::string& key_text, Tracker& t, Tracker::Touch* touch,
              std::vector<std::pair<Key, std::optional<typename Map::mapped_type>>>& undo) {
  auto it = map.find(key);
  switch (type) {
    case v1::UPDATE_TYPE_INSERT:
      if (it != map.end()) {
        t.Fail(index, Code::kAlreadyExists, kind, key_text,
               absl::StrCat(KindName(kind), " ", key_text, " is already installed"));
        return false;
      }
      map.emplace_hint(it, key, std::forward<Value>(value));
      undo.emplace_back(key, std::nullopt);
      t.Wrote(kind, touch);
      return true;
    case v1::UPDATE_TYPE_MODIFY:
      if (it == map.end()) {
        t.Fail(index, Code::kNotFound, kind, key_text,
               absl::StrCat(KindName(kind), " ", key_text, " is not installed"));
        return false;
      }
      undo.emplace_back(key, std::move(it->second));
      it->second = std::forward<Value>(value);
      t.Wrote(kind, touch);
      return true;
    case v1::UPDATE_TYPE_DELETE:
      if (it == map.end()) {
        t.Fail(index, Code::kNotFound, kind, key_text,
               absl::StrCat(KindName(kind), " ", key_text, " is not installed"));
        return false;
      }
      undo.emplace_back(key, std::move(it->second));
      map.erase(it);
      t.Deleted(kind, touch);
      return true;
    default:
      return false;
  }
}

std::string PortText(uint32_t id) { return absl::StrCat(id); }

// The key as the client wrote it, for errors about keys that do not parse.
std::string RawKeyText(const v1::Entity& e) {
  switch (e.entity_case()) {
    case v1::Entity::kPort:
      return absl::StrCat(e.port().id());
    case v1::Entity::kNeighbor:
      return absl::StrCat(e.neighbor().port_id(), " ", e.neighbor().address());
    case v1::Entity::kRoute:
      return absl::StrCat(e.route().table_id(), " ", e.route().prefix());
    case v1::Entity::kLocalSid:
      return e.local_sid().sid();
    case v1::Entity::kSrv6Policy:
      return absl::StrCat(e.srv6_policy().id());
    case v1::Entity::kSteeringRule:
      return absl::StrCat(e.steering_rule().id());
    case v1::Entity::ENTITY_NOT_SET:
      break;
  }
  return "";
}

// Texts for errors are made only when there is an error (formatting them
// for every entity was a good part of a large batch's cost).
template <typename KeyTextFn, typename FieldFn>
void CheckNextHopPort(const InstalledState& s, Tracker& t, v1::EntityType from,
                      const KeyTextFn& from_key, const FieldFn& field, uint32_t port_id) {
  if (s.ports.count(port_id) == 0) {
    t.Dangling(from, from_key(), field(), v1::ENTITY_TYPE_PORT, PortText(port_id));
  }
}

template <typename Map, typename Key>
void Restore(Map& map, std::vector<std::pair<Key, std::optional<typename Map::mapped_type>>>& log) {
  for (auto& [key, old] : log) {
    if (old.has_value()) {
      map.insert_or_assign(key, *std::move(old));
    } else {
      map.erase(key);
    }
  }
  log.clear();
}

// Calls f(key, entity) for each entity of `map` the batch wrote (INSERT or
// MODIFY; `log` also lists DELETEs, which are no longer in `map`).
template <typename Map, typename Key, typename F>
void ForWritten(const Map& map,
                const std::vector<std::pair<Key, std::optional<typename Map::mapped_type>>>& log,
                F f) {
  for (const auto& entry : log) {
    auto it = map.find(entry.first);
    if (it != map.end()) f(it->first, it->second);
  }
}

}  // namespace

void Undo(InstalledState& state, UndoLog& undo) {
  Restore(state.ports, undo.ports);
  Restore(state.neighbors, undo.neighbors);
  Restore(state.routes, undo.routes);
  Restore(state.local_sids, undo.local_sids);
  Restore(state.policies, undo.policies);
  Restore(state.rules, undo.rules);
}

BatchResult ApplyBatch(InstalledState& state, const v1::WriteRequest& request,
                       const Limits& limits) {
  BatchResult r;
  InstalledState& next = state;
  UndoLog& undo = r.undo;
  Tracker t;
  // Sized up front: growing these (and rehashing every key string) was a
  // visible part of a 16,000-update batch.
  size_t per_kind[7] = {};
  for (const v1::Update& u : request.updates()) ++per_kind[TypeOf(u.entity())];
  for (int k = 0; k < 7; ++k) t.Reserve(static_cast<v1::EntityType>(k), per_kind[k]);
  undo.ports.reserve(per_kind[v1::ENTITY_TYPE_PORT]);
  undo.neighbors.reserve(per_kind[v1::ENTITY_TYPE_NEIGHBOR]);
  undo.routes.reserve(per_kind[v1::ENTITY_TYPE_ROUTE]);
  undo.local_sids.reserve(per_kind[v1::ENTITY_TYPE_LOCAL_SID]);
  undo.policies.reserve(per_kind[v1::ENTITY_TYPE_SRV6_POLICY]);
  undo.rules.reserve(per_kind[v1::ENTITY_TYPE_STEERING_RULE]);
  int first_insert_of[7] = {-1, -1, -1, -1, -1, -1, -1};
  int first_v4_route_insert = -1;
  int first_v6_route_insert = -1;

  for (int i = 0; i < request.updates_size(); ++i) {
    const uint32_t index = static_cast<uint32_t>(i);
    const v1::Update& u = request.updates(i);
    const v1::UpdateType type = u.type();
    if (type != v1::UPDATE_TYPE_INSERT && type != v1::UPDATE_TYPE_MODIFY &&
        type != v1::UPDATE_TYPE_DELETE) {
      t.Fail(index, Code::kInvalidArgument, TypeOf(u.entity()), "",
             "type: must be INSERT, MODIFY or DELETE");
      continue;
    }
    if (u.entity().entity_case() == v1::Entity::ENTITY_NOT_SET) {
      t.Fail(index, Code::kInvalidArgument, v1::ENTITY_TYPE_UNSPECIFIED, "",
             "entity: exactly one entity kind must be set");
      continue;
    }
    const v1::EntityType kind = TypeOf(u.entity());
    absl::StatusOr<EntityKey> key = KeyOf(u.entity());
    if (!key.ok()) {
      t.Fail(index, key.status().code(), kind, RawKeyText(u.entity()),
             std::string(key.status().message()));
      continue;
    }
    Tracker::Touch* touch = t.See(kind, key->text, index);
    if (touch == nullptr) {
      t.Fail(index, Code::kInvalidArgument, kind, key->text,
             absl::StrCat(KindName(kind), " ", key->text, " appears twice in this batch"));
      continue;
    }
    v1::Entity e = u.entity();
    if (type != v1::UPDATE_TYPE_DELETE) {
      const std::string* installed_prefix = nullptr;
      if (kind == v1::ENTITY_TYPE_STEERING_RULE && type == v1::UPDATE_TYPE_MODIFY) {
        if (auto it = next.rules.find(key->id); it != next.rules.end()) {
          installed_prefix = &it->second.match().destination_prefix();
        }
      }
      if (absl::Status s = Canonicalize(&e, limits, installed_prefix); !s.ok()) {
        t.Fail(index, s.code(), kind, key->text, std::string(s.message()));
        continue;
      }
      if (r.first_write_of[kind] < 0) r.first_write_of[kind] = i;
    }
    if (type == v1::UPDATE_TYPE_INSERT) {
      if (first_insert_of[kind] < 0) first_insert_of[kind] = i;
      if (kind == v1::ENTITY_TYPE_ROUTE) {
        int& f = key->route.prefix.family == IpFamily::kIpv4 ? first_v4_route_insert
                                                             : first_v6_route_insert;
        if (f < 0) f = i;
      }
    }
    switch (kind) {
      case v1::ENTITY_TYPE_PORT: {
        v1::Port& p = *e.mutable_port();
        auto installed = next.ports.find(key->id);
        if (type == v1::UPDATE_TYPE_INSERT && installed == next.ports.end() &&
            p.devargs().empty()) {
          t.Fail(index, Code::kInvalidArgument, kind, key->text, "devargs: missing");
          continue;
        }
        bool mac_changed = type == v1::UPDATE_TYPE_INSERT && !p.mac_address().empty();
        if (type == v1::UPDATE_TYPE_MODIFY && installed != next.ports.end()) {
          if (p.devargs().empty()) {
            p.set_devargs(installed->second.devargs());
          } else if (p.devargs() != installed->second.devargs()) {
            t.Fail(index, Code::kInvalidArgument, kind, key->text,
                   absl::StrCat("devargs: cannot change by MODIFY (installed \"",
                                installed->second.devargs(),
                                "\"); delete the port and insert it again"));
            continue;
          }
          mac_changed = p.mac_address() != installed->second.mac_address();
        }
        if (!ApplyOne(next.ports, key->id, std::move(p), type, index, kind, key->text, t, touch,
                      undo.ports)) {
          continue;
        }
        if (type == v1::UPDATE_TYPE_INSERT) r.inserted_ports.push_back(key->id);
        if (type == v1::UPDATE_TYPE_DELETE) r.deleted_ports.push_back(key->id);
        if (mac_changed) r.mac_changed_ports.push_back(key->id);
        break;
      }
      case v1::ENTITY_TYPE_NEIGHBOR:
        ApplyOne(next.neighbors, key->neighbor, std::move(*e.mutable_neighbor()), type, index, kind,
                 key->text, t, touch, undo.neighbors);
        break;
      case v1::ENTITY_TYPE_ROUTE:
        ApplyOne(next.routes, key->route, std::move(*e.mutable_route()), type, index, kind,
                 key->text, t, touch, undo.routes);
        break;
      case v1::ENTITY_TYPE_LOCAL_SID:
        ApplyOne(next.local_sids, key->sid, std::move(*e.mutable_local_sid()), type, index, kind,
                 key->text, t, touch, undo.local_sids);
        break;
      case v1::ENTITY_TYPE_SRV6_POLICY:
        ApplyOne(next.policies, key->id, std::move(*e.mutable_srv6_policy()), type, index, kind,
                 key->text, t, touch, undo.policies);
        break;
      case v1::ENTITY_TYPE_STEERING_RULE:
        ApplyOne(next.rules, key->id, std::move(*e.mutable_steering_rule()), type, index, kind,
                 key->text, t, touch, undo.rules);
        break;
      default:
        break;
    }
  }

  // --- Capacities. ---
  const Capacities& cap = limits.capacities;
  auto capacity = [&](size_t have, uint32_t max, int blame, v1::EntityType kind, const char* what) {
    if (have > max && blame >= 0) {
      t.Fail(static_cast<uint32_t>(blame), Code::kResourceExhausted, kind, "",
             absl::StrCat("table full: the batch leaves ", have, " ", what, "; capacity ", max));
    }
  };
  size_t v4_routes = 0;  // Only a route INSERT can overflow a route table.
  if (first_v4_route_insert >= 0 || first_v6_route_insert >= 0) {
    for (const auto& [k, route] : next.routes) v4_routes += k.prefix.family == IpFamily::kIpv4;
  }
  capacity(next.ports.size(), cap.ports, first_insert_of[v1::ENTITY_TYPE_PORT],
           v1::ENTITY_TYPE_PORT, "ports");
  capacity(next.neighbors.size(), cap.neighbors, first_insert_of[v1::ENTITY_TYPE_NEIGHBOR],
           v1::ENTITY_TYPE_NEIGHBOR, "neighbors");
  capacity(next.routes.size() - v4_routes, cap.ipv6_routes, first_v6_route_insert,
           v1::ENTITY_TYPE_ROUTE, "IPv6 routes");
  capacity(v4_routes, cap.ipv4_routes, first_v4_route_insert, v1::ENTITY_TYPE_ROUTE, "IPv4 routes");
  capacity(next.local_sids.size(), cap.local_sids, first_insert_of[v1::ENTITY_TYPE_LOCAL_SID],
           v1::ENTITY_TYPE_LOCAL_SID, "local SIDs");
  capacity(next.policies.size(), cap.srv6_policies, first_insert_of[v1::ENTITY_TYPE_SRV6_POLICY],
           v1::ENTITY_TYPE_SRV6_POLICY, "SRv6 policies");
  capacity(next.rules.size(), cap.steering_rules, first_insert_of[v1::ENTITY_TYPE_STEERING_RULE],
           v1::ENTITY_TYPE_STEERING_RULE, "steering rules");

  // --- References and uniqueness, on the state the batch produces. ---
  std::map<std::string, uint32_t> port_names;
  for (const auto& [id, port] : next.ports) {
    auto [it, fresh] = port_names.emplace(port.name(), id);
    if (fresh) continue;
    const std::string a = PortText(it->second);
    const std::string b = PortText(id);
    const std::optional<uint32_t> wa = t.WrittenAt(v1::ENTITY_TYPE_PORT, a);
    const std::optional<uint32_t> wb = t.WrittenAt(v1::ENTITY_TYPE_PORT, b);
    const bool blame_b = wb.has_value() && (!wa.has_value() || *wb > *wa);
    const std::string& culprit = blame_b ? b : a;
    const std::string& other = blame_b ? a : b;
    if (std::optional<uint32_t> w = blame_b ? wb : wa) {
      t.Fail(*w, Code::kInvalidArgument, v1::ENTITY_TYPE_PORT, culprit,
             absl::StrCat("name: \"", port.name(), "\" is also the name of port ", other));
    }
  }
  // A reference can only dangle when the batch wrote the referrer or
  // deleted the target: with no port deleted, only the written referrers.
  const bool ports_deleted = t.deleted_any(v1::ENTITY_TYPE_PORT);
  auto check_neighbor = [&](const NeighborKey& k, const v1::Neighbor&) {
    CheckNextHopPort(
        next, t, v1::ENTITY_TYPE_NEIGHBOR, [&] { return KeyText(k); },
        [] { return std::string("port_id"); }, k.port_id);
  };
  auto check_route = [&](const RouteKey& k, const v1::Route& route) {
    if (!route.has_next_hops()) return;
    for (int i = 0; i < route.next_hops().next_hops_size(); ++i) {
      CheckNextHopPort(
          next, t, v1::ENTITY_TYPE_ROUTE, [&] { return KeyText(k); },
          [i] { return absl::StrCat("next_hops.next_hops[", i, "].port_id"); },
          route.next_hops().next_hops(i).port_id());
    }
  };
  auto check_sid = [&](const IpAddress& addr, const v1::LocalSid& sid) {
    const v1::NextHop* nh = nullptr;
    const char* field = "";
    if (sid.has_end_x()) {
      nh = &sid.end_x().next_hop();
      field = "end_x.next_hop.port_id";
    } else if (sid.has_end_dx6()) {
      nh = &sid.end_dx6().next_hop();
      field = "end_dx6.next_hop.port_id";
    } else if (sid.has_end_dx4()) {
      nh = &sid.end_dx4().next_hop();
      field = "end_dx4.next_hop.port_id";
    }
    if (nh != nullptr) {
      CheckNextHopPort(
          next, t, v1::ENTITY_TYPE_LOCAL_SID, [&] { return ToString(addr); },
          [field] { return std::string(field); }, nh->port_id());
    }
  };
  if (ports_deleted) {
    for (const auto& [k, n] : next.neighbors) check_neighbor(k, n);
    for (const auto& [k, route] : next.routes) check_route(k, route);
    for (const auto& [addr, sid] : next.local_sids) check_sid(addr, sid);
  } else {
    ForWritten(next.neighbors, undo.neighbors, check_neighbor);
    ForWritten(next.routes, undo.routes, check_route);
    ForWritten(next.local_sids, undo.local_sids, check_sid);
  }
  // Rules: references to policies (all rules when the batch deleted a
  // policy, else the written ones), then matches that must be unique.
  auto check_policies = [&](uint32_t id, const v1::SteeringRule& rule) {
    if (!rule.has_weighted()) return;
    for (int i = 0; i < rule.weighted().policies_size(); ++i) {
      const uint32_t pid = rule.weighted().policies(i).policy_id();
      if (next.policies.count(pid) == 0) {
        t.Dangling(v1::ENTITY_TYPE_STEERING_RULE, absl::StrCat(id),
                   absl::StrCat("weighted.policies[", i, "].policy_id"),
                   v1::ENTITY_TYPE_SRV6_POLICY, absl::StrCat(pid));
      }
    }
  };
  if (t.deleted_any(v1::ENTITY_TYPE_SRV6_POLICY)) {
    for (const auto& [id, rule] : next.rules) check_policies(id, rule);
  } else {
    ForWritten(next.rules, undo.rules, check_policies);
  }
  // Two rules can only come to match the same traffic when the batch wrote
  // one of them. The check walks every rule in id order (so the same rule is
  // blamed as always), with a hash index that copies no string.
  if (t.wrote_any(v1::ENTITY_TYPE_STEERING_RULE)) {
    using Match = std::tuple<std::string_view, int, uint32_t, uint32_t>;
    absl::flat_hash_map<Match, uint32_t> matches;
    matches.reserve(next.rules.size());
    for (const auto& [id, rule] : next.rules) {
      const v1::SteeringMatch& m = rule.match();
      uint32_t lo = 0, hi = 65535;
      if (m.has_destination_ports()) {
        lo = m.destination_ports().first();
        hi = m.destination_ports().last() == 0 ? lo : m.destination_ports().last();
      }
      auto [it, fresh] =
          matches.emplace(Match(m.destination_prefix(), static_cast<int>(m.protocol()), lo,
                                hi + (m.has_destination_ports() ? 0 : 65536)),
                          id);
      if (!fresh) {
        const std::string key = absl::StrCat(id);
        const std::string other = absl::StrCat(it->second);
        const std::optional<uint32_t> wa = t.WrittenAt(v1::ENTITY_TYPE_STEERING_RULE, other);
        const std::optional<uint32_t> wb = t.WrittenAt(v1::ENTITY_TYPE_STEERING_RULE, key);
        const bool blame_b = wb.has_value() && (!wa.has_value() || *wb > *wa);
        if (std::optional<uint32_t> w = blame_b ? wb : wa) {
          t.Fail(*w, Code::kInvalidArgument, v1::ENTITY_TYPE_STEERING_RULE, blame_b ? key : other,
                 absl::StrCat("match: steering rules ", other, " and ", key,
                              " match exactly the same traffic"));
        }
      }
    }
  }
  // The first segment of every WRITTEN policy must be routable in table 0.
  std::vector<IpPrefix> table0_v6;
  if (t.wrote_any(v1::ENTITY_TYPE_SRV6_POLICY)) {
    for (const auto& [k, route] : next.routes) {
      if (k.table_id == 0 && k.prefix.family == IpFamily::kIpv6) table0_v6.push_back(k.prefix);
    }
  }
  ForWritten(next.policies, undo.policies, [&](uint32_t id, const v1::Srv6Policy& policy) {
    const std::string key = absl::StrCat(id);
    std::optional<uint32_t> w = t.WrittenAt(v1::ENTITY_TYPE_SRV6_POLICY, key);
    if (!w.has_value() || policy.segments().empty()) return;
    absl::StatusOr<IpAddress> first = ParseIpAddress(policy.segments(0));
    if (!first.ok()) return;
    bool routable = false;
    for (const IpPrefix& p : table0_v6) {
      if (p.Contains(*first)) {
        routable = true;
        break;
      }
    }
    if (!routable) {
      t.Fail(*w, Code::kInvalidArgument, v1::ENTITY_TYPE_SRV6_POLICY, key,
             absl::StrCat("segments[0]: ", policy.segments(0), " has no route in table 0"));
    }
  });
  r.errors = t.TakeErrors();
  if (!r.errors.empty()) {
    Undo(state, r.undo);
    r.inserted_ports.clear();
    r.deleted_ports.clear();
    r.mac_changed_ports.clear();
  }
  return r;
}

}  // namespace cpn::dataplane::agent
