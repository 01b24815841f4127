// DecisionWatchHub: filters, coalescing for slow readers (newest state,
// weights moved since what the reader last saw, order kept), limits, close.
#include "controller/api/decision_watch.h"

#include <memory>
#include <vector>

#include "gtest/gtest.h"

namespace cpn::api {
namespace {

namespace cv1 = cpn::controller::v1;

DecisionChangeItem Change(const std::string& ingress, double east, uint64_t epoch,
                          std::shared_ptr<const cv1::Decision> previous) {
  DecisionChangeItem item;
  cv1::Decision* d = item.event.mutable_decision();
  d->set_ingress_router_id(ingress);
  d->set_service_id("llm");
  cv1::WeightedCandidate* c = d->add_candidates();
  c->set_site_id("east");
  c->mutable_path()->set_path_id("p-east");
  c->set_weight(east);
  c = d->add_candidates();
  c->set_site_id("west");
  c->mutable_path()->set_path_id("p-west");
  c->set_weight(1 - east);
  item.event.mutable_change()->set_epoch(epoch);
  item.previous = std::move(previous);
  return item;
}

TEST(DecisionWatchTest, SlowReaderGetsTheNewestStatePerDecisionInOrder) {
  DecisionWatchHub hub(4);
  auto w = *hub.Subscribe({}, {});
  DecisionChangeItem a1 = Change("a", 0.5, 1, nullptr);
  auto a1_decision = std::make_shared<const cv1::Decision>(a1.event.decision());
  DecisionChangeItem b1 = Change("b", 0.2, 1, nullptr);
  DecisionChangeItem a2 = Change("a", 0.1, 2, a1_decision);
  hub.Publish(std::vector<DecisionChangeItem>{a1, b1});
  hub.Publish(std::vector<DecisionChangeItem>{a2});
  std::vector<cv1::DecisionEvent> events;
  ASSERT_EQ(w->Next(absl::Seconds(1), &events), DecisionWatcher::WaitResult::kReady);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].decision().ingress_router_id(), "a");  // a changed first
  EXPECT_EQ(events[0].change().epoch(), 2u);                 // newest state
  EXPECT_DOUBLE_EQ(events[0].decision().candidates(0).weight(), 0.1);
  // Weights moved since the reader's last view (nothing: a was new).
  ASSERT_EQ(events[0].weight_changes_size(), 2);
  for (const cv1::WeightChange& c : events[0].weight_changes()) {
    EXPECT_DOUBLE_EQ(c.old_weight(), 0);
  }
  EXPECT_EQ(events[1].decision().ingress_router_id(), "b");
  events.clear();
  EXPECT_EQ(w->Next(absl::Milliseconds(10), &events), DecisionWatcher::WaitResult::kTimeout);
}

TEST(DecisionWatchTest, FiltersLimitsAndClose) {
  DecisionWatchHub hub(1);
  auto w = *hub.Subscribe({"b"}, {});
  EXPECT_EQ(hub.Subscribe({}, {}).status().code(), absl::StatusCode::kResourceExhausted);
  hub.Publish(std::vector<DecisionChangeItem>{Change("a", 0.5, 1, nullptr)});
  std::vector<cv1::DecisionEvent> events;
  EXPECT_EQ(w->Next(absl::Milliseconds(10), &events), DecisionWatcher::WaitResult::kTimeout);
  hub.Unsubscribe(w.get());
  EXPECT_EQ(hub.size(), 0);
  auto w2 = *hub.Subscribe({}, {});
  hub.Close();
  EXPECT_EQ(w2->Next(absl::Seconds(5), &events), DecisionWatcher::WaitResult::kClosed);
  EXPECT_EQ(hub.Subscribe({}, {}).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace cpn::api
