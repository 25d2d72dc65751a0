// Replays fuzz inputs through a target without libFuzzer: each file named on the command line
// and every file in each directory named, in name order. The normal and ASan builds run it over
// the seed corpus and the saved regressions, so a crash once found stays fixed in every build.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
// Optional, as in libFuzzer: a target that defines it is set up before the first input.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const fs::path p = argv[i];
    if (fs::is_directory(p)) {
      for (const auto& e : fs::directory_iterator(p))
        if (e.is_regular_file()) files.push_back(e.path());
    } else if (fs::exists(p)) {
      files.push_back(p);
    }
    // A missing path counts as empty: git keeps no empty folder, so regressions/<name>/ only
    // exists once it holds a file.
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    // An allocation of exactly the input's size, as libFuzzer makes, so ASan sees where it ends.
    const auto size = static_cast<std::size_t>(fs::file_size(f));
    std::unique_ptr<std::uint8_t[]> data(new std::uint8_t[size]);
    std::ifstream in(f, std::ios::binary);
    if (!in.read(reinterpret_cast<char*>(data.get()), static_cast<std::streamsize>(size))) {
      std::fprintf(stderr, "cannot read %s\n", f.c_str());
      return 1;
    }
    std::fprintf(stderr, "%s\n", f.c_str());
    LLVMFuzzerTestOneInput(data.get(), size);
  }
  std::printf("%zu inputs replayed\n", files.size());
  return files.empty() ? 1 : 0;  // no input at all means a wrong path, not a pass
}
