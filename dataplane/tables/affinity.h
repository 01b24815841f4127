// Flow affinity: FlowKey -> the policy a flow was given, so that existing
// flows stay on their compute site while weights change (CATS R16).
//
// ONE TABLE PER WORKER (not one shared table). The port layer spreads flows
// by a hash of the 5-tuple (RSS, or software spreading by FlowHash), so all
// packets of a flow reach the same worker, and each worker owns its table:
// it is the table's only reader AND only writer. So the rte_hash is created
// with no concurrency flag at all -- no reader/writer lock, no RCU on key
// slots, no atomics on the lookup path. A shared table would need
// RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD, whose inserts take a spinlock (the
// fast path must not lock), plus RW_CONCURRENCY_LF and RCU-deferred slot reuse
// for every delete. The cost of per-worker tables: if the RETA or the number
// of workers changes, moved flows miss and are re-picked by Maglev (which
// gives the same answer while their rule's weights are unchanged), and
// capacity is split between workers (size each for its share).
//
// ENTRY: {policy index, policy generation, last-seen TSC, destination}. The
// generation is the policy's generation when the flow was pinned; the caller
// compares it with the live one (bumped when the policy dies or its path
// changes) and looks again for a stale flow -- at once, on its next packet:
// on another policy to the same destination (site) when the rule has one,
// else re-picked (steer_stage.h).
//
// BOUNDS: capacity fixed at creation (extendable buckets, so an insert fails
// only when every slot is used). An entry idle longer than idle_timeout_tsc
// is a miss for lookups, and Age() deletes such entries incrementally, a
// bounded number of slots per call. When full, Upsert evicts the oldest of
// `evict_samples` randomly sampled entries and counts it; it never fails
// while the table has capacity > 0 and never crashes.
//
// MEMORY: ~80 MiB of DPDK heap for 1,000,000 entries (affinity_test measures
// it; see docs/dataplane-tables.md).
//
// FLOW RECORDS (IPFIX export, optional). With config.flow_sink set, the
// table also keeps per-entry packet/octet counts and the time of the first
// packet of the current record, in a separate array (24 B an entry) that
// exists only then: with export off the fast-path cost is a null test in
// Count() and one per LookupBulk hit (the prefetch of the counts, which
// starts the likely cache miss early when export is on). The owner counts each forwarded packet
// with Count(position, bytes, now) -- positions come from LookupBulk / Upsert -- and the table
// hands a FlowEnd to the sink, on the owning worker, when an entry ends:
// idle expiry in Age() (IDLE_TIMEOUT), eviction (LACK_OF_RESOURCES), re-pin
// of a live entry to another policy (FORCED_END; an expired one re-pinned is
// IDLE_TIMEOUT), Erase (FORCED_END), and every config.active_timeout_tsc of
// a long flow, found by the same Age() sweep (ACTIVE_TIMEOUT; the entry
// stays and its counts restart). Counts are deltas since the last record;
// an entry with no packet since its last record makes no record. The sink
// must not block (the worker's ring sink drops and counts when full).
//
// THREADS: Create and the destructor on the control thread (before the
// worker starts / after it stopped). Hash, LookupBulk, Upsert, Erase, Age:
// the owning worker only. counters(), capacity(): any thread (relaxed reads
// of counters the owner publishes).
#ifndef CPN_DATAPLANE_TABLES_AFFINITY_H_
#define CPN_DATAPLANE_TABLES_AFFINITY_H_

#include <rte_hash.h>
#include <rte_memory.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "dataplane/common/flow_key.h"

