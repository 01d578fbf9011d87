#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "kernels/attention/common/linear_instance.hpp"  // OutputReadback
#include "kernels/attention/mla_prefill/prefill.hpp"
#include "kernels/common/check.hpp"
#include "kernels/common/instance.hpp"
#include "kernels/common/random.hpp"

namespace moat::variants::attention_mla_prefill {
namespace {

// The oracle decompresses each checked head in float64 (seq_kv x kv_lora x (nope + v) multiply-
// adds): a few heads, first and last included, keep the check to seconds at DeepSeek-V3 size.
constexpr std::int64_t kHeadsToCheck = 4;

class MlaPrefillInstance final : public KernelInstance, public attention::OutputReadback {
 public:
  explicit MlaPrefillInstance(const InstanceRequest& req)
      : m_(mla_prefill_shape(req.params)), dtype_(req.dtype), dev_(m_) {
    const std::int64_t tokens = std::int64_t(m_.batch) * m_.seq_kv;
    const auto seed = req.seed * 5;
    hq_ = random_values(dev_.s.q_elems(), dtype_, seed + 0);
    hc_ = random_values(tokens * m_.kv_lora, dtype_, seed + 1);
    hkr_ = random_values(tokens * m_.rope, dtype_, seed + 2);
    // Unit-variance keys and values: W ~ N(0, 1/kv_lora).
    hw_ = random_values(std::int64_t(m_.kv_lora) * m_.kv_width(), dtype_, seed + 3,
                        1.0 / std::sqrt(double(m_.kv_lora)));
    dev_.set_inputs(hq_, hc_, hkr_, hw_);
  }

  void run() override { dev_.run(); }

  std::vector<float> output() override {
    run();
    Kokkos::fence();
    return download(dev_.o);
  }

  // Sampled heads (first and last included) x sampled query rows: each checked head is
  // decompressed once in float64, then every sampled row of it attends in float64.
  CheckReport check() override {
    poison(dev_.o);
    run();
    Kokkos::fence();
    const auto out = download(dev_.o);
    std::vector<float> got;
    std::vector<double> want;
    for (auto bh : rows_to_check(std::int64_t(m_.batch) * m_.heads, kHeadsToCheck)) {
      const int b = int(bh / m_.heads), h = int(bh % m_.heads);
      const auto rows = rows_to_check(m_.seq_q, 32);
      const auto ref = oracle_head(b, h, rows);
      want.insert(want.end(), ref.begin(), ref.end());
      for (auto i : rows) {
        const auto at = out.begin() + ((bh * m_.seq_q) + i) * m_.v;
        got.insert(got.end(), at, at + m_.v);
      }
    }
    return compare_with_oracle(got, want,
                               oracle_tolerance(dtype_, m_.kv_lora + m_.key_dim() + m_.seq_kv));
  }

 private:
  // Float64 decompress of head h of sequence b, then softmax attention for the given rows.
  std::vector<double> oracle_head(int b, int h, const std::vector<std::int64_t>& rows) const {
    const int S = m_.seq_kv, r = m_.kv_lora, kd = m_.key_dim(), width = m_.kv_width();
    const int col0 = h * (m_.nope + m_.v);
    std::vector<double> key(std::size_t(S) * kd), val(std::size_t(S) * m_.v), acc(m_.nope + m_.v);
    for (int j = 0; j < S; ++j) {
      const std::size_t t = std::size_t(b) * S + j;
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int x = 0; x < r; ++x) {  // unit stride through the head's weight columns
        const double cx = hc_[t * r + x];
        const float* wx = &hw_[std::size_t(x) * width + col0];
        for (int d = 0; d < m_.nope + m_.v; ++d) acc[d] += cx * double(wx[d]);
      }
      for (int d = 0; d < m_.nope; ++d) key[std::size_t(j) * kd + d] = acc[d];
      for (int d = 0; d < m_.v; ++d) val[std::size_t(j) * m_.v + d] = acc[m_.nope + d];
      for (int d = 0; d < m_.rope; ++d) key[std::size_t(j) * kd + m_.nope + d] = hkr_[t * m_.rope + d];
    }
    const double scale = 1.0 / std::sqrt(double(kd));
    const int offset = S - m_.seq_q;
    std::vector<double> out, logit(S);
    for (auto i : rows) {
      const float* qi = &hq_[((std::size_t(b) * m_.heads + h) * m_.seq_q + i) * kd];
      const int end = m_.causal ? int(i) + offset + 1 : S;
      double mx = -INFINITY;
      for (int j = 0; j < end; ++j) {
        double dot = 0;
        for (int d = 0; d < kd; ++d) dot += double(qi[d]) * key[std::size_t(j) * kd + d];
        logit[j] = dot * scale;
        mx = std::max(mx, logit[j]);
      }
      std::vector<double> o(m_.v, 0.0);
      double sum = 0;
      for (int j = 0; j < end; ++j) {
        const double p = std::exp(logit[j] - mx);
        sum += p;
        for (int d = 0; d < m_.v; ++d) o[d] += p * val[std::size_t(j) * m_.v + d];
      }
      for (auto& x : o) out.push_back(x / sum);
    }
    return out;
  }

  MlaPrefillShape m_;
  DType dtype_;
  MlaPrefillDevice dev_;
  std::vector<float> hq_, hc_, hkr_, hw_;
};

}  // namespace

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  return std::make_unique<MlaPrefillInstance>(req);
}

}  // namespace moat::variants::attention_mla_prefill
