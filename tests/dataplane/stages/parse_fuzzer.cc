// libFuzzer target for the parse stage, and for the stages that trust what
// parse validated (srv6 reads the SRH at parse's offsets; encap prepends).
//
// Each input is one frame. It is copied into an mbuf whose bytes past the
// end of the frame are ASan-poisoned, so any read of parse or srv6 beyond
// the packet is reported even though it stays inside the mbuf's buffer.
// The input's first byte also picks the local SID behaviour to run, so
// every behaviour sees arbitrary packets that parse let through.
//
// Built with clang as a real libFuzzer binary; with other compilers
// parse_fuzz_replay.cc provides main() (seed corpus + deterministic
// mutations) so the suite still runs it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "dataplane/ports/eal.h"
#include "dataplane/stages/encap.h"
#include "dataplane/stages/packet_meta.h"
#include "dataplane/stages/parse.h"
#include "dataplane/stages/srv6.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CPN_FUZZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define CPN_FUZZ_ASAN 1
#endif
#ifdef CPN_FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace {

using namespace cpn::dataplane;  // NOLINT: a fuzz driver, not library code.

rte_mempool* g_pool = nullptr;
Srv6EncapPolicy g_policy;
LocalSidAction g_actions[8];

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

// Metadata parse hands on must describe the packet it hands on.
void CheckMeta(rte_mbuf* m) {
  const PacketMeta* meta = Meta(m);
  Check(meta->l3_len == rte_pktmbuf_pkt_len(m), "l3_len == pkt_len");
  Check(meta->l4_offset <= meta->l3_len, "l4_offset within packet");
  if (meta->flags & kMetaSrh) {
    Check(meta->srh_offset >= 40 && meta->srh_offset + 8u <= meta->l4_offset, "srh before l4");
    Check(meta->srh_nh_offset < meta->srh_offset, "srh nh byte before srh");
  }
  Check(meta->flow_hash == FlowHash(meta->flow), "flow hash");
}

void FreeBurst(Burst& b) {
  for (uint16_t i = 0; i < b.n; ++i) {
    UNPOISON(b.pkts[i]->buf_addr, b.pkts[i]->buf_len);
    rte_pktmbuf_free(b.pkts[i]);
  }
  b.n = 0;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  EalConfig c;
  c.program_name = "dp-parse-fuzzer";
  c.memory_mb = 128;
  c.log_level = "*:error";
  if (absl::Status s = StartEal(c); !s.ok()) {
    std::fprintf(stderr, "FATAL: %s\n", std::string(s.message()).c_str());
    std::exit(2);
  }
  auto pool = CreatePacketPool("fuzz_pool", 511);
  if (!pool.ok()) std::exit(2);
  g_pool = *pool;
  uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  Ipv6Addr sids[3] = {{0xfc, 0, 0, 1}, {0xfc, 0, 0, 2}, {0xfc, 0, 0, 3}};
  g_policy = *MakeSrv6EncapPolicy(src, sids, EncapMode::kEncaps);
  const Srv6Behaviour b[8] = {Srv6Behaviour::kEnd,    Srv6Behaviour::kEndX,
                              Srv6Behaviour::kEndDx6, Srv6Behaviour::kEndDx4,
                              Srv6Behaviour::kEndDt6, Srv6Behaviour::kEnd,
                              Srv6Behaviour::kEndX,   Srv6Behaviour::kUnspecified};
  for (int i = 0; i < 8; ++i) {
    g_actions[i].behaviour = b[i];
    g_actions[i].flavours = i >= 5 ? (kFlavourPsp | kFlavourUsd) : 0;
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
  Check(m != nullptr, "mbuf leak: pool exhausted");
  // Stages free dropped packets themselves, still poisoned: clean up here.
  UNPOISON(m->buf_addr, m->buf_len);
  if (size > rte_pktmbuf_tailroom(m)) size = rte_pktmbuf_tailroom(m);
  uint8_t* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(size)));
  if (size != 0) std::memcpy(p, data, size);
  uint8_t* end = p + size;
  POISON(end, static_cast<uint8_t*>(m->buf_addr) + m->buf_len - end);

  DropCounters drops;
  EdgeBuffers<ParseEdge> po;
  ParseStage().ProcessBurst(&m, 1, po, drops);
  Check(drops.Total() + po[ParseEdge::kIpv4].n + po[ParseEdge::kIpv6].n + po[ParseEdge::kOther].n ==
            1,
        "parse accounts for every packet exactly once");
  for (ParseEdge e : {ParseEdge::kIpv4, ParseEdge::kIpv6}) {
    if (po[e].n != 0) CheckMeta(po[e].pkts[0]);
  }

  Burst& v6 = po[ParseEdge::kIpv6];
  if (v6.n != 0) {
    Meta(v6.pkts[0])->local_sid = &g_actions[size != 0 ? data[0] & 7 : 0];
    EdgeBuffers<Srv6Edge> so;
    Srv6LocalSidStage().ProcessBurst(v6.pkts, v6.n, so, drops);
    v6.n = 0;
    for (Srv6Edge e : {Srv6Edge::kIpv6Lookup, Srv6Edge::kIpv4Lookup, Srv6Edge::kAdjacency}) {
      for (uint16_t i = 0; i < so[e].n; ++i) {
        Check(Meta(so[e].pkts[i])->l3_len == rte_pktmbuf_pkt_len(so[e].pkts[i]), "srv6 l3_len");
      }
      FreeBurst(so[e]);
    }
  }
  Burst& v4 = po[ParseEdge::kIpv4];
  if (v4.n != 0) {
    // Encap writes into the headroom and may slide the payload: unpoison.
    UNPOISON(v4.pkts[0]->buf_addr, v4.pkts[0]->buf_len);
    Meta(v4.pkts[0])->encap_policy = &g_policy;
    EdgeBuffers<EncapEdge> eo;
    EncapStage().ProcessBurst(v4.pkts, v4.n, eo, drops);
    v4.n = 0;
    Burst& out = eo[EncapEdge::kIpv6Lookup];
    for (uint16_t i = 0; i < out.n; ++i) {
      const uint8_t* h = rte_pktmbuf_mtod(out.pkts[i], const uint8_t*);
      Check(((h[4] << 8) | h[5]) + 40u == rte_pktmbuf_pkt_len(out.pkts[i]), "encap payload length");
    }
    FreeBurst(out);
  }
  FreeBurst(po[ParseEdge::kOther]);
  return 0;
}
