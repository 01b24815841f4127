#include "dataplane/stages/packet_meta.h"

#include <rte_errno.h>

#include "absl/strings/str_cat.h"

namespace cpn::dataplane {

static_assert(sizeof(PacketMeta) <= 2 * RTE_CACHE_LINE_MIN_SIZE,
              "PacketMeta should stay within two cache lines");
static_assert(offsetof(PacketMeta, flags) < RTE_CACHE_LINE_MIN_SIZE,
              "parse results must stay in the first cache line");
static_assert(offsetof(PacketMeta, encap_policy) >= RTE_CACHE_LINE_MIN_SIZE,
              "decisions of later stages start on the second cache line");

absl::StatusOr<rte_mempool*> CreatePacketPool(const char* name, unsigned n_mbufs, int socket_id,
                                              uint16_t data_room) {
  // A per-lcore cache of 256 keeps the common alloc/free path off the ring.
  const unsigned cache = n_mbufs >= 4096 ? 256 : 0;
  rte_mempool* pool =
      rte_pktmbuf_pool_create(name, n_mbufs, cache, kPacketMetaPrivSize, data_room, socket_id);
  if (pool == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "rte_pktmbuf_pool_create(", name, ", ", n_mbufs, " mbufs): ", rte_strerror(rte_errno)));
  }
  return pool;
}

size_t PacketPoolBytes(unsigned n_mbufs, uint16_t data_room) {
  rte_mempool_objsz sz{};
  const uint32_t elt =
      sizeof(rte_mbuf) + RTE_ALIGN(kPacketMetaPrivSize, RTE_MBUF_PRIV_ALIGN) + data_room;
  const size_t per_object = rte_mempool_calc_obj_size(elt, 0, &sz);
  const size_t ring = sizeof(void*) * rte_align32pow2(n_mbufs + 1) + RTE_CACHE_LINE_SIZE;
  // The header holds RTE_MAX_LCORE per-lcore caches; 8 MiB covers it and the
  // heap's element headers and alignment.
  return size_t{n_mbufs} * per_object + ring + (size_t{8} << 20);
}

}  // namespace cpn::dataplane
