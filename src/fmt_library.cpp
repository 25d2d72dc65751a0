// fmt's compiled part (what its shared library holds), built once into libsluice. Debian ships
// fmt as a shared library only and sluice's programs link statically; fmt's header-only mode
// would compile all of it again in every file that logs, which doubled the build's time.
// Only the templates fmt's headers declare `extern` need an explicit instantiation here.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {

template auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template auto decimal_point_impl<char>(locale_ref) -> char;

}  // namespace detail
FMT_END_NAMESPACE
