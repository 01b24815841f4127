#include "dataplane/tables/classifier.h"

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <numeric>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace cpn::dataplane {
namespace {

// 0 = protocol and ports, 1 = ports only, 2 = protocol only, 3 = neither.
int SpecificityClass(const SteeringRuleSpec& r) {
  if (r.protocol.has_value() && r.dst_ports.has_value()) return 0;
  if (r.dst_ports.has_value()) return 1;
  if (r.protocol.has_value()) return 2;
  return 3;
}

uint32_t PortWidth(const SteeringRuleSpec& r) {
  return r.dst_ports.has_value() ? uint32_t{r.dst_ports->hi} - r.dst_ports->lo : 65536;
}

// Sort order of Build: family, then shorter prefixes first (a parent's list
// is complete before its children need it), then the prefix, then
// precedence within the prefix (class, port width, index).
struct SortKey {
  uint32_t family_length;
  uint64_t hi;  // Address as big-endian numbers.
  uint64_t lo;
  uint32_t class_width;
  uint32_t index;
  uint32_t pos;  // In the input.
  friend bool operator<(const SortKey& a, const SortKey& b) {
    return std::tie(a.family_length, a.hi, a.lo, a.class_width, a.index) <
           std::tie(b.family_length, b.hi, b.lo, b.class_width, b.index);
  }
};

SortKey MakeSortKey(const SteeringRuleSpec& r, uint32_t pos) {
  SortKey k;
  k.family_length = (static_cast<uint32_t>(r.prefix.family) << 8) | r.prefix.length;
  std::memcpy(&k.hi, r.prefix.addr.bytes, 8);
  std::memcpy(&k.lo, r.prefix.addr.bytes + 8, 8);
  k.hi = rte_be_to_cpu_64(k.hi);
  k.lo = rte_be_to_cpu_64(k.lo);
  k.class_width = (static_cast<uint32_t>(SpecificityClass(r)) << 17) | PortWidth(r);
  k.index = r.index;
  k.pos = pos;
  return k;
}

std::string Describe(const SteeringRuleSpec& r) {
  std::string s = absl::StrCat("steering rule ", r.index, " (", ToString(r.prefix));
  if (r.protocol) absl::StrAppend(&s, " proto ", *r.protocol);
  if (r.dst_ports) absl::StrAppend(&s, " dport ", r.dst_ports->lo, "-", r.dst_ports->hi);
  return s + ")";
}

void Words(const uint8_t* bytes, uint64_t& hi, uint64_t& lo) {
  std::memcpy(&hi, bytes, 8);
  std::memcpy(&lo, bytes + 8, 8);
}

uint32_t Hash(uint64_t hi, uint64_t lo, uint32_t length) {
  return rte_hash_crc_8byte(lo, rte_hash_crc_8byte(hi, length * 0x9e3779b9u));
}

}  // namespace

// ---------------------------------------------------------------- PrefixTable

void SteeringClassifier::PrefixTable::AddLength(uint32_t length) {
  if (!lengths.empty() && lengths.back().length >= length) return;  // Ascending.
  uint8_t mask[16] = {};
  for (uint32_t b = 0; b < length; ++b) mask[b / 8] |= static_cast<uint8_t>(0x80u >> (b % 8));
  Length l{0, 0, length};
  Words(mask, l.mask_hi, l.mask_lo);
  lengths.push_back(l);
}

int SteeringClassifier::PrefixTable::IndexOf(uint32_t length) const {
  return static_cast<int>(
      std::lower_bound(lengths.begin(), lengths.end(), length,
                       [](const Length& l, uint32_t v) { return l.length < v; }) -
      lengths.begin());
}

uint32_t SteeringClassifier::PrefixTable::MarkersOnPath(int j) const {
  uint32_t markers = 0;
  for (int a = 0, b = static_cast<int>(lengths.size()) - 1;;) {
    const int mid = (a + b) / 2;
    if (mid == j) return markers;
    if (mid < j) {
      ++markers;
      a = mid + 1;
    } else {
      b = mid - 1;
    }
  }
}

void SteeringClassifier::PrefixTable::Init(size_t entries) {
  if (entries == 0) return;
  const size_t n = std::bit_ceil(std::max<size_t>(8, entries * 4));
  slots.assign(n, Slot{0, 0, kNoList, kEmptySlot});
  slot_mask = n - 1;
}

const SteeringClassifier::Slot* SteeringClassifier::PrefixTable::ProbeFrom(uint64_t i, uint64_t hi,
                                                                           uint64_t lo,
                                                                           uint32_t length) const {
  for (;; i = (i + 1) & slot_mask) {
    const Slot& s = slots[i];
    if (s.length == kEmptySlot) return nullptr;
    if (s.hi == hi && s.lo == lo && s.length == length) return &s;
  }
}

const SteeringClassifier::Slot* SteeringClassifier::PrefixTable::Find(uint64_t hi, uint64_t lo,
                                                                      uint32_t length) const {
  return ProbeFrom(Hash(hi, lo, length) & slot_mask, hi, lo, length);
}

void SteeringClassifier::PrefixTable::Insert(uint64_t hi, uint64_t lo, uint32_t length,
                                             uint32_t list) {
  uint64_t i = Hash(hi, lo, length) & slot_mask;
  while (slots[i].length != kEmptySlot) i = (i + 1) & slot_mask;
  slots[i] = Slot{hi, lo, list, length};
}

uint32_t SteeringClassifier::PrefixTable::Search(uint64_t hi, uint64_t lo, int a, int b,
                                                 uint32_t best) const {
  while (a <= b) {
    const int mid = (a + b) / 2;
    const Length& l = lengths[mid];
    if (const Slot* s = Find(hi & l.mask_hi, lo & l.mask_lo, l.length); s != nullptr) {
      best = s->list;  // A prefix or a marker: the answer is here or longer.
      a = mid + 1;
    } else {
      b = mid - 1;
    }
  }
  return best;
}

// ---------------------------------------------------------------- Build

absl::StatusOr<std::unique_ptr<SteeringClassifier>> SteeringClassifier::Build(
    std::span<const SteeringRuleSpec> rules) {
  std::unique_ptr<SteeringClassifier> t(new SteeringClassifier());
  t->rules_.assign(rules.begin(), rules.end());
  const std::vector<SteeringRuleSpec>& rs = t->rules_;
  const uint32_t n = static_cast<uint32_t>(rs.size());

  for (const SteeringRuleSpec& r : rs) {
    if (r.index == kNoRule) {
      return absl::InvalidArgumentError(
          absl::StrCat(Describe(r), ": index ", kNoRule, " is reserved"));
    }
    if (absl::Status s = ValidatePrefix(r.prefix); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(Describe(r), ": ", s.message()));
    }
    if (r.dst_ports && r.dst_ports->lo > r.dst_ports->hi) {
      return absl::InvalidArgumentError(absl::StrCat(Describe(r), ": empty port range"));
    }
  }

  // A reused index: report the first rule (in input order) that reuses one.
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return rs[a].index < rs[b].index; });
  uint32_t reuser = n, first_user = n;
  for (uint32_t i = 1, group = 0; i < n; ++i) {
    if (rs[order[i]].index != rs[order[i - 1]].index) {
      group = i;
    } else if (order[i] < reuser) {
      reuser = order[i];
      first_user = order[group];
    }
  }
  if (reuser != n) {
    return absl::InvalidArgumentError(
        absl::StrCat(Describe(rs[reuser]), " reuses the index of ", Describe(rs[first_user])));
  }

  // Group by prefix: [begin, end) runs of `order` with one prefix, shorter
  // prefixes first, each run in precedence order. Sorted on keys made once
  // (comparing the specs themselves was most of the build).
  std::vector<SortKey> keys(n);
  for (uint32_t i = 0; i < n; ++i) keys[i] = MakeSortKey(rs[i], i);
  std::sort(keys.begin(), keys.end());
  for (uint32_t i = 0; i < n; ++i) order[i] = keys[i].pos;
  std::vector<std::pair<uint32_t, uint32_t>> groups;
  for (uint32_t b = 0; b < n;) {
    uint32_t e = b + 1;
    while (e < n && rs[order[e]].prefix == rs[order[b]].prefix) ++e;
    const IpPrefix& p = rs[order[b]].prefix;
    t->prefixes_[p.family == IpFamily::kIpv4].AddLength(p.length128());
    // Two rules with the same protocol and ports: the later one (in input
    // order) is the error. Equal protocol and ports imply the same class and
    // width, so only neighbours in precedence order with those can clash.
    for (uint32_t i = b; i < e; ++i) {
      const SteeringRuleSpec& r = rs[order[i]];
      for (uint32_t j = i + 1; j < e; ++j) {
        const SteeringRuleSpec& o = rs[order[j]];
        if (SpecificityClass(o) != SpecificityClass(r) || PortWidth(o) != PortWidth(r)) break;
        if (o.protocol == r.protocol && o.dst_ports == r.dst_ports) {
          const bool o_later = order[j] > order[i];
          return absl::InvalidArgumentError(absl::StrCat(Describe(o_later ? o : r),
                                                         " matches exactly what ",
                                                         Describe(o_later ? r : o), " matches"));
        }
      }
    }
    groups.emplace_back(b, e);
    b = e;
  }
  // Slots: each prefix, plus at most one marker per step right on its
  // search path.
  size_t entries[2] = {0, 0};
  for (const auto& [b, e] : groups) {
    const IpPrefix& p = rs[order[b]].prefix;
    const PrefixTable& table = t->prefixes_[p.family == IpFamily::kIpv4];
    entries[p.family == IpFamily::kIpv4] += 1 + table.MarkersOnPath(table.IndexOf(p.length128()));
  }
  t->prefixes_[0].Init(entries[0]);
  t->prefixes_[1].Init(entries[1]);

  // Candidate list of each prefix = its own rules in precedence order, then
  // the list of the longest shorter rule prefix covering it. Shorter
  // prefixes come first, so the table then holds exactly the shorter
  // prefixes and their markers, and a search for the prefix finds its parent.
  struct Inserted {
    uint32_t length;
    uint32_t parent;  // List id, or kNoList.
  };
  std::vector<Inserted> inserted;  // By list id.
  inserted.reserve(groups.size());
  t->candidates_.reserve(n);
  t->lists_.reserve(groups.size());
  for (const auto& [b, e] : groups) {
    const IpPrefix& p = rs[order[b]].prefix;
    PrefixTable& table = t->prefixes_[p.family == IpFamily::kIpv4];
    const uint32_t length = p.length128();
    const int j = table.IndexOf(length);
    uint64_t hi, lo;
    Words(p.addr.bytes, hi, lo);
    const uint32_t parent = table.Longest(hi, lo);
    const uint32_t offset = static_cast<uint32_t>(t->candidates_.size());
    for (uint32_t i = b; i < e; ++i) {
      const SteeringRuleSpec& r = rs[order[i]];
      t->candidates_.push_back(
          Candidate{r.index, r.dst_ports ? r.dst_ports->lo : uint16_t{0},
                    r.dst_ports ? r.dst_ports->hi : uint16_t{65535},
                    r.protocol ? static_cast<int16_t>(*r.protocol) : int16_t{-1}, 0});
    }
    if (parent != kNoList) {
      const List pl = t->lists_[parent];
      for (uint32_t i = 0; i < pl.count; ++i) {
        const Candidate c = t->candidates_[pl.offset + i];  // push_back may reallocate.
        t->candidates_.push_back(c);
      }
    }
    const uint32_t count = static_cast<uint32_t>(t->candidates_.size()) - offset;
    const uint32_t id = static_cast<uint32_t>(t->lists_.size());
    t->lists_.push_back(List{offset, count});
    inserted.push_back(Inserted{length, parent});
    t->max_candidates_ = std::max(t->max_candidates_, count);
    table.Insert(hi, lo, length, id);
    // Markers where the search toward this length steps right: the prefix
    // cut to that length, carrying the longest rule prefix no longer than
    // the cut that covers it (one of this prefix's ancestors).
    for (int a = 0, z = static_cast<int>(table.lengths.size()) - 1;;) {
      const int mid = (a + z) / 2;
      if (mid == j) break;
      if (mid > j) {
        z = mid - 1;
        continue;
      }
      a = mid + 1;
      const Length& m = table.lengths[mid];
      const uint64_t mh = hi & m.mask_hi, ml = lo & m.mask_lo;
      if (table.Find(mh, ml, m.length) != nullptr) continue;  // A prefix, or a marker.
      uint32_t best = parent;
      while (best != kNoList && inserted[best].length > m.length) best = inserted[best].parent;
      table.Insert(mh, ml, m.length, best);
    }
  }
  return t;
}

