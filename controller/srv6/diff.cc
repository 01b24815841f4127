#include "controller/srv6/diff.h"

#include <algorithm>
#include <utility>

#include "google/protobuf/util/message_differencer.h"

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

}  // namespace

bool SameEntity(const dpv1::Entity& a, const dpv1::Entity& b) {
  using google::protobuf::util::MessageDifferencer;
  if (a.has_port() && b.has_port() && (a.port().has_status() || b.port().has_status())) {
    dpv1::Entity x = a, y = b;
    x.mutable_port()->clear_status();
    y.mutable_port()->clear_status();
    return MessageDifferencer::Equals(x, y);
  }
  return MessageDifferencer::Equals(a, b);
}

EntityDiff DiffEntities(const EntityMap& installed, const EntityMap& desired) {
  EntityDiff diff;
  auto i = installed.begin();
  auto d = desired.begin();
  while (i != installed.end() || d != desired.end()) {
    if (d == desired.end() || (i != installed.end() && i->first < d->first)) {
      diff.deletes.push_back(MakeUpdate(dpv1::UPDATE_TYPE_DELETE, i->second));
      ++i;
    } else if (i == installed.end() || d->first < i->first) {
      diff.inserts.push_back(MakeUpdate(dpv1::UPDATE_TYPE_INSERT, d->second));
      ++d;
    } else {
      if (!SameEntity(i->second, d->second)) {
        diff.modifies.push_back(MakeUpdate(dpv1::UPDATE_TYPE_MODIFY, d->second));
      }
      ++i;
      ++d;
    }
  }
  return diff;
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
