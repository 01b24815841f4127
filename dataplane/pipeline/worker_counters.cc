#include "dataplane/pipeline/worker_counters.h"

namespace cpn::dataplane {

std::string_view PipelineDropName(PipelineDrop reason) {
  switch (reason) {
    case PipelineDrop::kUnsupportedProtocol:
      return "unsupported_protocol";
    case PipelineDrop::kNoRoute:
      return "no_route";
    case PipelineDrop::kBlackhole:
      return "blackhole";
    case PipelineDrop::kNoLocalSid:
      return "no_local_sid";
    case PipelineDrop::kLocalDelivery:
      return "local_delivery";
    case PipelineDrop::kNotSteered:
      return "not_steered";
    case PipelineDrop::kAffinityTableFull:
      return "affinity_table_full";
    case PipelineDrop::kMtuExceeded:
      return "mtu_exceeded";
    case PipelineDrop::kPortDown:
      return "port_down";
    case PipelineDrop::kHopLimitExpired:
      return "fib_hop_limit_expired";
    case PipelineDrop::kSpreadRingFull:
      return "spread_ring_full";
    case PipelineDrop::kRecirculationLimit:
      return "recirculation_limit";
    case PipelineDrop::kEmulatedLoss:
      return "emulated_loss";
    case PipelineDrop::kEmulatedQueueFull:
      return "emulated_queue_full";
    case PipelineDrop::kCount:
      break;
  }
  return "unknown";
}

}  // namespace cpn::dataplane