namespace cpn::dataplane {

// Why a flow record was made (the IANA flowEndReason values, RFC 5102).
enum class FlowEndReason : uint8_t {
  kIdleTimeout = 1,
  kActiveTimeout = 2,
  kEndOfFlow = 3,
  kForcedEnd = 4,
  kLackOfResources = 5,
};

// One flow record as the table hands it out (see FLOW RECORDS above).
struct FlowEnd {
  const FlowKey* key;
  uint32_t policy;  // The entry's AffinityValue.
  uint32_t generation;
  uint64_t packets;  // Since the previous record of this flow.
  uint64_t bytes;
  uint64_t first_tsc;  // First packet of this record.
  uint64_t last_tsc;   // Last packet (the entry's last-seen time).
  FlowEndReason reason;
};

// Receives flow records on the owning worker's thread. Must not block.
class FlowRecordSink {
 public:
  virtual ~FlowRecordSink() = default;
  virtual void Emit(const FlowEnd& record) = 0;
};

struct AffinityConfig {
  uint32_t capacity = 1u << 16;   // Entries (flows) this worker can hold.
  uint64_t idle_timeout_tsc = 0;  // 0 = never idle out.
  // Flow records: null = off (no counts kept). Not owned; outlives the table.
  FlowRecordSink* flow_sink = nullptr;
  uint64_t active_timeout_tsc = 0;  // 0 = records only at the end of a flow.
  uint32_t evict_samples = 8;       // Entries sampled per eviction.
  // CRC32 seed of the key hash. Keep it equal to the parse stage's flow hash
  // seed (kFlowHashSeed, "CPN1") so meta->flow_hash can be passed in as is.
  uint32_t hash_seed = 0x43504e31;
  int socket_id = SOCKET_ID_ANY;
};

struct AffinityValue {
  uint32_t policy = 0;
  uint32_t generation = 0;
  uint32_t position = 0;  // Set by LookupBulk on a hit: the entry, for Count().
  // The policy's PolicyEntry::destination when pinned (its site), so that a
  // stale flow can be kept on its site; 0: none.
  uint32_t destination = 0;
};

struct AffinityCounters {
  uint64_t capacity = 0;
  uint64_t occupancy = 0;        // Entries in the table now.
  uint64_t inserts = 0;          // New flows pinned.
  uint64_t updates = 0;          // Existing (or expired) flows re-pinned.
  uint64_t evictions = 0;        // Live entries removed to make room.
  uint64_t expirations = 0;      // Idle entries removed by Age().
  uint64_t insert_failures = 0;  // Upserts that could not store (capacity 0).
};

// kUnchanged: the key was already pinned, live, to the same value -- the
// second packet of a new flow in the burst that pinned it (both missed the
// bulk lookup): not a new flow; only its last-seen time moves.
enum class UpsertResult : uint8_t {
  kInserted,
  kUpdated,
  kInsertedAfterEviction,
  kFailed,
  kUnchanged
};

class AffinityTable {
 public:
  static constexpr uint32_t kMaxBulk = RTE_HASH_LOOKUP_BULK_MAX;

  static absl::StatusOr<std::unique_ptr<AffinityTable>> Create(const AffinityConfig& config);
  ~AffinityTable();
  AffinityTable(const AffinityTable&) = delete;
  AffinityTable& operator=(const AffinityTable&) = delete;

  // The table's hash of a key (CRC32 with config.hash_seed).
  uint32_t Hash(const FlowKey& key) const { return rte_hash_hash(hash_, &key); }

  // Looks up keys[0..n) with their hashes; n <= kMaxBulk. For each hit,
  // values[i] is filled and the entry's last-seen time becomes now_tsc.
  // Entries idle past the timeout are misses. Returns the hit mask.
  uint64_t LookupBulk(const FlowKey* const keys[], const uint32_t hashes[], uint32_t n,
                      uint64_t now_tsc, AffinityValue values[]);

  // Pins `key` to `value` (inserting, or overwriting a stale entry), evicting
  // the oldest sampled entry when the table is full.
  // `position` (optional) receives the entry's position, for Count().
  UpsertResult Upsert(const FlowKey& key, uint32_t hash, AffinityValue value, uint64_t now_tsc,
                      uint32_t* position = nullptr);

  // Flow records: one more packet of `bytes` for the entry at `position`
  // (from LookupBulk or Upsert). Nothing when flow records are off.
  void Count(uint32_t position, uint32_t bytes, uint64_t now_tsc) {
    if (stats_ == nullptr) return;
    FlowStats& f = stats_[position];
    if (f.packets == 0) f.first_seen = now_tsc;
    ++f.packets;
    f.bytes += bytes;
  }
  bool flow_records() const { return stats_ != nullptr; }

  // Removes `key`; false when absent.
  bool Erase(const FlowKey& key, uint32_t hash);

