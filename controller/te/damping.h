// Damping: how far the installed weights of one demand may move toward the
// solver's target in one epoch.
//
//  1. Failover first: weights on dead candidates (site down, path down) go
//     to 0 at once and their share moves to the live candidates in
//     proportion to the target. Nothing below limits this.
//  2. Hysteresis: the move is made only if it improves the objective by
//     more than max(hysteresis_relative × the demand's expected delay,
//     hysteresis_ms) per request, the delay being the completion time less
//     the service time (network, transfer and compute wait: what steering
//     changes; a 4 s inference must not make a 100 ms saving look small). The gain is estimated by the
//     trapezoid rule on the marginal costs at the previous and the target
//     weights: ½ Σ_c (w_c − t_c)(g_prev,c + g_target,c), exact for a
//     quadratic objective.
//  3. Reversal hold (per candidate, as a route's hold-down timer): a weight
//     that moved `reversal_hold` ago or less does not move back — no rise
//     after a fall, no fall after a rise — except, when
//     reversal_hold_release_utilization is finite (by default it is not), a
//     fall of a candidate that is saturated (its site or a link of its path
//     at that utilisation or above). The decision engine makes up for the
//     held weights (DecisionOptions::resolve_around_holds: the demands free
//     to move are re-solved around them; when none is free, the held ones
//     are damped again with the release at saturation on). Held weights keep their
//     value; of the rest of the move, the larger side (gains or losses) is
//     scaled down to match the other, so every other weight still moves
//     toward its target and no further. Flap suppression (4) counts
//     reversals of the demand as a whole (the move against the previous
//     move); this stops one weight turning within the hold, where a demand
//     rotating its load over three sites would reverse none of its moves
//     as a whole. It comes first: a move it holds back entirely is no
//     move, and adds no reversal penalty.
//  4. Flap suppression (as BGP route-flap damping, RFC 2439) of the move
//     the hold leaves: a move against the direction of the demand's
//     previous move is a reversal and adds `reversal_penalty`; the
//     penalty halves every `penalty_half_life`.
//     While it is at or above `suppress_threshold` (until it decays below
//     `reuse_threshold`) reversals are refused; moves continuing in the same
//     direction are still made. This bounds the oscillation any periodic
//     input can cause.
//  5. Step bound: the move w → t is scaled so that no weight changes by more
//     than max_step; scaling the whole move keeps the weights a
//     distribution.
//
// Overload: when the previous weights overload a site or link under the
// new inputs (utilisation >= 1), a move that relieves it (takes weight off
// the overloaded candidates, net) is not held by hysteresis, and while the
// demand is suppressed it may still go through — but not when it puts
// weight back onto a candidate the demand last moved away from less than
// `relief_dwell` ago (a reversal onto a site just relieved): flap
// suppression holds in overload too, so a load that makes sites look
// overloaded in turn cannot flip the weights every epoch, while a lasting
// overload is relieved within the dwell. Failover (1) is never held.
// without previous weights takes its target at once.
//
// Pure functions of their arguments (time passed in); safe from any thread.
#ifndef CPN_CONTROLLER_TE_DAMPING_H_
#define CPN_CONTROLLER_TE_DAMPING_H_

#include <cstdint>
#include <limits>
#include <span>

#include "absl/time/time.h"

namespace cpn::te {

struct DampingOptions {
  // Largest change of one weight per epoch (absolute share); in (0, 1].
  double max_step = 0.1;
  // A move needs a gain above max(relative × E[T], absolute ms).
  double hysteresis_relative = 0.02;
  double hysteresis_ms = 1.0;
  // Flap suppression; a non-positive suppress_threshold disables it.
  double reversal_penalty = 1.0;
  double suppress_threshold = 2.0;
  double reuse_threshold = 0.5;
  absl::Duration penalty_half_life = absl::Seconds(60);
  // While suppressed, a reversal that relieves an overload but puts weight
  // back onto a candidate the demand last moved away from waits until the
  // demand's weights have not moved for this long.
  absl::Duration relief_dwell = absl::Seconds(10);
  // A weight does not turn back within this time of its last move (4);
  // zero disables the hold.
  absl::Duration reversal_hold = absl::Seconds(10);
  // ... except a fall of a candidate whose site or busiest link is at this
  // utilisation or above (at the previous weights): a site that filled up
  // after it gained weight sheds it at once. Infinite (the default): no
  // exception; the weight a held demand cannot shed is shed by the demands
  // free to move (DecisionOptions::resolve_around_holds). Every such
  // release is a reversal within the hold — an oscillation — and in the
  // simulator releasing at 0.95 cost 25–80 oscillations a run for a few
  // per cent of waiting (docs/lab-sim.md).
  double reversal_hold_release_utilization = std::numeric_limits<double>::infinity();
};

// Per-demand memory between epochs.
struct DampingState {
  double penalty = 0;
  absl::Time penalty_at = absl::InfinitePast();
  bool suppressed = false;
  // When the weights last moved (InfinitePast: never).
  absl::Time moved_at = absl::InfinitePast();

  bool operator==(const DampingState&) const = default;
};

// What damping did to one demand.
enum class DampingOutcome : uint8_t {
  kNew,         // no previous weights: the target taken at once
  kReached,     // moved to the target
  kLimited,     // moved toward the target by the step bound
  kHeld,        // hysteresis: the gain was too small to move
  kSuppressed,  // a reversal refused by flap suppression
  kHeldBack,    // every weight the move would change would turn back (4)
  kUnchanged,   // already at the target
};
const char* DampingOutcomeName(DampingOutcome o);

// One demand's inputs, each span over the demand's candidates (same order).
struct DampingInput {
  // Installed weights of the previous epoch (0 for new candidates).
  std::span<const double> previous;
  // The solver's weights this epoch.
  std::span<const double> target;
  // Each weight's last non-zero change (its direction is what matters)
  // and when it was made (InfinitePast: never; empty: no reversal hold).
  std::span<const double> last_move;
  std::span<const absl::Time> last_move_at;
  // 1 for candidates that died (their weight goes to 0 at once).
  std::span<const uint8_t> dead;
  // Marginal costs (ms per request) at the previous and target weights;
  // ignored (may be infinite) for dead candidates.
  std::span<const double> marginal_previous;
  std::span<const double> marginal_target;
  // The demand's expected delay at the previous weights, ms: completion
  // time less service time (propagation, queueing, transfer, compute wait).
  double expected_ms = 0;
  // The previous weights would overload a site or link now.
  bool overload = false;
  // Per candidate, the utilisation of its site or the busiest link of its
  // path at the previous weights, whichever is higher. A move relieves the
  // overload when it takes weight off candidates by their excess over
  // capacity: Σ_c (previous_c − target_c)·max(0, u_c − 1) > 0. Empty: every
  // move counts as relief when `overload` is set.
  std::span<const double> utilization;
  DampingState state;
  absl::Time now = absl::UnixEpoch();
};

struct DampingResult {
  DampingOutcome outcome = DampingOutcome::kNew;
  // Share that failover moved off dead candidates (0: none).
  double failover_share = 0;
  // Estimated gain of the full move, ms per request.
  double gain_ms = 0;
  // The reversal hold (3) kept some weight from its target.
  bool held = false;
  DampingState state;
};

// Writes the weights to install into `weights` (same size as the inputs).
DampingResult Damp(const DampingOptions& options, const DampingInput& input,
                   std::span<double> weights);

}  // namespace cpn::te

#endif  // CPN_CONTROLLER_TE_DAMPING_H_
