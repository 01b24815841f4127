#include "controller/api/link_load_store.h"

namespace cpn::api {

void LinkLoadStore::Set(LinkLoad load) {
  absl::MutexLock lock(&mu_);
  auto key = std::make_pair(load.link_id, load.from_router_id);
  loads_[std::move(key)] = std::move(load);
}

std::vector<LinkLoad> LinkLoadStore::Latest() const {
  absl::MutexLock lock(&mu_);
  std::vector<LinkLoad> out;
  out.reserve(loads_.size());
  for (const auto& [key, load] : loads_) out.push_back(load);
  return out;
}

}  // namespace cpn::api
