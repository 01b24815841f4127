#include "controller/api/decision_loop.h"

#include <algorithm>

#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "controller/api/change_cause.h"
#include "controller/api/decision_diff.h"
#include "controller/api/proto_time.h"

namespace cpn::api {

namespace cv1 = cpn::controller::v1;

DecisionLoop::DecisionLoop(const ModelStore* model, const DemandStore* demands,
                           const MetricsIngest* metrics, const LinkLoadStore* link_loads,
                           DecisionEngine* engine, DecisionWatchHub* hub, const Clock* clock,
                           DecisionLoopOptions options)
    : model_(model),
      demands_(demands),
      metrics_(metrics),
      link_loads_(link_loads),
      engine_(engine),
      hub_(hub),
      clock_(clock),
      options_(options),
      current_(std::make_shared<const DecisionSet>()) {}

DecisionLoop::~DecisionLoop() { Stop(); }

void DecisionLoop::Start() {
  {
    absl::MutexLock lock(&mu_);
    if (running_ || stopping_) return;
    running_ = true;
  }
  thread_ = std::thread([this] { Run(); });
}

void DecisionLoop::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void DecisionLoop::Trigger() {
  absl::MutexLock lock(&mu_);
  triggered_ = true;
}

void DecisionLoop::TriggerIn(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  trigger_at_ = std::min(trigger_at_, absl::Now() + delay);
}

absl::StatusOr<std::shared_ptr<const DecisionSet>> DecisionLoop::SolveNow(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  if (stopping_ || !running_) return absl::UnavailableError("the decision loop is not running");
  const uint64_t target = runs_started_ + 1;
  triggered_ = true;
  auto done = [this, target]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || runs_finished_ >= target;
  };
  if (!mu_.AwaitWithTimeout(absl::Condition(&done), timeout)) {
    return absl::DeadlineExceededError(
        absl::StrCat("the solve did not finish within ", absl::FormatDuration(timeout)));
  }
  if (runs_finished_ < target) return absl::UnavailableError("the controller is stopping");
  return current_;
}

std::shared_ptr<const DecisionSet> DecisionLoop::Current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

DecisionInputs DecisionLoop::GatherInputs() const {
  DecisionInputs in;
  std::shared_ptr<const ModelSnapshot> snap = model_->Current();
  in.model = snap->model;
  in.model_generation = snap->generation;
  in.demands = demands_->Effective(*snap->model);
  in.metrics = metrics_->Latest(*snap->model);
  if (link_loads_ != nullptr) in.link_loads = link_loads_->Latest();
  in.previous = Current();
  in.now = clock_->Now();
  in.epoch = in.previous->epoch + 1;
  return in;
}

void DecisionLoop::Run() {
  absl::Time deadline = absl::Now();
  while (true) {
    uint64_t epoch;
    {
      absl::MutexLock lock(&mu_);
      auto wake = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return triggered_ || stopping_; };
      // A delayed trigger wakes the loop like the epoch does; the wait
      // ends early when TriggerIn brings it forward (the condition is
      // re-evaluated on every unlock of mu_).
      auto wake_or_due = [this, deadline]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return triggered_ || stopping_ || trigger_at_ < deadline;
      };
      mu_.AwaitWithDeadline(absl::Condition(&wake_or_due), deadline);
      if (!triggered_ && !stopping_ && trigger_at_ < deadline) {
        mu_.AwaitWithDeadline(absl::Condition(&wake), trigger_at_);
      }
      if (stopping_) break;
      triggered_ = false;
      // This run reads every report accepted so far: a delayed trigger
      // pending for one of them is served by it.
      trigger_at_ = absl::InfiniteFuture();
      epoch = ++runs_started_;
    }
    RunOnce(epoch);
    deadline = absl::Now() + options_.epoch_interval;
    absl::MutexLock lock(&mu_);
    runs_finished_ = epoch;
  }
}

