// Writes the parse fuzzer's seed corpus (one frame per file) into argv[1]:
// one of each header combination the parser knows, so mutations start from
// deep inside the interesting paths.
#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tests/dataplane/stages/packet_builder.h"

using cpn::testing::Bytes;
using cpn::testing::PacketBuilder;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 1;
  }
  const std::string dir = argv[1];
  mkdir(dir.c_str(), 0755);
  const Bytes inner6 =
      PacketBuilder().Ipv6("2001:db8::1", "2001:db8::2").Udp(1, 2).Payload(8).Build();
  const Bytes inner4 = PacketBuilder().Ipv4("10.0.0.1", "10.0.0.2").Tcp(1, 2).Build();
  std::vector<Bytes> seeds = {
      PacketBuilder().Eth().Ipv4("10.0.0.1", "10.0.0.2").Udp(1, 2).Payload(4).Build(60),
      PacketBuilder().Eth().Vlan(9).Ipv4("10.0.0.1", "10.0.0.2").Tcp(1, 2).Build(),
      PacketBuilder().Eth().Ipv4("10.0.0.1", "10.0.0.2").IcmpEcho(1, 1).Build(),
      PacketBuilder().Eth().Ipv6("::1", "::2").Udp(1, 2).Payload(4).Build(),
      PacketBuilder().Eth().Vlan(9).Ipv6("::1", "::2").Tcp(1, 2).Build(),
      PacketBuilder().Eth().Ipv6("::1", "::2").Icmp6Echo(1, 1).Build(),
      PacketBuilder()
          .Eth()
          .Ipv6("::1", "::2")
          .HopByHop()
          .DestOpts()
          .Fragment(0, true)
          .Udp(1, 2)
          .Build(),
      PacketBuilder().Eth().Ipv6("::1", "::2").Fragment(5, false).Payload(16).Build(),
      PacketBuilder()
          .Eth()
          .Ipv6("::1", "fc00::1")
          .Srh({"fc00::3", "fc00::2", "fc00::1"}, 2)
          .Raw(inner6, 41)
          .Build(),
      PacketBuilder()
          .Eth()
          .Ipv6("::1", "fc00::2")
          .HopByHop()
          .Srh({"fc00::3", "fc00::2"}, 1)
          .Raw(inner4, 4)
          .Build(),
      PacketBuilder()
          .Eth()
          .Ipv6("::1", "fc00::3")
          .Srh({"fc00::3", "fc00::2"}, 0)
          .DestOpts(1)
          .Raw(inner6, 41)
          .Build(),
      PacketBuilder().Eth().Ipv6("::1", "fc00::3").Raw(inner6, 41).Build(),
      PacketBuilder().Eth().Ipv6("::1", "fc00::3").Raw(inner4, 4).Build(),
      PacketBuilder().Eth().Ipv6("::1", "fc00::1").Srh({"fc00::2"}, 1, -1, 0, 8).Udp(1, 2).Build(),
      PacketBuilder().Eth().Payload(46).Build(),
  };
  int n = 0;
  for (const Bytes& s : seeds) {
    const std::string path = dir + "/seed-" + std::to_string(n++);
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return 1;
    std::fwrite(s.data(), 1, s.size(), f);
    std::fclose(f);
  }
  return 0;
}
