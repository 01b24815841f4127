// Steering classifier: which steering rule (if any) a packet to a service
// address belongs to.
//
// A rule is a destination prefix (IPv6, or IPv4) + optional IP protocol +
// optional destination port range, and carries the caller's rule index (the
// index of the rule's Maglev selector, counters, ...). PRECEDENCE: the
// longest matching prefix wins; among rules on that same prefix the most
// specific wins -- protocol and ports > ports only > protocol only > neither;
// between two port ranges the narrower; then the lower rule index. A rule
// whose protocol/ports do not match the packet falls through to the rules
// on shorter prefixes.
//
// STRUCTURE: per family, one open-addressing hash table keyed by (prefix
// length, masked destination) maps every rule prefix to the candidate list of
// that prefix. A lookup is a binary search over the prefix lengths the
// family's rules use (markers in the table guide it, see PrefixTable): one
// probe when all rules have one length (e.g. service /64s), 2 for 2-3
// lengths, at most 8 for all 129. The list holds the prefix's own rules in
// precedence order followed by the list of the next shorter rule prefix
// covering it, so after the search a short scan stops at the first candidate
// whose protocol/ports match. The list of a prefix is as long as the rules on
// it and on the rule prefixes above it (1 for disjoint service prefixes). A
// family with no rules has no table (no memory, every lookup misses).
//
// Why not rte_fib6 (as the FIB): its trie reserves the worst case of tbl8
// groups per route (5 per /64), so 16,000 /64 rules needed 4-byte next hops,
// a 64 MiB first level and 80,001 groups: 149 MiB, ~100 ms to build and
// ~75 ms to free under --no-huge, on every Write that changed a rule. This
// table takes 24 B per slot (prefixes and markers, at most 1/4 full) plus
// 12 B per candidate: 16,000 /64 rules take 1.8 MiB and build in ~2 ms.
//
// Packets: FlowKey.dst (v4-mapped for IPv4, chosen by FlowKey.is_ipv4),
// FlowKey.protocol, FlowKey.dst_port (0 when the protocol has none, so a
// port rule matching 0 also matches portless packets of its protocol).
//
// Immutable once built; a rule change builds a new classifier beside the
// live one (linear in the rules, on the process heap, not DPDK's) and the
// caller publishes it in its TableSet.
// THREADS: Build and the destructor on the control thread; Classify and
// ClassifyBulk from any number of workers at once.
#ifndef CPN_DATAPLANE_TABLES_CLASSIFIER_H_
#define CPN_DATAPLANE_TABLES_CLASSIFIER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "dataplane/common/flow_key.h"
#include "dataplane/tables/ip_address.h"

namespace cpn::dataplane {

inline constexpr uint32_t kNoRule = UINT32_MAX;

struct PortRange {
  uint16_t lo = 0;
  uint16_t hi = 65535;
  friend bool operator==(const PortRange&, const PortRange&) = default;
};

struct SteeringRuleSpec {
  uint32_t index = 0;  // Returned on a match; unique; < kNoRule.
  IpPrefix prefix;     // IPv6 or IPv4 (family), canonical.
  std::optional<uint8_t> protocol;
  std::optional<PortRange> dst_ports;
};

class SteeringClassifier {
 public:
  static constexpr uint32_t kMaxBulk = 64;

  static absl::StatusOr<std::unique_ptr<SteeringClassifier>> Build(
      std::span<const SteeringRuleSpec> rules);

  // rule_index[i] = the matching rule's index, or kNoRule. Any n.
  void ClassifyBulk(const FlowKey* const keys[], uint32_t n, uint32_t* rule_index) const;
  uint32_t Classify(const FlowKey& key) const;

  const std::vector<SteeringRuleSpec>& rules() const { return rules_; }
  size_t memory_bytes() const;
  // Longest candidate list (the worst-case scan).
  uint32_t max_candidates() const { return max_candidates_; }
  // Distinct prefix lengths of a family's rules (the worst-case probes).
  uint32_t prefix_lengths(IpFamily family) const {
    return static_cast<uint32_t>(prefixes_[family == IpFamily::kIpv4].lengths.size());
  }

 private:
  struct Candidate {  // 12 bytes: five to a cache line.
    uint32_t rule;
    uint16_t port_lo;
    uint16_t port_hi;
    int16_t protocol;  // -1 = any.
    uint16_t reserved;
  };
  struct List {
    uint32_t offset;
    uint32_t count;
  };
  // One slot of a PrefixTable: a prefix or a marker (the address masked to
  // `length`, as two 64-bit words in memory order) and its candidate list.
  struct Slot {
    uint64_t hi;
    uint64_t lo;
    uint32_t list;    // kNoList: a marker no rule prefix covers.
    uint32_t length;  // kEmptySlot: an empty slot.
  };
  struct Length {
    uint64_t mask_hi;
    uint64_t mask_lo;
    uint32_t length;  // In the 128-bit space (IPv4 lengths + 96).
  };
  // Prefix -> list id for one family, searched by binary search on the
  // prefix lengths (Waldvogel et al., "Scalable high speed IP routing
  // lookups", 1997): a probe that finds an entry sends the search to longer
  // lengths, a miss to shorter ones. So that a longer prefix is not missed,
  // every length where the search toward it steps right holds a MARKER (the
  // prefix cut to that length) carrying the longest rule prefix no longer
  // than the cut that covers it. Open addressing, linear probing, at most
  // a quarter full (misses end sooner).
  struct PrefixTable {
    std::vector<Slot> slots;      // Power of two; empty when no rule.
    std::vector<Length> lengths;  // Ascending.
    uint64_t slot_mask = 0;
    int first() const { return (static_cast<int>(lengths.size()) - 1) / 2; }
    void AddLength(uint32_t length);  // In ascending order; before Init.
    int IndexOf(uint32_t length) const;
    uint32_t MarkersOnPath(int j) const;  // Right steps toward lengths[j].
    void Init(size_t entries);
    // The entry of exactly this (masked) prefix, or nullptr; from slot i.
    const Slot* ProbeFrom(uint64_t i, uint64_t hi, uint64_t lo, uint32_t length) const;
    const Slot* Find(uint64_t hi, uint64_t lo, uint32_t length) const;
    void Insert(uint64_t hi, uint64_t lo, uint32_t length, uint32_t list);
    // The binary search over lengths[a..b], `best` found so far.
    uint32_t Search(uint64_t hi, uint64_t lo, int a, int b, uint32_t best) const;
    // The list of the longest prefix containing the address, or kNoList.
    uint32_t Longest(uint64_t hi, uint64_t lo) const {
      return Search(hi, lo, 0, static_cast<int>(lengths.size()) - 1, kNoList);
    }
  };
  static constexpr uint32_t kNoList = UINT32_MAX;
  static constexpr uint32_t kEmptySlot = UINT32_MAX;

  SteeringClassifier() = default;
  uint32_t Scan(uint32_t list, const FlowKey& key) const;

  PrefixTable prefixes_[2];  // [0] IPv6, [1] IPv4.
  std::vector<Candidate> candidates_;
  std::vector<List> lists_;
  std::vector<SteeringRuleSpec> rules_;
  uint32_t max_candidates_ = 0;
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_TABLES_CLASSIFIER_H_
