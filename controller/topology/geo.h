// Great-circle geometry and the fibre delay model used when a topology is
// derived from geography (GraphML import, site attachment). Pure functions,
// callable from any thread.
#ifndef CPN_CONTROLLER_TOPOLOGY_GEO_H_
#define CPN_CONTROLLER_TOPOLOGY_GEO_H_

#include <cstdint>

namespace cpn::topology {

// Mean Earth radius (IUGG), kilometres.
inline constexpr double kEarthRadiusKm = 6371.0088;

// One-way propagation delay of light in fibre (refractive index ~1.47),
// microseconds per kilometre.
inline constexpr double kFiberDelayUsPerKm = 5.0;

// A point on the sphere, degrees. Latitude -90..90, longitude -180..180.
struct LatLon {
  double latitude_deg = 0;
  double longitude_deg = 0;
};

// Whether the point's coordinates are finite and within range.
bool IsValidLatLon(const LatLon& p);

// Great-circle distance between two points on a sphere of kEarthRadiusKm,
// kilometres (haversine formula; accurate to ~0.5% against the ellipsoid).
double GreatCircleKm(const LatLon& a, const LatLon& b);

// One-way propagation delay of a fibre route `route_factor` times longer
// than the great-circle distance `distance_km`, rounded to the nearest
// microsecond: distance_km × kFiberDelayUsPerKm × route_factor.
uint64_t FiberDelayUs(double distance_km, double route_factor);

}  // namespace cpn::topology

#endif  // CPN_CONTROLLER_TOPOLOGY_GEO_H_
