// The cost model of the joint decision: the expected completion time of one
// request of a demand on a (placement, path) candidate, and the pieces the
// solver needs (per-site and per-arc costs and their derivatives).
//
// Expected completion time of a request on candidate (j, p), milliseconds:
//
//   propagation  2 × one-way delay of p (request out, response back on the
//                reverse arcs: responses are assumed to take the same links)
//   queueing     Σ over the arcs of p (request bytes) and their reverse arcs
//                (response bytes) of  (b / P) · W_a(u_a), where W_a(u) =
//                (8·P / C_a) · u / (1 − u) is the M/M/1 mean wait of a packet
//                of mean size P on arc a at utilisation u: each of the
//                request's b / P packets waits W_a. With the transfer term
//                below this is exactly processor sharing on one link:
//                8b / (C (1 − u)).
//   transfer     8·b / C over the path's bottleneck, both directions
//                (serialisation at zero load)
//   compute wait W_q of the placement's M/M/c queue (Erlang C):
//                C(c, a) / (c·µ − λ), λ = background + all CPN demand
//                assigned to the placement, a = λ / µ
//   service      1 / µ
//
// Bytes per direction are at least one mean packet (b = max(bytes, P)), for
// both the load a request puts on an arc and the cost it sees there, so
// every arc's cost is a convex function of that arc's load alone.
//
// Convexity: the objective Σ_d λ_d E[T_d] is a sum of per-placement terms
// A·(W_q(B + A) + 1/µ) and per-arc terms G·(8/C)·φ(u(G)) (A assigned
// requests/s, G assigned bytes/s), each convex in its load, plus terms
// linear in the weights: the problem is convex.
//
// Overload: beyond a utilisation of `max_site_utilization` (resp.
// `max_link_utilization`) each delay function continues as its second-order
// Taylor polynomial at that point: finite, convex, C², and steep, so the
// optimiser never sees an infinity but avoids overload strongly. Loads at or
// beyond capacity are reported as violations by the decision.
//
// Pure functions; safe from any thread.
#ifndef CPN_CONTROLLER_TE_COST_MODEL_H_
#define CPN_CONTROLLER_TE_COST_MODEL_H_

#include <cstdint>

#include "controller/model/index.h"

namespace cpn::te {

struct CostModelOptions {
  // Mean packet size P of the M/M/1 link queues, bytes; also the least
  // bytes a request counts per direction. > 0.
  double mean_packet_bytes = 1000;
  // Utilisations where the delay functions switch to their quadratic
  // continuation; in (0, 1).
  double max_link_utilization = 0.99;
  double max_site_utilization = 0.99;
};

// Erlang B blocking probability B(c, a) for c servers and offered load a
// erlangs, by the stable recursion B(k) = a·B(k-1) / (k + a·B(k-1)); O(c),
// accurate for c in the thousands. B(0, a) = 1.
double ErlangB(uint32_t servers, double offered_erlangs);

// Erlang C probability that an arrival waits, C(c, a) = c·B / (c − a + a·B);
// 1 when a >= c (unstable). c = 1 gives C = a (M/M/1: ρ).
double ErlangC(uint32_t servers, double offered_erlangs);

// dC/da at (c, a), a < c.
double ErlangCDerivative(uint32_t servers, double offered_erlangs);
// C, dC/da and d²C/da² at (c, a), a < c, from one Erlang B recursion.
void ErlangCDerivatives(uint32_t servers, double offered_erlangs, double* c, double* dc,
                        double* d2c);

// A delay value and its first and second derivatives with respect to the
// load.
struct DelayValue {
  double value = 0;
  double slope = 0;
  double curvature = 0;
};

// The M/M/c queue of one placement: mean wait for a server as a function of
// the total arrival rate λ, with the convex continuation above
// max_utilization. Cheap to copy; build once per parameter change.
class MmcQueue {
 public:
  MmcQueue() = default;
  // servers >= 1, service_time_ms > 0, max_utilization in (0, 1).
  MmcQueue(uint32_t servers, double service_time_ms, double max_utilization);

  uint32_t servers() const { return servers_; }
  double service_time_ms() const { return service_time_ms_; }
  // c·µ, requests per second.
  double capacity_rps() const { return capacity_rps_; }
  // W_q(λ) in ms, dW_q/dλ in ms per (request/s) and d²W_q/dλ²; λ >= 0.
  DelayValue Wait(double lambda_rps) const;
  // Utilisation λ / (c·µ).
  double Utilization(double lambda_rps) const {
    return capacity_rps_ > 0 ? lambda_rps / capacity_rps_ : 0;
  }

  // The placement's term of the objective for CPN load A on top of
  // background B: A·(W_q(B + A) + 1/µ) (requests/s × ms), its derivative
  // in A: W_q + 1/µ + A·W_q' (the marginal cost, ms), and the second
  // derivative 2·W_q' + A·W_q''.
  DelayValue Cost(double background_rps, double assigned_rps) const;

 private:
  DelayValue Exact(double lambda_rps) const;

  uint32_t servers_ = 0;
  double service_time_ms_ = 0;
  double mu_ = 0;  // per server, requests per second
  double capacity_rps_ = 0;
  double lambda0_ = 0;  // start of the continuation
  double w0_ = 0, w1_ = 0, w2_ = 0;
};

// φ(u) = u / (1 − u), continued quadratically from max_utilization; u >= 0;
// with φ' and φ''.
DelayValue LinkQueueFactor(double utilization, double max_utilization);

// Queueing of `bytes` (>= one packet, see above) crossing one arc of
// capacity `capacity_bps` at utilisation u, milliseconds: 8000·b/C·φ(u).
double ArcQueueingMs(double bytes, double capacity_bps, double utilization, double max_utilization);

// The arc's term of the objective for CPN load G bytes/s on top of
// background utilisation u0: (8000/C)·G·φ(u0 + 8G/C), and its derivative in
// G (ms per byte/s) and second derivative.
DelayValue ArcCost(double capacity_bps, double background_utilization, double assigned_bytes_ps,
                   double max_utilization);

// Serialisation time of `bytes` at `bottleneck_bps`, ms (0 for an empty
// path, bottleneck UINT64_MAX).
double TransferMs(double bytes, uint64_t bottleneck_bps);

// The cost terms of one request on one candidate, milliseconds.
struct CostTerms {
  double propagation_ms = 0;
  double queueing_ms = 0;
  double transfer_ms = 0;
  double compute_wait_ms = 0;
  double service_ms = 0;
  double total_ms = 0;
  // Placement utilisation with every load (background + assigned), ratio.
  double site_utilization = 0;
  // Highest utilisation of an arc of the path, either direction, ratio.
  double max_link_utilization = 0;
  // That arc; invalid for an empty path.
  model::ArcIndex bottleneck_arc;

  bool operator==(const CostTerms&) const = default;
};

}  // namespace cpn::te

#endif  // CPN_CONTROLLER_TE_COST_MODEL_H_
