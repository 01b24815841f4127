#include "dataplane/ports/huge_page_arena.h"

#include <rte_errno.h>
#include <rte_malloc.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace cpn::dataplane {

size_t AnonHugeBytesOfMapping(const std::string& smaps, const void* start) {
  const uintptr_t want = reinterpret_cast<uintptr_t>(start);
  bool inside = false;
  for (absl::string_view line : absl::StrSplit(smaps, '\n')) {
    // A mapping's header: "start-end perms offset dev inode [path]"; its
    // fields follow as "Name:   value kB".
    const size_t dash = line.find('-');
    const size_t space = line.find(' ');
    if (dash != absl::string_view::npos && space != absl::string_view::npos && dash < space &&
        line.find(':') > space) {
      uint64_t from = 0;
      inside = absl::SimpleHexAtoi(line.substr(0, dash), &from) && from == want;
      continue;
    }
    if (!inside || !absl::ConsumePrefix(&line, "AnonHugePages:")) continue;
    uint64_t kib = 0;
    line = absl::StripAsciiWhitespace(line);
    if (!absl::ConsumeSuffix(&line, " kB")) return 0;
    return absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &kib) ? kib * 1024 : 0;
  }
  return 0;
}

absl::StatusOr<std::unique_ptr<HugePageArena>> HugePageArena::Create(const std::string& name,
                                                                     size_t bytes) {
  if (bytes == 0) return absl::InvalidArgumentError("huge page arena: 0 bytes");
  const size_t len = (bytes + kPageBytes - 1) / kPageBytes * kPageBytes;
  // One page more than asked, to cut a 2 MiB aligned range out of it.
  void* raw = mmap(nullptr, len + kPageBytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (raw == MAP_FAILED) {
    return absl::ResourceExhaustedError(
        absl::StrCat("huge page arena ", name, ": mmap of ", len >> 20, " MiB: ", strerror(errno)));
  }
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kPageBytes - 1) & ~(uintptr_t{kPageBytes} - 1);
  if (aligned > start) munmap(raw, aligned - start);
  if (const size_t tail = start + kPageBytes - aligned; tail > 0) {
    munmap(reinterpret_cast<void*>(aligned + len), tail);
  }
  std::unique_ptr<HugePageArena> arena(
      new HugePageArena(name, reinterpret_cast<char*>(aligned), len));
  // Ask before the first touch: a page faulted in small stays small until
  // khugepaged gets to it. EINVAL: a kernel without THP; the arena still
  // works, in 4 KiB pages (huge_bytes() says so).
  if (madvise(arena->base_, len, MADV_HUGEPAGE) != 0 && errno != EINVAL) {
    return absl::InternalError(
        absl::StrCat("huge page arena ", name, ": madvise(MADV_HUGEPAGE): ", strerror(errno)));
  }
  // Fault it all in now, not on the fast path's first packets.
  for (size_t off = 0; off < len; off += 4096) arena->base_[off] = 0;
  {
    std::ifstream in("/proc/self/smaps");
    std::stringstream text;
    text << in.rdbuf();
    arena->huge_bytes_ = AnonHugeBytesOfMapping(text.str(), arena->base_);
  }
  if (rte_malloc_heap_create(name.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("huge page arena ", name,
                                            ": rte_malloc_heap_create: ", rte_strerror(rte_errno)));
  }
  // No IOVA for the pages (vdevs only, see the header).
  if (rte_malloc_heap_memory_add(name.c_str(), arena->base_, len, nullptr,
                                 static_cast<unsigned>(len / kPageBytes), kPageBytes) != 0) {
    const std::string why = rte_strerror(rte_errno);
    rte_malloc_heap_destroy(name.c_str());
    return absl::InternalError(
        absl::StrCat("huge page arena ", name, ": rte_malloc_heap_memory_add: ", why));
  }
  arena->in_dpdk_ = true;
  arena->socket_id_ = rte_malloc_heap_get_socket(name.c_str());
  return arena;
}

HugePageArena::~HugePageArena() {
  if (in_dpdk_) {
    if (rte_malloc_heap_memory_remove(name_.c_str(), base_, bytes_) != 0) return;  // still in use
    rte_malloc_heap_destroy(name_.c_str());
  }
  munmap(base_, bytes_);
}

bool HugePageArena::Contains(const void* p) const {
  const char* c = static_cast<const char*>(p);
  return c >= base_ && c < base_ + bytes_;
}

}  // namespace cpn::dataplane
