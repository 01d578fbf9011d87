#pragma once
// The code path a case runs, as the key of its efficiency curve (model/efficiency_curve.hpp).
//
// A variant's cases can run different code: causal against full masks (different tiles skipped,
// half the work), 16-bit against fp32 storage (different instructions per byte), a named routing
// mode. Fitted on one line, such cases read as a size trend (the cheaper path also does less work:
// a smaller x) and the curve mispredicts both. The path key separates them; numeric parameters are
// sizes (the curve's x axis) and never part of it:
//
//   variant ["|" storage dtype, when not fp32] ["|" name=value, for every boolean and text
//   parameter, in parameter-name order]
//
//   attention.dense|causal=true
//   attention.split_kv_decode|bf16|causal=true
//   moe.grouped_ffn                                  (no qualifier: the path is the variant name)
//
// Computed here only: `moat run` (bench/case_record.cpp) when it records a prediction, the fit
// (model/calibration_fit.cpp) and `moat validate` (model/validation.cpp) from a results file.
#include <nlohmann/json.hpp>
#include <string>

namespace moat::model {

// `dtype`: the storage dtype name ("fp32", "bf16", ...; "" counts as fp32). `params`: the case's
// parameters as results files store them ({"causal": true, "n_splits": 16, ...}); anything but an
// object counts as no parameters. An empty variant gives an empty path (no curve to look up).
std::string curve_path(const std::string& variant, const std::string& dtype,
                       const nlohmann::json& params);

// The same, from a results record: its "variant", "dtype" (absent: fp32) and "params".
std::string curve_path_of_case(const nlohmann::json& result_case);

}  // namespace moat::model
