#include "controller/topology/geo.h"

#include <cmath>

#include "gtest/gtest.h"

namespace cpn::topology {
namespace {

TEST(TopologyImportGeoTest, ZeroForTheSamePoint) {
  EXPECT_DOUBLE_EQ(GreatCircleKm({31.22, 121.46}, {31.22, 121.46}), 0.0);
}

TEST(TopologyImportGeoTest, QuarterMeridianAndHalfEquator) {
  constexpr double kPi = 3.14159265358979323846;
  EXPECT_NEAR(GreatCircleKm({0, 0}, {90, 0}), kPi / 2 * kEarthRadiusKm, 1e-6);
  EXPECT_NEAR(GreatCircleKm({0, -90}, {0, 90}), kPi * kEarthRadiusKm, 1e-6);
  // Antipodes: rounding must not produce NaN.
  EXPECT_NEAR(GreatCircleKm({45, 10}, {-45, -170}), kPi * kEarthRadiusKm, 1e-6);
}

TEST(TopologyImportGeoTest, ShanghaiBeijingAsPublished) {
  // Shanghai (31.22222, 121.45806) to Beijing (39.9075, 116.39723): about
  // 1,068 km (haversine, mean radius), as mapping services report.
  const double km = GreatCircleKm({31.22222, 121.45806}, {39.9075, 116.39723});
  EXPECT_NEAR(km, 1068.26, 0.05);
  EXPECT_DOUBLE_EQ(km, GreatCircleKm({39.9075, 116.39723}, {31.22222, 121.45806}));
}

TEST(TopologyImportGeoTest, CrossesTheAntimeridian) {
  // Two points 1 degree of longitude apart on the equator, across 180.
  EXPECT_NEAR(GreatCircleKm({0, 179.5}, {0, -179.5}), GreatCircleKm({0, 0}, {0, 1}), 1e-9);
}

TEST(TopologyImportGeoTest, FiveMicrosecondsPerKilometreTimesRouteFactor) {
  EXPECT_EQ(FiberDelayUs(1000, 1.0), 5000u);
  EXPECT_EQ(FiberDelayUs(1000, 1.3), 6500u);
  EXPECT_EQ(FiberDelayUs(0.05, 1.3), 0u);  // rounds to the nearest microsecond
  EXPECT_EQ(FiberDelayUs(0, 1.3), 0u);
}

TEST(TopologyImportGeoTest, LatLonRanges) {
  EXPECT_TRUE(IsValidLatLon({90, 180}));
  EXPECT_TRUE(IsValidLatLon({-90, -180}));
  EXPECT_FALSE(IsValidLatLon({90.01, 0}));
  EXPECT_FALSE(IsValidLatLon({0, -180.5}));
  EXPECT_FALSE(IsValidLatLon({std::nan(""), 0}));
}

}  // namespace
}  // namespace cpn::topology
