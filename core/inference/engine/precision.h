#pragma once

// How an inference engine computes (precision) and on how many cores (threads), and what this CPU
// offers. Torch-free: ui/ and app/ may include it. Pure functions, any thread; the CPU is probed once.

#include "error.h"

#include <string>
#include <string_view>

namespace mwb {

enum class Precision
{
    Exact, // float32 throughout: the training modules' outputs within 1e-4 relative (the default)
    Fast,  // bfloat16 weights and activations, float32 logits; needs AVX512_BF16 or AMX
};

std::string_view precisionName(Precision precision); // "exact", "fast"
// "exact" or "fast"; anything else is InvalidInput naming the value.
Result<Precision> parsePrecision(std::string_view text);

struct FastPrecisionSupport
{
    bool available = false;
    std::string detail; // which instructions it uses, or why it is unavailable
};

// Whether this CPU runs bfloat16 natively (AVX512_BF16 or AMX-BF16, read with cpuid).
const FastPrecisionSupport& fastPrecisionSupport();

// Physical cores this process may run on (hyper-threads counted once); at least 1.
int physicalCoreCount();

// Checks a requested thread count (0 means "all physical cores"); InvalidInput when negative or
// absurdly large. Returns the count to use.
Result<int> resolveThreadCount(int requested);

} // namespace mwb
