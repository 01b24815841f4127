// SvgLineChart: a small SVG line-chart writer for the simulator's report —
// axes with tick labels, a title, axis labels, a legend, one polyline per
// series; a CDF is a line chart of sorted values (CdfSeries). No
// dependencies; output is a self-contained <svg> document.
//
// Value type; pure.
#ifndef CPN_LAB_SIM_SVG_CHART_H_
#define CPN_LAB_SIM_SVG_CHART_H_

#include <string>
#include <vector>

namespace cpn::lab::sim {

struct ChartSeries {
  std::string name;
  std::vector<double> x;
  std::vector<double> y;
  bool dashed = false;
};

struct ChartOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  int width = 760;
  int height = 380;
  // Axis ranges; NaN: from the data.
  double x_min, x_max, y_min, y_max;
  // Optional horizontal reference line (NaN: none), e.g. 90 % utilisation.
  double y_reference;
  // Logarithmic x axis (values <= 0 are dropped); ticks from LogTicks.
  bool log_x = false;
  // Shaded spans of x with a label (a flash crowd, a failure).
  struct Band {
    double x0 = 0, x1 = 0;
    std::string label;
  };
  std::vector<Band> bands;
  ChartOptions();
};

// Renders the chart. Series with no points are listed in the legend only.
std::string RenderLineChart(const std::vector<ChartSeries>& series, const ChartOptions& options);

// The empirical CDF of `values` as a series (x: value, y: share <= x), at
// most `max_points` points.
ChartSeries CdfSeries(const std::string& name, std::vector<double> values, size_t max_points = 400);

// "Nice" tick positions covering [lo, hi], about `count` of them.
std::vector<double> NiceTicks(double lo, double hi, int count);
// Ticks for a log axis over [lo, hi] (> 0): 1, 2, 5 × 10^k (only 10^k over
// more than three decades).
std::vector<double> LogTicks(double lo, double hi);

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_SVG_CHART_H_
