#include "dataplane/stages/link_emulation.h"

#include <algorithm>
#include <cmath>

namespace cpn::dataplane {
namespace {

__extension__ typedef unsigned __int128 Uint128;  // GCC/Clang; exact products.

constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ull;

uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint32_t RoundUpPow2(uint32_t v) {
  uint32_t p = 1;
  while (p < v && p < (1u << 31)) p <<= 1;
  return p;
}

}  // namespace

uint64_t UsToTsc(uint64_t us, uint64_t tsc_hz) {
  const Uint128 ticks = static_cast<Uint128>(us) * tsc_hz + 999'999;
  return static_cast<uint64_t>(ticks / 1'000'000);
}

uint64_t DefaultEmulationSeed(uint32_t port_id) {
  return Mix64(kGolden * (uint64_t{port_id} + 1)) | 1;
}

LinkEmulationParams MakeLinkEmulationParams(const LinkEmulationSettings& s, uint64_t tsc_hz,
                                            uint32_t port_id) {
  LinkEmulationParams p;
  if (s.IsZero()) return p;
  p.enabled = true;
  p.delay_tsc = UsToTsc(s.delay_us, tsc_hz);
  if (s.rate_bps != 0) {
    const Uint128 q16 =
        (static_cast<Uint128>(tsc_hz) * 8 << 16) / std::max(s.rate_bps, uint64_t{1});
    // At least one 1/65536 tick a byte: a limit never turns into "unlimited".
    p.tsc_per_byte_q16 = std::max<uint64_t>(static_cast<uint64_t>(q16), 1);
  }
  if (s.loss_ratio >= 1.0) {
    p.loss_threshold = uint64_t{1} << 53;
  } else if (s.loss_ratio > 0) {
    p.loss_threshold = static_cast<uint64_t>(std::ldexp(s.loss_ratio, 53));
  }
  p.queue_limit = s.queue_limit_packets != 0 ? s.queue_limit_packets : kDefaultEmulationQueue;
  p.seed = s.random_seed != 0 ? s.random_seed : DefaultEmulationSeed(port_id);
  return p;
}

EmulatedLink::EmulatedLink(uint64_t salt, uint32_t capacity)
    : salt_(salt),
      mask_(RoundUpPow2(std::max<uint32_t>(capacity, 1)) - 1),
      // Not value-initialised: untouched slots cost no memory.
      ring_(new Entry[mask_ + 1]) {}

uint64_t EmulatedLink::NextRandom() {
  rng_ += kGolden;
  return Mix64(rng_);
}

uint32_t EmulatedLink::RateBacklog(uint64_t now) {
  if (rate_head_ < head_) rate_head_ = head_;
  while (rate_head_ < tail_ && ring_[rate_head_ & mask_].tx_done <= now) ++rate_head_;
  return static_cast<uint32_t>(tail_ - rate_head_);
}

EmulationVerdict EmulatedLink::Offer(const LinkEmulationParams& p, uint64_t now, rte_mbuf* m,
                                     uint32_t frame_bytes) {
  if (p.loss_threshold != 0) {
    if (p.seed != seed_) {  // New seed: the loss sequence starts over.
      seed_ = p.seed;
      rng_ = Mix64(p.seed ^ Mix64(salt_ + kGolden));
    }
    if ((NextRandom() >> 11) < p.loss_threshold) return EmulationVerdict::kLost;
  }
  if (tail_ - head_ > mask_) return EmulationVerdict::kQueueFull;
  uint64_t tx_done = now;
  if (p.tsc_per_byte_q16 != 0) {
    if (RateBacklog(now) >= p.queue_limit) return EmulationVerdict::kQueueFull;
    uint64_t start = last_tx_done_;
    if (now >= start) {  // The wire is idle: serialisation starts now.
      start = now;
      frac_q16_ = 0;
    }
    const uint64_t cost = uint64_t{frame_bytes} * p.tsc_per_byte_q16 + frac_q16_;
    tx_done = start + (cost >> 16);
    frac_q16_ = cost & 0xffff;
    last_tx_done_ = tx_done;
  }
  const uint64_t release = std::max(tx_done + p.delay_tsc, last_release_);
  last_release_ = release;
  ring_[tail_ & mask_] = Entry{m, tx_done, release};
  ++tail_;
  return EmulationVerdict::kQueued;
}

uint16_t EmulatedLink::Release(uint64_t now, rte_mbuf** out, uint16_t max) {
  uint16_t n = 0;
  while (n < max && head_ < tail_) {
    const Entry& e = ring_[head_ & mask_];
    if (e.release > now) break;
    out[n++] = e.m;
    ++head_;
  }
  return n;
}

uint16_t EmulatedLink::TakeAll(rte_mbuf** out, uint16_t max) {
  uint16_t n = 0;
  while (n < max && head_ < tail_) out[n++] = ring_[head_++ & mask_].m;
  return n;
}

uint64_t EmulatedLink::next_release() const {
  return head_ < tail_ ? ring_[head_ & mask_].release : UINT64_MAX;
}

}  // namespace cpn::dataplane
