#include "dataplane/stages/srv6_types.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "dataplane/stages/wire.h"

namespace cpn::dataplane {

absl::StatusOr<Srv6EncapPolicy> MakeSrv6EncapPolicy(const uint8_t (&source)[16],
                                                    std::span<const Ipv6Addr> sids,
                                                    EncapMode mode) {
  if (sids.empty() || sids.size() > static_cast<size_t>(kMaxSids)) {
    return absl::InvalidArgumentError(
        absl::StrCat("SRv6 policy: segment list has ", sids.size(), " SIDs; want 1..", kMaxSids));
  }
  if (mode != EncapMode::kEncaps && mode != EncapMode::kEncapsRed) {
    return absl::InvalidArgumentError("SRv6 policy: unknown encap mode");
  }
  Srv6EncapPolicy p;
  std::memset(&p, 0, sizeof(p));
  const int n = static_cast<int>(sids.size());
  std::memcpy(p.source, source, 16);
  for (int i = 0; i < n; ++i) std::memcpy(p.sids[i], sids[i], 16);
  p.num_sids = static_cast<uint8_t>(n);
  p.mode = mode;

  // RFC 8986 5.1 / 5.2: the SRH lists the SIDs in reverse (Segment List[0]
  // is the last segment). H.Encaps lists all n; H.Encaps.Red leaves out the
  // first, which only the outer DA carries, and pushes no SRH for n == 1.
  const int listed = mode == EncapMode::kEncaps ? n : n - 1;
  uint8_t* ip = p.rewrite;
  wire::Store32(ip, 6u << 28);             // Version; TC and flow label per packet.
  ip[6] = listed > 0 ? kProtoRouting : 0;  // Inner protocol per packet otherwise.
  std::memcpy(ip + 8, p.source, 16);
  std::memcpy(ip + 24, p.sids[0], 16);
  p.rewrite_len = static_cast<uint16_t>(wire::kIpv6HeaderLen);
  if (listed > 0) {
    uint8_t* srh = ip + wire::kIpv6HeaderLen;
    srh[0] = 0;                                 // Next header, per packet.
    srh[1] = static_cast<uint8_t>(2 * listed);  // 16 bytes per SID.
    srh[2] = kRoutingTypeSrh;
    srh[3] = static_cast<uint8_t>(n - 1);       // Segments Left: S1 is active.
    srh[4] = static_cast<uint8_t>(listed - 1);  // Last Entry.
    srh[5] = 0;                                 // Flags.
    wire::Store16(srh + 6, 0);                  // Tag.
    for (int i = 0; i < listed; ++i) {
      std::memcpy(srh + wire::kSrhFixedLen + 16 * i, p.sids[n - 1 - i], 16);
    }
    p.rewrite_len = static_cast<uint16_t>(wire::kIpv6HeaderLen + wire::kSrhFixedLen + 16 * listed);
  }
  return p;
}

}  // namespace cpn::dataplane
