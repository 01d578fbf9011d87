#pragma once
// Order statistics and robust spread of timing samples. Every function copies or takes sorted
// input explicitly, so callers never get their samples reordered behind their back.
#include <vector>

namespace moat::reports {

// Median of the values (mean of the two middle ones for even n). Throws moat::Error when empty.
double median(std::vector<double> values);

// Quantile p in [0,1] of already sorted values, linear interpolation between order statistics
// (Hyndman-Fan type 7, the default of R and NumPy).
double quantile_sorted(const std::vector<double>& sorted, double p);

// Median absolute deviation scaled by 1.4826 (consistent for the normal sigma) over the median:
// a coefficient of variation that one slow outlier sample cannot inflate.
double robust_cv(const std::vector<double>& values);

// Within-run noise of two runs together: 1.4826 x MAD of the log residuals of every sample from
// its own run's median (pooled, so twice the samples back the estimate). For small noise it is a
// coefficient of variation. All values must be positive.
double pooled_robust_log_spread(const std::vector<double>& a, const std::vector<double>& b);

// exp(mean(log x)); all values must be positive.
double geometric_mean(const std::vector<double>& values);

}  // namespace moat::reports
