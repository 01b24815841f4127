#include "tests/dataplane/stages/test_packets.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "dataplane/stages/packet_meta.h"

namespace cpn::testing {

rte_mempool* MetaPktPool() {
  static rte_mempool* pool = [] {
    auto p = dataplane::CreatePacketPool("cpn_test_meta_pool", 8191);
    if (!p.ok()) {
      std::fprintf(stderr, "FATAL: %s\n", std::string(p.status().message()).c_str());
      std::abort();
    }
    return *p;
  }();
  return pool;
}

rte_mbuf* ToMbuf(const Bytes& bytes, rte_mempool* pool, uint16_t port) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool != nullptr ? pool : MetaPktPool());
  if (m == nullptr) return nullptr;
  char* p = rte_pktmbuf_append(m, static_cast<uint16_t>(bytes.size()));
  if (p == nullptr && !bytes.empty()) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
  m->port = port;
  return m;
}

Bytes FromMbuf(const rte_mbuf* m) {
  Bytes out;
  for (const rte_mbuf* s = m; s != nullptr; s = s->next) {
    const uint8_t* d = rte_pktmbuf_mtod(s, const uint8_t*);
    out.insert(out.end(), d, d + s->data_len);
  }
  return out;
}

namespace {

struct __attribute__((packed)) PcapHeader {
  uint32_t magic = 0xa1b2c3d4;
  uint16_t major = 2;
  uint16_t minor = 4;
  int32_t zone = 0;
  uint32_t sigfigs = 0;
  uint32_t snaplen = 65535;
  uint32_t linktype = 1;
};

struct __attribute__((packed)) RecordHeader {
  uint32_t sec;
  uint32_t usec;
  uint32_t caplen;
  uint32_t len;
};

}  // namespace

bool WritePcap(const std::string& path, const std::vector<Bytes>& packets) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  PcapHeader h;
  bool ok = std::fwrite(&h, sizeof(h), 1, f) == 1;
  uint32_t usec = 0;
  for (const Bytes& p : packets) {
    RecordHeader r{1700000000u, usec++, static_cast<uint32_t>(p.size()),
                   static_cast<uint32_t>(p.size())};
    ok = ok && std::fwrite(&r, sizeof(r), 1, f) == 1;
    ok = ok && (p.empty() || std::fwrite(p.data(), p.size(), 1, f) == 1);
  }
  return std::fclose(f) == 0 && ok;
}

bool ReadPcap(const std::string& path, std::vector<Bytes>* packets) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  PcapHeader h;
  bool ok =
      std::fread(&h, sizeof(h), 1, f) == 1 && (h.magic == 0xa1b2c3d4 || h.magic == 0xa1b23c4d);
  packets->clear();
  RecordHeader r;
  while (ok && std::fread(&r, sizeof(r), 1, f) == 1) {
    Bytes p(r.caplen);
    if (r.caplen != 0 && std::fread(p.data(), r.caplen, 1, f) != 1) ok = false;
    packets->push_back(std::move(p));
  }
  std::fclose(f);
  return ok;
}

std::string Hex(const Bytes& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i != 0 && i % 16 == 0) s += "\n";
    s += d[b[i] >> 4];
    s += d[b[i] & 15];
  }
  return s;
}

std::string TempPath(const std::string& stem) {
  static std::atomic<int> n{0};
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/cpn-" + std::to_string(getpid()) + "-" +
         std::to_string(n++) + "-" + stem;
}

}  // namespace cpn::testing
