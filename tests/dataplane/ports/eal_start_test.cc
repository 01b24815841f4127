// StartEal in a binary of its own (EAL starts once per process): it must
// come up without hugepages, refuse a second start with an error instead of
// exiting, and leave a usable EAL behind.
#include <rte_eal.h>

#include "dataplane/ports/eal.h"
#include "dataplane/ports/port.h"
#include "dataplane/stages/packet_meta.h"
#include "gtest/gtest.h"

namespace cpn::dataplane {
namespace {

TEST(DpEalStart, StartsOnceWithoutHugepagesAndRefusesASecondStart) {
  EalConfig c;
  c.program_name = "dp-eal-start-test";
  c.log_level = "lib.eal:error";
  ASSERT_TRUE(StartEal(c).ok());
  EXPECT_EQ(rte_eal_has_hugepages(), 0);
  EXPECT_EQ(StartEal(c).code(), absl::StatusCode::kFailedPrecondition);

  auto pool = CreatePacketPool("eal_start_pool", 1023);
  ASSERT_TRUE(pool.ok()) << pool.status();
  PortConfig pc;
  pc.devargs = "net_null_eal0";
  pc.pool = *pool;
  auto port = Port::Create(pc);
  ASSERT_TRUE(port.ok()) << port.status();
  ASSERT_TRUE((*port)->Start().ok());
  port->reset();
  rte_mempool_free(*pool);
  EXPECT_TRUE(StopEal().ok());
}

}  // namespace
}  // namespace cpn::dataplane
