// Local SID table: exact 128-bit match to a value, bulk lookups, bad input.
#include "dataplane/tables/local_sid.h"

#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "tests/dataplane/eal_environment.h"

namespace cpn::dataplane {
namespace {

// Also makes the binary link eal_environment.o, whose static initializer
// starts EAL (nothing else here refers to it).
TEST(TablesLocalSidTest, EalIsUp) { ASSERT_NE(cpn::testing::TestPktPool(), nullptr); }

IpAddress A(const char* text) { return *ParseIpAddress(text); }

TEST(TablesLocalSidTest, ExactMatchOnly) {
  std::vector<LocalSidEntry> e = {
      {A("fc00:0:1::"), 10}, {A("fc00:0:1::1"), 11}, {A("fc00:0:2::100"), 12}};
  auto t = LocalSidTable::Build(e);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*(*t)->Lookup(A("fc00:0:1::").bytes), 10u);
  EXPECT_EQ(*(*t)->Lookup(A("fc00:0:1::1").bytes), 11u);
  EXPECT_EQ(*(*t)->Lookup(A("fc00:0:2::100").bytes), 12u);
  EXPECT_EQ((*t)->Lookup(A("fc00:0:1::2").bytes), nullptr) << "no prefix semantics";
  EXPECT_EQ((*t)->Lookup(A("fc00:0:2::").bytes), nullptr);
  EXPECT_EQ((*t)->size(), 3u);
}

// Up to Exact16Index::kLinearMax SIDs the bulk lookup compares linearly,
// above it hashes: at every size across the boundary, bulk lookups (keys at
// odd addresses, as in packets) agree with the single lookups, find every
// SID and miss near misses (one bit off in either word). LookupLinear (the
// worker's per-packet form) exists exactly up to the limit and agrees too.
TEST(TablesLocalSidTest, BulkLookupAgreesAtEverySizeAroundTheLinearLimit) {
  std::mt19937_64 rng(7);
  for (uint32_t size = 1; size <= Exact16Index::kLinearMax + 3; ++size) {
    std::vector<LocalSidEntry> e;
    for (uint32_t i = 0; i < size; ++i) {
      IpAddress a;
      for (auto& b : a.bytes) b = static_cast<uint8_t>(rng());
      e.push_back({a, 100 + i});
    }
    auto t = LocalSidTable::Build(e);
    ASSERT_TRUE(t.ok()) << t.status();
    std::vector<uint8_t> buf(1 + 16 * 2 * size);
    std::vector<const uint8_t*> keys;
    for (uint32_t i = 0; i < size; ++i) {
      uint8_t* hit = buf.data() + 1 + 32 * i;
      std::memcpy(hit, e[i].sid.bytes, 16);
      uint8_t* miss = hit + 16;
      std::memcpy(miss, e[i].sid.bytes, 16);
      miss[i % 2 == 0 ? 3 : 12] ^= 0x10;
      keys.push_back(hit);
      keys.push_back(miss);
    }
    std::vector<uint32_t> values(keys.size());
    const uint64_t hits = (*t)->LookupBulk(keys.data(), static_cast<uint32_t>(keys.size()),
                                           values.data());
    for (uint32_t i = 0; i < size; ++i) {
      ASSERT_TRUE((hits >> (2 * i)) & 1) << "size " << size << " sid " << i;
      EXPECT_EQ(values[2 * i], 100 + i) << "size " << size;
      EXPECT_EQ(*(*t)->Lookup(keys[2 * i]), 100 + i);
      EXPECT_FALSE((hits >> (2 * i + 1)) & 1) << "size " << size << " near miss " << i;
      EXPECT_EQ((*t)->Lookup(keys[2 * i + 1]), nullptr);
    }
    ASSERT_EQ((*t)->linear(), size <= LocalSidTable::kLinearMax) << "size " << size;
    if (!(*t)->linear()) continue;
    for (uint32_t i = 0; i < size; ++i) {
      const uint32_t* v = (*t)->LookupLinear(keys[2 * i]);
      ASSERT_NE(v, nullptr) << "size " << size << " sid " << i;
      EXPECT_EQ(*v, 100 + i) << "size " << size;
      EXPECT_EQ((*t)->LookupLinear(keys[2 * i + 1]), nullptr) << "size " << size << " near miss";
    }
  }
}

TEST(TablesLocalSidTest, BulkLookupOfManySids) {
  std::mt19937_64 rng(5);
  std::vector<LocalSidEntry> e;
  for (uint32_t i = 0; i < 5000; ++i) {
    IpAddress a;
    for (auto& b : a.bytes) b = static_cast<uint8_t>(rng());
    a.bytes[0] = 0xfc;
    e.push_back({a, i});
  }
  auto t = LocalSidTable::Build(e);
  ASSERT_TRUE(t.ok()) << t.status();
  std::printf("[local_sid] %zu SIDs: %.0f bytes per SID\n", e.size(),
              static_cast<double>((*t)->memory_bytes()) / e.size());
  for (size_t base = 0; base + 64 <= e.size(); base += 64) {
    IpAddress miss[64];
    const uint8_t* keys[64];
    for (int i = 0; i < 64; ++i) {
      if (i % 3 == 0) {
        miss[i] = e[base + i].sid;
        miss[i].bytes[15] ^= 0x5a;  // Not a SID (with overwhelming probability).
        keys[i] = miss[i].bytes;
      } else {
        keys[i] = e[base + i].sid.bytes;
      }
    }
    uint32_t values[64];
    const uint64_t hits = (*t)->LookupBulk(keys, 64, values);
    for (int i = 0; i < 64; ++i) {
      const bool hit = (hits >> i) & 1;
      ASSERT_EQ(hit, i % 3 != 0) << i;
      if (hit) {
        ASSERT_EQ(values[i], e[base + i].value);
      }
    }
  }
}

TEST(TablesLocalSidTest, EmptyTableMissesAndBadInputIsRejected) {
  auto empty = LocalSidTable::Build({});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ((*empty)->Lookup(A("fc00::1").bytes), nullptr);
  IpAddress k = A("fc00::1");
  const uint8_t* keys[1] = {k.bytes};
  uint32_t v;
  EXPECT_EQ((*empty)->LookupBulk(keys, 1, &v), 0u);

  std::vector<LocalSidEntry> dup = {{A("fc00::1"), 1}, {A("fc00::1"), 2}};
  absl::StatusOr<std::unique_ptr<LocalSidTable>> d = LocalSidTable::Build(dup);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("fc00::1"), absl::string_view::npos) << d.status();
  std::vector<LocalSidEntry> v4 = {{A("192.0.2.1"), 1}};
  EXPECT_FALSE(LocalSidTable::Build(v4).ok());
}

}  // namespace
}  // namespace cpn::dataplane
