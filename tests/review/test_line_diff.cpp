// The line diff: unified output identical to what diff -u / Python's difflib print.

#include "review/line_diff.h"

#include <QTest>

using namespace mwb::review;

class TestLineDiff : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void unified_data()
    {
        QTest::addColumn<QString>("before");
        QTest::addColumn<QString>("after");
        QTest::addColumn<QString>("expected");
        QTest::newRow("equal") << "a\nb\n"
                               << "a\nb\n"
                               << "";
        QTest::newRow("two hunks") << "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n"
                                   << "a\nb\nC\nd\ne\nf\ng\nh\ni\nj\nk\nl\nx\nm\nn\n"
                                   << "--- a/f.py\n+++ b/f.py\n@@ -1,6 +1,6 @@\n a\n b\n-c\n+C\n d\n e\n f\n"
                                      "@@ -10,5 +10,6 @@\n j\n k\n l\n+x\n m\n n\n";
        QTest::newRow("remove and add")
            << "one\ntwo\nthree\n"
            << "one\nthree\nfour\n"
            << "--- a/f.py\n+++ b/f.py\n@@ -1,3 +1,3 @@\n one\n-two\n three\n+four\n";
        QTest::newRow("from empty") << ""
                                    << "x\ny\n"
                                    << "--- a/f.py\n+++ b/f.py\n@@ -0,0 +1,2 @@\n+x\n+y\n";
        QTest::newRow("to empty") << "x\ny\n"
                                  << ""
                                  << "--- a/f.py\n+++ b/f.py\n@@ -1,2 +0,0 @@\n-x\n-y\n";
        QTest::newRow("close changes merge")
            << "1\n2\n3\n4\n5\n6\n7\n8\n9\n"
            << "1\nX\n3\n4\n5\n6\n7\nY\n9\n"
            << "--- a/f.py\n+++ b/f.py\n@@ -1,9 +1,9 @@\n 1\n-2\n+X\n 3\n 4\n 5\n 6\n"
               " 7\n-8\n+Y\n 9\n";
    }

    void unified()
    {
        QFETCH(QString, before);
        QFETCH(QString, after);
        QFETCH(QString, expected);
        QCOMPARE(QString::fromStdString(
                     unifiedDiff(before.toStdString(), after.toStdString(), "a/f.py", "b/f.py")),
                 expected);
    }

    void editScriptIsMinimalAndComplete()
    {
        // Every line of both sides appears once; the number of edits is the minimum (LCS "BCBA", 4 of 7/6).
        const std::vector<std::string> a = {"A", "B", "C", "A", "B", "B", "A"};
        const std::vector<std::string> b = {"C", "B", "A", "B", "A", "C"};
        const auto script = diffLines(a, b);
        std::vector<std::string> olds, news;
        int edits = 0;
        for (const DiffLine& l : script) {
            if (l.kind != DiffLine::Kind::Added)
                olds.push_back(l.text);
            if (l.kind != DiffLine::Kind::Removed)
                news.push_back(l.text);
            edits += l.kind != DiffLine::Kind::Same;
        }
        QCOMPARE(olds, a);
        QCOMPARE(news, b);
        QCOMPARE(edits, 5); // Myers' example: D = 5
    }

    void largeFileStaysFast()
    {
        std::string before, after;
        for (int i = 0; i < 20000; ++i) {
            before += "line " + std::to_string(i) + "\n";
            after += (i % 1000 == 0 ? "changed " : "line ") + std::to_string(i) + "\n";
        }
        const std::string diff = unifiedDiff(before, after, "a", "b");
        QCOMPARE(std::count(diff.begin(), diff.end(), '@'), 4L * 20); // 20 hunks
    }
};

QTEST_GUILESS_MAIN(TestLineDiff)
#include "test_line_diff.moc"