  // For a cache of the owner's decisions (flow_cache.h). An entry's
  // incarnation changes whenever the entry at `position` stops being the
  // pin it was: deleted (erase, expiry, eviction) or re-pinned to another
  // value. Touch is the cache hit's affinity lookup: true when the entry at
  // `position` is still that incarnation and not idle past the timeout; it
  // then refreshes the last-seen time (as LookupBulk does for a hit).
  uint32_t incarnation(uint32_t position) const { return slots_[position].incarnation; }
  bool Touch(uint32_t position, uint32_t incarnation, uint64_t now_tsc) {
    Slot& s = slots_[position];
    if (s.incarnation != incarnation || s.last_seen == 0) return false;
    // Expired() and the refresh sharing one test of the idle time (every
    // cached packet comes here).
    if (now_tsc > s.last_seen) {
      if (now_tsc - s.last_seen > idle_limit_tsc_) return false;
      s.last_seen = now_tsc;
    }
    return true;
  }

  // Examines the next `max_slots` slots (round robin over the whole table)
  // and deletes the entries idle past the timeout. Returns how many it
  // deleted. Cost is bounded by max_slots (measured: ~4 ns per slot read,
  // ~0.4 us per deletion). With flow records it also emits the records of
  // entries past the active timeout. Does nothing when there is no timeout.
  uint32_t Age(uint64_t now_tsc, uint32_t max_slots);

  // Flow records: hands every entry with packets since its last record to
  // the sink as FORCED_END (the entries stay, their counts restart). For
  // shutdown. Returns the records made. Owner only (or the control thread
  // once the owner stopped).
  uint32_t EndAllRecords();

  AffinityCounters counters() const;
  uint32_t capacity() const { return capacity_; }
  // DPDK heap bytes of the table (hash + entries), measured at creation.
  size_t memory_bytes() const { return memory_bytes_; }

 private:
  struct Slot {  // By rte_hash key position. last_seen == 0: empty.
    uint32_t policy;
    uint32_t generation;
    uint64_t last_seen;
    uint32_t destination;
    uint32_t incarnation;  // See incarnation(); in what was padding.
  };
  static_assert(sizeof(Slot) == 24);
  struct FlowStats {  // By position; only with a flow sink.
    uint64_t packets;
    uint64_t bytes;
    uint64_t first_seen;  // Of the current record (valid when packets > 0).
  };

  // Counters written by the owner only: plain load + store, no locked RMW.
  struct alignas(64) Counter {
    std::atomic<uint64_t> v{0};
    void Add(uint64_t d) {
      v.store(v.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
    }
    void Sub(uint64_t d) {
      v.store(v.load(std::memory_order_relaxed) - d, std::memory_order_relaxed);
    }
    uint64_t Get() const { return v.load(std::memory_order_relaxed); }
  };

  explicit AffinityTable(const AffinityConfig& c)
      : config_(c),
        idle_limit_tsc_(c.idle_timeout_tsc != 0 ? c.idle_timeout_tsc : UINT64_MAX) {}
  bool Expired(const Slot& s, uint64_t now) const {
    return now > s.last_seen && now - s.last_seen > idle_limit_tsc_;
  }
  bool EvictOne();
  void DeleteAt(uint32_t position, FlowEndReason reason);
  // Hands the entry's record to the sink (if it has packets) and resets it.
  void EmitRecord(const FlowKey& key, uint32_t position, FlowEndReason reason);

  const AffinityConfig config_;
  const uint64_t idle_limit_tsc_;  // idle_timeout_tsc, or never (UINT64_MAX) for 0.
  rte_hash* hash_ = nullptr;
  Slot* slots_ = nullptr;       // capacity_ entries, rte_zmalloc'd.
  FlowStats* stats_ = nullptr;  // capacity_ entries with a flow sink, else null.
  uint32_t capacity_ = 0;
  uint32_t age_cursor_ = 0;
  uint64_t rng_ = 0x9e3779b97f4a7c15ull;
  size_t memory_bytes_ = 0;

  Counter occupancy_, inserts_, updates_, evictions_, expirations_, insert_failures_;
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_TABLES_AFFINITY_H_
