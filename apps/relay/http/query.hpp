// Query strings (application/x-www-form-urlencoded, as browsers and curl send them): split at
// '&' and '=', with '+' and %XX decoded. A malformed escape makes the whole query invalid
// rather than being passed on half-decoded.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::relay {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// nullopt when an escape is malformed ("%4", "%zz").
std::optional<QueryParams> parse_query(std::string_view query);
// Decodes %XX escapes (and '+' as a space when `plus_is_space`); nullopt when one is malformed.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

}  // namespace sluice::relay
