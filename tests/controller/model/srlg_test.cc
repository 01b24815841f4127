// SRLGs: links whose lightpaths share a fibre share a risk, and the model
// can say which fibre that is.
#include <algorithm>
#include <iterator>
#include <vector>

#include "controller/model/network_model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/model/test_topologies.h"

namespace cpn::model {
namespace {

using ::testing::ElementsAre;
namespace tv1 = cpn::topology::v1;

std::shared_ptr<const NetworkModel> MustBuild(const tv1::Topology& t) {
  absl::StatusOr<std::shared_ptr<const NetworkModel>> m = NetworkModel::Build(t);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *m : nullptr;
}

std::vector<uint32_t> Shared(const Link& x, const Link& y) {
  std::vector<uint32_t> out;
  std::set_intersection(x.srlg_ids.begin(), x.srlg_ids.end(), y.srlg_ids.begin(), y.srlg_ids.end(),
                        std::back_inserter(out));
  return out;
}

TEST(ModelSrlgTest, LinksOverACommonFibreShareExactlyItsDerivedSrlg) {
  // Without operator SRLGs, bj--sh and bj--gz share only what f-bj-wh gives.
  tv1::Topology t = testing::FullTopology();
  t.mutable_links(0)->clear_srlgs();
  t.mutable_links(1)->clear_srlgs();
  t.mutable_optical()->mutable_fibers(0)->clear_srlgs();
  auto m = MustBuild(t);
  ASSERT_NE(m, nullptr);
  const FiberIndex f_bj_wh = *m->FindFiber("f-bj-wh");
  const uint32_t derived = m->fiber(f_bj_wh).derived_srlg_id;
  EXPECT_GE(derived, kFirstDerivedSrlg);

  const Link& bj_sh = m->link(*m->FindLink("bj--sh"));
  const Link& bj_gz = m->link(*m->FindLink("bj--gz"));
  const Link& sh_gz = m->link(*m->FindLink("sh--gz"));
  EXPECT_THAT(Shared(bj_sh, bj_gz), ElementsAre(derived));
  // sh--gz rides its own fibre: no risk in common with either.
  EXPECT_TRUE(Shared(bj_sh, sh_gz).empty());
  EXPECT_TRUE(Shared(bj_gz, sh_gz).empty());
  // A link with no optical layer has no SRLG at all.
  EXPECT_TRUE(m->link(*m->FindLink("gz--cd")).srlg_ids.empty());

  // The explanation maps the shared SRLG back to the fibre and its links.
  EXPECT_EQ(m->FiberOfSrlg(derived), f_bj_wh);
  const Srlg& srlg = m->srlg(*m->FindSrlg(derived));
  EXPECT_EQ(srlg.derived_from, f_bj_wh);
  EXPECT_EQ(m->fiber(*srlg.derived_from).id, "f-bj-wh");
  EXPECT_THAT(srlg.links, ElementsAre(*m->FindLink("bj--sh"), *m->FindLink("bj--gz")));
}

TEST(ModelSrlgTest, LinkSrlgsAreConfiguredUnionFibreUnionDerived) {
  auto m = MustBuild(testing::FullTopology());
  ASSERT_NE(m, nullptr);
  const uint32_t d_bj_wh = m->fiber(*m->FindFiber("f-bj-wh")).derived_srlg_id;
  const uint32_t d_wh_sh = m->fiber(*m->FindFiber("f-wh-sh")).derived_srlg_id;
  const uint32_t d_wh_gz = m->fiber(*m->FindFiber("f-wh-gz")).derived_srlg_id;
  // bj--sh: its own 10, 11; f-bj-wh's operator SRLG 500; both fibres.
  EXPECT_THAT(m->link(*m->FindLink("bj--sh")).srlg_ids,
              ElementsAre(10u, 11u, 500u, d_bj_wh, d_wh_sh));
  // bj--gz: 10 (also on bj--sh), 500 via f-bj-wh, its fibres.
  EXPECT_THAT(m->link(*m->FindLink("bj--gz")).srlg_ids, ElementsAre(10u, 500u, d_bj_wh, d_wh_gz));

  // Operator SRLGs have no fibre; dense indices follow the ids.
  const Srlg& s500 = m->srlg(*m->FindSrlg(500));
  EXPECT_FALSE(s500.derived_from.has_value());
  EXPECT_EQ(m->FiberOfSrlg(500), std::nullopt);
  EXPECT_EQ(m->FindSrlg(12345), std::nullopt);
  for (size_t i = 1; i < m->srlgs().size(); ++i) {
    EXPECT_LT(m->srlgs()[i - 1].id, m->srlgs()[i].id);
  }
  const Link& bj_sh = m->link(*m->FindLink("bj--sh"));
  ASSERT_EQ(bj_sh.srlgs.size(), bj_sh.srlg_ids.size());
  for (size_t k = 0; k < bj_sh.srlgs.size(); ++k) {
    EXPECT_EQ(m->srlg(bj_sh.srlgs[k]).id, bj_sh.srlg_ids[k]);
  }
}

TEST(ModelSrlgTest, DerivedIdsNeverCollideWithOperatorIds) {
  // The largest operator SRLG allowed sits just below the derived range.
  tv1::Topology t = testing::FullTopology();
  t.mutable_links(3)->add_srlgs(kFirstDerivedSrlg - 1);
  auto m = MustBuild(t);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->FiberOfSrlg(kFirstDerivedSrlg - 1), std::nullopt);
  for (const Fiber& f : m->fibers()) EXPECT_GE(f.derived_srlg_id, kFirstDerivedSrlg);
  // A derived id past the last fibre names no fibre.
  EXPECT_EQ(m->FiberOfSrlg(kFirstDerivedSrlg + 4), std::nullopt);
}

TEST(ModelSrlgTest, FibreKnowsItsLightpathsAndLightpathItsLinks) {
  auto m = MustBuild(testing::FullTopology());
  ASSERT_NE(m, nullptr);
  EXPECT_THAT(m->fiber(*m->FindFiber("f-bj-wh")).lightpaths,
              ElementsAre(*m->FindLightpath("lp-bj-sh"), *m->FindLightpath("lp-bj-gz")));
  EXPECT_THAT(m->lightpath(*m->FindLightpath("lp-bj-gz")).links,
              ElementsAre(*m->FindLink("bj--gz")));
  EXPECT_THAT(m->link(*m->FindLink("bj--gz")).lightpaths,
              ElementsAre(*m->FindLightpath("lp-bj-gz")));
}

}  // namespace
}  // namespace cpn::model
