#include "lab/sim/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "absl/strings/str_format.h"

namespace cpn::lab::sim {
namespace {

constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                   "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                   "#bcbd22", "#17becf", "#393b79", "#637939"};

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string TickLabel(double v, double step) {
  if (std::abs(v) < step * 1e-6) v = 0;
  if (step >= 1 && std::abs(v) < 1e7) return absl::StrFormat("%.0f", v);
  const int decimals = std::clamp(static_cast<int>(std::ceil(-std::log10(step))), 0, 6);
  return absl::StrFormat("%.*f", decimals, v);
}

}  // namespace

ChartOptions::ChartOptions()
    : x_min(std::nan("")),
      x_max(std::nan("")),
      y_min(std::nan("")),
      y_max(std::nan("")),
      y_reference(std::nan("")) {}

std::vector<double> NiceTicks(double lo, double hi, int count) {
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / std::max(1, count);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push_back(t);
  }
  return ticks;
}

std::vector<double> LogTicks(double lo, double hi) {
  std::vector<double> ticks;
  if (!(lo > 0) || !(hi > lo)) return ticks;
  // 1, 2, 5 per decade over up to three decades; only powers of ten beyond.
  const std::vector<double> mults =
      hi / lo > 1000 ? std::vector<double>{1.0} : std::vector<double>{1.0, 2.0, 5.0};
  for (double dec = std::pow(10.0, std::floor(std::log10(lo))); dec <= hi; dec *= 10) {
    for (double m : mults) {
      const double t = m * dec;
      if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) ticks.push_back(t);
    }
  }
  return ticks;
}

ChartSeries CdfSeries(const std::string& name, std::vector<double> values, size_t max_points) {
  ChartSeries s;
  s.name = name;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  if (n == 0) return s;
  const size_t stride = std::max<size_t>(1, n / std::max<size_t>(1, max_points));
  for (size_t i = 0; i < n; i += stride) {
    s.x.push_back(values[i]);
    s.y.push_back(static_cast<double>(i + 1) / static_cast<double>(n));
  }
  if (s.y.back() < 1.0) {
    s.x.push_back(values.back());
    s.y.push_back(1.0);
  }
  return s;
}

std::string RenderLineChart(const std::vector<ChartSeries>& series, const ChartOptions& o) {
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const ChartSeries& s : series) {
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      if (o.log_x && s.x[i] <= 0) continue;
      x0 = std::min(x0, s.x[i]);
      x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, s.y[i]);
      y1 = std::max(y1, s.y[i]);
    }
  }
  if (!std::isfinite(x0)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (!std::isnan(o.x_min)) x0 = o.x_min;
  if (!std::isnan(o.x_max)) x1 = o.x_max;
  if (!std::isnan(o.y_min)) y0 = o.y_min;
  if (!std::isnan(o.y_max)) y1 = o.y_max;
  if (o.log_x) {
    if (!(x0 > 0)) x0 = 1;
    if (x1 <= x0) x1 = x0 * 10;
  }
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 <= y0) y1 = y0 + 1;

  const int legend_w = 170;
  const double left = 70, right = o.width - legend_w - 10.0, top = 36, bottom = o.height - 50.0;
  const double lx0 = o.log_x ? std::log10(x0) : x0, lx1 = o.log_x ? std::log10(x1) : x1;
  auto px = [&](double x) {
    const double v = o.log_x ? std::log10(std::clamp(x, x0, x1)) : std::clamp(x, x0, x1);
    return left + (v - lx0) / (lx1 - lx0) * (right - left);
  };
  auto py = [&](double y) {
    return bottom - (std::clamp(y, y0, y1) - y0) / (y1 - y0) * (bottom - top);
  };

  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
      "font-family=\"Helvetica,Arial,sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      "<text x=\"%d\" y=\"20\" font-size=\"15\" font-weight=\"bold\">%s</text>\n",
      o.width, o.height, o.width, o.height, static_cast<int>(left), Escape(o.title));
  // Bands, grid and ticks.
  for (const ChartOptions::Band& b : o.bands) {
    const double bx0 = px(b.x0), bx1 = px(b.x1);
    svg += absl::StrFormat(
        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#fde8c8\"/>"
        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#a0522d\">%s</text>\n",
        bx0, top, std::max(1.0, bx1 - bx0), bottom - top, bx0 + 3, top + 12, Escape(b.label));
  }
  const std::vector<double> xt = o.log_x ? LogTicks(x0, x1) : NiceTicks(x0, x1, 8);
  const std::vector<double> yt = NiceTicks(y0, y1, 6);
  const double ys = yt.size() > 1 ? yt[1] - yt[0] : 1;
  for (double t : xt) {
    const double xs = o.log_x ? t : (xt.size() > 1 ? xt[1] - xt[0] : 1);
    svg += absl::StrFormat(
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>"
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
        px(t), top, px(t), bottom, px(t), bottom + 16, TickLabel(t, xs));
  }
  for (double t : yt) {
    svg += absl::StrFormat(
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>"
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
        left, py(t), right, py(t), left - 6, py(t) + 4, TickLabel(t, ys));
  }
  svg += absl::StrFormat(
      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
      "stroke=\"#444\"/>\n",
      left, top, right - left, bottom - top);
  svg += absl::StrFormat("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                         (left + right) / 2, o.height - 12, Escape(o.x_label));
  svg += absl::StrFormat(
      "<text transform=\"translate(16,%.1f) rotate(-90)\" text-anchor=\"middle\">%s</text>\n",
      (top + bottom) / 2, Escape(o.y_label));
  if (!std::isnan(o.y_reference) && o.y_reference >= y0 && o.y_reference <= y1) {
    svg += absl::StrFormat(
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\" "
        "stroke-dasharray=\"2,3\"/>\n",
        left, py(o.y_reference), right, py(o.y_reference));
  }
  // Series and legend.
  for (size_t k = 0; k < series.size(); ++k) {
    const ChartSeries& s = series[k];
    const char* color = kColors[k % (sizeof(kColors) / sizeof(kColors[0]))];
    std::string points;
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      if (o.log_x && s.x[i] <= 0) continue;
      points += absl::StrFormat("%.1f,%.1f ", px(s.x[i]), py(s.y[i]));
    }
    if (!points.empty()) {
      svg += absl::StrFormat(
          "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\"%s points=\"%s\"/>\n", color,
          s.dashed ? " stroke-dasharray=\"6,3\"" : "", points);
    }
    const double ly = top + 8 + 18.0 * static_cast<double>(k);
    svg += absl::StrFormat(
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"%s/>"
        "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
        right + 12, ly, right + 34, ly, color, s.dashed ? " stroke-dasharray=\"6,3\"" : "",
        right + 40, ly + 4, Escape(s.name.size() > 22 ? s.name.substr(0, 21) + "…" : s.name));
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace cpn::lab::sim
