#include "dataplane/tables/flow_cache.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace cpn::dataplane {

static_assert(sizeof(FlowKey) == 40);

absl::StatusOr<std::unique_ptr<FlowCache>> FlowCache::Create(uint32_t entries) {
  if (entries < 2 || entries > (1u << 24) || (entries & (entries - 1)) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("flow cache size ", entries, " is not a power of two in [2, 2^24]"));
  }
  return std::unique_ptr<FlowCache>(new FlowCache(entries));
}

FlowCache::FlowCache(uint32_t entries)
    : entries_(new Entry[entries]()), set_mask_(entries / 2 - 1) {}

void FlowCache::Clear() {
  if (++epoch_ != 0) return;
  // Wrapped (after 2^32 - 1 clears): entries of epoch 1 could match again.
  std::fill_n(entries_.get(), entries(), Entry{});
  epoch_ = 1;
}

}  // namespace cpn::dataplane
