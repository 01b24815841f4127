// Small helpers around DPDK objects that the tables create. Control thread.
#ifndef CPN_DATAPLANE_TABLES_DPDK_UTIL_H_
#define CPN_DATAPLANE_TABLES_DPDK_UTIL_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace cpn::dataplane {

// "<tag><n>", unique in the process and at most 20 characters, so that it fits
// every DPDK name buffer once the libraries add their own prefixes (rte_fib6
// names its RIB mempool "MP_RIB6_<name>" within RTE_MEMPOOL_NAMESIZE = 26...).
// Thread-safe. `tag` should be 2-4 characters.
std::string UniqueDpdkName(std::string_view tag);

// Bytes currently allocated from the DPDK heap (every socket): rte_malloc,
// rte_zmalloc and memzones (rings, mempools). Tests and tables measure their
// footprint as the growth of this across a creation.
size_t DpdkHeapAllocatedBytes();

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_TABLES_DPDK_UTIL_H_
