// core/util/json_parse: the limits are checked before nlohmann recurses, and every nlohmann
// exception comes back as an error naming the source.

#include "util/json_parse.h"

#include <QTest>

using namespace mwb;

class TestJsonParse : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesOrdinaryDocuments()
    {
        const auto doc = parseJson("{\"a\": [1, {\"b\": \"[[[{{{\"}], \"c\": \"\\\"]\"}", "x.json");
        QVERIFY(doc.has_value());
        QCOMPARE((*doc)["a"][1]["b"].get<std::string>(), std::string("[[[{{{"));
        QCOMPARE((*doc)["c"].get<std::string>(), std::string("\"]"));
    }

    void refusesNestingDeeperThanTheLimit()
    {
        const std::string ok = std::string(256, '[') + std::string(256, ']');
        QVERIFY(parseJson(ok, "x.json").has_value());
        const std::string deep = std::string(200000, '[') + std::string(200000, ']');
        const auto doc = parseJson(deep, "x.json");
        QVERIFY(!doc);
        QCOMPARE(doc.error().kind, ErrorKind::InvalidInput);
        QCOMPARE(QString::fromStdString(doc.error().message),
                 QStringLiteral("x.json: JSON nesting depth 257 exceeds the limit of 256 (at byte 256)"));
        // Brackets in strings do not count; escaped quotes do not end a string.
        QVERIFY(parseJson("[\"" + std::string(1000, '[') + "\\\"\"]", "x.json").has_value());
        QCOMPARE(findJsonNestingAbove("{\"a\": {\"b\": 1}}", 1), std::optional<std::uint64_t>(6));
    }

    void catchesEveryNlohmannException()
    {
        const auto overflow = parseJson("{\"num_classes\": 1e400}", "config.json");
        QVERIFY(!overflow);
        QCOMPARE(QString::fromStdString(overflow.error().message),
                 QStringLiteral("config.json: malformed JSON: number overflow parsing '1e400'"));
        const auto syntax = parseJson("{\"a\": }", "config.json");
        QVERIFY(!syntax);
        QVERIFY(syntax.error().message.starts_with(
            "config.json: malformed JSON: parse error at line 1, column 7"));
        const auto utf8 = parseJson("\"\xff\"", "h.json");
        QVERIFY(!utf8);
        QVERIFY(utf8.error().message.starts_with("h.json: malformed JSON: "));
    }

    void refusesDocumentsAboveTheSizeLimit()
    {
        const auto doc = parseJson("[1, 2, 3]", "x.json", JsonLimits{4, 256});
        QVERIFY(!doc);
        QCOMPARE(QString::fromStdString(doc.error().message),
                 QStringLiteral("x.json: JSON document size in bytes 9 exceeds the limit of 4"));
    }

    void objectsOnlyWhenAsked()
    {
        const auto doc = parseJsonObject("[1]", "c.json");
        QVERIFY(!doc);
        QCOMPARE(QString::fromStdString(doc.error().message),
                 QStringLiteral("c.json: expected a JSON object, got array"));
    }
};

QTEST_GUILESS_MAIN(TestJsonParse)
#include "test_json_parse.moc"
