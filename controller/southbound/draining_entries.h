// DrainingEntries: keeps a steering policy in its rule at weight 0 for a
// while after the decisions stop giving it weight.
//
// The decisions list only the candidates that carry weight (or carried it
// in the previous epoch). When a candidate leaves the list, the compiled
// steering rule loses its policy and the dataplane re-picks the flows
// pinned to it at their next packet (entities.proto, SteeringRule): for a
// TCP client that is a reset connection to a site that never saw it. A
// policy at weight 0 instead takes no new flows and keeps its flows
// (drain). So every entry (ingress, service, site, path) that carried
// weight is put back at weight 0, while its path and site still exist, until
// `drain` has passed since its weight was last > 0 — by default the
// dataplane's affinity idle timeout, after which its flows are gone anyway.
//
// Not thread-safe: one owner (the southbound compile thread).
#ifndef CPN_CONTROLLER_SOUTHBOUND_DRAINING_ENTRIES_H_
#define CPN_CONTROLLER_SOUTHBOUND_DRAINING_ENTRIES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "controller/model/network_model.h"
#include "controller/srv6/compiler.h"

namespace cpn::southbound {

class DrainingEntries {
 public:
  explicit DrainingEntries(absl::Duration drain) : drain_(drain) {}

  // Records the entries of `intents` with weight > 0 as carrying at `now`,
  // and appends to each intent, at weight 0, the entries it lacks that
  // carried weight within `drain` and still resolve in `model`. Entries
  // are remembered by ids, so they survive model changes that keep them.
  void Apply(const model::NetworkModel& model, absl::Time now,
             std::vector<srv6::SteeringIntent>* intents);

  // Entries remembered (carrying or draining); for tests.
  size_t size() const { return entries_.size(); }

 private:
  struct Remembered {
    std::string site;
    std::vector<std::string> link_ids;  // from the ingress
    absl::Time carried_at;
  };
  // (ingress id, service id) -> entry key (site and links) -> entry.
  using Entries = std::map<std::string, Remembered>;

  absl::Duration drain_;
  std::map<std::pair<std::string, std::string>, Entries> entries_;
};

}  // namespace cpn::southbound

#endif  // CPN_CONTROLLER_SOUTHBOUND_DRAINING_ENTRIES_H_
