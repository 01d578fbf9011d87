#pragma once
// Order statistics for the model's summaries. Percentiles interpolate linearly between order
// statistics (the "linear" rule of numpy.percentile), so p50 of an even count is the midpoint.
#include <vector>

namespace moat::model {

double percentile(std::vector<double> values, double p);  // p in [0, 100]; NaN when empty
inline double median(std::vector<double> values) { return percentile(std::move(values), 50); }

}  // namespace moat::model
