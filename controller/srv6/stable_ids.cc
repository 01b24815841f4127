#include "controller/srv6/stable_ids.h"

#include <algorithm>
#include <numeric>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace cpn::srv6 {

absl::StatusOr<std::vector<uint32_t>> AssignStableNumbers(
    std::span<const std::string> names, uint32_t first, uint32_t count,
    const absl::flat_hash_set<uint32_t>& reserved, std::string_view what) {
  size_t reserved_in_range = 0;
  for (uint32_t r : reserved) {
    if (r >= first && r - first < count) ++reserved_in_range;
  }
  if (names.size() + reserved_in_range > count) {
    return absl::ResourceExhaustedError(
        absl::StrFormat("%s: %d entries do not fit in %d numbers (%d reserved)", std::string(what),
                        names.size(), count, reserved_in_range));
  }
  std::vector<size_t> order(names.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return names[x] < names[y]; });
  for (size_t k = 1; k < order.size(); ++k) {
    if (names[order[k]] == names[order[k - 1]]) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: \"%s\" appears twice", std::string(what), names[order[k]]));
    }
  }
  absl::flat_hash_set<uint32_t> used = reserved;
  std::vector<uint32_t> result(names.size());
  for (size_t i : order) {
    uint32_t offset = static_cast<uint32_t>(StableHash(names[i]) % count);
    while (used.contains(first + offset)) offset = offset + 1 == count ? 0 : offset + 1;
    used.insert(first + offset);
    result[i] = first + offset;
  }
  return result;
}

}  // namespace cpn::srv6
