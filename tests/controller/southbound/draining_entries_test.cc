// DrainingEntries: a site path the decisions stop using comes back at
// weight 0 (its flows stay) until the drain time has passed since it last
// carried weight, and not at all when its link or site is out of service.
#include "controller/southbound/draining_entries.h"

#include <vector>

#include "gtest/gtest.h"
#include "tests/controller/srv6/test_networks.h"

namespace cpn::southbound {
namespace {

using srv6::testing::PathOverLinks;
using srv6::testing::TopologyBuilder;

//   s1 -- b --ab-- a --ac-- c -- s2      ingress a, service llm
TopologyBuilder Network() {
  TopologyBuilder t;
  t.Router("a").Router("b").Router("c");
  t.Link("ab", "a", "b", 10).Link("ac", "a", "c", 10);
  t.Service("llm");
  t.Site("s1", "b", {"llm"}).Site("s2", "c", {"llm"});
  return t;
}

std::vector<srv6::SteeringIntent> To(const model::NetworkModel& m, const std::string& site,
                                     const std::string& link) {
  return {srv6::SteeringIntent{*m.FindRouter("a"), *m.FindService("llm"),
                               {srv6::SteeringEntry{*m.FindSite(site),
                                                    PathOverLinks(m, "a", {link}), 1.0}}}};
}

const absl::Time kT0 = absl::FromUnixSeconds(1000);

TEST(DrainingEntries, AnAbandonedSitePathStaysAtWeightZeroForTheDrainTime) {
  auto m = Network().Build();
  DrainingEntries d(absl::Seconds(60));
  auto in = To(*m, "s1", "ab");
  d.Apply(*m, kT0, &in);
  ASSERT_EQ(in[0].entries.size(), 1u);  // nothing to add

  in = To(*m, "s2", "ac");  // the decisions move to s2
  d.Apply(*m, kT0 + absl::Seconds(1), &in);
  ASSERT_EQ(in[0].entries.size(), 2u);
  EXPECT_EQ(in[0].entries[0].site, *m->FindSite("s2"));
  EXPECT_EQ(in[0].entries[0].weight, 1.0);
  EXPECT_EQ(in[0].entries[1].site, *m->FindSite("s1"));
  EXPECT_EQ(in[0].entries[1].weight, 0.0);
  EXPECT_EQ(in[0].entries[1].path.arcs, PathOverLinks(*m, "a", {"ab"}).arcs);

  in = To(*m, "s2", "ac");
  d.Apply(*m, kT0 + absl::Seconds(60), &in);
  EXPECT_EQ(in[0].entries.size(), 2u) << "still draining 60 s after it last carried weight";
  in = To(*m, "s2", "ac");
  d.Apply(*m, kT0 + absl::Seconds(61), &in);
  EXPECT_EQ(in[0].entries.size(), 1u) << "drained";
  EXPECT_EQ(d.size(), 1u);  // s2 only
}

TEST(DrainingEntries, AWeightZeroEntryDoesNotRenewTheDrain) {
  auto m = Network().Build();
  DrainingEntries d(absl::Seconds(10));
  auto in = To(*m, "s1", "ab");
  d.Apply(*m, kT0, &in);
  // The decisions themselves list s1 at weight 0 for a while.
  in = To(*m, "s2", "ac");
  in[0].entries.push_back({*m->FindSite("s1"), PathOverLinks(*m, "a", {"ab"}), 0.0});
  d.Apply(*m, kT0 + absl::Seconds(5), &in);
  EXPECT_EQ(in[0].entries.size(), 2u);  // not added twice
  in = To(*m, "s2", "ac");
  d.Apply(*m, kT0 + absl::Seconds(11), &in);
  EXPECT_EQ(in[0].entries.size(), 1u);
}

TEST(DrainingEntries, NothingComesBackOverALinkOrToASiteOutOfService) {
  DrainingEntries d(absl::Seconds(60));
  auto m = Network().Build();
  auto in = To(*m, "s1", "ab");
  d.Apply(*m, kT0, &in);

  TopologyBuilder down = Network();
  down.topology().mutable_links(0)->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
  auto m2 = down.Build();
  in = To(*m2, "s2", "ac");
  d.Apply(*m2, kT0 + absl::Seconds(1), &in);
  EXPECT_EQ(in[0].entries.size(), 1u) << "link ab is down";

  TopologyBuilder site_down = Network();
  site_down.topology().mutable_sites(0)->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
  auto m3 = site_down.Build();
  in = To(*m3, "s2", "ac");
  d.Apply(*m3, kT0 + absl::Seconds(2), &in);
  EXPECT_EQ(in[0].entries.size(), 1u) << "site s1 is down";

  // Back in service within the drain time: its flows may still be there.
  in = To(*m, "s2", "ac");
  d.Apply(*m, kT0 + absl::Seconds(3), &in);
  EXPECT_EQ(in[0].entries.size(), 2u);
}

}  // namespace
}  // namespace cpn::southbound
