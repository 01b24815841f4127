#include "tests/dataplane/telemetry/ipfix_test_util.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/dataplane/pipeline/pipeline_test_util.h"
#include "tests/dataplane/stages/test_packets.h"

namespace cpn::testing {

std::vector<uint8_t> UdpFrame(uint16_t port, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> f = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00};
  const uint16_t ip_len = static_cast<uint16_t>(20 + 8 + payload.size());
  const uint16_t udp_len = static_cast<uint16_t>(8 + payload.size());
  std::vector<uint8_t> ip = {0x45,
                             0,
                             static_cast<uint8_t>(ip_len >> 8),
                             static_cast<uint8_t>(ip_len),
                             0,
                             0,
                             0x40,
                             0,
                             64,
                             17,
                             0,
                             0,
                             127,
                             0,
                             0,
                             1,
                             127,
                             0,
                             0,
                             1};
  uint32_t sum = 0;
  for (size_t i = 0; i < ip.size(); i += 2) sum += uint32_t{ip[i]} << 8 | ip[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  ip[10] = static_cast<uint8_t>(~sum >> 8);
  ip[11] = static_cast<uint8_t>(~sum);
  f.insert(f.end(), ip.begin(), ip.end());
  const uint16_t sport = 4739;
  for (uint16_t v : {sport, port, udp_len, uint16_t{0}}) {
    f.push_back(static_cast<uint8_t>(v >> 8));
    f.push_back(static_cast<uint8_t>(v));
  }
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

std::vector<std::vector<std::string>> TsharkFields(
    const std::vector<std::vector<uint8_t>>& datagrams, uint16_t port,
    const std::vector<std::string>& fields, std::string* raw) {
  std::vector<Bytes> frames;
  for (const auto& d : datagrams) frames.push_back(UdpFrame(port, d));
  const std::string pcap = TempFile("ipfix.pcap");
  std::vector<std::vector<std::string>> rows;
  if (!WritePcap(pcap, frames)) return rows;
  std::string cmd = absl::StrCat("tshark -r ", pcap, " -d udp.port==", port,
                                 ",cflow -T fields -E separator='|' -E aggregator=';'");
  for (const std::string& f : fields) absl::StrAppend(&cmd, " -e ", f);
  absl::StrAppend(&cmd, " 2>/dev/null");
  const std::string out = RunCommand(cmd);
  if (raw != nullptr) *raw = out;
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    rows.push_back(absl::StrSplit(line, '|'));
  }
  return rows;
}

}  // namespace cpn::testing
