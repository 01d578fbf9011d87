// moe.multilinear — CP muMoE layer (Oldfield et al. 2024, "Multilinear Mixture of Experts:
// Scalable Expert Specialization through Factorization", arXiv:2402.12550). N experts' linear
// maps form a tensor W [N][I][O] kept in CP (rank-R) form, never materialized:
//   W[n][i][o] = sum_r U1[n][r] U2[i][r] U3[r][o]
//   a = softmax(x G)                       dense soft gate over all N experts, G [I][N]
//   y = sum_n a_n x^T W[n]  =  ((a U1) * (x U2)) U3      (* elementwise over the R ranks)
// Cost 2 (I N + N R + I R + R O) per token instead of 2 N I O for N materialized experts.
// This is one CPmuMoE layer (input `hidden`, output `out_dim`, no bias); the paper's MLP blocks
// stack two such layers around an activation, and its Tucker / TR forms are not implemented.
#include "core/variant.hpp"
#include "kernels/moe/common/shape.hpp"

namespace moat::variants::moe_multilinear {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.multilinear";
  v.family = "moe/factorized";
  v.summary = "CP-factorized expert tensor, soft gate: y = ((softmax(x G) U1) * (x U2)) U3";
  v.reference = "Oldfield et al. 2024 (muMoE), arXiv:2402.12550";
  v.params = {
      int_param("tokens", "tokens in the batch (batch x sequence)", 64, 1, 1 << 22),
      int_param("hidden", "input dimension I", 256, 1, 1 << 16),
      int_param("out_dim", "output dimension O", 256, 1, 1 << 16),
      int_param("experts", "experts N (soft, all active)", 64, 1, 1 << 20),
      int_param("rank", "CP rank R of the expert tensor", 128, 1, 1 << 16),
  };
  v.cost = [](const Params& p, DType dt) {
    const double t = p.i("tokens"), in = p.i("hidden"), o = p.i("out_dim"), n = p.i("experts"),
                 r = p.i("rank"), b = bytes_of(dt);
    Cost c;
    c.flops_matrix = 2.0 * t * (in * n + n * r + in * r + r * o);
    c.flops_vector = t * (4.0 * n + r);  // softmax, Hadamard product
    c.special_ops = t * n;
    c.bytes_dram = (in * n + n * r + in * r + r * o) * b +              // G, U1, U2, U3
                   t * (in + o) * b + t * (2.0 * n + 3.0 * r) * 4.0;    // x, y; gate and ranks
    c.launches = 5;
    return c;
  };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"out_dim", 24}, {"experts", 4}, {"rank", 8}},
      {{"tokens", 37}, {"hidden", 40}, {"out_dim", 70}, {"experts", 64}, {"rank", 33}},
      {{"tokens", 50}, {"hidden", 32}, {"out_dim", 48}, {"experts", 1}, {"rank", 16}},
      {{"tokens", 9}, {"hidden", 24}, {"out_dim", 20}, {"experts", 300}, {"rank", 1}},
  };
  return v;
}

}  // namespace moat::variants::moe_multilinear
