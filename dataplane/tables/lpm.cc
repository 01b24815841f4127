#include "dataplane/tables/lpm.h"

#include <rte_errno.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "dataplane/tables/dpdk_util.h"

namespace cpn::dataplane {
namespace {

// Values are stored +1 so that the FIB's default next hop can be 0 for every
// next-hop width; a lookup subtracts 1, which turns a miss into kLpmMiss.
constexpr uint32_t kChunk = 64;

// Largest next hop a DPDK FIB of 2^bytes_log2 bytes per entry can hold (one
// bit is the "extended" flag).
uint64_t MaxNextHop(unsigned bytes) { return (uint64_t{1} << (bytes * 8 - 1)) - 1; }

absl::Status CheckRoutes(std::span<const LpmRoute> routes, IpFamily family,
                         std::vector<LpmRoute>& sorted) {
  sorted.assign(routes.begin(), routes.end());
  for (const LpmRoute& r : sorted) {
    if (r.prefix.family != family) {
      return absl::InvalidArgumentError(absl::StrCat(
          "route ", ToString(r.prefix), " is ", family == IpFamily::kIpv6 ? "IPv4" : "IPv6",
          " in an ", family == IpFamily::kIpv6 ? "IPv6" : "IPv4", " table"));
    }
    if (absl::Status s = ValidatePrefix(r.prefix); !s.ok()) return s;
    if (r.value > kLpmMaxValue) {
      return absl::InvalidArgumentError(
          absl::StrCat("route ", ToString(r.prefix), ": value ", r.value, " > ", kLpmMaxValue));
    }
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const LpmRoute& a, const LpmRoute& b) { return a.prefix < b.prefix; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i].prefix == sorted[i - 1].prefix) {
      return absl::InvalidArgumentError(
          absl::StrCat("duplicate route ", ToString(sorted[i].prefix)));
    }
  }
  return absl::OkStatus();
}

uint32_t MaxValuePlusOne(const std::vector<LpmRoute>& routes) {
  uint32_t m = 0;
  for (const LpmRoute& r : routes) m = std::max(m, r.value + 1);
  return m;
}

}  // namespace

// ---------------------------------------------------------------- Lpm6

absl::StatusOr<std::unique_ptr<Lpm6>> Lpm6::Build(std::span<const LpmRoute> routes, int socket_id) {
  std::unique_ptr<Lpm6> t(new Lpm6());
  if (absl::Status s = CheckRoutes(routes, IpFamily::kIpv6, t->routes_); !s.ok()) return s;

  // A route of depth d > 24 adds at most one tbl8 group per 8 bits below /24
  // (the trie reserves exactly that much), so this bound never runs out.
  uint64_t tbl8 = 1;
  for (const LpmRoute& r : t->routes_) {
    if (r.prefix.length > 24) tbl8 += (r.prefix.length - 24 + 7) / 8;
  }
  const uint64_t need = std::max<uint64_t>(MaxValuePlusOne(t->routes_), tbl8);
  rte_fib6_conf conf{};
  conf.type = RTE_FIB6_TRIE;
  conf.default_nh = 0;
  conf.max_routes = static_cast<int>(t->routes_.size()) + 1;
  if (need <= MaxNextHop(2)) {
    conf.trie.nh_sz = RTE_FIB6_TRIE_2B;
    t->nh_bytes_ = 2;
  } else if (need <= MaxNextHop(4)) {
    conf.trie.nh_sz = RTE_FIB6_TRIE_4B;
    t->nh_bytes_ = 4;
  } else {
    return absl::ResourceExhaustedError(
        absl::StrCat("IPv6 LPM: ", t->routes_.size(), " routes need ", tbl8, " tbl8 groups"));
  }
  conf.trie.num_tbl8 = static_cast<uint32_t>(tbl8);
  t->tbl8_groups_ = conf.trie.num_tbl8;

  const size_t heap_before = DpdkHeapAllocatedBytes();
  const std::string name = UniqueDpdkName("l6_");
  t->fib_ = rte_fib6_create(name.c_str(), socket_id, &conf);
  if (t->fib_ == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat("rte_fib6_create(", t->routes_.size(),
                                                     " routes, ", t->nh_bytes_, "-byte next hops, ",
                                                     tbl8, " tbl8): ", rte_strerror(rte_errno)));
  }
  for (const LpmRoute& r : t->routes_) {
    const int rc = rte_fib6_add(t->fib_, r.prefix.addr.bytes, r.prefix.length, r.value + 1);
    if (rc != 0) {
      return absl::InternalError(
          absl::StrCat("rte_fib6_add(", ToString(r.prefix), "): ", rte_strerror(-rc)));
    }
  }
  t->memory_bytes_ = DpdkHeapAllocatedBytes() - heap_before;
  return t;
}

