#include "controller/srv6/diff.h"

#include <algorithm>
#include <utility>

#include "absl/container/inlined_vector.h"

namespace cpn::srv6 {
namespace {

namespace dpv1 = cpn::dataplane::v1;

dpv1::Update MakeUpdate(dpv1::UpdateType type, const dpv1::Entity& entity) {
  dpv1::Update u;
  u.set_type(type);
  *u.mutable_entity() = entity;
  return u;
}

bool IsRule(const dpv1::Update& u) { return u.entity().has_steering_rule(); }

// The wire encodings of two messages are equal. Field-by-field comparison
// through reflection (MessageDifferencer) took microseconds per steering
// rule and was most of the diff of a large state; encoding is generated
// code.
bool SameEncoding(const google::protobuf::MessageLite& a, const google::protobuf::MessageLite& b) {
  const size_t n = a.ByteSizeLong();
  if (n != b.ByteSizeLong()) return false;
  absl::InlinedVector<uint8_t, 512> x(n), y(n);
  a.SerializeWithCachedSizesToArray(x.data());
  b.SerializeWithCachedSizesToArray(y.data());
  return x == y;
}

}  // namespace

bool SameEntity(const dpv1::Entity& a, const dpv1::Entity& b) {
  if (a.entity_case() != b.entity_case()) return false;
  if (a.has_port() && (a.port().has_status() || b.port().has_status())) {
    dpv1::Entity x = a, y = b;
    x.mutable_port()->clear_status();
    y.mutable_port()->clear_status();
    return SameEncoding(x, y);
  }
  return SameEncoding(a, b);
}

EntityDiffRefs DiffEntityRefs(const EntityMap& installed, const EntityMap& desired) {
  EntityDiffRefs diff;
  auto i = installed.begin();
  auto d = desired.begin();
  while (i != installed.end() || d != desired.end()) {
    if (d == desired.end() || (i != installed.end() && i->first < d->first)) {
      diff.deletes.push_back({dpv1::UPDATE_TYPE_DELETE, &i->first, &i->second});
      ++i;
    } else if (i == installed.end() || d->first < i->first) {
      diff.upserts.push_back({dpv1::UPDATE_TYPE_INSERT, &d->first, &d->second});
      ++d;
    } else {
      if (!SameEntity(i->second, d->second)) {
        diff.upserts.push_back({dpv1::UPDATE_TYPE_MODIFY, &d->first, &d->second});
      }
      ++i;
      ++d;
    }
  }
  return diff;
}

EntityDiff DiffEntities(const EntityMap& installed, const EntityMap& desired) {
  EntityDiff diff;
  const EntityDiffRefs refs = DiffEntityRefs(installed, desired);
  for (const UpdateRef& u : refs.upserts) {
    (u.type == dpv1::UPDATE_TYPE_INSERT ? diff.inserts : diff.modifies)
        .push_back(MakeUpdate(u.type, *u.entity));
  }
  for (const UpdateRef& u : refs.deletes) diff.deletes.push_back(MakeUpdate(u.type, *u.entity));
  return diff;
}

std::vector<UpdateRefBatch> MakeBeforeBreakRefBatches(const EntityDiffRefs& diff) {
  UpdateRefBatch make{BatchPhase::kMake, {}}, steer{BatchPhase::kSteer, {}},
      unsteer{BatchPhase::kUnsteer, {}}, brk{BatchPhase::kBreak, {}};
  // Upserts are already in key order (kind first).
  for (const UpdateRef& u : diff.upserts) {
    (u.entity->has_steering_rule() ? steer : make).updates.push_back(u);
  }
  // Deletes: rules first (their own batch), then users before what they use
  // (kinds in descending order), each kind in key order.
  std::vector<UpdateRef> by_kind[dpv1::EntityType_ARRAYSIZE];
  for (const UpdateRef& u : diff.deletes) by_kind[u.key->type].push_back(u);
  for (int k = dpv1::EntityType_ARRAYSIZE - 1; k >= 0; --k) {
    for (const UpdateRef& u : by_kind[k]) {
      (u.entity->has_steering_rule() ? unsteer : brk).updates.push_back(u);
    }
  }
  std::vector<UpdateRefBatch> batches;
  for (UpdateRefBatch* b : {&make, &steer, &unsteer, &brk}) {
    if (!b->updates.empty()) batches.push_back(std::move(*b));
  }
  return batches;
}

std::vector<UpdateBatch> MakeBeforeBreakBatches(const EntityDiff& diff) {
  UpdateBatch make{BatchPhase::kMake, {}}, steer{BatchPhase::kSteer, {}},
      unsteer{BatchPhase::kUnsteer, {}}, brk{BatchPhase::kBreak, {}};
  // Inserts and modifies, each in key order (kind first), merged by key.
  std::vector<const dpv1::Update*> upserts;
  for (const dpv1::Update& u : diff.inserts) upserts.push_back(&u);
  for (const dpv1::Update& u : diff.modifies) upserts.push_back(&u);
  std::stable_sort(upserts.begin(), upserts.end(),
                   [](const dpv1::Update* a, const dpv1::Update* b) {
                     return KeyOf(a->entity()) < KeyOf(b->entity());
                   });
  for (const dpv1::Update* u : upserts) (IsRule(*u) ? steer : make).updates.push_back(*u);
  // Deletes: rules first (their own batch), then users before what they use.
  std::vector<const dpv1::Update*> deletes;
  for (const dpv1::Update& u : diff.deletes) deletes.push_back(&u);
  std::stable_sort(deletes.begin(), deletes.end(),
                   [](const dpv1::Update* a, const dpv1::Update* b) {
                     const EntityKey ka = KeyOf(a->entity()), kb = KeyOf(b->entity());
                     if (ka.type != kb.type) return ka.type > kb.type;
                     return ka < kb;
                   });
  for (const dpv1::Update* u : deletes) (IsRule(*u) ? unsteer : brk).updates.push_back(*u);

  std::vector<UpdateBatch> batches;
  for (UpdateBatch* b : {&make, &steer, &unsteer, &brk}) {
    if (!b->updates.empty()) batches.push_back(std::move(*b));
  }
  return batches;
}

}  // namespace cpn::srv6
