#pragma once
// The Kokkos half of a variant: an instance owns its inputs and outputs on the device, runs the
// kernel, and checks itself against the float64 oracle.
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/dtype.hpp"
#include "core/error.hpp"
#include "core/params.hpp"

namespace moat {

struct CheckReport {
  bool ok = false;
  double max_abs_error = 0;  // max |out - ref| over checked elements
  double rel_l2_error = 0;   // ||out - ref|| / ||ref|| over checked elements
  double tolerance = 0;      // bound applied to rel_l2_error and scaled max error
  std::int64_t checked = 0;  // elements compared
  std::string detail;        // worst mismatches when not ok
};

class KernelInstance {
 public:
  virtual ~KernelInstance() = default;
  // One execution of the kernel on the prepared inputs. May be asynchronous: the harness fences.
  virtual void run() = 0;
  // Runs the kernel once and compares its output with the float64 oracle (sampled rows for large
  // problems). Must fail on outputs the kernel did not write (outputs are poisoned first).
  virtual CheckReport check() = 0;
  // Extra measured facts worth recording (e.g. MoE load statistics).
  virtual std::map<std::string, double> counters() const { return {}; }
};

struct InstanceRequest {
  Params params;
  DType dtype = DType::fp32;
  std::uint64_t seed = 1;
};

using InstanceFactory = std::unique_ptr<KernelInstance> (*)(const InstanceRequest&);

// Thrown by a vendor baseline's factory for a case it does not implement (e.g. a dtype its
// library call does not take): the harness records the case as skipped with this reason. The
// "moat" implementation must run every dtype its variant declares.
class UnsupportedCase : public Error {
 public:
  using Error::Error;
};

// Generated alongside variant_specs(): variant name -> implementation -> factory. Every variant
// has "moat" (its Kokkos kernel); vendor baselines of the same cases add e.g. "onednn", "cublas"
// from kernels/<family>/<variant>/baseline_<impl>.cpp.
const std::map<std::string, std::map<std::string, InstanceFactory>>& variant_implementations();

}  // namespace moat
