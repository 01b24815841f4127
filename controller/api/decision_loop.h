// DecisionLoop: runs the decision engine once per epoch (default every
// 100 ms) and at once when triggered (a model change, a demand change,
// SolveNow), publishes each run's DecisionSet and tells the watchers which
// decisions changed and why.
//
// One run: gather the inputs (current model snapshot, demands in effect,
// latest metrics, the decisions in force, now), call DecisionEngine::Decide,
// stamp the result (epoch, times, install state, the reason of every
// changed decision), publish it with one pointer swap, then hand the
// changes to the DecisionWatchHub. A failed run keeps the previous
// decisions in force and records the failure in the solver summary.
//
// Threads: the loop owns one thread (Start/Stop). Trigger, TriggerIn, SolveNow,
// Current and GatherInputs may be called from any thread; the mutex guarding
// the published pointer and the run counters is never held during a solve
// or while watchers are notified.
#ifndef CPN_CONTROLLER_API_DECISION_LOOP_H_
#define CPN_CONTROLLER_API_DECISION_LOOP_H_

#include <cstdint>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/api/clock.h"
#include "controller/api/decision_engine.h"
#include "controller/api/decision_watch.h"
#include "controller/api/demand_store.h"
#include "controller/api/link_load_store.h"
#include "controller/api/metrics_ingest.h"
#include "controller/api/model_store.h"

namespace cpn::api {

struct DecisionLoopOptions {
  // Time between periodic runs (measured from the end of one run to the
  // start of the next); > 0.
  absl::Duration epoch_interval = absl::Milliseconds(100);
  // Install state given to decisions while no southbound session reports
  // installation (no dataplane connected).
  cpn::controller::v1::InstallState install_state = cpn::controller::v1::INSTALL_STATE_NO_DATAPLANE;
};

class DecisionLoop {
 public:
  // Every pointer must outlive the loop.
  // `link_loads` may be null (no measured link load).
  DecisionLoop(const ModelStore* model, const DemandStore* demands, const MetricsIngest* metrics,
               const LinkLoadStore* link_loads, DecisionEngine* engine, DecisionWatchHub* hub,
               const Clock* clock, DecisionLoopOptions options);
  ~DecisionLoop();

  DecisionLoop(const DecisionLoop&) = delete;
  DecisionLoop& operator=(const DecisionLoop&) = delete;

  // Starts the loop thread; the first run happens at once.
  void Start();
  // Stops the thread after the run in progress; idempotent.
  void Stop();

  // Asks for a run as soon as the one in progress (if any) ends.
  void Trigger();
  // Asks for a run `delay` from now (or sooner, if another trigger or the
  // epoch comes first); pending delayed triggers coalesce to the earliest.
  void TriggerIn(absl::Duration delay);

  // Asks for a run that starts after this call and waits until it is
  // published. DEADLINE_EXCEEDED after `timeout`; UNAVAILABLE when stopped.
  absl::StatusOr<std::shared_ptr<const DecisionSet>> SolveNow(absl::Duration timeout);

  // The decisions in force; an empty set at epoch 0 before the first run.
  std::shared_ptr<const DecisionSet> Current() const;

  // The inputs a run started now would use (for what-if).
  DecisionInputs GatherInputs() const;

  const DecisionLoopOptions& options() const { return options_; }
  const DecisionEngine& engine() const { return *engine_; }

 private:
  void Run();
  void RunOnce(uint64_t epoch);

  const ModelStore* model_;
  const DemandStore* demands_;
  const MetricsIngest* metrics_;
  const LinkLoadStore* link_loads_;
  DecisionEngine* engine_;
  DecisionWatchHub* hub_;
  const Clock* clock_;
  const DecisionLoopOptions options_;

  mutable absl::Mutex mu_;
  bool triggered_ ABSL_GUARDED_BY(mu_) = true;
  // When a delayed trigger falls due (InfiniteFuture: none pending).
  absl::Time trigger_at_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t runs_started_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t runs_finished_ ABSL_GUARDED_BY(mu_) = 0;
  std::shared_ptr<const DecisionSet> current_ ABSL_GUARDED_BY(mu_);

  // Loop thread only.
  uint64_t last_metrics_count_ = 0;
  std::thread thread_;
};

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_DECISION_LOOP_H_
