// Writes the embedded dashboard into a directory, with manifest.json listing each file's URL
// path and Content-Type, so the fake relay serves exactly the bytes the relay binary would.
// Usage: sluice-relay-dashboard-dump DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "dashboard/dashboard_assets.hpp"
#include "http/json_writer.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  std::string manifest;
  sluice::relay::JsonWriter w(manifest);
  w.begin_array();
  int index = 0;
  for (const sluice::relay::DashboardAsset& asset : sluice::relay::dashboard_assets()) {
    const std::string file = "asset-" + std::to_string(index++);
    std::ofstream out(dir / file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(asset.bytes.data()),
              static_cast<std::streamsize>(asset.bytes.size()));
    if (!out) {
      std::fprintf(stderr, "cannot write %s\n", (dir / file).c_str());
      return 1;
    }
    w.begin_object().key("path").value(asset.path).key("content_type").value(asset.content_type);
    w.key("etag").value(asset.etag).key("file").value(file).end_object();
  }
  w.end_array();
  std::ofstream(dir / "manifest.json") << manifest << '\n';
  return 0;
}
