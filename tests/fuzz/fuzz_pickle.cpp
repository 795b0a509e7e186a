// The pickle scanner (exact stack and memo model) and the restricted pickle machine. Whenever the
// scanner calls a pickle's globals all allowlisted, the machine must never import anything else.
#include "weights/pickle_machine.h"
#include "weights/pickle_scanner.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const mwb::PickleScan scan = mwb::scanPickle(bytes, 0, "fuzz.pkl");
    (void)mwb::scanPickleStream(bytes, "fuzz.pkl");
    const auto value = mwb::unpickleRestricted(bytes, "fuzz.pkl");
    if (value)
        (void)mwb::describePickleValue(*value->value);
    // The machine accepting a pickle the scanner finds unsafe would be a verdict the user cannot trust.
    if (value && mwb::overallVerdict(scan.globals) != mwb::PickleVerdict::Safe)
        std::abort();
    return 0;
}
