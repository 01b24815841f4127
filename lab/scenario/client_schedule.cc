#include "lab/scenario/client_schedule.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cpn::lab {

double RateAt(const std::vector<RatePoint>& steps, double t) {
  double rate = 0;
  for (const RatePoint& p : steps) {
    if (p.at_s > t) break;
    rate = p.rps;
  }
  return rate;
}

std::vector<RatePoint> ClientSchedule(const cpn::lab::v1::Scenario& scenario,
                                      const cpn::lab::v1::ClientSpec& client,
                                      const std::vector<RatePoint>& trace) {
  std::vector<RatePoint> base;
  if (client.rate().has_constant()) {
    base.push_back({0, client.rate().constant().rps()});
  } else if (client.rate().has_piecewise()) {
    for (const auto& s : client.rate().piecewise().steps()) base.push_back({s.at_s(), s.rps()});
  } else {
    base = trace;
  }
  struct Surge {
    double from, to, factor;
  };
  std::vector<Surge> surges;
  std::set<double> times = {0};
  for (const RatePoint& p : base) times.insert(p.at_s);
  for (const auto& e : scenario.events()) {
    if (!e.has_load_surge()) continue;
    const auto& s = e.load_surge();
    const bool hits = (s.has_client() && s.client() == client.id()) ||
                      (s.has_region() && !client.region().empty() && s.region() == client.region());
    if (!hits) continue;
    surges.push_back({e.at_s(), e.at_s() + s.duration_s(), s.factor()});
    times.insert(e.at_s());
    times.insert(e.at_s() + s.duration_s());
  }
  std::vector<RatePoint> out;
  for (double t : times) {
    if (t >= scenario.duration_s()) break;
    double rate = RateAt(base, t);
    for (const Surge& s : surges)
      if (t >= s.from && t < s.to) rate *= s.factor;
    if (!out.empty() && out.back().rps == rate) continue;
    out.push_back({t, rate});
  }
  return out;
}

std::string FormatSchedule(const std::vector<RatePoint>& steps) {
  return absl::StrJoin(steps, ",", [](std::string* out, const RatePoint& p) {
    absl::StrAppend(out, p.at_s, ":", p.rps);
  });
}

}  // namespace cpn::lab
