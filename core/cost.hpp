#pragma once
// What one execution of a kernel costs, counted from its own tiling. Pure data: the model turns it
// into time against a hardware profile. FLOPs count a multiply-add as 2.
namespace moat {

struct Cost {
  double flops_matrix = 0;   // GEMM-shaped work (dot products over a reduction axis)
  double flops_vector = 0;   // elementwise and reduction work outside GEMM shapes
  double special_ops = 0;    // transcendental evaluations: exp, log, tanh, sigmoid, erf, ...
  double bytes_dram = 0;     // bytes read + written to main memory (DRAM/HBM) by this tiling
  double bytes_onchip = 0;   // bytes re-read from caches / shared memory (tile reloads)
  double launches = 0;       // parallel dispatches (kernel launches, fences)

  Cost& operator+=(const Cost& o) {
    flops_matrix += o.flops_matrix;
    flops_vector += o.flops_vector;
    special_ops += o.special_ops;
    bytes_dram += o.bytes_dram;
    bytes_onchip += o.bytes_onchip;
    launches += o.launches;
    return *this;
  }
  double flops() const { return flops_matrix + flops_vector; }
};

inline Cost operator+(Cost a, const Cost& b) { return a += b; }

}  // namespace moat
