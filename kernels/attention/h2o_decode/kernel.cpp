#include <algorithm>
#include <cmath>

#include "kernels/attention/common/decode_instance.hpp"

namespace moat::variants::attention_h2o_decode {

using attention::AttentionShape;

// Cache state of one step, per (b, hk): slots [0, keys) hold K/V, position and accumulated score.
struct H2OState {
  View4<float> k, v;   // [b][hk][slot][dim]
  View3<int> pos;      // [b][hk][slot]
  View3<float> acc;    // [b][hk][slot]
  View2<int> free;     // [b][hk] slot the next token is appended to
  void copy_from(const H2OState& o) const {
    Kokkos::deep_copy(k, o.k);
    Kokkos::deep_copy(v, o.v);
    Kokkos::deep_copy(pos, o.pos);
    Kokkos::deep_copy(acc, o.acc);
    Kokkos::deep_copy(free, o.free);
  }
};

H2OState make_state(const std::string& tag, const AttentionShape& s, int capacity) {
  return {View4<float>(tag + "_k", s.batch, s.heads_kv, capacity, s.head_dim),
          View4<float>(tag + "_v", s.batch, s.heads_kv, capacity, s.value_dim),
          View3<int>(tag + "_pos", s.batch, s.heads_kv, capacity),
          View3<float>(tag + "_acc", s.batch, s.heads_kv, capacity),
          View2<int>(tag + "_free", s.batch, s.heads_kv)};
}

class H2ODecodeInstance final : public KernelInstance {
 public:
  H2ODecodeInstance(const InstanceRequest& req, const AttentionShape& s, int heavy, int recent)
      : s_(s), heavy_(heavy), recent_(recent), dtype_(req.dtype),
        host_(attention::random_decode_data(s, req.dtype, req.seed)),
        keys_(std::min(s.seq_kv, heavy + recent + 1)),
        cache_shape_(s),
        plan_(attention::split_kv_schedule(s.batch, s.heads_kv, keys_, 1), s) {
    cache_shape_.seq_kv = keys_;
    const int capacity = heavy + recent + 1, n_hist = s.seq_kv - 1, p = s.seq_kv - 1;
    init_ = make_state("h2o_init", s, capacity);
    state_ = make_state("h2o", s, capacity);
    std::vector<float> kc(init_.k.size(), 0.f), vc(init_.v.size(), 0.f), acc(init_.acc.size(), 0.f);
    std::vector<int> pos(init_.pos.size(), -1), free;
    Rng rng(req.seed * 13 + 3);
    for (int head = 0; head < s.batch * s.heads_kv; ++head) {
      // Synthetic history: heavy-tailed scores, the first tokens (sinks) heaviest.
      std::vector<double> acc_hist(std::size_t(std::max(0, n_hist)));
      for (int j = 0; j < n_hist; ++j) {
        const double u = rng.uniform();
        acc_hist[j] = float(4.0 * u * u * u * u + (j < 4 ? 8.0 : 0.0));
      }
      std::vector<int> kept;  // the cache the previous step left, in position order
      if (n_hist <= heavy + recent) {
        for (int j = 0; j < n_hist; ++j) kept.push_back(j);
      } else {
        std::vector<int> old(std::size_t(n_hist - recent));
        for (int j = 0; j < n_hist - recent; ++j) old[j] = j;
        std::stable_sort(old.begin(), old.end(), [&](int a, int b) { return acc_hist[a] > acc_hist[b]; });
        kept.assign(old.begin(), old.begin() + heavy);
        std::sort(kept.begin(), kept.end());
        for (int j = n_hist - recent; j < n_hist; ++j) kept.push_back(j);
      }
      for (std::size_t slot = 0; slot < kept.size(); ++slot) {
        const std::size_t dst = std::size_t(head) * capacity + slot, src = std::size_t(head) * s.seq_kv + kept[slot];
        std::copy_n(&host_.k[src * s.head_dim], s.head_dim, &kc[dst * s.head_dim]);
        std::copy_n(&host_.v[src * s.value_dim], s.value_dim, &vc[dst * s.value_dim]);
        pos[dst] = kept[slot];
        acc[dst] = float(acc_hist[kept[slot]]);
        acc0_[{head, kept[slot]}] = acc[dst];
      }
      kept.push_back(p);
      kept_.push_back(kept);
      free.push_back(int(kept.size()) - 1);
    }
    upload(init_.k, kc);
    upload(init_.v, vc);
    upload(init_.pos, pos);
    upload(init_.acc, acc);
    upload(init_.free, free);
    std::vector<float> kn, vn;  // the new token's K/V
    for (int head = 0; head < s.batch * s.heads_kv; ++head) {
      const std::size_t src = std::size_t(head) * s.seq_kv + p;
      kn.insert(kn.end(), &host_.k[src * s.head_dim], &host_.k[(src + 1) * s.head_dim]);
      vn.insert(vn.end(), &host_.v[src * s.value_dim], &host_.v[(src + 1) * s.value_dim]);
    }
    k_new_ = View3<float>("k_new", s.batch, s.heads_kv, s.head_dim);
    v_new_ = View3<float>("v_new", s.batch, s.heads_kv, s.value_dim);
    upload(k_new_, kn);
    upload(v_new_, vn);
    q_ = attention::device4("q", host_.q, s.batch, s.heads_q, 1, s.head_dim);
    o_ = View4<float>("o", s.batch, s.heads_q, 1, s.value_dim);
    step_ = View3<float>("h2o_step_scores", s.batch, s.heads_kv, capacity);
    evicted_ = View2<int>("h2o_evicted", s.batch, s.heads_kv);
    heavy_mass_ = View2<float>("h2o_heavy_mass", s.batch, s.heads_kv);
    state_.copy_from(init_);
  }

