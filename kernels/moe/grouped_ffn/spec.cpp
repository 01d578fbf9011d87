// moe.grouped_ffn — the expert FFN stage alone, on already-dispatched rows: expert e owns rows
// [e * rows_per_expert, (e + 1) * rows_per_expert) of xp and computes
//   y_rows = W2_e (silu(xp_rows W1_e) * (xp_rows W3_e))        (SwiGLU, fp32 accumulate)
// It isolates the grouped GEMM for comparison with a vendor GEMM on the same per-expert shapes
// (implementation "onednn": one oneDNN matmul chain per expert).
#include "core/variant.hpp"
#include "kernels/moe/common/shape.hpp"

namespace moat::variants::moe_grouped_ffn {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.grouped_ffn";
  v.family = "moe/grouped-gemm";
  v.summary = "per-expert SwiGLU FFN W2 (silu(x W1) * x W3) on dispatched rows, no routing";
  v.reference = "grouped GEMM of MegaBlocks (Gale et al. 2022) / vLLM fused_moe, dense per expert";
  v.params = {
      int_param("experts", "experts (row groups)", 8, 1, 4096),
      int_param("rows_per_expert", "dispatched rows each expert computes", 64, 1, 1 << 20),
      int_param("hidden", "model (hidden) dimension", 1024, 1, 1 << 16),
      int_param("ffn", "expert FFN intermediate dimension", 2816, 1, 1 << 17),
  };
  v.dtypes = {DType::fp32, DType::bf16, DType::fp16};  // x, weights, H, y stored so; fp32 math
  v.cost = [](const Params& p, DType dt) {
    moe::MoeShape s;
    s.experts = int(p.i("experts"));
    s.tokens = int(p.i("rows_per_expert") * s.experts);
    s.top_k = 1;
    s.hidden = int(p.i("hidden"));
    s.ffn = int(p.i("ffn"));
    return moe::expert_ffn_cost({s, dt, /*gated=*/true, double(s.experts)});
  };
  v.test_shapes = {
      {{"experts", 1}, {"rows_per_expert", 1}, {"hidden", 16}, {"ffn", 24}},
      {{"experts", 3}, {"rows_per_expert", 37}, {"hidden", 40}, {"ffn", 70}},
      {{"experts", 2}, {"rows_per_expert", 200}, {"hidden", 300}, {"ffn", 260}},  // ragged blocks
      {{"experts", 4}, {"rows_per_expert", 7}, {"hidden", 33}, {"ffn", 65}},
  };
  return v;
}

}  // namespace moat::variants::moe_grouped_ffn
