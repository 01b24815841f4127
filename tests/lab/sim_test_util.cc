#include "tests/lab/sim_test_util.h"

#include "absl/strings/str_format.h"
#include "tests/controller/te/decision_test_util.h"

namespace cpn::lab::sim::testing {

using te::testing::NetBuilder;

std::shared_ptr<const model::NetworkModel> OneSite(uint32_t servers, double service_ms) {
  NetBuilder b;
  b.Router("r").Service("svc", service_ms).Site("s", "r", {{"svc", servers}});
  return b.Build();
}

std::shared_ptr<const model::NetworkModel> TwoSites() {
  NetBuilder b;
  b.Router("hub").Router("west").Router("east");
  b.Link("hub", "west", 5000).Link("hub", "east", 5000);
  for (int i = 1; i <= 6; ++i) {
    const std::string id = absl::StrFormat("in%d", i);
    b.Router(id).Link(id, "hub", 1000 * (1 + i % 3));
  }
  b.Service("svc", 1000);
  b.Site("w", "west", {{"svc", 8}}).Site("e", "east", {{"svc", 8}});
  return b.Build();
}

Scenario Short(const std::string& name, double duration_s) {
  Scenario s;
  s.name = name;
  s.duration_s = duration_s;
  s.warmup_s = duration_s / 10;
  s.drain_s = 200;
  s.background_share = 0;
  s.link_background = 0;
  return s;
}

}  // namespace cpn::lab::sim::testing
