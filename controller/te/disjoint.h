// Disjoint paths for protection: a backup for a given primary, and the
// shortest disjoint pair between two routers.
//
// Two paths are disjoint here when they share no link and no SRLG (when
// srlg_disjoint, the default) and, with router_disjoint, no router other than
// their ends.
//
// DisjointBackupPath is the classic two-step method: remove what the primary
// uses, then run CSPF. Its limits: it is only as good as the primary. The
// primary may "trap" the backup (a disjoint pair exists but not one that
// contains this primary), and even when a backup exists the pair need not be
// the pair of least total delay. ShortestDisjointPair addresses both.
//
// Pure and deterministic; callable from any thread.
#ifndef CPN_CONTROLLER_TE_DISJOINT_H_
#define CPN_CONTROLLER_TE_DISJOINT_H_

#include "absl/status/statusor.h"
#include "controller/model/index.h"
#include "controller/model/network_model.h"
#include "controller/te/constraints.h"
#include "controller/te/path.h"

namespace cpn::te {

struct DisjointOptions {
  // Also avoid every router of the other path except the two ends.
  bool router_disjoint = false;
  // Also avoid every SRLG of the other path (links are always avoided).
  bool srlg_disjoint = true;
};

// The best path (PathKey order) from primary.source to primary.target that
// satisfies `c` and is disjoint from `primary`. NOT_FOUND, saying what
// blocked it, when there is none; INVALID_ARGUMENT for an empty primary
// (source == target) or one not from this model.
absl::StatusOr<Path> DisjointBackupPath(const model::NetworkModel& model, const Path& primary,
                                        const PathConstraints& c,
                                        const DisjointOptions& options = {});

struct DisjointPairOptions {
  DisjointOptions disjoint;
  // SRLG-disjoint pairs are NP-hard in general. When the link/router
  // disjoint optimum shares an SRLG (or breaks the delay bound), the search
  // falls back to trying primaries in PathKey order, each with its best
  // disjoint backup; it stops after this many primaries.
  int max_primaries = 64;
};

struct DisjointPair {
  // first ranks before second (PathKey order).
  Path first;
  Path second;
  // True when the pair provably has the least total delay among all pairs
  // satisfying the constraints; false when the primary cap was hit first.
  bool optimal = false;
};

// The pair of disjoint paths source -> target, each satisfying `c` (and its
// delay bound), with the least total delay. Link- and router-disjoint pairs
// come from Suurballe's algorithm (Bhandari's form: min-cost flow of two
// units, router-disjointness by splitting routers); SRLG-disjointness and
// per-path delay bounds are then checked and, if broken, enforced by the
// fallback described in DisjointPairOptions. NOT_FOUND when no pair exists,
// or none was found within max_primaries (the message says which).
absl::StatusOr<DisjointPair> ShortestDisjointPair(const model::NetworkModel& model,
                                                  model::RouterIndex source,
                                                  model::RouterIndex target,
                                                  const PathConstraints& c,
                                                  const DisjointPairOptions& options = {});

// True when `a` and `b` are disjoint in the sense of `options`.
bool AreDisjoint(const model::NetworkModel& model, const Path& a, const Path& b,
                 const DisjointOptions& options);

}  // namespace cpn::te

#endif  // CPN_CONTROLLER_TE_DISJOINT_H_
