#include "dataplane/agent/emulation.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace cpn::dataplane::agent {
namespace {

absl::Status Bad(absl::string_view field, absl::string_view name, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ".", name, ": ", what));
}

}  // namespace

absl::Status CheckLinkEmulation(const v1::LinkEmulation& e, absl::string_view field, bool enabled) {
  if (!enabled) {
    if (e.delay_us() != 0 || e.rate_bps() != 0 || e.loss_ratio() != 0 ||
        e.queue_limit_packets() != 0 || e.random_seed() != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          field,
          ": link emulation is not enabled on this dataplane (start it with --lab-emulation); "
          "send an unset or all-zero emulation"));
    }
    return absl::OkStatus();
  }
  const double loss = e.loss_ratio();
  if (std::isnan(loss)) return Bad(field, "loss_ratio", "NaN is not a probability (0..1)");
  if (loss < 0 || loss > 1) {
    return Bad(field, "loss_ratio", absl::StrCat(loss, " is outside 0..1"));
  }
  if (e.delay_us() > kMaxEmulationDelayUs) {
    return Bad(
        field, "delay_us",
        absl::StrCat(e.delay_us(), " is above the maximum ", kMaxEmulationDelayUs, " (10 s)"));
  }
  if (e.rate_bps() != 0 && e.rate_bps() < kMinEmulationRateBps) {
    return Bad(field, "rate_bps",
               absl::StrCat(e.rate_bps(), " is below the minimum ", kMinEmulationRateBps,
                            " (0 means unlimited)"));
  }
  if (e.queue_limit_packets() > kEmulationFifoPackets) {
    return Bad(field, "queue_limit_packets",
               absl::StrCat(e.queue_limit_packets(), " is above the maximum ",
                            kEmulationFifoPackets, " (0 means ", kDefaultEmulationQueue, ")"));
  }
  return absl::OkStatus();
}

LinkEmulationSettings SettingsOf(const v1::LinkEmulation& e) {
  LinkEmulationSettings s;
  s.delay_us = e.delay_us();
  s.rate_bps = e.rate_bps();
  s.loss_ratio = e.loss_ratio();
  s.queue_limit_packets = e.queue_limit_packets();
  s.random_seed = e.random_seed();
  return s;
}

void FillEmulationStatus(uint32_t id, const v1::LinkEmulation& installed,
                         const v1::LinkEmulation* override_emulation, v1::PortStatus* status) {
  const v1::LinkEmulation* source = nullptr;
  if (override_emulation != nullptr) {
    source = override_emulation;
    status->set_emulation_source(v1::EMULATION_SOURCE_OVERRIDE);
  } else if (!SettingsOf(installed).IsZero()) {
    source = &installed;
    status->set_emulation_source(v1::EMULATION_SOURCE_PORT);
  } else {
    status->set_emulation_source(v1::EMULATION_SOURCE_UNSPECIFIED);
    status->clear_effective_emulation();
    return;
  }
  v1::LinkEmulation* eff = status->mutable_effective_emulation();
  *eff = *source;
  if (SettingsOf(*source).IsZero()) return;  // An all-zero override: nothing in effect.
  if (eff->queue_limit_packets() == 0) eff->set_queue_limit_packets(kDefaultEmulationQueue);
  if (eff->random_seed() == 0) eff->set_random_seed(DefaultEmulationSeed(id));
}

}  // namespace cpn::dataplane::agent
