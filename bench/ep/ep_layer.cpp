#include "bench/ep/ep_layer.hpp"

#include <numeric>

#include "bench/timer.hpp"
#include "core/error.hpp"
#include "kernels/common/check.hpp"
#include "kernels/common/random.hpp"
#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/dispatch.hpp"
#include "kernels/moe/common/pipeline.hpp"
#include "kernels/moe/common/routing.hpp"
#include "kernels/moe/common/stages.hpp"

namespace moat::ep {

const std::array<const char*, kPhaseCount>& ep_phase_names() {
  static const std::array<const char*, kPhaseCount> names = {
      "router", "permute", "count_exchange", "dispatch", "expert_ffn", "combine", "unpermute"};
  return names;
}

std::vector<float> rank_tokens(const EpLayerConfig& cfg, int rank) {
  // Distinct from the weight seeds of random_layer_weights (seed * 7 + 1..4).
  const std::uint64_t seed = cfg.seed * 7919 + 1000 + std::uint64_t(rank);
  return random_values(std::int64_t(cfg.tokens_per_rank) * cfg.hidden, DType::fp32, seed);
}

namespace {

moe::LayerConfig layer_config(const EpLayerConfig& c) {
  moe::LayerConfig l;
  l.shape.tokens = c.tokens_per_rank;
  l.shape.hidden = c.hidden;
  l.shape.ffn = c.ffn;
  l.shape.experts = c.experts;
  l.shape.top_k = c.top_k;
  return l;
}

int checked_local_experts(const EpLayerConfig& c, int ranks) {
  if (c.tokens_per_rank < 1 || c.hidden < 1 || c.ffn < 1 || c.experts < 1)
    throw Error("expert-parallel layer: tokens, hidden, ffn and experts must be at least 1");
  if (c.top_k < 1 || c.top_k > c.experts)
    throw Error("expert-parallel layer: top_k must be in [1, experts]");
  if (c.experts % ranks != 0)
    throw Error(std::to_string(ranks) + " ranks do not divide the " + std::to_string(c.experts) +
                " experts");
  return c.experts / ranks;
}

// The slice [first, first + count) of a flat host vector.
std::vector<float> slice(const std::vector<float>& v, std::size_t first, std::size_t count) {
  return {v.begin() + std::ptrdiff_t(first), v.begin() + std::ptrdiff_t(first + count)};
}

const std::byte* bytes_of(const View2<float>& v) {
  return reinterpret_cast<const std::byte*>(v.data());
}
std::byte* mutable_bytes_of(const View2<float>& v) {
  return reinterpret_cast<std::byte*>(v.data());
}

}  // namespace

EpLayer::EpLayer(const EpLayerConfig& cfg, Communicator& comm)
    : cfg_(cfg),
      comm_(comm),
      local_experts_(checked_local_experts(cfg, comm.size())),
      layer_(layer_config(cfg)),
      weights_(moe::random_layer_weights(layer_, /*gated=*/true, DType::fp32, cfg.seed)),
      x_host_(rank_tokens(cfg, comm.rank())),
      dispatch_(cfg.tokens_per_rank, cfg.top_k, cfg.experts),
      // Worst case every rank routes every slot to this rank's experts.
      tiles_(moe::RowTileList::capacity_for(
          std::int64_t(comm.size()) * cfg.tokens_per_rank * cfg.top_k,
          std::int64_t(comm.size()) * local_experts_)) {
  const int T = cfg.tokens_per_rank, H = cfg.hidden, F = cfg.ffn, k = cfg.top_k;
  const std::size_t per_expert = std::size_t(H) * F;
  const std::size_t first = std::size_t(comm.rank()) * local_experts_ * per_expert;
  const std::size_t count = std::size_t(local_experts_) * per_expert;
  x_ = moe::device2("x", x_host_, T, H);
  router_w_ = moe::device2("router", weights_.router, H, cfg.experts);
  w_gate_ = moe::device3("w_gate", slice(weights_.w_gate, first, count), local_experts_, H, F);
  w_up_ = moe::device3("w_up", slice(weights_.w_up, first, count), local_experts_, H, F);
  w_down_ = moe::device3("w_down", slice(weights_.w_down, first, count), local_experts_, F, H);
  logits_ = View2<float>("logits", T, cfg.experts);
  idx_ = View2<int>("idx", T, k);
  weight_ = View2<float>("weight", T, k);
  xp_ = View2<float>("xp", std::int64_t(T) * k, H);
  yp_ = View2<float>("yp", std::int64_t(T) * k, H);
  out_ = View2<float>("out", T, H);
  // Worst case every rank routes every slot to this rank's experts.
  const std::int64_t max_rows = std::int64_t(comm.size()) * T * k;
  x_recv_ = View2<float>("x_recv", max_rows, H);
  hmid_ = View2<float>("hmid", max_rows, F);
  y_recv_ = View2<float>("y_recv", max_rows, H);
  send_bytes_.assign(std::size_t(comm.size()), 0);
  recv_bytes_.assign(std::size_t(comm.size()), 0);
}

void EpLayer::exchange_counts() {
  const int n = comm_.size(), E = cfg_.experts, El = local_experts_;
  const std::size_t row_bytes = std::size_t(cfg_.hidden) * sizeof(float);
  const std::vector<int>& off = dispatch_.host_offsets;
  std::vector<std::int64_t> mine(std::size_t(E), 0);
  for (int e = 0; e < E; ++e) mine[e] = off[e + 1] - off[e];
  traffic_.counts.assign(std::size_t(n) * E, 0);
  comm_.all_gather(mine, traffic_.counts);

  // Rows sent: the permuted rows are in expert order, so each destination's rows are contiguous.
  // Rows received: from each source, its rows for this rank's experts, in expert order.
  const int my_first = comm_.rank() * El;
  std::vector<int> offsets;  // one source's segment, per local expert (absolute rows)
  std::vector<moe::RowTile> tiles;
  int received = 0;
  for (int p = 0; p < n; ++p) {
    std::int64_t to_p = 0;
    for (int e = p * El; e < (p + 1) * El; ++e) to_p += mine[e];
    send_bytes_[p] = std::size_t(to_p) * row_bytes;
    offsets.assign(1, received);
    for (int e = 0; e < El; ++e)
      offsets.push_back(offsets.back() + int(traffic_.counts[std::size_t(p) * E + my_first + e]));
    recv_bytes_[p] = std::size_t(offsets.back() - received) * row_bytes;
    received = offsets.back();
    for (const auto& t : moe::row_tiles_from_offsets(offsets)) tiles.push_back(t);
  }
  tiles_.set_tiles(tiles);
  traffic_.rows_permuted = off.back();
  traffic_.rows_sent =
      std::accumulate(send_bytes_.begin(), send_bytes_.end(), std::size_t(0)) / row_bytes;
  traffic_.rows_received = received;
}

void EpLayer::run(PhaseTimes* times) {
  KernelTimer timer;
  int phase = 0;
  auto begin = [&] {
    if (times) timer.start();
  };
  auto end = [&] {
    if (times) (*times)[std::size_t(phase)] = timer.stop();
    ++phase;
  };
  const int E = cfg_.experts, k = cfg_.top_k;
  const std::size_t row_bytes = std::size_t(cfg_.hidden) * sizeof(float);

  begin();  // router: the single-GPU layer's PerTokenRouter<SoftmaxTopK>
  moe::router_logits(x_, router_w_, logits_);
  moe::select_routed(logits_, idx_, weight_, moe::SoftmaxTopK{true}, E, k);
  end();

  begin();  // permute: rows grouped by expert, hence by destination rank
  moe::dispatch(idx_, x_, dispatch_, xp_);
  end();

  begin();
  exchange_counts();
  end();

  begin();
  comm_.all_to_all_v(bytes_of(xp_), send_bytes_, mutable_bytes_of(x_recv_), recv_bytes_);
  end();

  begin();
  moe::grouped_gemm(tiles_.view(), tiles_.count(), x_recv_, w_gate_, w_up_, hmid_, moe::SwiGluEpilogue{});
  moe::grouped_gemm(tiles_.view(), tiles_.count(), hmid_, w_down_, w_down_, y_recv_, moe::IdentityEpilogue{});
  end();

  begin();  // the reverse exchange puts every output where its row left from
  comm_.all_to_all_v(bytes_of(y_recv_), recv_bytes_, mutable_bytes_of(yp_), send_bytes_);
  end();

  begin();
  moe::combine(yp_, dispatch_.position, weight_, out_);
  end();

  if (!times) Kokkos::fence();
  traffic_.rows_returned =
      std::accumulate(send_bytes_.begin(), send_bytes_.end(), std::size_t(0)) / row_bytes;
}

std::vector<float> EpLayer::output() const { return download(out_); }

std::vector<float> EpLayer::reference_output() const {
  moe::RoutedPipeline<moe::PerTokenRouter<moe::SoftmaxTopK>, moe::SwiGluEpilogue> single(
      layer_, moe::per_token_router(moe::SoftmaxTopK{true}, layer_.shape), weights_);
  View2<float> out("reference_out", cfg_.tokens_per_rank, cfg_.hidden);
  single.run(x_, out);
  Kokkos::fence();
  return download(out);
}

CheckReport EpLayer::check() const {
  const std::vector<float> got = output();
  const std::vector<float> ref = reference_output();
  const std::vector<double> want(ref.begin(), ref.end());
  return compare_with_oracle(got, want, oracle_tolerance(DType::fp32, cfg_.hidden + cfg_.ffn));
}

}  // namespace moat::ep
