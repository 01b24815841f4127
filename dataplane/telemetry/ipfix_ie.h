// The IPFIX (RFC 7011) information elements cpn-dataplane exports, and its
// two templates. Every element is listed with its meaning in
// docs/telemetry.md ("IPFIX"); numbers are from the IANA "IPFIX Information
// Elements" registry (RFC 7012 / 5102 for the flow keys and counters, RFC
// 6313 for basicList, RFC 9487 for the SRv6 ones).
//
// Pure constants; any thread.
#ifndef CPN_DATAPLANE_TELEMETRY_IPFIX_IE_H_
#define CPN_DATAPLANE_TELEMETRY_IPFIX_IE_H_

#include <cstdint>
#include <span>

namespace cpn::dataplane::ipfix {

inline constexpr uint16_t kVersion = 10;             // Message header version.
inline constexpr uint16_t kTemplateSetId = 2;        // Set ID of a Template Set.
inline constexpr uint16_t kVariableLength = 0xffff;  // Field length of a variable-length IE.
inline constexpr uint16_t kEnterpriseBit = 0x8000;
inline constexpr uint8_t kSemanticOrdered = 0x04;  // basicList semantic "ordered" (RFC 6313).

// IANA information element ids.
enum Ie : uint16_t {
  kOctetDeltaCount = 1,
  kPacketDeltaCount = 2,
  kProtocolIdentifier = 4,
  kSourceTransportPort = 7,
  kSourceIPv4Address = 8,
  kDestinationTransportPort = 11,
  kDestinationIPv4Address = 12,
  kSourceIPv6Address = 27,
  kDestinationIPv6Address = 28,
  kFlowEndReason = 136,
  kFlowStartMilliseconds = 152,
  kFlowEndMilliseconds = 153,
  kSrhSegmentIPv6 = 494,           // RFC 9487: one SID (the basicList's element).
  kSrhActiveSegmentIPv6 = 495,     // RFC 9487: the active segment (outer destination).
  kSrhSegmentIPv6BasicList = 496,  // RFC 9487: ordered basicList of srhSegmentIPv6.
  kSrhSegmentsIPv6Left = 498,      // RFC 9487: Segments Left.
};

// Enterprise-specific elements (E bit set). There is no IANA element for
// "which SRv6 policy / compute site a flow was given", so CPN carries the
// southbound Srv6Policy.id in its own element under kCpnEnterprise. The
// number is 32473, the PEN RFC 5612 reserves for documentation: replace it
// with a registered PEN before exporting outside a lab.
inline constexpr uint32_t kCpnEnterprise = 32473;
inline constexpr uint16_t kCpnPolicyId = 1;  // unsigned32: Srv6Policy.id (0: unknown).

struct FieldSpec {
  uint16_t id;          // Without the enterprise bit.
  uint16_t length;      // kVariableLength for the basicList.
  uint32_t enterprise;  // 0: IANA.
};

inline constexpr uint16_t kTemplateIpv6 = 256;
inline constexpr uint16_t kTemplateIpv4 = 257;

// Data record layout, in order. The two templates differ only in the
// address elements.
inline constexpr FieldSpec kFieldsIpv6[] = {
    {kSourceIPv6Address, 16, 0},       {kDestinationIPv6Address, 16, 0},
    {kSourceTransportPort, 2, 0},      {kDestinationTransportPort, 2, 0},
    {kProtocolIdentifier, 1, 0},       {kPacketDeltaCount, 8, 0},
    {kOctetDeltaCount, 8, 0},          {kFlowStartMilliseconds, 8, 0},
    {kFlowEndMilliseconds, 8, 0},      {kFlowEndReason, 1, 0},
    {kCpnPolicyId, 4, kCpnEnterprise}, {kSrhActiveSegmentIPv6, 16, 0},
    {kSrhSegmentsIPv6Left, 1, 0},      {kSrhSegmentIPv6BasicList, kVariableLength, 0},
};
inline constexpr FieldSpec kFieldsIpv4[] = {
    {kSourceIPv4Address, 4, 0},        {kDestinationIPv4Address, 4, 0},
    {kSourceTransportPort, 2, 0},      {kDestinationTransportPort, 2, 0},
    {kProtocolIdentifier, 1, 0},       {kPacketDeltaCount, 8, 0},
    {kOctetDeltaCount, 8, 0},          {kFlowStartMilliseconds, 8, 0},
    {kFlowEndMilliseconds, 8, 0},      {kFlowEndReason, 1, 0},
    {kCpnPolicyId, 4, kCpnEnterprise}, {kSrhActiveSegmentIPv6, 16, 0},
    {kSrhSegmentsIPv6Left, 1, 0},      {kSrhSegmentIPv6BasicList, kVariableLength, 0},
};

}  // namespace cpn::dataplane::ipfix

#endif  // CPN_DATAPLANE_TELEMETRY_IPFIX_IE_H_
