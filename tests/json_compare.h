#pragma once

// QCOMPARE_JSON compares nlohmann::json values and prints both sides as JSON when they differ.
// (Plain QCOMPARE cannot: overload resolution probes json's conversion to qfloat16 and fails.)

#include <QTest>

#include <nlohmann/json.hpp>

namespace mwbtest {

inline bool compareJson(const nlohmann::json& actual,
                        const nlohmann::json& expected,
                        const char* actualExpr,
                        const char* expectedExpr,
                        const char* file,
                        int line)
{
    if (actual == expected)
        return true;
    const std::string message = std::string("Compared JSON values are not the same\n   Actual   (") +
                                actualExpr + "): " + actual.dump() + "\n   Expected (" + expectedExpr +
                                "): " + expected.dump();
    QTest::qFail(message.c_str(), file, line);
    return false;
}

} // namespace mwbtest

#define QCOMPARE_JSON(actual, expected)                                                                      \
    do {                                                                                                     \
        if (!mwbtest::compareJson(actual, expected, #actual, #expected, __FILE__, __LINE__))                 \
            return;                                                                                          \
    } while (false)
