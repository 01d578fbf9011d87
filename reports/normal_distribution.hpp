#pragma once
// Standard normal CDF and quantile: the large-sample approximations of the rank tests.

namespace moat::reports {

double normal_cdf(double z);
// Upper tail 1 - Phi(z) without cancellation for large z.
double normal_sf(double z);
// Phi^-1(p) for p in (0, 1); accurate to ~1e-15 (Acklam's rational start + one Halley step).
double normal_quantile(double p);

}  // namespace moat::reports
