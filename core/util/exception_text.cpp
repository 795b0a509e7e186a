#include "util/exception_text.h"

#include <new>

#include <c10/util/Exception.h>

namespace mwb {

std::string exceptionReason(const std::exception& e)
{
    if (dynamic_cast<const std::bad_alloc*>(&e))
        return "out of memory";
    const auto* torchError = dynamic_cast<const c10::Error*>(&e);
    const std::string what = torchError ? torchError->what_without_backtrace() : e.what();
    return what.substr(0, what.find('\n'));
}

} // namespace mwb
