#pragma once
// Storage formats of weights, KV cache and activations, with their bytes per element. MXFP4
// stores 4-bit values plus one 8-bit scale per block of 32 (OCP Microscaling Formats spec v1.0),
// so 4.25 bits per element. FP8 block scales (e.g. 128x128 tiles) add < 0.01% and are ignored.
#include <string>
#include <vector>

namespace moat::model {

const std::vector<std::string>& number_format_names();  // fp32, bf16, fp16, fp8, int8, fp4
double bytes_per_element(const std::string& format);    // throws moat::Error for unknown names

}  // namespace moat::model
