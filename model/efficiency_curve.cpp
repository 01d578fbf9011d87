#include "model/efficiency_curve.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "model/statistics.hpp"

namespace moat::model {

double curve_x(double body_s) { return std::log10(body_s); }

double curve_efficiency(const EfficiencyCurve& c, double body_s) {
  const double x = std::clamp(curve_x(body_s), c.x_min - kMaxExtrapolationDecades,
                              c.x_max + kMaxExtrapolationDecades);
  return std::exp(c.ln_efficiency + c.slope * (x - c.center));
}

double curve_decades_outside(const EfficiencyCurve& c, double body_s) {
  const double x = curve_x(body_s);
  if (x < c.x_min) return c.x_min - x;
  if (x > c.x_max) return x - c.x_max;
  return 0;
}

FamilyCurves fit_family_curves(const std::vector<CurvePoint>& points) {
  if (points.empty()) throw Error("fit_family_curves: no points");
  std::map<std::string, std::vector<const CurvePoint*>> by_variant;
  double sum_x = 0;
  for (const auto& p : points) {
    by_variant[p.variant].push_back(&p);
    sum_x += p.x;
  }
  // Family slope: pooled Theil-Sen over same-variant pairs (for variants the fit never saw).
  std::vector<double> slopes;
  for (const auto& [v, ps] : by_variant)
    for (std::size_t i = 0; i < ps.size(); ++i)
      for (std::size_t j = i + 1; j < ps.size(); ++j) {
        const double dx = ps[j]->x - ps[i]->x;
        if (std::abs(dx) >= kMinPairDecades) slopes.push_back((ps[j]->ln_eff - ps[i]->ln_eff) / dx);
      }
  FamilyCurves out;
  EfficiencyCurve base;
  base.slope = slopes.empty() ? 0.0 : std::clamp(median(slopes), -kMaxSlope, kMaxSlope);
  base.center = sum_x / double(points.size());
  std::vector<double> levels;
  double fam_min = points.front().x, fam_max = points.front().x;
  for (const auto& [v, ps] : by_variant) {
    EfficiencyCurve c;
    c.x_min = c.x_max = ps.front()->x;
    double mean_x = 0, mean_y = 0;
    std::vector<double> at_family_center;
    for (const auto* p : ps) {
      mean_x += p->x / double(ps.size());
      mean_y += p->ln_eff / double(ps.size());
      at_family_center.push_back(p->ln_eff - base.slope * (p->x - base.center));
      c.x_min = std::min(c.x_min, p->x);
      c.x_max = std::max(c.x_max, p->x);
    }
    // The variant's own least-squares line through its points when they span enough sizes,
    // else the family slope through their mean.
    double sxx = 0, sxy = 0;
    for (const auto* p : ps) {
      sxx += (p->x - mean_x) * (p->x - mean_x);
      sxy += (p->x - mean_x) * (p->ln_eff - mean_y);
    }
    c.center = mean_x;
    c.slope = c.x_max - c.x_min >= kMinPairDecades
                  ? std::clamp(sxy / sxx, -kMaxSlope, kMaxSlope)
                  : base.slope;
    c.ln_efficiency = mean_y;  // the line passes through the points' mean
    c.cases = static_cast<int>(ps.size());
    levels.push_back(median(at_family_center));
    fam_min = std::min(fam_min, c.x_min);
    fam_max = std::max(fam_max, c.x_max);
    out.variants[v] = c;
  }
  out.family = base;
  out.family.ln_efficiency = median(levels);
  out.family.x_min = fam_min;
  out.family.x_max = fam_max;
  out.family.cases = static_cast<int>(points.size());
  return out;
}

}  // namespace moat::model
