// Lab link emulation: what `tc netem` would do on a link (delay, rate, loss),
// done by the dataplane itself in a port's transmit path because netem does
// not exist on the lab machines (contract: cpn.dataplane.v1.LinkEmulation).
//
// One EmulatedLink is the emulated wire of one (worker, port): a FIFO of
// packets, each stamped with the TSC at which it may leave.
//
//   offered packet --loss (seeded PRNG)--> dropped kLost
//                  --rate queue holds >= queue_limit--> dropped kQueueFull
//                  --FIFO full--> dropped kQueueFull
//                  --> queued: tx_done = max(now, previous tx_done)
//                                        + frame_bytes * 8 / rate_bps
//                              release = tx_done + delay   (never before
//                                        the previous packet's release:
//                                        the link keeps order)
//   Release(now)  --> the packets whose release <= now, in order.
//
// The rate queue is the packets whose serialisation has not ended
// (tx_done > now). With rate_bps = 0 there is no rate queue: tx_done = now.
// Loss is decided first, so a lost packet costs no rate.
//
// Pure: no I/O, no clock (the caller passes `now` in TSC ticks), no
// allocation after construction, mbufs are only carried (never read or
// freed: the caller frees what Offer refuses). Tests drive it with a fake
// clock and fake mbuf pointers.
//
// THREADS: an EmulatedLink belongs to one worker. LinkEmulationParams are
// built on the control thread and published in the ForwardingState.
#ifndef CPN_DATAPLANE_STAGES_LINK_EMULATION_H_
#define CPN_DATAPLANE_STAGES_LINK_EMULATION_H_

#include <cstdint>
#include <memory>

struct rte_mbuf;

namespace cpn::dataplane {

// Rate queue when LinkEmulation.queue_limit_packets is 0 (netem's default
// limit); GetCapabilitiesResponse.default_emulation_queue.
inline constexpr uint32_t kDefaultEmulationQueue = 1000;
// Packets one worker may hold for one emulated port (rate queue and delay
// line together); queue_limit_packets may not exceed it. A power of two.
inline constexpr uint32_t kEmulationFifoPackets = 8192;
// Largest delay_us accepted (10 s).
inline constexpr uint32_t kMaxEmulationDelayUs = 10'000'000;
// Smallest non-zero rate_bps accepted (1 kbit/s).
inline constexpr uint64_t kMinEmulationRateBps = 1000;

// The API's LinkEmulation, without the proto.
struct LinkEmulationSettings {
  uint32_t delay_us = 0;
  uint64_t rate_bps = 0;             // 0 = not rate limited.
  double loss_ratio = 0;             // 0..1.
  uint32_t queue_limit_packets = 0;  // 0 = kDefaultEmulationQueue.
  uint64_t random_seed = 0;          // 0 = derived from the port.

  // True when it emulates nothing (the fast path then skips it entirely).
  bool IsZero() const { return delay_us == 0 && rate_bps == 0 && !(loss_ratio > 0); }
};

// The settings in the fast path's units. All zero = no emulation.
struct LinkEmulationParams {
  uint64_t delay_tsc = 0;
  uint64_t tsc_per_byte_q16 = 0;  // TSC ticks per frame byte, 16.16 fixed point; 0 = no limit.
  uint64_t loss_threshold = 0;    // Drop when a 53-bit draw is below it (2^53: always).
  uint64_t seed = 0;              // Never 0 when enabled.
  uint32_t queue_limit = 0;       // Rate queue packets (resolved, >= 1).
  bool enabled = false;
};

// Microseconds to TSC ticks, rounded up (an emulated delay is never shorter
// than asked).
uint64_t UsToTsc(uint64_t us, uint64_t tsc_hz);

// How long an idle worker may sleep: `sleep_us` (what its idle policy
// wants), cut so that it wakes no later than `due_tsc` (the next emulated
// departure; UINT64_MAX when none). 0 when the departure is less than a
// microsecond away (or past): spin instead.
inline uint32_t SleepBeforeDeparture(uint32_t sleep_us, uint64_t due_tsc, uint64_t now_tsc,
                                     uint64_t tsc_per_us) {
  if (due_tsc <= now_tsc) return 0;
  const uint64_t until = (due_tsc - now_tsc) / (tsc_per_us != 0 ? tsc_per_us : 1);
  return until < sleep_us ? static_cast<uint32_t>(until) : sleep_us;
}

// The seed used when LinkEmulationSettings.random_seed is 0.
uint64_t DefaultEmulationSeed(uint32_t port_id);

// `settings` must be valid (see the limits above); `port_id` names the port
// for the default seed. Returns all-zero params when settings.IsZero().
LinkEmulationParams MakeLinkEmulationParams(const LinkEmulationSettings& settings, uint64_t tsc_hz,
                                            uint32_t port_id);

enum class EmulationVerdict : uint8_t {
  kQueued = 0,  // The link holds the packet until its release time.
  kLost,        // Random loss (DROP_REASON_EMULATED_LOSS).
  kQueueFull,   // Rate queue or FIFO full (DROP_REASON_EMULATED_QUEUE_FULL).
};

class EmulatedLink {
 public:
  // `salt` makes the loss sequence of each worker different for one seed
  // (use the worker id). `capacity` is rounded up to a power of two.
  explicit EmulatedLink(uint64_t salt = 0, uint32_t capacity = kEmulationFifoPackets);
  EmulatedLink(const EmulatedLink&) = delete;
  EmulatedLink& operator=(const EmulatedLink&) = delete;

  // Offers one packet of `frame_bytes` at time `now` (TSC, non-decreasing
  // across calls). On kQueued the link owns `m`; otherwise the caller does.
  EmulationVerdict Offer(const LinkEmulationParams& p, uint64_t now, rte_mbuf* m,
                         uint32_t frame_bytes);

  // Moves up to `max` packets whose release time is <= now to `out`, in
  // order; returns how many.
  uint16_t Release(uint64_t now, rte_mbuf** out, uint16_t max);

  // Moves up to `max` packets to `out` whatever their release time.
  uint16_t TakeAll(rte_mbuf** out, uint16_t max);

  // Release time of the first packet; UINT64_MAX when empty.
  uint64_t next_release() const;
  uint32_t size() const { return static_cast<uint32_t>(tail_ - head_); }
  bool empty() const { return tail_ == head_; }
  uint32_t capacity() const { return mask_ + 1; }
  // Packets still in the rate queue at `now` (serialisation not ended).
  uint32_t RateBacklog(uint64_t now);

 private:
  struct Entry {
    rte_mbuf* m;
    uint64_t tx_done;  // End of serialisation (rate limiter).
    uint64_t release;  // tx_done + delay: when it leaves the link.
  };
  uint64_t NextRandom();

  const uint64_t salt_;
  const uint32_t mask_;
  const std::unique_ptr<Entry[]> ring_;
  uint64_t head_ = 0;       // Next to release.
  uint64_t rate_head_ = 0;  // First entry still in the rate queue (>= head_).
  uint64_t tail_ = 0;       // Next free.
  uint64_t last_tx_done_ = 0;
  uint64_t last_release_ = 0;
  uint64_t frac_q16_ = 0;  // Sub-tick remainder of the rate limiter.
  uint64_t seed_ = 0;      // Seed the generator was started from (0: none yet).
  uint64_t rng_ = 0;       // splitmix64 state.
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_STAGES_LINK_EMULATION_H_
