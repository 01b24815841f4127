// Local SID table: exact match on a 128-bit SID (the outer IPv6 destination)
// to a 32-bit value -- the index of the LocalSidAction (dataplane/stages/
// srv6_types.h) that the srv6 stage runs, in an action array published in the
// same snapshot. Nothing here knows the action type.
//
// Immutable once built (rte_hash without concurrency flags, values in a
// plain array indexed by the hash's key position). A Write batch builds a new
// table from the full SID list and publishes it; the cost is one rte_hash of
// 2n entries (~0.2 us per SID to build).
//
// THREADS: Build and the destructor on the control thread; Lookup,
// LookupBulk and LookupLinear from any number of workers at once.
#ifndef CPN_DATAPLANE_TABLES_LOCAL_SID_H_
#define CPN_DATAPLANE_TABLES_LOCAL_SID_H_

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "dataplane/tables/exact_match.h"
#include "dataplane/tables/ip_address.h"

namespace cpn::dataplane {

struct LocalSidEntry {
  IpAddress sid;
  uint32_t value = 0;  // Typically an index into the LocalSidAction array.
};

class LocalSidTable {
 public:
  static constexpr uint32_t kMaxBulk = Exact16Index::kMaxBulk;

  // SIDs must be unique and must not be v4-mapped addresses.
  static absl::StatusOr<std::unique_ptr<LocalSidTable>> Build(
      std::span<const LocalSidEntry> entries, int socket_id = SOCKET_ID_ANY);

  // Value of `sid` (16 bytes, network order), or nullptr when it is not ours.
  const uint32_t* Lookup(const uint8_t* sid) const {
    const int32_t pos = index_->Lookup(sid);
    return pos < 0 ? nullptr : &values_[static_cast<uint32_t>(pos)];
  }
  // sids[i] points at 16 bytes; values[i] is set for hits only. n <= kMaxBulk.
  // Returns the hit mask.
  uint64_t LookupBulk(const uint8_t* const sids[], uint32_t n, uint32_t* values) const;

  // A router's handful of SIDs (at most kLinearMax): the worker looks each
  // packet up in place with LookupLinear, with no key, position or value
  // arrays between (LookupBulk's cost for one key was ~30 instructions).
  static constexpr uint32_t kLinearMax = Exact16Index::kLinearMax;
  bool linear() const { return index_->linear(); }
  // Value of `sid` (16 bytes, any alignment) or nullptr; linear() only.
  const uint32_t* LookupLinear(const uint8_t* sid) const {
    const int32_t k = index_->LinearIndex(sid);
    return k < 0 ? nullptr : &linear_values_[static_cast<uint32_t>(k)];
  }

  const std::vector<LocalSidEntry>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  size_t memory_bytes() const { return index_->memory_bytes() + values_.size() * 4; }

 private:
  LocalSidTable() = default;
  std::unique_ptr<Exact16Index> index_;
  std::vector<uint32_t> values_;  // By key position.
  std::vector<LocalSidEntry> entries_;
  // With linear(): entries_[k].value by Exact16Index::LinearIndex k, in a
  // member array (values_ by position would cost a pointer load and the
  // position's indirection per packet, ~8 instructions).
  std::array<uint32_t, kLinearMax> linear_values_{};
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_TABLES_LOCAL_SID_H_
