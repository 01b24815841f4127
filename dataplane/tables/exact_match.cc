#include "dataplane/tables/exact_match.h"

#include <rte_errno.h>
#include <rte_hash_crc.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "dataplane/tables/dpdk_util.h"

namespace cpn::dataplane {

absl::StatusOr<std::unique_ptr<Exact16Index>> Exact16Index::Build(std::span<const IpAddress> keys,
                                                                  const char* what,
                                                                  std::vector<int32_t>& positions,
                                                                  int socket_id) {
  std::unique_ptr<Exact16Index> t(new Exact16Index());
  positions.assign(keys.size(), -1);
  if (keys.empty()) return t;

  const std::string name = UniqueDpdkName("x16_");
  rte_hash_parameters params{};
  params.name = name.c_str();
  // Half full at most: short probe sequences, and with the extendable
  // buckets an insert can never fail for want of a cuckoo path.
  params.entries = std::max<uint32_t>(16, static_cast<uint32_t>(keys.size()) * 2);
  params.key_len = 16;
  params.hash_func = rte_hash_crc;
  params.hash_func_init_val = 0;
  params.socket_id = socket_id;
  params.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;

  const size_t heap_before = DpdkHeapAllocatedBytes();
  t->hash_ = rte_hash_create(&params);
  if (t->hash_ == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat("rte_hash_create(", what, ", ", params.entries,
                                                     " entries): ", rte_strerror(rte_errno)));
  }
  t->capacity_ = params.entries;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (rte_hash_lookup(t->hash_, keys[i].bytes) >= 0) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate ", what, " ", ToString(keys[i])));
    }
    const int32_t pos = rte_hash_add_key(t->hash_, keys[i].bytes);
    if (pos < 0) {
      return absl::InternalError(absl::StrCat("rte_hash_add_key(", what, " ", ToString(keys[i]),
                                              "): ", rte_strerror(-pos)));
    }
    positions[i] = pos;
  }
  if (keys.size() <= kLinearMax) {
    for (size_t i = 0; i < keys.size(); ++i) {
      SmallKey& k = t->small_[i];
      std::memcpy(&k.w0, keys[i].bytes, 8);
      std::memcpy(&k.w1, keys[i].bytes + 8, 8);
      k.position = positions[i];
    }
    t->small_count_ = static_cast<uint32_t>(keys.size());
  }
  t->memory_bytes_ = DpdkHeapAllocatedBytes() - heap_before;
  return t;
}

Exact16Index::~Exact16Index() {
  if (hash_ != nullptr) rte_hash_free(hash_);
}

uint64_t Exact16Index::LookupBulk(const uint8_t* const keys[], uint32_t n,
                                  int32_t* positions) const {
  if (hash_ == nullptr || n == 0) {
    for (uint32_t i = 0; i < n; ++i) positions[i] = -1;
    return 0;
  }
  if (linear()) {
    uint64_t hits = 0;
    for (uint32_t i = 0; i < n; ++i) {
      const int32_t k = LinearIndex(keys[i]);
      positions[i] = k < 0 ? -1 : small_[static_cast<uint32_t>(k)].position;
      if (k >= 0) hits |= uint64_t{1} << i;
    }
    return hits;
  }
  // Aligned copies: rte_hash_crc does 8-byte loads, and keys taken from
  // packet headers are only 2-byte aligned (fine on x86, UB in C++).
  alignas(16) uint8_t copies[kMaxBulk][16];
  const void* aligned[kMaxBulk];
  for (uint32_t i = 0; i < n; ++i) {
    std::memcpy(copies[i], keys[i], 16);
    aligned[i] = copies[i];
  }
  rte_hash_lookup_bulk(hash_, aligned, n, positions);
  uint64_t hits = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (positions[i] >= 0) {
      hits |= uint64_t{1} << i;
    } else {
      positions[i] = -1;
    }
  }
  return hits;
}

}  // namespace cpn::dataplane
