// Numbers the SRv6 compiler derives from entity ids and must keep across
// snapshots and controller restarts: SID functions, derived port ids, policy
// and steering rule ids.
//
// StableHash is FNV-1a (64 bit): the same on every machine, build and run.
// absl::Hash must not be used for these, it is seeded per process.
//
// AssignStableNumbers gives each name a number in a range: its home is
// first + StableHash(name) % count; names are placed in ascending name
// order, and a name whose home is taken (by an earlier name or a reserved
// number) takes the next free number upwards, wrapping at the end of the
// range. So a name keeps its number when other names come and go, unless a
// new name that sorts before it lands on its home or probe chain (chance
// about n / count).
//
// Pure functions; safe from any thread.
#ifndef CPN_CONTROLLER_SRV6_STABLE_IDS_H_
#define CPN_CONTROLLER_SRV6_STABLE_IDS_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"

namespace cpn::srv6 {

constexpr uint64_t StableHash(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64-bit offset basis
  for (char c : text) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;  // FNV-1a 64-bit prime
  }
  return h;
}

// Numbers for `names` (distinct), in [first, first + count), none in
// `reserved`; result[i] belongs to names[i]. `what` names the range in the
// error: RESOURCE_EXHAUSTED when there are more names than free numbers,
// INVALID_ARGUMENT when a name repeats.
absl::StatusOr<std::vector<uint32_t>> AssignStableNumbers(
    std::span<const std::string> names, uint32_t first, uint32_t count,
    const absl::flat_hash_set<uint32_t>& reserved, std::string_view what);

}  // namespace cpn::srv6

#endif  // CPN_CONTROLLER_SRV6_STABLE_IDS_H_
