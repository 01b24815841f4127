#include "dataplane/telemetry/ipfix_encoder.h"

#include "dataplane/telemetry/ipfix_ie.h"

namespace cpn::dataplane::ipfix {
namespace {

void Put8(std::vector<uint8_t>& b, uint8_t v) { b.push_back(v); }
void Put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void Put32(std::vector<uint8_t>& b, uint32_t v) {
  Put16(b, static_cast<uint16_t>(v >> 16));
  Put16(b, static_cast<uint16_t>(v));
}
void Put64(std::vector<uint8_t>& b, uint64_t v) {
  Put32(b, static_cast<uint32_t>(v >> 32));
  Put32(b, static_cast<uint32_t>(v));
}
void PutBytes(std::vector<uint8_t>& b, const uint8_t* p, size_t n) { b.insert(b.end(), p, p + n); }
void Set16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

size_t TemplateRecordBytes(std::span<const FieldSpec> fields) {
  size_t n = 4;  // Template ID, field count.
  for (const FieldSpec& f : fields) n += f.enterprise != 0 ? 8 : 4;
  return n;
}

void PutTemplate(std::vector<uint8_t>& b, uint16_t id, std::span<const FieldSpec> fields) {
  Put16(b, id);
  Put16(b, static_cast<uint16_t>(fields.size()));
  for (const FieldSpec& f : fields) {
    Put16(b, f.enterprise != 0 ? static_cast<uint16_t>(f.id | kEnterpriseBit) : f.id);
    Put16(b, f.length);
    if (f.enterprise != 0) Put32(b, f.enterprise);
  }
}

// basicList content: semantic, field id, element length, elements.
size_t ListBytes(const FlowData& f) { return 5 + 16u * f.segment_count; }

void PutRecord(std::vector<uint8_t>& b, const FlowData& f) {
  if (f.ipv4) {
    PutBytes(b, f.src.data(), 4);
    PutBytes(b, f.dst.data(), 4);
  } else {
    PutBytes(b, f.src.data(), 16);
    PutBytes(b, f.dst.data(), 16);
  }
  Put16(b, f.src_port);
  Put16(b, f.dst_port);
  Put8(b, f.protocol);
  Put64(b, f.packets);
  Put64(b, f.octets);
  Put64(b, f.start_ms);
  Put64(b, f.end_ms);
  Put8(b, f.end_reason);
  Put32(b, f.policy_id);
  PutBytes(b, f.active_segment.data(), 16);
  Put8(b, f.segments_left);
  const size_t list = ListBytes(f);
  if (list < 255) {
    Put8(b, static_cast<uint8_t>(list));
  } else {
    Put8(b, 255);
    Put16(b, static_cast<uint16_t>(list));
  }
  Put8(b, kSemanticOrdered);
  Put16(b, kSrhSegmentIPv6);
  Put16(b, 16);
  for (uint8_t i = 0; i < f.segment_count && i < kMaxSegments; ++i) {
    PutBytes(b, f.segments[i].data(), 16);
  }
}

}  // namespace

size_t IpfixEncoder::TemplateSetBytes() {
  return 4 + TemplateRecordBytes(kFieldsIpv6) + TemplateRecordBytes(kFieldsIpv4);
}

size_t IpfixEncoder::RecordBytes(const FlowData& f) {
  const size_t list = ListBytes(f);
  return (f.ipv4 ? 8 : 32) + 2 + 2 + 1 + 8 * 4 + 1 + 4 + 16 + 1 + (list < 255 ? 1 : 3) + list;
}

std::vector<Message> IpfixEncoder::Encode(std::span<const FlowData> flows, bool templates,
                                          uint32_t export_time_s) {
  std::vector<Message> out;
  size_t next = 0;
  bool want_templates = templates;
  while (next < flows.size() || want_templates) {
    std::vector<uint8_t> m;
    m.reserve(max_bytes_);
    Put16(m, kVersion);
    Put16(m, 0);  // Length, set below.
    Put32(m, export_time_s);
    Put32(m, sequence_);
    Put32(m, domain_);
    if (want_templates) {
      Put16(m, kTemplateSetId);
      Put16(m, static_cast<uint16_t>(TemplateSetBytes()));
      PutTemplate(m, kTemplateIpv6, kFieldsIpv6);
      PutTemplate(m, kTemplateIpv4, kFieldsIpv4);
      want_templates = false;
    }
    uint32_t records = 0;
    size_t set_at = 0;  // Offset of the open Data Set's header (0: none).
    bool set_ipv4 = false;
    while (next < flows.size()) {
      const FlowData& f = flows[next];
      const bool new_set = set_at == 0 || f.ipv4 != set_ipv4;
      const size_t need = RecordBytes(f) + (new_set ? 4 : 0);
      // A record too big even for an empty message is still sent alone.
      if (m.size() + need > max_bytes_ && (records != 0 || m.size() > kHeaderBytes)) break;
      if (new_set) {
        if (set_at != 0) Set16(m, set_at + 2, static_cast<uint16_t>(m.size() - set_at));
        set_at = m.size();
        set_ipv4 = f.ipv4;
        Put16(m, f.ipv4 ? kTemplateIpv4 : kTemplateIpv6);
        Put16(m, 0);
      }
      PutRecord(m, f);
      ++records;
      ++next;
    }
    if (set_at != 0) Set16(m, set_at + 2, static_cast<uint16_t>(m.size() - set_at));
    Set16(m, 2, static_cast<uint16_t>(m.size()));
    sequence_ += records;  // Wraps modulo 2^32.
    out.push_back(Message{std::move(m), records});
  }
  return out;
}

}  // namespace cpn::dataplane::ipfix
