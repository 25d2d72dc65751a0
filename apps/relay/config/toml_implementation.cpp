// The one translation unit that compiles toml++'s implementation. The library is used in its
// documented non-header-only mode (TOML_HEADER_ONLY=0 on this target), so its parser is built
// once here instead of in every file that includes it.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