  // Each run replays the same step: positions, scores and the free slot are reset first (a few
  // bytes per cached token against the K/V rows the step reads; the K/V slot the step appends to
  // is rewritten with the same token), so timing repeats one step instead of drifting.
  void run() override {
    Kokkos::deep_copy(state_.pos, init_.pos);
    Kokkos::deep_copy(state_.acc, init_.acc);
    Kokkos::deep_copy(state_.free, init_.free);
    const H2OState st = state_;
    const int heads_kv = s_.heads_kv, dk = s_.head_dim, dv = s_.value_dim, p = s_.seq_kv - 1;
    const int heads = s_.batch * heads_kv, keys = keys_, group = s_.group(), recent = recent_;
    const bool evicting = s_.seq_kv > heavy_ + recent_;
    const float scale = s_.scale;
    auto kn = k_new_, vn = v_new_;
    Kokkos::parallel_for(
        "moat::attention::h2o_append", RangePolicy(0, heads), KOKKOS_LAMBDA(int bh) {
          const int b = bh / heads_kv, hk = bh % heads_kv, slot = st.free(b, hk);
          for (int d = 0; d < dk; ++d) st.k(b, hk, slot, d) = kn(b, hk, d);
          for (int d = 0; d < dv; ++d) st.v(b, hk, slot, d) = vn(b, hk, d);
          st.pos(b, hk, slot) = p;
          st.acc(b, hk, slot) = 0.f;
        });
    attention::decode_attention(q_, attention::ContiguousKV{st.k, st.v}, o_, cache_shape_, false, plan_);
    // acc += this step's probabilities, recomputed from the merged (m, l) of each query head.
    auto q = q_;
    auto pm = plan_.part_m, pl = plan_.part_l;
    auto step = step_;
    Kokkos::parallel_for(
        "moat::attention::h2o_accumulate", RangePolicy(0, heads * keys), KOKKOS_LAMBDA(int idx) {
          const int j = idx % keys, bh = idx / keys, b = bh / heads_kv, hk = bh % heads_kv;
          float sum = 0.f;
          for (int g = 0; g < group; ++g) {
            float dot = 0.f;
            for (int d = 0; d < dk; ++d)
              dot += q(b, hk * group + g, 0, d) * scale * st.k(b, hk, j, d);
            sum += kx::exp(dot - pm(bh, g)) / pl(bh, g);
          }
          step(b, hk, j) = sum;
          st.acc(b, hk, j) += sum;
        });
    auto evicted = evicted_;
    auto heavy_mass = heavy_mass_;
    Kokkos::parallel_for(
        "moat::attention::h2o_evict", RangePolicy(0, heads), KOKKOS_LAMBDA(int bh) {
          const int b = bh / heads_kv, hk = bh % heads_kv;
          int victim = -1;
          float mass = 0.f;
          for (int j = 0; j < keys; ++j) {
            const int pj = st.pos(b, hk, j);
            if (pj > p - recent) continue;  // recent window: never evicted
            mass += step(b, hk, j);
            if (victim < 0 || st.acc(b, hk, j) < st.acc(b, hk, victim) ||
                (st.acc(b, hk, j) == st.acc(b, hk, victim) && pj < st.pos(b, hk, victim)))
              victim = j;
          }
          heavy_mass(b, hk) = mass / group;
          evicted(b, hk) = evicting && victim >= 0 ? st.pos(b, hk, victim) : -1;
          if (evicting && victim >= 0) st.free(b, hk) = victim;
        });
  }

