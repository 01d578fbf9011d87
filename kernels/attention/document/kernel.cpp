#include "kernels/attention/common/host_mask.hpp"

namespace moat::variants::attention_document {

struct DocumentMask {
  int seq_kv, doc_len;
  bool causal;
  static constexpr bool kRangeIsMask = true;
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int i) const { return i / doc_len * doc_len; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const {
    return causal ? i + 1 : kx::min(seq_kv, (i / doc_len + 1) * doc_len);
  }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const {
    return i / doc_len == j / doc_len && (!causal || j <= i);
  }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  DocumentMask p{s.seq_kv, int(req.params.i("doc_len")), req.params.b("causal")};
  return std::make_unique<attention::SoftmaxAttentionInstance<DocumentMask>>(
      req, s, p, attention::host_mask_of(p));
}

}  // namespace moat::variants::attention_document
