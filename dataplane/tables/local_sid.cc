#include "dataplane/tables/local_sid.h"

#include "absl/strings/str_cat.h"

namespace cpn::dataplane {

absl::StatusOr<std::unique_ptr<LocalSidTable>> LocalSidTable::Build(
    std::span<const LocalSidEntry> entries, int socket_id) {
  std::unique_ptr<LocalSidTable> t(new LocalSidTable());
  std::vector<IpAddress> keys;
  keys.reserve(entries.size());
  for (const LocalSidEntry& e : entries) {
    if (e.sid.is_v4_mapped()) {
      return absl::InvalidArgumentError(
          absl::StrCat("local SID ", ToString(e.sid), " is an IPv4 address"));
    }
    keys.push_back(e.sid);
  }
  std::vector<int32_t> pos;
  absl::StatusOr<std::unique_ptr<Exact16Index>> index =
      Exact16Index::Build(keys, "local SID", pos, socket_id);
  if (!index.ok()) return index.status();
  t->index_ = *std::move(index);
  t->values_.assign(t->index_->capacity(), 0);
  for (size_t i = 0; i < entries.size(); ++i) t->values_[pos[i]] = entries[i].value;
  t->entries_.assign(entries.begin(), entries.end());
  if (t->index_->linear()) {
    for (size_t i = 0; i < entries.size(); ++i) t->linear_values_[i] = entries[i].value;
  }
  return t;
}

uint64_t LocalSidTable::LookupBulk(const uint8_t* const sids[], uint32_t n,
                                   uint32_t* values) const {
  int32_t pos[kMaxBulk];
  const uint64_t hits = index_->LookupBulk(sids, n, pos);
  for (uint32_t i = 0; i < n; ++i) {
    if (pos[i] >= 0) values[i] = values_[static_cast<uint32_t>(pos[i])];
  }
  return hits;
}

}  // namespace cpn::dataplane