Lpm6::~Lpm6() {
  if (fib_ != nullptr) rte_fib6_free(fib_);
}

void Lpm6::LookupBulk(const uint8_t (*addrs)[16], uint32_t* values, uint32_t n) const {
  uint64_t nh[kChunk];
  for (uint32_t done = 0; done < n; done += kChunk) {
    const uint32_t m = std::min(kChunk, n - done);
    // rte_fib6_lookup_bulk only reads the addresses.
    rte_fib6_lookup_bulk(fib_, const_cast<uint8_t(*)[16]>(addrs + done), nh, static_cast<int>(m));
    for (uint32_t i = 0; i < m; ++i) values[done + i] = static_cast<uint32_t>(nh[i] - 1);
  }
}

uint32_t Lpm6::Lookup(const uint8_t (&addr)[16]) const {
  uint32_t v;
  LookupBulk(&addr, &v, 1);
  return v;
}

// ---------------------------------------------------------------- Lpm4

absl::StatusOr<std::unique_ptr<Lpm4>> Lpm4::Build(std::span<const LpmRoute> routes, int socket_id) {
  std::unique_ptr<Lpm4> t(new Lpm4());
  if (absl::Status s = CheckRoutes(routes, IpFamily::kIpv4, t->routes_); !s.ok()) return s;

  // DIR24_8: a route longer than /24 needs at most one tbl8 group.
  uint64_t tbl8 = 1;
  for (const LpmRoute& r : t->routes_) tbl8 += r.prefix.length > 24 ? 1 : 0;
  const uint64_t need = std::max<uint64_t>(MaxValuePlusOne(t->routes_), tbl8);
  rte_fib_conf conf{};
  conf.type = RTE_FIB_DIR24_8;
  conf.default_nh = 0;
  conf.max_routes = static_cast<int>(t->routes_.size()) + 1;
  if (need <= MaxNextHop(1)) {
    conf.dir24_8.nh_sz = RTE_FIB_DIR24_8_1B;
    t->nh_bytes_ = 1;
  } else if (need <= MaxNextHop(2)) {
    conf.dir24_8.nh_sz = RTE_FIB_DIR24_8_2B;
    t->nh_bytes_ = 2;
  } else if (need <= MaxNextHop(4)) {
    conf.dir24_8.nh_sz = RTE_FIB_DIR24_8_4B;
    t->nh_bytes_ = 4;
  } else {
    return absl::ResourceExhaustedError(
        absl::StrCat("IPv4 LPM: ", t->routes_.size(), " routes need ", tbl8, " tbl8 groups"));
  }
  conf.dir24_8.num_tbl8 = static_cast<uint32_t>(tbl8);
  t->tbl8_groups_ = conf.dir24_8.num_tbl8;

  const size_t heap_before = DpdkHeapAllocatedBytes();
  const std::string name = UniqueDpdkName("l4_");
  t->fib_ = rte_fib_create(name.c_str(), socket_id, &conf);
  if (t->fib_ == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("rte_fib_create(", t->routes_.size(), " routes, ", t->nh_bytes_,
                     "-byte next hops): ", rte_strerror(rte_errno)));
  }
  for (const LpmRoute& r : t->routes_) {
    const int rc =
        rte_fib_add(t->fib_, r.prefix.addr.v4_host_order(), r.prefix.length, r.value + 1);
    if (rc != 0) {
      return absl::InternalError(
          absl::StrCat("rte_fib_add(", ToString(r.prefix), "): ", rte_strerror(-rc)));
    }
  }
  t->memory_bytes_ = DpdkHeapAllocatedBytes() - heap_before;
  return t;
}

Lpm4::~Lpm4() {
  if (fib_ != nullptr) rte_fib_free(fib_);
}

void Lpm4::LookupBulk(const uint32_t* addrs, uint32_t* values, uint32_t n) const {
  uint64_t nh[kChunk];
  for (uint32_t done = 0; done < n; done += kChunk) {
    const uint32_t m = std::min(kChunk, n - done);
    // rte_fib_lookup_bulk only reads the addresses.
    rte_fib_lookup_bulk(fib_, const_cast<uint32_t*>(addrs + done), nh, static_cast<int>(m));
    for (uint32_t i = 0; i < m; ++i) values[done + i] = static_cast<uint32_t>(nh[i] - 1);
  }
}

uint32_t Lpm4::Lookup(uint32_t addr_host_order) const {
  uint32_t v;
  LookupBulk(&addr_host_order, &v, 1);
  return v;
}

}  // namespace cpn::dataplane
