// The Python scanner of the code review (tokenizer, imports, risky constructs), never run.
#include "review/python_scanner.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    (void)mwb::review::scanPythonSource(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
