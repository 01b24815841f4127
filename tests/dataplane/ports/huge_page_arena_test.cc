// HugePageArena: DPDK memory of our own in 2 MiB transparent huge pages for
// the packet pool. Whether the kernel hands out huge pages depends on the
// machine (/sys/kernel/mm/transparent_hugepage), so the tests hold the
// arena to what it promises everywhere: a working DPDK heap that holds the
// whole pool, sized by PacketPoolBytes, and no unmapping under a live
// allocation. The smaps reading is checked on fixed text.
#include "dataplane/ports/huge_page_arena.h"

#include <rte_malloc.h>
#include <rte_mbuf.h>

#include <cstring>

#include "absl/strings/str_format.h"
#include "dataplane/stages/packet_meta.h"
#include "gtest/gtest.h"
#include "tests/dataplane/eal_environment.h"

namespace cpn::dataplane {
namespace {

TEST(DpHugePageArena, ReadsTheHugePagesOfItsOwnMappingFromSmaps) {
  const std::string smaps =
      "7f0000000000-7f0000200000 rw-p 00000000 00:00 0 \n"
      "Size:               2048 kB\n"
      "AnonHugePages:      2048 kB\n"
      "VmFlags: rd wr mr mw me ac hg\n"
      "7f0000400000-7f0000c00000 rw-p 00000000 00:00 0 \n"
      "Size:               8192 kB\n"
      "AnonHugePages:      6144 kB\n"
      "7f0000c00000-7f0000c01000 r--p 00000000 fe:00 12 /usr/lib/x.so\n"
      "AnonHugePages:         0 kB\n";
  EXPECT_EQ(AnonHugeBytesOfMapping(smaps, reinterpret_cast<void*>(0x7f0000400000)),
            size_t{6144} * 1024);
  EXPECT_EQ(AnonHugeBytesOfMapping(smaps, reinterpret_cast<void*>(0x7f0000000000)),
            size_t{2048} * 1024);
  // Inside a mapping but not its start, or not mapped: nothing.
  EXPECT_EQ(AnonHugeBytesOfMapping(smaps, reinterpret_cast<void*>(0x7f0000500000)), 0u);
  EXPECT_EQ(AnonHugeBytesOfMapping(smaps, reinterpret_cast<void*>(0x1000)), 0u);
  EXPECT_EQ(AnonHugeBytesOfMapping("", reinterpret_cast<void*>(0x7f0000000000)), 0u);
}

TEST(DpHugePageArena, HoldsAWholePacketPoolSizedByPacketPoolBytes) {
  constexpr unsigned kMbufs = 4095;
  auto arena = HugePageArena::Create("arena_test_pool", PacketPoolBytes(kMbufs));
  ASSERT_TRUE(arena.ok()) << arena.status();
  EXPECT_EQ((*arena)->bytes() % HugePageArena::kPageBytes, 0u);
  EXPECT_GE((*arena)->bytes(), PacketPoolBytes(kMbufs));
  EXPECT_LE((*arena)->huge_bytes(), (*arena)->bytes());
  const int socket = (*arena)->socket_id();
  ASSERT_GE(socket, 0);
  EXPECT_NE(socket, static_cast<int>(rte_socket_id()));  // an external heap's own id

  auto pool = CreatePacketPool("arena_pool", kMbufs, socket);
  ASSERT_TRUE(pool.ok()) << pool.status();
  // Every buffer of the pool, header and data, lives in the arena.
  std::vector<rte_mbuf*> all(kMbufs);
  ASSERT_EQ(rte_pktmbuf_alloc_bulk(*pool, all.data(), kMbufs), 0);
  for (rte_mbuf* m : all) {
    ASSERT_TRUE((*arena)->Contains(m));
    ASSERT_TRUE((*arena)->Contains(rte_pktmbuf_mtod(m, void*)));
    ASSERT_TRUE((*arena)->Contains(static_cast<char*>(m->buf_addr) + m->buf_len - 1));
  }
  std::memset(rte_pktmbuf_mtod(all.back(), void*), 0xab, 64);
  rte_pktmbuf_free_bulk(all.data(), kMbufs);
  rte_mempool_free(*pool);
  arena->reset();
}

TEST(DpHugePageArena, IsNeverUnmappedUnderALiveAllocation) {
  auto arena = HugePageArena::Create("arena_test_live", 1);
  ASSERT_TRUE(arena.ok()) << arena.status();
  EXPECT_EQ((*arena)->bytes(), HugePageArena::kPageBytes);
  void* p = rte_malloc_socket("live", 4096, 64, (*arena)->socket_id());
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE((*arena)->Contains(p));
  arena->reset();  // DPDK refuses to drop memory in use: the mapping stays
  std::memset(p, 0x5a, 4096);
  rte_free(p);
}

TEST(DpHugePageArena, RefusesNothingAndADuplicateName) {
  EXPECT_EQ(HugePageArena::Create("arena_test_zero", 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto first = HugePageArena::Create("arena_test_twice", 1);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = HugePageArena::Create("arena_test_twice", 1);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("arena_test_twice"), std::string::npos)
      << second.status();
}

}  // namespace
}  // namespace cpn::dataplane
