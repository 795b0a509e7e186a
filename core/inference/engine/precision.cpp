#include "inference/engine/precision.h"

#include <fstream>
#include <sched.h>
#include <set>
#include <string>
#include <thread>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace mwb {
namespace {

FastPrecisionSupport probeFastSupport()
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid_max(0, nullptr) < 7)
        return {false, "the CPU reports no extended features (cpuid leaf 7), so no bfloat16 instructions"};
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    const bool amxBf16 = (edx >> 22) & 1u;
    const bool amxTile = (edx >> 24) & 1u;
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    const bool avx512Bf16 = (eax >> 5) & 1u;
    if (amxBf16 && amxTile)
        return {true, avx512Bf16 ? "bfloat16 on AMX and AVX512_BF16" : "bfloat16 on AMX"};
    if (avx512Bf16)
        // Measured on such a CPU (no AMX): oneDNN's bfloat16 convolutions ran at about 0.55x of its
        // float32 ones, so say so rather than promise speed.
        return {true, "bfloat16 on AVX512_BF16, without AMX: on this CPU fast mode may be slower than exact "
                      "(mwb bench measures both)"};
    return {false, "this CPU has neither AVX512_BF16 nor AMX-BF16; bfloat16 would be emulated and slower "
                   "than exact mode"};
#else
    return {false, "fast mode needs an x86-64 CPU with AVX512_BF16 or AMX"};
#endif
}

std::string readFirstLine(const std::string& path)
{
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

} // namespace

std::string_view precisionName(Precision precision)
{
    return precision == Precision::Fast ? "fast" : "exact";
}

Result<Precision> parsePrecision(std::string_view text)
{
    if (text == "exact")
        return Precision::Exact;
    if (text == "fast")
        return Precision::Fast;
    return fail(ErrorKind::InvalidInput,
                "--precision: expected exact or fast, got '" + std::string(text) + "'");
}

const FastPrecisionSupport& fastPrecisionSupport()
{
    static const FastPrecisionSupport support = probeFastSupport();
    return support;
}

int physicalCoreCount()
{
    static const int count = [] {
        cpu_set_t allowed;
        CPU_ZERO(&allowed);
        if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
            return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        // A core is a (package, core id) pair; its hyper-threads share it.
        std::set<std::pair<std::string, std::string>> cores;
        int logical = 0;
        for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
            if (!CPU_ISSET(cpu, &allowed))
                continue;
            ++logical;
            const std::string topology = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
            const std::string core = readFirstLine(topology + "core_id");
            if (core.empty())
                return logical > 0 ? CPU_COUNT(&allowed) : 1; // no topology: count logical CPUs
            cores.emplace(readFirstLine(topology + "physical_package_id"), core);
        }
        return std::max(1, static_cast<int>(cores.size()));
    }();
    return count;
}

Result<int> resolveThreadCount(int requested)
{
    if (requested < 0 || requested > 1024)
        return fail(ErrorKind::InvalidInput,
                    "--threads: expected 0 (all physical cores) to 1024, got " + std::to_string(requested));
    return requested == 0 ? physicalCoreCount() : requested;
}

} // namespace mwb
