#include "dataplane/tables/affinity.h"

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "absl/strings/str_cat.h"
#include "dataplane/tables/dpdk_util.h"

namespace cpn::dataplane {

absl::StatusOr<std::unique_ptr<AffinityTable>> AffinityTable::Create(const AffinityConfig& config) {
  if (config.capacity < 8 || config.capacity > (1u << 30)) {
    return absl::InvalidArgumentError(
        absl::StrCat("affinity table capacity ", config.capacity, " is not in [8, 2^30]"));
  }
  if (config.evict_samples == 0) {
    return absl::InvalidArgumentError("affinity table: evict_samples must be at least 1");
  }
  std::unique_ptr<AffinityTable> t(new AffinityTable(config));
  const size_t heap_before = DpdkHeapAllocatedBytes();
  const std::string name = UniqueDpdkName("aff_");
  rte_hash_parameters params{};
  params.name = name.c_str();
  params.entries = config.capacity;
  params.key_len = sizeof(FlowKey);
  params.hash_func = rte_hash_crc;
  params.hash_func_init_val = config.hash_seed;
  params.socket_id = config.socket_id;
  // No concurrency flag: one worker reads and writes (see the header).
  // Extendable buckets: an insert fails only when every key slot is used.
  params.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
  t->hash_ = rte_hash_create(&params);
  if (t->hash_ == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat("affinity table: rte_hash_create(",
                                                     config.capacity,
                                                     " entries): ", rte_strerror(rte_errno)));
  }
  t->capacity_ = config.capacity;
  t->slots_ = static_cast<Slot*>(rte_zmalloc_socket("cpn_affinity", sizeof(Slot) * t->capacity_,
                                                    RTE_CACHE_LINE_SIZE, config.socket_id));
  if (t->slots_ == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("affinity table: no DPDK memory for ", t->capacity_, " entries"));
  }
  if (config.flow_sink != nullptr) {
    t->stats_ = static_cast<FlowStats*>(rte_zmalloc_socket("cpn_affinity_flows",
                                                           sizeof(FlowStats) * t->capacity_,
                                                           RTE_CACHE_LINE_SIZE, config.socket_id));
    if (t->stats_ == nullptr) {
      return absl::ResourceExhaustedError(
          absl::StrCat("affinity table: no DPDK memory for ", t->capacity_, " flow counts"));
    }
  }
  t->memory_bytes_ = DpdkHeapAllocatedBytes() - heap_before;
  t->rng_ ^= reinterpret_cast<uintptr_t>(t.get());
  return t;
}

AffinityTable::~AffinityTable() {
  if (hash_ != nullptr) rte_hash_free(hash_);
  rte_free(slots_);
  rte_free(stats_);
}

void AffinityTable::EmitRecord(const FlowKey& key, uint32_t position, FlowEndReason reason) {
  FlowStats& f = stats_[position];
  if (f.packets != 0) {
    const Slot& s = slots_[position];
    config_.flow_sink->Emit(FlowEnd{&key, s.policy, s.generation, f.packets, f.bytes, f.first_seen,
                                    s.last_seen, reason});
  }
  f = FlowStats{0, 0, 0};
}

uint64_t AffinityTable::LookupBulk(const FlowKey* const keys[], const uint32_t hashes[], uint32_t n,
                                   uint64_t now_tsc, AffinityValue values[]) {
  int32_t pos[kMaxBulk];
  // Neither array is written by rte_hash.
  rte_hash_lookup_with_hash_bulk(hash_,
                                 reinterpret_cast<const void**>(const_cast<const FlowKey**>(keys)),
                                 const_cast<hash_sig_t*>(hashes), n, pos);
  uint64_t hits = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (pos[i] < 0) continue;
    Slot& s = slots_[pos[i]];
    if (Expired(s, now_tsc)) continue;
    values[i] = AffinityValue{s.policy, s.generation, static_cast<uint32_t>(pos[i]), s.destination};
    // Flow records: the caller counts this packet on the entry soon; start
    // the (random, likely missing) load of its counts now.
    if (stats_ != nullptr) rte_prefetch0(&stats_[pos[i]]);
    if (s.last_seen < now_tsc) s.last_seen = now_tsc;
    hits |= uint64_t{1} << i;
  }
  return hits;
}

UpsertResult AffinityTable::Upsert(const FlowKey& key, uint32_t hash, AffinityValue value,
                                   uint64_t now_tsc, uint32_t* position) {
  if (now_tsc == 0) now_tsc = 1;  // 0 marks an empty slot.
  bool evicted = false;
  int32_t pos = rte_hash_add_key_with_hash(hash_, &key, hash);
  if (pos == -ENOSPC && EvictOne()) {
    evicted = true;
    pos = rte_hash_add_key_with_hash(hash_, &key, hash);
  }
  if (pos < 0 || static_cast<uint32_t>(pos) >= capacity_) {
    insert_failures_.Add(1);
    return UpsertResult::kFailed;
  }
  Slot& s = slots_[pos];
  const bool fresh = s.last_seen == 0;
  if (position != nullptr) *position = static_cast<uint32_t>(pos);
  const bool expired = !fresh && Expired(s, now_tsc);
  if (!fresh && !expired && s.policy == value.policy && s.generation == value.generation) {
    // The same flow continuing (two packets of a new flow in one burst both
    // miss the bulk lookup): not a new flow, and its record goes on.
    if (s.last_seen < now_tsc) s.last_seen = now_tsc;
    return UpsertResult::kUnchanged;
  }
  if (!fresh && stats_ != nullptr) {  // Its time on the old policy ends here.
    EmitRecord(key, static_cast<uint32_t>(pos),
               expired ? FlowEndReason::kIdleTimeout : FlowEndReason::kForcedEnd);
  }
  s = Slot{value.policy, value.generation, now_tsc, value.destination, s.incarnation + 1};
  if (!fresh) {
    updates_.Add(1);
    return UpsertResult::kUpdated;
  }
  occupancy_.Add(1);
  inserts_.Add(1);
  return evicted ? UpsertResult::kInsertedAfterEviction : UpsertResult::kInserted;
}

