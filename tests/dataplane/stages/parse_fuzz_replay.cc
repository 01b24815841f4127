// main() for the parse fuzzer when the compiler has no libFuzzer (GCC):
// runs every file of the given corpus directories, then deterministic
// random mutations of them (bit flips, interesting bytes, truncation,
// insertion, deletion, splicing) until -max_total_time or -runs is reached.
// Accepts the libFuzzer flags the suite passes; ignores others.
#include <dirent.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

using Input = std::vector<uint8_t>;

void LoadDir(const std::string& dir, std::vector<Input>* corpus) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream f(dir + "/" + e->d_name, std::ios::binary);
    corpus->emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  closedir(d);
}

Input Mutate(const std::vector<Input>& corpus, std::mt19937_64& rng) {
  Input in = corpus[rng() % corpus.size()];
  static const uint8_t kInteresting[] = {0,    1,    2,    4,    6,    8,    0x11, 0x29, 0x2b,
                                         0x3a, 0x3c, 0x40, 0x45, 0x60, 0x7f, 0x80, 0xfe, 0xff};
  const int steps = 1 + static_cast<int>(rng() % 6);
  for (int s = 0; s < steps; ++s) {
    const size_t pos = in.empty() ? 0 : rng() % in.size();
    switch (rng() % 7) {
      case 0:
        if (!in.empty()) in[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 1:
        if (!in.empty()) in[pos] = kInteresting[rng() % sizeof(kInteresting)];
        break;
      case 2:
        in.resize(pos);
        break;
      case 3:
        in.insert(in.begin() + static_cast<long>(pos), static_cast<uint8_t>(rng()));
        break;
      case 4:
        if (!in.empty()) in.erase(in.begin() + static_cast<long>(pos));
        break;
      case 5: {
        const Input& other = corpus[rng() % corpus.size()];
        if (!other.empty())
          in.insert(in.end(), other.begin() + static_cast<long>(rng() % other.size()), other.end());
        break;
      }
      case 6:
        if (!in.empty()) in[pos] = static_cast<uint8_t>(in[pos] + 1 + rng() % 8);
        break;
    }
  }
  return in;
}

}  // namespace

int main(int argc, char** argv) {
  LLVMFuzzerInitialize(&argc, &argv);
  double max_seconds = 20;
  long max_runs = -1;
  std::vector<Input> corpus;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "-max_total_time=", 16) == 0) {
      max_seconds = std::atof(argv[i] + 16);
    } else if (std::strncmp(argv[i], "-runs=", 6) == 0) {
      max_runs = std::atol(argv[i] + 6);
    } else if (argv[i][0] != '-') {
      LoadDir(argv[i], &corpus);
    }
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "no seed inputs found in the given directories\n");
    return 1;
  }
  for (const Input& in : corpus) LLVMFuzzerTestOneInput(in.data(), in.size());
  std::mt19937_64 rng(0x435046555a5aULL);  // Fixed: a failure reproduces.
  const auto start = std::chrono::steady_clock::now();
  long runs = 0;
  for (; max_runs < 0 || runs < max_runs; ++runs) {
    if ((runs & 1023) == 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >
            max_seconds) {
      break;
    }
    const Input in = Mutate(corpus, rng);
    LLVMFuzzerTestOneInput(in.data(), in.size());
  }
  std::printf("replayed %zu seeds and %ld mutations without a failure\n", corpus.size(), runs);
  return 0;
}
