#include "reports/change_points.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "reports/stats_descriptive.hpp"

namespace moat::reports {

namespace {

struct Split {
  std::size_t at = 0;
  double statistic = 0;
};

// Largest standardised mean difference |mean(left) - mean(right)| * sqrt(nl nr / n) over the
// admissible split points of x (the CUSUM statistic of a single mean shift).
Split best_split(const std::vector<double>& x, std::size_t min_segment) {
  const std::size_t n = x.size();
  double total = 0;
  for (double v : x) total += v;
  Split best;
  double left = 0;
  for (std::size_t k = 1; k < n; ++k) {
    left += x[k - 1];
    if (k < min_segment || n - k < min_segment) continue;
    const double nl = static_cast<double>(k);
    const double nr = static_cast<double>(n - k);
    const double stat =
        std::abs(left / nl - (total - left) / nr) * std::sqrt(nl * nr / static_cast<double>(n));
    if (stat > best.statistic) best = {k, stat};
  }
  return best;
}

void segment(const std::vector<double>& logs, std::size_t begin, std::size_t end,
             const ChangePointOptions& o, std::vector<ChangePoint>& found) {
  if (end - begin < 2 * o.min_segment) return;
  std::vector<double> x(logs.begin() + static_cast<std::ptrdiff_t>(begin),
                        logs.begin() + static_cast<std::ptrdiff_t>(end));
  const Split observed = best_split(x, o.min_segment);
  if (observed.statistic == 0) return;

  // Permutation test of "no change in this segment": how often does a shuffled segment produce
  // as large a best split? The seed depends on the segment so results do not depend on the
  // order segments are visited in.
  SplitMix64 rng(o.seed ^ (begin * 0x9e3779b97f4a7c15ULL) ^ (end << 32));
  int at_least_as_large = 0;
  std::vector<double> shuffled = x;
  for (int i = 0; i < o.permutations; ++i) {
    for (std::size_t k = shuffled.size() - 1; k > 0; --k)
      std::swap(shuffled[k], shuffled[rng.below(k + 1)]);
    if (best_split(shuffled, o.min_segment).statistic >= observed.statistic) ++at_least_as_large;
  }
  const double p = (1.0 + at_least_as_large) / (1.0 + o.permutations);
  if (p > o.alpha) return;

  const std::size_t at = begin + observed.at;
  found.push_back({at, 0, 0, 1, p});
  segment(logs, begin, at, o, found);
  segment(logs, at, end, o, found);
}

double segment_median(const std::vector<double>& values, std::size_t begin, std::size_t end) {
  return median(std::vector<double>(values.begin() + static_cast<std::ptrdiff_t>(begin),
                                    values.begin() + static_cast<std::ptrdiff_t>(end)));
}

}  // namespace

std::vector<ChangePoint> detect_change_points(const std::vector<double>& values,
                                              const ChangePointOptions& options) {
  if (options.min_segment < 1) throw Error("change points need min_segment >= 1");
  if (options.permutations < 19) throw Error("change points need at least 19 permutations");
  std::vector<double> logs;
  for (double v : values) {
    if (!(v > 0)) throw Error("change-point detection needs positive values");
    logs.push_back(std::log(v));
  }
  std::vector<ChangePoint> candidates;
  segment(logs, 0, logs.size(), options, candidates);
  std::sort(candidates.begin(), candidates.end(),
            [](const auto& a, const auto& b) { return a.index < b.index; });

  // Effect sizes from the medians of the final neighbouring segments (robust to one odd run).
  // A split that is significant but smaller than min_effect is dropped, weakest first, and its
  // neighbours merge before the effects are measured again.
  while (true) {
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const std::size_t begin = i == 0 ? 0 : candidates[i - 1].index;
      const std::size_t end = i + 1 < candidates.size() ? candidates[i + 1].index : values.size();
      ChangePoint& cp = candidates[i];
      cp.before = segment_median(values, begin, cp.index);
      cp.after = segment_median(values, cp.index, end);
      cp.ratio = cp.after / cp.before;
    }
    auto weakest =
        std::min_element(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
          return std::abs(std::log(a.ratio)) < std::abs(std::log(b.ratio));
        });
    if (weakest == candidates.end() || std::abs(weakest->ratio - 1) >= options.min_effect) break;
    candidates.erase(weakest);
  }
  return candidates;
}

}  // namespace moat::reports
