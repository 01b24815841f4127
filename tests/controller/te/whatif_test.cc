// What-if: hypothetical changes evaluated on a copy, the inputs and the
// current decisions untouched.
#include "controller/te/whatif.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/te/decision_test_util.h"

namespace cpn::te {
namespace {

using testing::CacheCandidates;
using testing::FreshMetrics;
using ::testing::HasSubstr;
using testing::MakeDemand;
using testing::MakeInputs;
using testing::NetBuilder;

const absl::Time kNow = absl::FromUnixSeconds(50'000);

// i1, i2 -- core -- r1 (s1) / r2 (s2) / r3 (s3), and a second core path.
struct World {
  DecisionInputs inputs;
  std::shared_ptr<const DecisionSet> current;
};

World MakeWorld() {
  NetBuilder b;
  for (const char* r : {"i1", "i2", "c1", "c2", "r1", "r2", "r3"}) b.Router(r);
  b.Link("i1", "c1", 1000).Link("i2", "c1", 1200).Link("i1", "c2", 1500).Link("i2", "c2", 1500);
  b.Link("c1", "r1", 2000).Link("c1", "r2", 2500).Link("c2", "r2", 2000).Link("c2", "r3", 1800);
  b.Service("svc", 40, 3000, 30000);
  b.Site("s1", "r1", {{"svc", 8}}).Site("s2", "r2", {{"svc", 8}}).Site("s3", "r3", {{"svc", 8}});
  auto model = b.Build();
  std::vector<Demand> demands = {MakeDemand(*model, "i1", "svc", 150),
                                 MakeDemand(*model, "i2", "svc", 150)};
  World w;
  w.inputs = MakeInputs(model, demands, CacheCandidates(model, demands, 2),
                        FreshMetrics(*model, kNow, 0.2), kNow, 7);
  DecisionEngine engine;
  auto set = engine.Decide(w.inputs, nullptr);
  EXPECT_TRUE(set.ok()) << set.status();
  w.current = *set;
  return w;
}

double SiteShare(const DecisionSet& set, const std::string& site) {
  double share = 0;
  for (const auto& d : set.decisions) {
    for (const CandidateDecision& c : d->candidates) {
      if (set.model->site(set.model->placement(c.candidate.placement).site).id == site) {
        share += c.weight * d->demand_rps;
      }
    }
  }
  return share;
}

TEST(WhatIfTest, LeavesInputsAndCurrentDecisionsUntouched) {
  World w = MakeWorld();
  const std::string topo = w.inputs.model->proto().SerializeAsString();
  const std::vector<Demand> demands = *w.inputs.demands;
  const MetricState metrics = *w.inputs.metrics;
  const size_t paths = w.inputs.candidates->paths.size();
  const std::vector<double> weights = testing::Weights(*w.current);
  const double objective = w.current->objective;

  WhatIfRequest req;
  req.changes = {SiteDown{"s1"}, LinkDown{"c2--r3"}, SiteLoadSurge{"s2", "", 3.0, std::nullopt},
                 DemandChange{"i1", "svc", 500, std::nullopt, std::nullopt}};
  auto r = WhatIf(w.inputs, *w.current, req, DecisionOptions{});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NE(r->model, w.inputs.model);  // a new snapshot

  EXPECT_EQ(w.inputs.model->proto().SerializeAsString(), topo);
  EXPECT_EQ(w.inputs.model->site(*w.inputs.model->FindSite("s1")).up, true);
  ASSERT_EQ(w.inputs.demands->size(), demands.size());
  EXPECT_EQ((*w.inputs.demands)[0].requests_per_second, demands[0].requests_per_second);
  ASSERT_EQ(w.inputs.metrics->placements.size(), metrics.placements.size());
  for (size_t p = 0; p < metrics.placements.size(); ++p) {
    EXPECT_EQ(w.inputs.metrics->placements[p].background_rps, metrics.placements[p].background_rps);
  }
  EXPECT_EQ(w.inputs.candidates->paths.size(), paths);
  EXPECT_EQ(testing::Weights(*w.current), weights);
  EXPECT_EQ(w.current->objective, objective);
}

TEST(WhatIfTest, SiteDownMovesAllWeightAway) {
  World w = MakeWorld();
  ASSERT_GT(SiteShare(*w.current, "s1"), 1.0);
  WhatIfRequest req;
  req.changes = {SiteDown{"s1"}};
  auto r = WhatIf(w.inputs, *w.current, req, DecisionOptions{});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(SiteShare(*r->decisions, "s1"), 0.0);
  for (const auto& d : r->decisions->decisions) {
    for (const CandidateDecision& c : d->candidates) {
      if (r->model->site(r->model->placement(c.candidate.placement).site).id == "s1") {
        EXPECT_EQ(c.reason, RejectReason::kSiteDown);
      }
    }
  }
  // Every demand that used s1 is in the diff.
  size_t used_s1 = 0;
  for (const auto& d : w.current->decisions) {
    for (const CandidateDecision& c : d->candidates) {
      if (c.weight > 0 && c.candidate.placement.value() == 0) {
        ++used_s1;
        break;
      }
    }
  }
  ASSERT_GE(used_s1, 1u);
  ASSERT_GE(r->diffs.size(), used_s1);
  for (const DecisionDiff& d : r->diffs) {
    EXPECT_EQ(d.kind, DecisionDiff::Kind::kChanged);
    for (const WeightChange& wc : d.weight_changes) {
      if (wc.site_id == "s1") {
        EXPECT_EQ(wc.new_weight, 0.0);
      }
    }
  }
  EXPECT_GE(r->what_if_objective, r->current_objective);
}

TEST(WhatIfTest, NextEpochHorizonDampsButFailsOverAtOnce) {
  World w = MakeWorld();
  WhatIfRequest req;
  req.changes = {SiteDown{"s1"}, SiteLoadSurge{"s3", "svc", std::nullopt, 0.7}};
  req.next_epoch = true;
  auto r = WhatIf(w.inputs, *w.current, req, DecisionOptions{});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(SiteShare(*r->decisions, "s1"), 0.0);
  for (size_t i = 0; i < r->decisions->decisions.size(); ++i) {
    const DemandDecision& now = *r->decisions->decisions[i];
    const DemandDecision& before = *w.current->decisions[i];
    // Candidates are matched by path id (the what-if recomputes them).
    auto weight_before = [&](uint64_t id) {
      for (const CandidateDecision& c : before.candidates) {
        if (c.path_id == id) return c.weight;
      }
      return 0.0;
    };
    double on_s1 = 0, moved = 0;
    for (const CandidateDecision& c : before.candidates) {
      if (c.candidate.placement.value() == 0) on_s1 += c.weight;
    }
    for (const CandidateDecision& c : now.candidates) {
      EXPECT_NEAR(c.previous_weight, weight_before(c.path_id), 1e-12);
      if (c.candidate.placement.value() != 0) {
        moved = std::max(moved, std::abs(c.weight - weight_before(c.path_id)));
      }
    }
    if (on_s1 > 0) {
      EXPECT_EQ(now.basis, DecisionBasis::kFailover);
    } else {
      // Damped: no weight moves by more than the bound.
      EXPECT_LE(moved, 0.1 + 1e-9);
    }
  }
}

TEST(WhatIfTest, LinkDownReroutes) {
  World w = MakeWorld();
  WhatIfRequest req;
  req.changes = {LinkDown{"c1--r1"}};
  auto r = WhatIf(w.inputs, *w.current, req, DecisionOptions{});
  ASSERT_TRUE(r.ok()) << r.status();
  // r1 is reachable only over c1--r1: s1 has no path now.
  for (const auto& d : r->decisions->decisions) {
    for (const CandidateDecision& c : d->candidates) {
      const std::string site = r->model->site(r->model->placement(c.candidate.placement).site).id;
      if (site == "s1") {
        EXPECT_EQ(c.weight, 0.0);
        EXPECT_EQ(c.reason, RejectReason::kPathDown);
      }
    }
  }
  EXPECT_FALSE(r->diffs.empty());
}

TEST(WhatIfTest, LoadSurgeShiftsWeight) {
  World w = MakeWorld();
  WhatIfRequest req;
  req.changes = {SiteLoadSurge{"s2", "svc", std::nullopt, 0.9}};
  auto r = WhatIf(w.inputs, *w.current, req, DecisionOptions{});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_LT(SiteShare(*r->decisions, "s2"), SiteShare(*w.current, "s2"));
}

TEST(WhatIfTest, NewDemandIsAdded) {
  World w = MakeWorld();
  WhatIfRequest req;
  req.changes = {DemandChange{"c1", "svc", 40, std::nullopt, std::nullopt},
                 DemandChange{"i2", "svc", 0, std::nullopt, std::nullopt}};
  auto r = WhatIf(w.inputs, *w.current, req, DecisionOptions{});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->demands->size(), 2u);  // one added, one removed
  bool added = false, removed = false;
  for (const DecisionDiff& d : r->diffs) {
    added |= d.kind == DecisionDiff::Kind::kAdded && d.ingress_router_id == "c1";
    removed |= d.kind == DecisionDiff::Kind::kRemoved && d.ingress_router_id == "i2";
  }
  EXPECT_TRUE(added);
  EXPECT_TRUE(removed);
}

TEST(WhatIfTest, BadChangesAreRejectedByIndex) {
  World w = MakeWorld();
  WhatIfRequest req;
  req.changes = {SiteDown{"s1"}, LinkDown{"nope"}};
  auto r = WhatIf(w.inputs, *w.current, req, DecisionOptions{});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("change #1"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("nope"));
  req.changes = {SiteLoadSurge{"s1", "", std::nullopt, std::nullopt}};
  EXPECT_EQ(WhatIf(w.inputs, *w.current, req, DecisionOptions{}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cpn::te
