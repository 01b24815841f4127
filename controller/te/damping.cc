#include "controller/te/damping.h"

#include <algorithm>
#include <cmath>

#include "absl/container/inlined_vector.h"

namespace cpn::te {

const char* DampingOutcomeName(DampingOutcome o) {
  switch (o) {
    case DampingOutcome::kNew:
      return "new";
    case DampingOutcome::kReached:
      return "reached target";
    case DampingOutcome::kLimited:
      return "step-limited";
    case DampingOutcome::kHeld:
      return "held (hysteresis)";
    case DampingOutcome::kSuppressed:
      return "suppressed (flapping)";
    case DampingOutcome::kHeldBack:
      return "held (reversal hold)";
    case DampingOutcome::kUnchanged:
      return "unchanged";
  }
  return "unknown";
}

namespace {

// Step 4 of Damp (damping.h): when a candidate's move from `w` toward the
// target would turn its weight back within the hold, writes to `held` the
// target with those candidates kept at `w` and returns true. What is left
// of the move keeps each weight moving toward its target, never past it:
// the larger side of it (the gains or the losses) is scaled down to match
// the other. (Spreading the held share over the others in proportion to
// their targets instead would put weight onto candidates the target takes
// it from.) A saturated candidate's relief outranks the others' holds when
// nothing else can take it: if no gain is left free, held gains are
// released, each in proportion to the gain its target wants, up to the
// relief (else the matching would freeze a saturated site's weight for the
// whole hold whenever every receiver had just lost weight). Releasing them
// also when some gains are free took latency off the simulator's flash
// crowd but tripled its oscillations (docs/decisions.md).
bool ApplyReversalHold(const DampingOptions& options, const DampingInput& in,
                       std::span<const double> w, absl::InlinedVector<double, 16>& held) {
  const size_t n = w.size();
  if (options.reversal_hold <= absl::ZeroDuration() || in.last_move_at.size() != n) return false;
  absl::InlinedVector<double, 16> move(n, 0.0);
  absl::InlinedVector<bool, 16> held_back(n, false);
  bool any = false;
  double gains = 0, losses = 0, relief_losses = 0, held_gains = 0;
  for (size_t c = 0; c < n; ++c) {
    move[c] = in.target[c] - w[c];
    const bool turns_back = !in.dead[c] && std::abs(move[c]) > 1e-12 &&
                            move[c] * in.last_move[c] < 0 &&
                            in.now - in.last_move_at[c] <= options.reversal_hold;
    // Relief: a saturated candidate may shed weight it just gained.
    const bool relief =
        move[c] < 0 && (in.utilization.empty()
                            ? in.overload
                            : in.utilization[c] >= options.reversal_hold_release_utilization);
    if (turns_back && !relief) {
      if (move[c] > 0) held_gains += move[c];
      held_back[c] = true;
      move[c] = 0;
      any = true;
    }
    if (relief) relief_losses -= move[c];  // Saturated: it must be able to shed.
    (move[c] > 0 ? gains : losses) += std::abs(move[c]);
  }
  if (!any) return false;
  if (relief_losses > 0 && gains <= 1e-12 && held_gains > 0) {
    const double release = std::min(1.0, (relief_losses - gains) / held_gains);
    for (size_t c = 0; c < n; ++c) {
      const double wanted = in.target[c] - w[c];
      if (!held_back[c] || wanted <= 0) continue;
      move[c] = wanted * release;
      gains += move[c];
    }
  }
  const double gain_scale = gains > losses ? losses / gains : 1.0;
  const double loss_scale = losses > gains ? gains / losses : 1.0;
  held.resize(n);
  for (size_t c = 0; c < n; ++c) {
    held[c] = w[c] + move[c] * (move[c] > 0 ? gain_scale : loss_scale);
  }
  return true;
}

}  // namespace

DampingResult Damp(const DampingOptions& options, const DampingInput& in, std::span<double> w) {
  const size_t n = w.size();
  DampingResult result;
  result.state = in.state;

  double prev_sum = 0;
  for (size_t c = 0; c < n; ++c) {
    if (!in.dead[c]) prev_sum += in.previous[c];
  }
  double dead_sum = 0;
  for (size_t c = 0; c < n; ++c) {
    if (in.dead[c]) dead_sum += in.previous[c];
  }
  if (prev_sum + dead_sum <= 0 || prev_sum <= 0) {
    // Nothing installed that survives: take the target.
    std::copy(in.target.begin(), in.target.end(), w.begin());
    result.outcome = DampingOutcome::kNew;
    result.failover_share = dead_sum;
    return result;
  }

  // 1. Failover.
  for (size_t c = 0; c < n; ++c) w[c] = in.dead[c] ? 0.0 : in.previous[c];
  if (dead_sum > 0) {
    result.failover_share = dead_sum;
    double live_target = 0;
    for (size_t c = 0; c < n; ++c) {
      if (!in.dead[c]) live_target += in.target[c];
    }
    for (size_t c = 0; c < n; ++c) {
      if (in.dead[c]) continue;
      w[c] += live_target > 0 ? dead_sum * in.target[c] / live_target
                              : dead_sum * in.previous[c] / prev_sum;
    }
  }
  // Renormalise away rounding.
  double sum = 0;
  for (size_t c = 0; c < n; ++c) sum += w[c];
  for (size_t c = 0; c < n; ++c) w[c] /= sum;

  double max_delta = 0;
  for (size_t c = 0; c < n; ++c) max_delta = std::max(max_delta, std::abs(in.target[c] - w[c]));
  if (max_delta <= 1e-12) {
    result.outcome = DampingOutcome::kUnchanged;
    return result;
  }

  // 2. Hysteresis.
  double gain = 0;
  for (size_t c = 0; c < n; ++c) {
    const double dw = w[c] - in.target[c];
    if (dw == 0 || in.dead[c]) continue;
    const double gp = in.marginal_previous[c], gt = in.marginal_target[c];
    if (std::isfinite(gp) && std::isfinite(gt)) gain += 0.5 * dw * (gp + gt);
  }
  result.gain_ms = gain;
  // Overload relief: the move takes weight off overloaded candidates.
  bool relief = in.overload;
  if (relief && !in.utilization.empty()) {
    double off = 0;
    for (size_t c = 0; c < n; ++c) {
      if (!in.dead[c]) off += (w[c] - in.target[c]) * std::max(0.0, in.utilization[c] - 1.0);
    }
    relief = off > 1e-12;
  }
  const double threshold =
      std::max(options.hysteresis_relative * in.expected_ms, options.hysteresis_ms);
  if (gain <= threshold && !relief) {
    result.outcome = DampingOutcome::kHeld;
    return result;
  }

  // 3. Reversal hold (before flap suppression: a move it holds back
  // entirely is no move, and no reversal to count).
  absl::InlinedVector<double, 16> held_target;
  std::span<const double> target = in.target;
  if (ApplyReversalHold(options, in, w, held_target)) {
    result.held = true;
    target = held_target;
    max_delta = 0;
    for (size_t c = 0; c < n; ++c) max_delta = std::max(max_delta, std::abs(target[c] - w[c]));
    if (max_delta <= 1e-12) {
      result.outcome = DampingOutcome::kHeldBack;
      return result;
    }
  }

  // 4. Flap suppression, of the move that is left.
  if (options.suppress_threshold > 0) {
    DampingState& s = result.state;
    if (s.penalty > 0 && s.penalty_at != absl::InfinitePast()) {
      const double half = absl::ToDoubleSeconds(options.penalty_half_life);
      const double dt = std::max(0.0, absl::ToDoubleSeconds(in.now - s.penalty_at));
      s.penalty = half > 0 ? s.penalty * std::exp2(-dt / half) : 0.0;
    }
    s.penalty_at = in.now;
    if (s.suppressed && s.penalty < options.reuse_threshold) s.suppressed = false;
    double dot = 0;
    for (size_t c = 0; c < n; ++c) dot += (target[c] - w[c]) * in.last_move[c];
    const bool reversal = dot < 0;
    if (reversal) {
      if (!s.suppressed) {
        s.penalty += options.reversal_penalty;
        if (s.penalty >= options.suppress_threshold) s.suppressed = true;
      }
      // A suppressed reversal goes through only to relieve an overload,
      // and never back onto a candidate the demand last moved away from.
      bool back_onto_relieved = false;
      for (size_t c = 0; c < n; ++c) {
        back_onto_relieved |= target[c] > w[c] + 1e-12 && in.last_move[c] < 0;
      }
      back_onto_relieved &= s.moved_at != absl::InfinitePast() &&
                            in.now - s.moved_at < options.relief_dwell;
      if (s.suppressed && (!relief || back_onto_relieved)) {
        result.outcome = DampingOutcome::kSuppressed;
        return result;
      }
    }
  }

  // 5. Step bound.
  const double scale = std::min(1.0, options.max_step / max_delta);
  for (size_t c = 0; c < n; ++c) w[c] += scale * (target[c] - w[c]);
  for (size_t c = 0; c < n; ++c) {
    if (w[c] < 0) w[c] = 0;
  }
  result.outcome = scale >= 1.0 ? DampingOutcome::kReached : DampingOutcome::kLimited;
  result.state.moved_at = in.now;
  return result;
}

}  // namespace cpn::te
