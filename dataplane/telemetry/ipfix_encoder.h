// IpfixEncoder: flow records -> IPFIX messages (RFC 7011), bytes only. Pure
// and I/O-free: the exporter thread sends what it returns.
//
// A message is the 16-byte header (version 10, length, export time,
// sequence number, observation domain id), then -- when asked -- one
// Template Set with both templates (ipfix_ie.h), then Data Sets: one per run
// of records of the same family. A message never exceeds max_message_bytes
// (records that do not fit start the next message). The sequence number is
// the count of Data Records sent in earlier messages of this encoder's
// stream, modulo 2^32 (RFC 7011 3.1); a template-only message carries the
// current count. No padding is added.
//
// Variable-length encoding (RFC 7011 7): a length below 255 is one byte,
// otherwise 255 and two bytes. The segment list is a basicList (RFC 6313
// 4.5.1): semantic (ordered), the element's field id and length
// (srhSegmentIPv6, 16), then the SIDs.
//
// THREADS: one thread at a time per encoder.
#ifndef CPN_DATAPLANE_TELEMETRY_IPFIX_ENCODER_H_
#define CPN_DATAPLANE_TELEMETRY_IPFIX_ENCODER_H_

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace cpn::dataplane::ipfix {

inline constexpr uint32_t kMaxSegments = 8;

// One data record.
struct FlowData {
  bool ipv4 = false;
  std::array<uint8_t, 16> src{};  // IPv6, or IPv4 in the first 4 bytes.
  std::array<uint8_t, 16> dst{};
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint8_t protocol = 0;
  uint64_t packets = 0;
  uint64_t octets = 0;
  uint64_t start_ms = 0;  // Unix time, milliseconds.
  uint64_t end_ms = 0;
  uint8_t end_reason = 0;
  uint32_t policy_id = 0;
  // SRH order (RFC 8754): segments[0] is the LAST segment (the site's
  // decapsulating SID), segments[n-1] the first one visited. Empty when the
  // policy is unknown.
  uint8_t segment_count = 0;
  std::array<std::array<uint8_t, 16>, kMaxSegments> segments{};
  std::array<uint8_t, 16> active_segment{};  // The outer destination (first SID).
  uint8_t segments_left = 0;
};

struct Message {
  std::vector<uint8_t> bytes;
  uint32_t records = 0;  // Data records in it.
};

class IpfixEncoder {
 public:
  static constexpr size_t kHeaderBytes = 16;
  // 1400: fits a 1500-byte MTU with IPv6 and UDP headers.
  explicit IpfixEncoder(uint32_t observation_domain, size_t max_message_bytes = 1400)
      : domain_(observation_domain), max_bytes_(max_message_bytes) {}

  // Messages holding `flows` (and the templates first, if `templates`).
  // Each flow is in exactly one message; an empty `flows` with templates
  // gives one template-only message; with neither, none.
  std::vector<Message> Encode(std::span<const FlowData> flows, bool templates,
                              uint32_t export_time_s);

  // The sequence number the next message will carry.
  uint32_t sequence() const { return sequence_; }

  // Size of the Template Set / of one data record, in bytes.
  static size_t TemplateSetBytes();
  static size_t RecordBytes(const FlowData& f);

 private:
  const uint32_t domain_;
  const size_t max_bytes_;
  uint32_t sequence_ = 0;
};

}  // namespace cpn::dataplane::ipfix

#endif  // CPN_DATAPLANE_TELEMETRY_IPFIX_ENCODER_H_