bool AffinityTable::Erase(const FlowKey& key, uint32_t hash) {
  if (stats_ != nullptr) {
    const int32_t at = rte_hash_lookup_with_hash(hash_, &key, hash);
    if (at >= 0) EmitRecord(key, static_cast<uint32_t>(at), FlowEndReason::kForcedEnd);
  }
  const int32_t pos = rte_hash_del_key_with_hash(hash_, &key, hash);
  if (pos < 0) return false;
  slots_[pos].last_seen = 0;
  ++slots_[pos].incarnation;
  occupancy_.Sub(1);
  return true;
}

void AffinityTable::DeleteAt(uint32_t position, FlowEndReason reason) {
  void* stored = nullptr;
  if (rte_hash_get_key_with_position(hash_, static_cast<int32_t>(position), &stored) < 0) {
    slots_[position].last_seen = 0;  // Not in the hash (cannot happen); just clear.
    ++slots_[position].incarnation;
    return;
  }
  FlowKey key;
  std::memcpy(&key, stored, sizeof(key));
  if (stats_ != nullptr) EmitRecord(key, position, reason);
  rte_hash_del_key(hash_, &key);
  slots_[position].last_seen = 0;
  ++slots_[position].incarnation;
  occupancy_.Sub(1);
}

bool AffinityTable::EvictOne() {
  uint32_t victim = UINT32_MAX;
  uint64_t oldest = UINT64_MAX;
  for (uint32_t k = 0; k < config_.evict_samples; ++k) {
    rng_ ^= rng_ << 13;  // xorshift64
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    const uint32_t p = static_cast<uint32_t>((rng_ >> 32) % capacity_);
    const uint64_t seen = slots_[p].last_seen;
    if (seen != 0 && seen < oldest) {
      oldest = seen;
      victim = p;
    }
  }
  if (victim == UINT32_MAX) {  // Only when the table is not really full.
    for (uint32_t p = 0, start = static_cast<uint32_t>(rng_ % capacity_); p < 64; ++p) {
      const uint32_t q = (start + p) % capacity_;
      if (slots_[q].last_seen != 0) {
        victim = q;
        break;
      }
    }
    if (victim == UINT32_MAX) return false;
  }
  DeleteAt(victim, FlowEndReason::kLackOfResources);
  evictions_.Add(1);
  return true;
}

uint32_t AffinityTable::Age(uint64_t now_tsc, uint32_t max_slots) {
  const uint64_t active = stats_ != nullptr ? config_.active_timeout_tsc : 0;
  if (config_.idle_timeout_tsc == 0 && active == 0) return 0;
  // An empty table has nothing to expire; the sweep's reads of a table far
  // larger than the caches are what this call costs (a transit router's
  // worker spent ~4% of its time here for nothing).
  if (occupancy_.Get() == 0) return 0;
  uint32_t expired = 0;
  for (uint32_t k = 0; k < max_slots; ++k) {
    const uint32_t p = age_cursor_;
    age_cursor_ = age_cursor_ + 1 == capacity_ ? 0 : age_cursor_ + 1;
    if (slots_[p].last_seen == 0) continue;
    if (Expired(slots_[p], now_tsc)) {
      DeleteAt(p, FlowEndReason::kIdleTimeout);
      ++expired;
    } else if (active != 0 && stats_[p].packets != 0 && now_tsc > stats_[p].first_seen &&
               now_tsc - stats_[p].first_seen >= active) {
      void* stored = nullptr;
      if (rte_hash_get_key_with_position(hash_, static_cast<int32_t>(p), &stored) == 0) {
        FlowKey key;
        std::memcpy(&key, stored, sizeof(key));
        EmitRecord(key, p, FlowEndReason::kActiveTimeout);
      }
    }
  }
  if (expired != 0) expirations_.Add(expired);
  // The next call reads on from here. Between two busy-loop calls the
  // worker touches enough else that the hardware prefetcher loses the
  // stream, and every call stalled on a memory load (profiled: ~3 % of a
  // steering worker's time for 4 slots a loop); start the lines now.
  const char* next = reinterpret_cast<const char*>(&slots_[age_cursor_]);
  rte_prefetch0(next);
  if (max_slots * sizeof(Slot) > RTE_CACHE_LINE_SIZE) rte_prefetch0(next + RTE_CACHE_LINE_SIZE);
  return expired;
}

uint32_t AffinityTable::EndAllRecords() {
  if (stats_ == nullptr) return 0;
  uint32_t made = 0;
  for (uint32_t p = 0; p < capacity_; ++p) {
    if (slots_[p].last_seen == 0 || stats_[p].packets == 0) continue;
    void* stored = nullptr;
    if (rte_hash_get_key_with_position(hash_, static_cast<int32_t>(p), &stored) != 0) continue;
    FlowKey key;
    std::memcpy(&key, stored, sizeof(key));
    EmitRecord(key, p, FlowEndReason::kForcedEnd);
    ++made;
  }
  return made;
}

AffinityCounters AffinityTable::counters() const {
  AffinityCounters c;
  c.capacity = capacity_;
  c.occupancy = occupancy_.Get();
  c.inserts = inserts_.Get();
  c.updates = updates_.Get();
  c.evictions = evictions_.Get();
  c.expirations = expirations_.Get();
  c.insert_failures = insert_failures_.Get();
  return c;
}

}  // namespace cpn::dataplane
