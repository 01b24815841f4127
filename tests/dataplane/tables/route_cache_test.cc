// Route cache: an IPv6 destination's FIB answer, found only for the exact
// address in the current epoch; two addresses of one set both stay; Clear()
// forgets. (The two-way scheme itself is flow_cache_test's.)
#include "dataplane/tables/route_cache.h"

#include <arpa/inet.h>
#include <rte_hash_crc.h>

#include <cstdint>
#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace cpn::dataplane {
namespace {

Ipv6Key Addr(const std::string& text) {
  uint8_t b[16];
  EXPECT_EQ(inet_pton(AF_INET6, text.c_str(), b), 1) << text;
  return Ipv6Key::Of(b);
}

std::unique_ptr<RouteCache6> Make(uint32_t entries) {
  auto c = RouteCache6::Create(entries);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *std::move(c) : nullptr;
}

TEST(TablesRouteCacheTest, FindsOnlyTheExactAddress) {
  auto c = Make(4096);
  const Ipv6Key sid = Addr("fc00:3::d6");
  EXPECT_EQ(c->Find(sid, RouteCacheHash(sid)), nullptr);
  c->Insert(sid, RouteCacheHash(sid), 7);
  const uint32_t* v = c->Find(sid, RouteCacheHash(sid));
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(*v, 7u);
  // Every byte counts, in either word.
  for (int byte = 0; byte < 16; ++byte) {
    Ipv6Key k = sid;
    reinterpret_cast<uint8_t*>(k.word)[byte] ^= 0x80;
    EXPECT_EQ(c->Find(k, RouteCacheHash(sid)), nullptr) << "byte " << byte;
  }
  c->Clear();
  EXPECT_EQ(c->Find(sid, RouteCacheHash(sid)), nullptr);
}

TEST(TablesRouteCacheTest, TheHashIsCrc32cOfBothWords) {
  // The same value rte_hash_crc gives for the 16 bytes (the software and
  // SSE 4.2 builds agree).
  const Ipv6Key k = Addr("2001:db8:1234::1");
  EXPECT_EQ(RouteCacheHash(k), rte_hash_crc(k.word, 16, 0x43504e36));
  EXPECT_NE(RouteCacheHash(k), RouteCacheHash(Addr("2001:db8:1234::2")));
}

TEST(TablesRouteCacheTest, AddressesOfOneSetBothStay) {
  auto c = Make(2);  // One set.
  const Ipv6Key a = Addr("fc00:1::e"), b = Addr("fc00:2::e"), d = Addr("fc00:4::e");
  c->Insert(a, 0, 1);
  c->Insert(b, 0, 2);
  ASSERT_NE(c->Find(a, 0), nullptr);
  ASSERT_NE(c->Find(b, 0), nullptr);
  EXPECT_EQ(*c->Find(a, 0), 1u);
  EXPECT_EQ(*c->Find(b, 0), 2u);
  c->Insert(d, 0, 4);  // The older one goes.
  EXPECT_EQ(c->Find(a, 0), nullptr);
  EXPECT_EQ(*c->Find(b, 0), 2u);
  EXPECT_EQ(*c->Find(d, 0), 4u);
}

}  // namespace
}  // namespace cpn::dataplane
