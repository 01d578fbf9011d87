#include "model/number_format.hpp"

#include "core/error.hpp"

namespace moat::model {

const std::vector<std::string>& number_format_names() {
  static const std::vector<std::string> names = {"fp32", "bf16", "fp16", "fp8", "int8", "fp4"};
  return names;
}

double bytes_per_element(const std::string& format) {
  if (format == "fp32") return 4;
  if (format == "bf16" || format == "fp16") return 2;
  if (format == "fp8" || format == "int8") return 1;
  if (format == "fp4") return 4.25 / 8;
  throw Error("unknown number format '" + format + "'");
}

}  // namespace moat::model
