// RCU publication: readers never see freed memory (run under ASan:
// -DCPN_SANITIZE=ON), see one internally consistent version per read, and the
// writer never waits for a reader.
#include "dataplane/tables/rcu.h"

#include <rte_lcore.h>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "dataplane/tables/local_sid.h"
#include "dataplane/tables/table_set.h"
#include "gtest/gtest.h"
#include "tests/dataplane/eal_environment.h"

namespace cpn::dataplane {
namespace {

// Also makes the binary link eal_environment.o, whose static initializer
// starts EAL (nothing else here refers to it).
TEST(TablesRcuTest, EalIsUp) { ASSERT_NE(cpn::testing::TestPktPool(), nullptr); }

// A published version whose every entry carries its version number: in
// C++ heap memory (ASan sees use-after-free) and in a DPDK table.
struct Versioned {
  uint64_t version = 0;
  std::vector<uint64_t> stamps;
  std::shared_ptr<const LocalSidTable> sids;
};

constexpr int kStamps = 512;
constexpr int kSids = 4;

IpAddress Sid(int i) {
  IpAddress a;
  a.bytes[0] = 0xfc;
  a.bytes[15] = static_cast<uint8_t>(i + 1);
  return a;
}

std::unique_ptr<const Versioned> MakeVersion(uint64_t v, bool with_sids) {
  auto out = std::make_unique<Versioned>();
  out->version = v;
  out->stamps.assign(kStamps, v);
  if (with_sids) {
    std::vector<LocalSidEntry> e;
    for (int i = 0; i < kSids; ++i) e.push_back({Sid(i), static_cast<uint32_t>(v)});
    auto t = LocalSidTable::Build(e);
    EXPECT_TRUE(t.ok()) << t.status();
    out->sids = *std::move(t);
  }
  return out;
}

// True when every entry of `s` says s->version.
bool Consistent(const Versioned* s) {
  for (uint64_t x : s->stamps) {
    if (x != s->version) return false;
  }
  if (s->sids != nullptr) {
    for (int i = 0; i < kSids; ++i) {
      const uint32_t* v = s->sids->Lookup(Sid(i).bytes);
      if (v == nullptr || *v != static_cast<uint32_t>(s->version)) return false;
    }
  }
  return true;
}

TEST(TablesRcuTest, RetiredObjectWaitsForOnlineWorkersOnly) {
  auto domain = RcuDomain::Create(4);
  ASSERT_TRUE(domain.ok());
  RcuDomain& d = **domain;
  ASSERT_TRUE(d.RegisterWorker(0).ok());
  ASSERT_TRUE(d.RegisterWorker(1).ok());
  EXPECT_FALSE(d.RegisterWorker(4).ok());
  RcuPublished<Versioned> p(&d, MakeVersion(1, false));

  d.Online(0);  // Worker 0 is reading; worker 1 is offline (asleep).
  const Versioned* held = p.Get();
  p.Publish(MakeVersion(2, false));
  EXPECT_EQ(d.pending(), 1u) << "freed while worker 0 may still read it";
  EXPECT_EQ(held->version, 1u);  // ASan: still valid.
  EXPECT_TRUE(Consistent(held));
  d.Quiescent(0);  // Worker 0 finished its burst.
  EXPECT_EQ(d.Reclaim(), 1u);
  EXPECT_EQ(p.Get()->version, 2u);

  // An offline worker never holds anything back.
  d.Offline(0);
  p.Publish(MakeVersion(3, false));
  EXPECT_EQ(d.pending(), 0u);
  const RcuCounters c = d.counters();
  EXPECT_EQ(c.retired, 2u);
  EXPECT_EQ(c.reclaimed, 2u);
  ASSERT_TRUE(d.UnregisterWorker(0).ok());
  ASSERT_TRUE(d.UnregisterWorker(1).ok());
}

// The writer publishes 1,000 versions while a reader sits in one long read
// section: Publish never waits, the reader's version stays intact, and it is
// all freed as soon as the reader reports.
TEST(TablesRcuTest, WriterNeverWaitsForAStalledReader) {
  auto domain = RcuDomain::Create(2);
  ASSERT_TRUE(domain.ok());
  RcuDomain& d = **domain;
  RcuPublished<Versioned> p(&d, MakeVersion(0, false));
  std::atomic<int> phase{0};
  const Versioned* seen = nullptr;
  std::thread reader([&] {
    ASSERT_TRUE(d.RegisterWorker(1).ok());
    d.Online(1);
    seen = p.Get();
    phase.store(1);
    while (phase.load() != 2) std::this_thread::yield();  // Stalled mid-burst.
    EXPECT_TRUE(Consistent(seen));
    EXPECT_EQ(seen->version, 0u);
    d.Quiescent(1);
    phase.store(3);
    while (phase.load() != 4) std::this_thread::yield();
    d.Offline(1);
    ASSERT_TRUE(d.UnregisterWorker(1).ok());
  });
  while (phase.load() != 1) std::this_thread::yield();
  for (uint64_t v = 1; v <= 1000; ++v) p.Publish(MakeVersion(v, false));
  EXPECT_EQ(d.pending(), 1000u);  // Nothing freed, nothing waited for.
  phase.store(2);
  while (phase.load() != 3) std::this_thread::yield();
  // Everything but the live version is now free to go.
  EXPECT_EQ(d.Reclaim(), 1000u);
  EXPECT_EQ(p.Get()->version, 1000u);
  phase.store(4);
  reader.join();
}

// Two reader threads (std::thread + rte_thread_register) look up while the
// control thread publishes 1,000 versions, each a heap vector and a DPDK
// hash table stamped with its version.
TEST(TablesRcuTest, ReadersSeeConsistentVersionsUnderConcurrentPublication) {
  constexpr int kReaders = 2;
  constexpr uint64_t kVersions = 1000;
  auto domain = RcuDomain::Create(kReaders);
  ASSERT_TRUE(domain.ok());
  RcuDomain& d = **domain;
  RcuPublished<Versioned> p(&d, MakeVersion(0, true));
  std::atomic<bool> stop{false};
  std::atomic<int> ready{0};
  std::atomic<uint64_t> reads{0};
  struct Result {
    uint64_t reads = 0, inconsistent = 0, backwards = 0, distinct = 0, last = 0;
    bool registered = false;
  };
  std::vector<Result> results(kReaders);
  std::vector<std::thread> readers;
  for (int id = 0; id < kReaders; ++id) {
    readers.emplace_back([&, id] {
      Result& r = results[id];
      r.registered = rte_thread_register() == 0 && rte_lcore_id() != LCORE_ID_ANY;
      if (!d.RegisterWorker(id).ok()) return;
      d.Online(id);
      ready.fetch_add(1);
      uint64_t prev = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        const Versioned* s = p.Get();  // One "burst": use s a while, then report.
        for (int pass = 0; pass < 4; ++pass) {
          if (!Consistent(s)) ++r.inconsistent;
          // Now and then get preempted mid-burst, still holding s, so that
          // publications and reclamation really overlap our reads.
          if (pass == 1 && r.reads % 32 == 0) std::this_thread::yield();
        }
        if (s->version < prev) ++r.backwards;
        if (s->version != prev) ++r.distinct;
        prev = s->version;
        d.Quiescent(id);
        reads.fetch_add(1, std::memory_order_relaxed);
        ++r.reads;
        if (r.reads % 1024 == 0) {  // Now and then, "sleep" the right way.
          d.Offline(id);
          std::this_thread::yield();
          d.Online(id);
        }
      }
      r.last = prev;
      d.Offline(id);
      EXPECT_TRUE(d.UnregisterWorker(id).ok());
      rte_thread_unregister();
    });
  }
  while (ready.load() != kReaders) std::this_thread::yield();
  size_t max_pending = 0;
  for (uint64_t v = 1; v <= kVersions; ++v) {
    p.Publish(MakeVersion(v, true));
    max_pending = std::max(max_pending, d.pending());
    // Two cores are shared with other work: make sure the readers really run
    // between publications (bounded, so a starved reader cannot hang this).
    const uint64_t target = reads.load() + 2;
    for (int spin = 0; spin < 20000 && reads.load() < target; ++spin) std::this_thread::yield();
  }
  // Let each reader see the final version before stopping.
  for (int spin = 0; spin < 1000000 && d.pending() != 0; ++spin) {
    d.Reclaim();
    std::this_thread::yield();
  }
  stop.store(true);
  for (std::thread& t : readers) t.join();
  d.Synchronize();
  const RcuCounters c = d.counters();
  std::printf("[rcu] %llu versions published, max pending %zu, retired %llu reclaimed %llu\n",
              static_cast<unsigned long long>(kVersions), max_pending,
              static_cast<unsigned long long>(c.retired),
              static_cast<unsigned long long>(c.reclaimed));
  EXPECT_EQ(c.retired, kVersions);
  EXPECT_EQ(c.reclaimed, kVersions);
  EXPECT_GT(max_pending, 0u) << "no publication ever overlapped a read: the test proved nothing";
  for (int id = 0; id < kReaders; ++id) {
    const Result& r = results[id];
    std::printf("[rcu] reader %d: %llu reads, %llu version changes seen, last %llu\n", id,
                static_cast<unsigned long long>(r.reads),
                static_cast<unsigned long long>(r.distinct),
                static_cast<unsigned long long>(r.last));
    EXPECT_TRUE(r.registered) << "rte_thread_register failed under --no-huge -l 0";
    EXPECT_GT(r.reads, 0u);
    EXPECT_EQ(r.inconsistent, 0u);
    EXPECT_EQ(r.backwards, 0u);
  }
}

TEST(TablesRcuTest, TableSetSharesUnchangedTables) {
  auto domain = RcuDomain::Create(1);
  ASSERT_TRUE(domain.ok());
  auto sids = LocalSidTable::Build(std::vector<LocalSidEntry>{{Sid(0), 7}});
  ASSERT_TRUE(sids.ok());
  auto first = std::make_unique<TableSet>();
  first->version = 1;
  first->local_sids = *std::move(sids);
  const LocalSidTable* shared = first->LocalSids();
  TableSetHolder holder(domain->get(), std::move(first));

  auto next = std::make_unique<TableSet>(*holder.current());  // Copy: shares tables.
  next->version = 2;
  auto sel = std::make_shared<SelectorSet>();
  next->selectors = sel;
  holder.Publish(std::move(next));
  (*domain)->Synchronize();
  const TableSet* live = holder.Get();
  EXPECT_EQ(live->version, 2u);
  EXPECT_EQ(live->LocalSids(), shared);  // Not rebuilt, and still alive.
  EXPECT_EQ(*live->LocalSids()->Lookup(Sid(0).bytes), 7u);
  EXPECT_EQ(live->Fib6(), nullptr);
  EXPECT_EQ(live->Selector(3), nullptr);
}

}  // namespace
}  // namespace cpn::dataplane
