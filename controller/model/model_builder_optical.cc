// The optical layer: nodes, fibres and lightpaths (wavelength continuity,
// contiguous fibre chains, no two lightpaths on one channel of one fibre).
#include <algorithm>
#include <cmath>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "controller/model/model_builder.h"

namespace cpn::model {

namespace tv1 = cpn::topology::v1;

void ModelBuilder::BuildOpticalNodes() {
  const int n = t_.optical().nodes_size();
  m_->optical_nodes_.resize(n);
  m_->optical_node_by_id_.reserve(n);
  for (int i = 0; i < n; ++i) {
    const tv1::OpticalNode& p = t_.optical().nodes(i);
    const EntityRef e{"optical node", "optical.nodes", p.id(), i};
    OpticalNode& node = m_->optical_nodes_[i];
    node.id = p.id();
    node.name = p.name();
    RegisterId(e, m_->optical_node_by_id_, OpticalNodeIndex(i));
    if (p.has_location()) node.location = CheckLocation(e, p.location());
    if (!tv1::OpticalNodeKind_IsValid(p.kind())) {
      errors_.Add(e, absl::StrFormat("kind has unknown value %d", p.kind()));
    }
    node.kind = p.kind();
    if (!p.colocated_router_id().empty()) {
      auto it = m_->router_by_id_.find(p.colocated_router_id());
      if (it == m_->router_by_id_.end()) {
        errors_.Add(e, absl::StrFormat("colocated_router_id names unknown router %s",
                                       Quote(p.colocated_router_id())));
      } else {
        node.colocated_router = it->second;
      }
    }
  }
}

OpticalNodeIndex ModelBuilder::ResolveOpticalNode(const EntityRef& e, const char* field,
                                                  const std::string& id) {
  if (id.empty()) {
    errors_.Add(e, absl::StrFormat("%s is empty", field));
    return OpticalNodeIndex();
  }
  auto it = m_->optical_node_by_id_.find(id);
  if (it == m_->optical_node_by_id_.end()) {
    errors_.Add(e, absl::StrFormat("%s names unknown optical node %s", field, Quote(id)));
    return OpticalNodeIndex();
  }
  return it->second;
}

void ModelBuilder::BuildFibers() {
  const int n = t_.optical().fibers_size();
  if (static_cast<uint64_t>(n) > uint64_t{0xFFFFFFFFu} - kFirstDerivedSrlg + 1) {
    // Unreachable in practice (16.7 million fibres); keeps derived ids unique.
    errors_.Add(EntityRef{"fiber", "optical.fibers", "", n},
                "too many fibres: each needs a derived SRLG id");
    return;
  }
  m_->fibers_.resize(n);
  m_->fiber_by_id_.reserve(n);
  for (int i = 0; i < n; ++i) {
    const tv1::Fiber& p = t_.optical().fibers(i);
    const EntityRef e{"fiber", "optical.fibers", p.id(), i};
    Fiber& f = m_->fibers_[i];
    f.id = p.id();
    RegisterId(e, m_->fiber_by_id_, FiberIndex(i));
    f.a = ResolveOpticalNode(e, "a_node_id", p.a_node_id());
    f.b = ResolveOpticalNode(e, "b_node_id", p.b_node_id());
    if (f.a.valid() && f.a == f.b) {
      errors_.Add(e, absl::StrFormat("a_node_id and b_node_id both name optical node %s",
                                     Quote(p.a_node_id())));
    }
    f.length_km = p.length_km();
    if (!(p.length_km() > 0) || !std::isfinite(p.length_km())) {
      errors_.Add(e, absl::StrFormat("length_km is %g; it must be > 0", p.length_km()));
    }
    f.channel_count = p.channel_count();
    if (p.channel_count() == 0) errors_.Add(e, "channel_count is 0; it must be > 0");
    CheckSrlgIds(e, p.srlgs());
    f.configured_srlg_ids.assign(p.srlgs().begin(), p.srlgs().end());
    std::sort(f.configured_srlg_ids.begin(), f.configured_srlg_ids.end());
    f.configured_srlg_ids.erase(
        std::unique(f.configured_srlg_ids.begin(), f.configured_srlg_ids.end()),
        f.configured_srlg_ids.end());
    f.derived_srlg_id = kFirstDerivedSrlg + static_cast<uint32_t>(i);
  }
}

void ModelBuilder::BuildLightpaths() {
  const int n = t_.optical().lightpaths_size();
  m_->lightpaths_.resize(n);
  m_->lightpath_by_id_.reserve(n);
  // (fibre, channel) -> the lightpath using it.
  absl::flat_hash_map<std::pair<uint32_t, uint32_t>, int> channel_owner;
  for (int i = 0; i < n; ++i) {
    const tv1::Lightpath& p = t_.optical().lightpaths(i);
    const EntityRef e{"lightpath", "optical.lightpaths", p.id(), i};
    Lightpath& lp = m_->lightpaths_[i];
    lp.id = p.id();
    RegisterId(e, m_->lightpath_by_id_, LightpathIndex(i));
    lp.a = ResolveOpticalNode(e, "a_node_id", p.a_node_id());
    lp.z = ResolveOpticalNode(e, "z_node_id", p.z_node_id());
    if (lp.a.valid() && lp.a == lp.z) {
      errors_.Add(e, absl::StrFormat("a_node_id and z_node_id both name optical node %s",
                                     Quote(p.a_node_id())));
    }
    lp.channel = p.channel();
    lp.wavelength_nm = p.wavelength_nm();
    if (!(p.wavelength_nm() >= 0) || !std::isfinite(p.wavelength_nm())) {
      errors_.Add(e, absl::StrFormat("wavelength_nm is %g; it must be >= 0", p.wavelength_nm()));
    }
    lp.line_rate_bps = p.line_rate_bps();

    if (p.fiber_ids_size() == 0) errors_.Add(e, "fiber_ids is empty; a lightpath needs a fibre");
    bool all_resolved = true;
    lp.fibers.reserve(p.fiber_ids_size());
    for (int k = 0; k < p.fiber_ids_size(); ++k) {
      const std::string& id = p.fiber_ids(k);
      auto it = m_->fiber_by_id_.find(id);
      if (it == m_->fiber_by_id_.end()) {
        errors_.Add(e, absl::StrFormat("fiber_ids[%d] names unknown fiber %s", k, Quote(id)));
        all_resolved = false;
        continue;
      }
      const FiberIndex fi = it->second;
      if (std::find(lp.fibers.begin(), lp.fibers.end(), fi) != lp.fibers.end()) {
        errors_.Add(e, absl::StrFormat("fiber_ids[%d] lists fiber %s a second time", k, Quote(id)));
        all_resolved = false;
        continue;
      }
      lp.fibers.push_back(fi);
      Fiber& f = m_->fibers_[fi.value()];
      f.lightpaths.push_back(LightpathIndex(i));
      if (f.channel_count != 0 && p.channel() >= f.channel_count) {
        errors_.Add(e,
                    absl::StrFormat("channel %u is outside fiber %s, which has channel_count "
                                    "%u (channels 0..%u)",
                                    p.channel(), Quote(id), f.channel_count, f.channel_count - 1));
        continue;
      }
      auto [owner, inserted] = channel_owner.try_emplace({fi.value(), p.channel()}, i);
      if (!inserted) {
        errors_.Add(e, absl::StrFormat("channel %u on fiber %s is already used by lightpath %s "
                                       "(wavelength clash)",
                                       p.channel(), Quote(id),
                                       Quote(t_.optical().lightpaths(owner->second).id())));
      }
    }

    // The fibres must form a chain a -> z, each starting where the last one
    // ended (fibres are undirected).
    if (!all_resolved || !lp.a.valid() || !lp.z.valid() || lp.fibers.empty()) continue;
    OpticalNodeIndex at = lp.a;
    bool chained = true;
    for (size_t k = 0; k < lp.fibers.size() && chained; ++k) {
      const Fiber& f = m_->fibers_[lp.fibers[k].value()];
      if (!f.a.valid() || !f.b.valid()) {
        chained = false;  // already reported on the fibre
      } else if (f.a == at) {
        at = f.b;
      } else if (f.b == at) {
        at = f.a;
      } else {
        errors_.Add(e, absl::StrFormat("fiber_ids[%d] %s joins optical nodes %s and %s and does "
                                       "not continue the chain at optical node %s",
                                       k, Quote(f.id), Quote(m_->optical_nodes_[f.a.value()].id),
                                       Quote(m_->optical_nodes_[f.b.value()].id),
                                       Quote(m_->optical_nodes_[at.value()].id)));
        chained = false;
      }
    }
    if (chained && at != lp.z) {
      errors_.Add(e,
                  absl::StrFormat("fiber_ids end at optical node %s, not at z_node_id %s",
                                  Quote(m_->optical_nodes_[at.value()].id), Quote(p.z_node_id())));
    }
  }
}

}  // namespace cpn::model
