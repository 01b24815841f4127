// Lab link emulation in the agent: checks of a LinkEmulation (Write's
// Port.emulation and SetPortEmulation), its conversion to the fast path's
// settings (stages/link_emulation.h), and a port's effective emulation and
// its source for PortStatus (the SetPortEmulation override wins over
// Port.emulation until cleared).
//
// Pure functions; any thread.
#ifndef CPN_DATAPLANE_AGENT_EMULATION_H_
#define CPN_DATAPLANE_AGENT_EMULATION_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "cpn/dataplane/v1/entities.pb.h"
#include "dataplane/stages/link_emulation.h"

namespace cpn::dataplane::agent {

// INVALID_ARGUMENT naming the field (`field` is its prefix, e.g.
// "emulation"): NaN or out-of-range loss_ratio, delay_us above
// kMaxEmulationDelayUs, a non-zero rate_bps below kMinEmulationRateBps,
// queue_limit_packets above kEmulationFifoPackets. Without lab emulation
// (`enabled` false) anything but an unset or all-zero message is refused.
absl::Status CheckLinkEmulation(const v1::LinkEmulation& e, absl::string_view field, bool enabled);

LinkEmulationSettings SettingsOf(const v1::LinkEmulation& e);

// Sets status.effective_emulation and status.emulation_source of port `id`
// from its installed Port.emulation and the override (null when none).
// Defaults are resolved: queue_limit_packets 0 -> kDefaultEmulationQueue,
// random_seed 0 -> the seed derived from the port id.
void FillEmulationStatus(uint32_t id, const v1::LinkEmulation& installed,
                         const v1::LinkEmulation* override_emulation, v1::PortStatus* status);

}  // namespace cpn::dataplane::agent

#endif  // CPN_DATAPLANE_AGENT_EMULATION_H_