void DecisionLoop::RunOnce(uint64_t epoch) {
  const uint64_t metrics_count = metrics_->accepted_count();
  DecisionInputs in = GatherInputs();
  in.epoch = epoch;
  const std::shared_ptr<const DecisionSet> previous = in.previous;

  const absl::Time started = absl::Now();
  absl::StatusOr<DecisionSet> result = engine_->Decide(in);
  const absl::Duration took = absl::Now() - started;

  auto next = std::make_shared<DecisionSet>();
  if (result.ok()) {
    *next = *std::move(result);
  } else {
    // Keep the decisions in force; say why the run failed.
    next->records = previous->records;
    next->site_states = previous->site_states;
    next->link_states = previous->link_states;
    next->solver = cv1::SolverSummary();
    next->solver.set_outcome(cv1::SOLVE_OUTCOME_FAILED);
    next->solver.set_error(std::string(result.status().message()));
  }
  next->epoch = epoch;
  next->model_generation = result.ok() ? in.model_generation : previous->model_generation;
  next->decided_at = in.now;
  next->solver.set_epoch(epoch);
  *next->solver.mutable_solved_at() = ToProtoTime(in.now);
  *next->solver.mutable_solve_duration() = ToProtoDuration(took);
  if (next->solver.algorithm().empty()) next->solver.set_algorithm(engine_->name());

  ChangeContext ctx;
  ctx.previous = previous->epoch == 0 ? nullptr : previous.get();
  ctx.next = next.get();
  ctx.old_generation = previous->epoch == 0 ? in.model_generation : previous->model_generation;
  ctx.new_generation = next->model_generation;
  ctx.metrics_changed = metrics_count != last_metrics_count_;
  ctx.epoch = epoch;
  ctx.now = in.now;
  last_metrics_count_ = metrics_count;

  std::vector<DecisionChangeItem> changes;
  std::set<std::pair<std::string, std::string>> seen;
  for (DecisionRecord& r : next->records) {
    cv1::Decision& d = r.decision;
    seen.emplace(d.ingress_router_id(), d.service_id());
    d.set_epoch(epoch);
    *d.mutable_decided_at() = ToProtoTime(in.now);
    if (d.install_state() == cv1::INSTALL_STATE_UNSPECIFIED) {
      d.set_install_state(options_.install_state);
    }
    const DecisionRecord* prev = previous->Find(d.ingress_router_id(), d.service_id());
    if (!result.ok()) continue;  // kept as they were
    if (prev != nullptr && SameAssignment(prev->decision, d)) {
      *d.mutable_last_change() = prev->decision.last_change();
      continue;
    }
    *d.mutable_last_change() = InferChange(prev, r, ctx);
    DecisionChangeItem item;
    cv1::DecisionEvent& e = item.event;
    *e.mutable_timestamp() = ToProtoTime(in.now);
    *e.mutable_change() = d.last_change();
    for (cv1::WeightChange& w : WeightChanges(prev ? &prev->decision : nullptr, d, r.candidates)) {
      *e.add_weight_changes() = std::move(w);
    }
    e.set_old_expected_completion_ms(prev ? prev->decision.expected_completion_ms() : 0);
    e.set_new_expected_completion_ms(d.expected_completion_ms());
    *e.mutable_decision() = d;
    if (prev != nullptr) item.previous = std::make_shared<const cv1::Decision>(prev->decision);
    changes.push_back(std::move(item));
  }
  if (result.ok()) {
    for (const DecisionRecord& prev : previous->records) {
      if (seen.contains({prev.decision.ingress_router_id(), prev.decision.service_id()})) {
        continue;
      }
      DecisionChangeItem item;
      cv1::DecisionEvent& e = item.event;
      *e.mutable_timestamp() = ToProtoTime(in.now);
      *e.mutable_change() = RemovedChange(prev, ctx);
      cv1::Decision gone;
      for (cv1::WeightChange& w : WeightChanges(&prev.decision, gone, {})) {
        *e.add_weight_changes() = std::move(w);
      }
      e.set_old_expected_completion_ms(prev.decision.expected_completion_ms());
      cv1::Decision* d = e.mutable_decision();
      d->set_ingress_router_id(prev.decision.ingress_router_id());
      d->set_service_id(prev.decision.service_id());
      d->set_epoch(epoch);
      *d->mutable_decided_at() = ToProtoTime(in.now);
      *d->mutable_last_change() = e.change();
      item.previous = std::make_shared<const cv1::Decision>(prev.decision);
      changes.push_back(std::move(item));
    }
  }
  {
    absl::MutexLock lock(&mu_);
    current_ = std::move(next);
  }
  hub_->Publish(changes);
}

}  // namespace cpn::api
