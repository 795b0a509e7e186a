#pragma once

// Whether a top-level module name belongs to Python 3.11's standard library. Pure function; any thread.

#include <string_view>

namespace mwb::review {

// "os", "json", "__future__" -> true; "torch", "timm", "requests" -> false.
bool isStandardLibraryModule(std::string_view topLevelName);

} // namespace mwb::review
