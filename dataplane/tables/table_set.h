// TableSet: one consistent version of every lookup table a worker reads, and
// the holder that publishes it (RcuPublished<TableSet>, see rcu.h).
//
// A Write batch builds the tables it changes (each immutable once built),
// copies the live TableSet -- unchanged tables are SHARED through shared_ptr,
// not rebuilt -- swaps the new ones in, and publishes the copy with one
// atomic store. A worker loads the TableSet pointer once per burst and uses
// only it for that burst, so every packet sees the whole state before a
// batch or the whole state after it, never a mix. The old TableSet is
// deleted after the grace period; the tables only it referenced go with it.
// shared_ptr reference counts are touched only on the control thread
// (copying and deleting TableSets); workers use the raw pointers below.
//
// Other components that need their own per-batch data published atomically
// with these tables (the stages' LocalSidAction and Srv6EncapPolicy arrays,
// policy generations) embed a TableSet in their own snapshot struct and
// publish that with RcuPublished<Snapshot> instead.
//
// THREADS: built and copied on the control thread; after publication,
// const and read by any number of workers.
#ifndef CPN_DATAPLANE_TABLES_TABLE_SET_H_
#define CPN_DATAPLANE_TABLES_TABLE_SET_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/tables/classifier.h"
#include "dataplane/tables/local_sid.h"
#include "dataplane/tables/lpm.h"
#include "dataplane/tables/maglev.h"
#include "dataplane/tables/neighbor.h"
#include "dataplane/tables/rcu.h"

namespace cpn::dataplane {

struct TableSet {
  uint64_t version = 0;  // Of the Write batch that produced this set.

  // FIBs by table id (0 = the default table; End / End.DT6 name others).
  std::vector<std::shared_ptr<const Lpm6>> fib6;
  std::vector<std::shared_ptr<const Lpm4>> fib4;
  std::shared_ptr<const NextHopTable> next_hops;
  std::shared_ptr<const NeighborTable> neighbors;
  std::shared_ptr<const LocalSidTable> local_sids;
  std::shared_ptr<const SteeringClassifier> classifier;
  std::shared_ptr<const SelectorSet> selectors;

  // Worker accessors: nullptr when absent.
  const Lpm6* Fib6(uint32_t table_id = 0) const {
    return table_id < fib6.size() ? fib6[table_id].get() : nullptr;
  }
  const Lpm4* Fib4(uint32_t table_id = 0) const {
    return table_id < fib4.size() ? fib4[table_id].get() : nullptr;
  }
  const NextHopTable* NextHops() const { return next_hops.get(); }
  const NeighborTable* Neighbors() const { return neighbors.get(); }
  const LocalSidTable* LocalSids() const { return local_sids.get(); }
  const SteeringClassifier* Classifier() const { return classifier.get(); }
  const MaglevTable* Selector(uint32_t rule) const {
    return selectors ? selectors->Get(rule) : nullptr;
  }
};

using TableSetHolder = RcuPublished<TableSet>;

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_TABLES_TABLE_SET_H_