  CheckReport check() override {
    state_.copy_from(init_);
    poison(o_);
    run();
    Kokkos::fence();
    const auto& s = s_;
    const int G = s.group(), p = s.seq_kv - 1;
    // Output rows: softmax over the kept set.
    std::vector<std::vector<char>> in_cache(kept_.size(), std::vector<char>(std::size_t(s.seq_kv), 0));
    for (std::size_t head = 0; head < kept_.size(); ++head)
      for (int j : kept_[head]) in_cache[head][j] = 1;
    auto rows = rows_to_check(s.rows());
    const std::vector<float> out = download(o_);
    std::vector<float> got;
    for (auto r : rows) got.insert(got.end(), out.begin() + r * s.value_dim, out.begin() + (r + 1) * s.value_dim);
    auto want = attention::oracle_softmax_rows(
        s, host_.q, host_.k, host_.v, rows,
        [&](int b, int h, int, int j) { return in_cache[std::size_t(b) * s.heads_kv + h / G][j] != 0; },
        [](int, int, int, int, double x) { return x; });
    // Scores after the step and the evicted position, per KV head.
    const auto pos = download(state_.pos), evicted = download(evicted_);
    const auto acc = download(state_.acc);
    const int capacity = int(state_.pos.extent(2));
    std::string bad;
    for (int head = 0; head < s.batch * s.heads_kv; ++head) {
      const int b = head / s.heads_kv, hk = head % s.heads_kv;
      std::map<int, double> acc_new;
      for (int j : kept_[head]) acc_new[j] = j == p ? 0.0 : acc0_.at({head, j});
      for (int g = 0; g < G; ++g) {
        const float* qr = &host_.q[(std::size_t(b) * s.heads_q + hk * G + g) * s.head_dim];
        std::map<int, double> logit;
        double m = -INFINITY, l = 0;
        for (int j : kept_[head]) {
          const float* kr = &host_.k[(std::size_t(head) * s.seq_kv + j) * s.head_dim];
          double dot = 0;
          for (int d = 0; d < s.head_dim; ++d) dot += double(qr[d]) * kr[d];
          logit[j] = dot * s.scale;
          m = std::max(m, logit[j]);
        }
        for (auto& [j, x] : logit) l += std::exp(x - m);
        for (auto& [j, x] : logit) acc_new[j] += std::exp(x - m) / l;
      }
      int victim = -1;
      for (auto& [j, a] : acc_new)
        if (j <= p - recent_ && (victim < 0 || a < acc_new[victim])) victim = j;
      const int want_evicted = s.seq_kv > heavy_ + recent_ ? victim : -1;
      if (evicted[head] != want_evicted)
        bad += " head " + std::to_string(head) + ": evicted " + std::to_string(evicted[head]) +
               ", oracle " + std::to_string(want_evicted) + ";";
      for (int slot = 0; slot < keys_; ++slot) {
        const int j = pos[std::size_t(head) * capacity + slot];
        got.push_back(acc[std::size_t(head) * capacity + slot]);
        want.push_back(acc_new.count(j) ? acc_new[j] : NAN);
      }
    }
    CheckReport r = compare_with_oracle(got, want, oracle_tolerance(dtype_, s.head_dim + s.seq_kv));
    if (!bad.empty()) {
      r.ok = false;
      r.detail += " eviction differs:" + bad;
    }
    return r;
  }

  std::map<std::string, double> counters() const override {
    const auto mass = download(heavy_mass_);
    double mean = 0;
    for (float x : mass) mean += x / double(mass.size());
    const double kept = std::min(s_.seq_kv, heavy_ + recent_);
    return {{"kept_tokens", kept}, {"evicted_tokens", s_.seq_kv - kept},
            {"heavy_hitter_mass", mean}};
  }

 private:
  AttentionShape s_;
  int heavy_, recent_;
  DType dtype_;
  attention::DecodeHostData host_;
  int keys_;  // tokens attended this step (cache after append)
  AttentionShape cache_shape_;
  attention::DecodePlan plan_;
  H2OState init_, state_;
  std::map<std::pair<int, int>, float> acc0_;  // (head, position) -> score before the step
  std::vector<std::vector<int>> kept_;          // per head: cached positions incl. the new one
  View3<float> k_new_, v_new_;
  View4<const float> q_;
  View4<float> o_;
  View3<float> step_;
  View2<int> evicted_;
  View2<float> heavy_mass_;
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const auto& p = req.params;
  return std::make_unique<H2ODecodeInstance>(req, attention::shape_from(p), int(p.i("heavy")),
                                             int(p.i("recent")));
}

}  // namespace moat::variants::attention_h2o_decode
