#include "controller/topology/geo.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace cpn::topology {
namespace {

double Radians(double deg) { return deg * std::numbers::pi / 180.0; }

}  // namespace

bool IsValidLatLon(const LatLon& p) {
  return std::isfinite(p.latitude_deg) && std::isfinite(p.longitude_deg) &&
         p.latitude_deg >= -90.0 && p.latitude_deg <= 90.0 && p.longitude_deg >= -180.0 &&
         p.longitude_deg <= 180.0;
}

double GreatCircleKm(const LatLon& a, const LatLon& b) {
  const double phi1 = Radians(a.latitude_deg);
  const double phi2 = Radians(b.latitude_deg);
  const double dphi = phi2 - phi1;
  const double dlambda = Radians(b.longitude_deg - a.longitude_deg);
  const double s1 = std::sin(dphi / 2);
  const double s2 = std::sin(dlambda / 2);
  const double h = s1 * s1 + std::cos(phi1) * std::cos(phi2) * s2 * s2;
  // Clamp: rounding can push h a hair past 1 for antipodal points.
  return 2.0 * kEarthRadiusKm * std::asin(std::sqrt(std::clamp(h, 0.0, 1.0)));
}

uint64_t FiberDelayUs(double distance_km, double route_factor) {
  const double us = distance_km * kFiberDelayUsPerKm * route_factor;
  if (!(us > 0)) return 0;
  return static_cast<uint64_t>(std::llround(us));
}

}  // namespace cpn::topology