// ---------------------------------------------------------------- Lookup

uint32_t SteeringClassifier::Scan(uint32_t list, const FlowKey& key) const {
  if (list == kNoList) return kNoRule;
  const List& l = lists_[list];
  const Candidate* c = &candidates_[l.offset];
  for (uint32_t i = 0; i < l.count; ++i, ++c) {
    if ((c->protocol < 0 || c->protocol == key.protocol) && key.dst_port >= c->port_lo &&
        key.dst_port <= c->port_hi) {
      return c->rule;
    }
  }
  return kNoRule;
}

void SteeringClassifier::ClassifyBulk(const FlowKey* const keys[], uint32_t n,
                                      uint32_t* rule_index) const {
  // What the first probe of each family needs, read once per call.
  struct First {
    const PrefixTable* table;
    const Slot* slots;
    uint64_t slot_mask;
    uint64_t mask_hi;
    uint64_t mask_lo;
    uint32_t length;
    int mid;
    int last;
  };
  First fam[2];
  for (int f = 0; f < 2; ++f) {
    const PrefixTable& t = prefixes_[f];
    fam[f].table = &t;
    fam[f].slots = t.slots.data();
    fam[f].slot_mask = t.slot_mask;
    fam[f].last = static_cast<int>(t.lengths.size()) - 1;
    fam[f].mid = t.first();
    if (fam[f].last >= 0) {
      const Length& l = t.lengths[fam[f].mid];
      fam[f].mask_hi = l.mask_hi;
      fam[f].mask_lo = l.mask_lo;
      fam[f].length = l.length;
    }
  }
  uint64_t hi[kMaxBulk], lo[kMaxBulk];
  uint64_t first[kMaxBulk];
  for (uint32_t done = 0; done < n; done += kMaxBulk) {
    const uint32_t m = std::min(kMaxBulk, n - done);
    // Pass 1: the slot of each packet's first probe (the middle length),
    // prefetched.
    for (uint32_t i = 0; i < m; ++i) {
      const FlowKey& k = *keys[done + i];
      const First& f = fam[k.is_ipv4 ? 1 : 0];
      if (f.last < 0) continue;
      Words(k.dst, hi[i], lo[i]);
      first[i] = Hash(hi[i] & f.mask_hi, lo[i] & f.mask_lo, f.length) & f.slot_mask;
      rte_prefetch0(&f.slots[first[i]]);
    }
    // Pass 2: that probe, the rest of the binary search, the scan.
    for (uint32_t i = 0; i < m; ++i) {
      const FlowKey& k = *keys[done + i];
      const First& f = fam[k.is_ipv4 ? 1 : 0];
      if (f.last < 0) {
        rule_index[done + i] = kNoRule;
        continue;
      }
      const Slot* s = f.table->ProbeFrom(first[i], hi[i] & f.mask_hi, lo[i] & f.mask_lo, f.length);
      uint32_t list = kNoList;
      if (s != nullptr) {
        list = s->list;
        if (f.mid < f.last) list = f.table->Search(hi[i], lo[i], f.mid + 1, f.last, list);
      } else if (f.mid > 0) {
        list = f.table->Search(hi[i], lo[i], 0, f.mid - 1, kNoList);
      }
      rule_index[done + i] = Scan(list, k);
    }
  }
}

uint32_t SteeringClassifier::Classify(const FlowKey& key) const {
  const FlowKey* k = &key;
  uint32_t r;
  ClassifyBulk(&k, 1, &r);
  return r;
}

size_t SteeringClassifier::memory_bytes() const {
  size_t bytes = candidates_.capacity() * sizeof(Candidate) + lists_.capacity() * sizeof(List);
  for (const PrefixTable& t : prefixes_) {
    bytes += t.slots.capacity() * sizeof(Slot) + t.lengths.capacity() * sizeof(Length);
  }
  return bytes;
}

}  // namespace cpn::dataplane
