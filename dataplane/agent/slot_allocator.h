// Stable dense slots for keyed entities (routes, local SIDs, policies,
// steering rules). A slot indexes the ForwardingState arrays and the
// workers' per-entity counters, and is the value stored in the FIBs, the
// local SID table and the classifier -- so as long as an entity lives its
// slot does not change, and a batch that does not add or remove entries of
// a table can share that table with the previous snapshot.
//
// Freed slots are reused FIFO after the never-used ones (counters of a slot
// are rebased when it is reused, and a late packet of the old entity is then
// very unlikely), or lowest-first for routes (keeps FIB values small, so
// rte_fib6 can use 2-byte next hops).
//
// Each slot has a generation, bumped when the slot is freed (and by the
// compiler when a policy's path changes): flows pinned to a (slot,
// generation) that no longer matches are re-picked.
//
// Plain value type; the caller copies it per Write and keeps the copy only
// when the Write succeeds.
#ifndef CPN_DATAPLANE_AGENT_SLOT_ALLOCATOR_H_
#define CPN_DATAPLANE_AGENT_SLOT_ALLOCATOR_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace cpn::dataplane::agent {

template <typename Key>
class SlotAllocator {
 public:
  explicit SlotAllocator(uint32_t capacity = 0, bool reuse_lowest = false)
      : capacity_(capacity), reuse_lowest_(reuse_lowest) {}

  // Frees the slot of every key for which `dead(key)` is true. Calls `dead`
  // once per key, in ascending key order (callers rely on it to walk their
  // own sorted keys alongside).
  template <typename Pred>
  void ReleaseIf(Pred dead) {
    for (auto it = slots_.begin(); it != slots_.end();) {
      if (!dead(it->first)) {
        ++it;
        continue;
      }
      const uint32_t slot = it->second;
      ++generation_[slot];
      if (reuse_lowest_) {
        free_lowest_.insert(slot);
      } else {
        free_fifo_.push_back(slot);
      }
      it = slots_.erase(it);
    }
  }

  // The key's slot, allocating one when it has none (`*fresh` says so).
  absl::StatusOr<uint32_t> Acquire(const Key& key, bool* fresh) {
    if (auto it = slots_.find(key); it != slots_.end()) {
      *fresh = false;
      return it->second;
    }
    uint32_t slot;
    if (reuse_lowest_ && !free_lowest_.empty()) {
      slot = *free_lowest_.begin();
      free_lowest_.erase(free_lowest_.begin());
    } else if (next_ < capacity_) {
      slot = next_++;
      generation_.push_back(1);
    } else if (!reuse_lowest_ && !free_fifo_.empty()) {
      slot = free_fifo_.front();
      free_fifo_.pop_front();
    } else {
      return absl::ResourceExhaustedError(absl::StrCat("all ", capacity_, " slots are in use"));
    }
    slots_.emplace(key, slot);
    *fresh = true;
    return slot;
  }

  std::optional<uint32_t> Find(const Key& key) const {
    auto it = slots_.find(key);
    return it == slots_.end() ? std::nullopt : std::optional<uint32_t>(it->second);
  }
  uint32_t generation(uint32_t slot) const { return generation_[slot]; }
  void BumpGeneration(uint32_t slot) { ++generation_[slot]; }
  // Slots ever handed out: arrays indexed by slot need this many entries.
  uint32_t high_water() const { return next_; }

 private:
  uint32_t capacity_;
  bool reuse_lowest_;
  uint32_t next_ = 0;
  std::map<Key, uint32_t> slots_;
  std::deque<uint32_t> free_fifo_;
  std::set<uint32_t> free_lowest_;
  std::vector<uint32_t> generation_;
};

}  // namespace cpn::dataplane::agent

#endif  // CPN_DATAPLANE_AGENT_SLOT_ALLOCATOR_H_
