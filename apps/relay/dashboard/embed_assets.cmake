# Run at build time (cmake -P): writes OUTPUT, a C++ source holding each file of ASSET_LIST as
# a byte array, with its URL path, Content-Type and an ETag taken from its SHA-256. ASSET_LIST
# has one asset a line: path, media type and file, separated by tabs; text types are UTF-8.
file(STRINGS ${ASSET_LIST} lines)
set(arrays "")
set(table "")
set(index 0)
foreach(line IN LISTS lines)
  string(REPLACE "\t" ";" fields "${line}")
  list(GET fields 0 path)
  list(GET fields 1 type)
  list(GET fields 2 file)
  if(type MATCHES "^text/")
    string(APPEND type "; charset=utf-8")
  endif()
  file(SIZE ${file} size)
  if(size EQUAL 0)
    message(FATAL_ERROR "embed_assets: ${file} is empty")
  endif()
  file(READ ${file} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  # 16 bytes a line (CMake's regular expressions have no {n}).
  string(REPEAT "0x..," 16 line_of_bytes)
  string(REGEX REPLACE "(${line_of_bytes})" "\\1\n    " bytes "${bytes}")
  file(SHA256 ${file} digest)
  string(SUBSTRING ${digest} 0 20 etag)
  string(APPEND arrays "// ${path}: ${size} bytes\nconstexpr std::uint8_t asset_${index}[] = {\n    ${bytes}\n};\n\n")
  string(APPEND table "    {\"${path}\", \"${type}\", \"\\\"${etag}\\\"\", asset_${index}},\n")
  math(EXPR index "${index} + 1")
endforeach()

file(WRITE ${OUTPUT}.tmp
"// Generated at build time by apps/relay/dashboard/embed_assets.cmake from the dashboard's files and
// uPlot's; not in the repository.
#include \"dashboard/dashboard_assets.hpp\"

namespace sluice::relay {
namespace {

${arrays}constexpr DashboardAsset assets[] = {
${table}};

}  // namespace

std::span<const DashboardAsset> dashboard_assets() { return assets; }

}  // namespace sluice::relay
")
# Only a changed source recompiles.
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
