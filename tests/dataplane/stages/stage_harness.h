// Runs one stage over packets built by PacketBuilder and reports, per input
// packet, the edge it left on or the reason it was dropped. Test threads.
#ifndef CPN_TESTS_DATAPLANE_STAGES_STAGE_HARNESS_H_
#define CPN_TESTS_DATAPLANE_STAGES_STAGE_HARNESS_H_

#include <optional>
#include <string>
#include <vector>

#include "dataplane/stages/burst.h"
#include "dataplane/stages/drop_reason.h"
#include "dataplane/stages/packet_meta.h"
#include "gtest/gtest.h"
#include "tests/dataplane/stages/test_packets.h"

namespace cpn::testing {

// What happened to one packet.
template <typename Edge>
struct Outcome {
  std::optional<Edge> edge;                   // Set when it passed.
  std::optional<dataplane::DropReason> drop;  // Set when it was dropped.
  Bytes bytes;                                // Its bytes when it passed.
  dataplane::PacketMeta meta{};               // Its metadata when it passed.
};

// Feeds `mbufs` (ownership passes) through `run(pkts, n, out, drops)`, and
// maps each mbuf back to its outcome. A stage drops at most one reason per
// packet, so drops are attributed by the counter deltas in input order --
// only valid when at most one packet is dropped per reason, which the
// table-driven tests guarantee by running one packet at a time.
template <typename Edge, typename Run>
std::vector<Outcome<Edge>> RunStage(std::vector<rte_mbuf*> mbufs, Run run) {
  dataplane::EdgeBuffers<Edge> out;
  dataplane::DropCounters drops;
  std::vector<Outcome<Edge>> result(mbufs.size());
  run(mbufs.data(), static_cast<uint16_t>(mbufs.size()), out, drops);
  for (size_t e = 0; e < static_cast<size_t>(Edge::kCount); ++e) {
    const auto& b = out[static_cast<Edge>(e)];
    for (uint16_t i = 0; i < b.n; ++i) {
      for (size_t k = 0; k < mbufs.size(); ++k) {
        if (mbufs[k] == b.pkts[i]) {
          result[k].edge = static_cast<Edge>(e);
          result[k].bytes = FromMbuf(b.pkts[i]);
          result[k].meta = *dataplane::Meta(b.pkts[i]);
        }
      }
    }
  }
  out.FreeAll();
  std::vector<dataplane::DropReason> reasons;
  for (size_t r = 0; r < dataplane::kDropReasonCount; ++r) {
    for (uint64_t c = 0; c < drops.packets[r]; ++c) {
      reasons.push_back(static_cast<dataplane::DropReason>(r));
    }
  }
  size_t next = 0;
  for (auto& o : result) {
    if (!o.edge.has_value() && next < reasons.size()) o.drop = reasons[next++];
  }
  return result;
}

inline std::string ReasonName(std::optional<dataplane::DropReason> r) {
  return r.has_value() ? std::string(dataplane::DropReasonName(*r)) : "(not dropped)";
}

}  // namespace cpn::testing

#endif  // CPN_TESTS_DATAPLANE_STAGES_STAGE_HARNESS_H_
