#include "util/exception_text.h"

#include <dnnl.hpp>
#include <new>

#include <c10/util/Exception.h>

namespace mwb {

std::string exceptionReason(const std::exception& e)
{
    if (dynamic_cast<const std::bad_alloc*>(&e))
        return "out of memory";
    if (const auto* dnnlError = dynamic_cast<const dnnl::error*>(&e)) {
        // oneDNN reports a failed allocation (buffers, JIT code) as its own status, not bad_alloc.
        if (dnnlError->status == dnnl_out_of_memory)
            return std::string("out of memory (oneDNN: ") + e.what() + ")";
        return std::string("oneDNN: ") + e.what() + " (status " + std::to_string(dnnlError->status) + ")";
    }
    const auto* torchError = dynamic_cast<const c10::Error*>(&e);
    const std::string what = torchError ? torchError->what_without_backtrace() : e.what();
    return what.substr(0, what.find('\n'));
}

} // namespace mwb
