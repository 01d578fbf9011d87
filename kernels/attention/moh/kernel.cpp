#include "kernels/attention/moh/instance.hpp"

namespace moat::variants::attention_moh {

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  return std::make_unique<MohInstance>(req);
}

}  // namespace moat::variants::attention_moh
