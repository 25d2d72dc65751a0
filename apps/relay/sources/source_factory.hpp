// make_source: the Source subclass for a [[source]] entry's type (and, for tcp, its role).
#pragma once

#include <memory>

#include "sources/source.hpp"

namespace sluice::relay {

std::unique_ptr<Source> make_source(SourceContext& context, const SourceConfig& config);

}  // namespace sluice::relay
