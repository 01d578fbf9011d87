#include "kernels/attention/common/host_mask.hpp"
#include "kernels/attention/common/linear_features.hpp"
#include "kernels/attention/common/linear_instance.hpp"
#include "kernels/attention/sliding_window/policy.hpp"

namespace moat::variants::attention_based {

using namespace attention::linear;
using Policy = LinearPolicy<Taylor2, Taylor2, NoDecay, true>;

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  auto in = random_linear_inputs(s, req.dtype, req.seed);
  const attention::SlidingWindow window{s.seq_kv, s.seq_kv - s.seq_q, int(req.params.i("window")), true};
  // The window branch: the flash skeleton into its own buffer, then added to the linear output.
  View4<float> swa("based_swa", s.batch, s.heads_q, s.seq_q, s.value_dim);
  ExtraBranch branch;
  branch.run = [=](const View4<const float>& q, const View4<const float>& k,
                   const View4<const float>& v, const View4<float>& o) {
    attention::flash_forward(q, k, v, swa, s, window);
    const int n = int(o.size());
    float* op = o.data();
    const float* sp = swa.data();
    Kokkos::parallel_for(
        "moat::attention::based_sum", RangePolicy(0, n),
        KOKKOS_LAMBDA(int idx) { op[idx] += sp[idx]; });
  };
  branch.oracle = [=](const LinearInputs& h, const std::vector<std::int64_t>& rows) {
    return attention::oracle_softmax_rows(s, h.q, h.k, h.v, rows, attention::host_mask_of(window).visible,
                                          [](int, int, int, int, double x) { return x; });
  };
  const Policy pol{{s.head_dim}, {s.head_dim}, {}};
  return std::make_unique<LinearInstance<Policy>>(
      req, s, std::move(in), pol, pol, int(req.params.i("chunk")),
      is_chunked(req.params) ? LinearMode::chunked : LinearMode::recurrent, branch);
}

}  // namespace moat::variants::attention_based
