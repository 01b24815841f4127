#include "dataplane/tables/dpdk_util.h"

#include <rte_lcore.h>
#include <rte_malloc.h>

#include <atomic>

#include "absl/strings/str_cat.h"

namespace cpn::dataplane {

std::string UniqueDpdkName(std::string_view tag) {
  static std::atomic<uint32_t> counter{0};
  return absl::StrCat(std::string(tag.substr(0, 4)),
                      counter.fetch_add(1, std::memory_order_relaxed));
}

size_t DpdkHeapAllocatedBytes() {
  size_t total = 0;
  for (unsigned i = 0; i < rte_socket_count(); ++i) {
    rte_malloc_socket_stats s{};
    if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &s) == 0) {
      total += s.heap_allocsz_bytes;
    }
  }
  return total;
}

}  // namespace cpn::dataplane
