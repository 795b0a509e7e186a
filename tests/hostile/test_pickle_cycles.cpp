// Found by fuzz_pickle (LeakSanitizer): a list appended to itself through the memo is a reference
// cycle that shared_ptr never frees. The restricted machine refuses it and frees everything; under
// the asan preset LeakSanitizer checks the freeing part.

#include "weights/pickle_machine.h"

#include <QTest>

class TestPickleCycles : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aListHoldingItselfIsRefused()
    {
        // EMPTY_LIST, BINPUT 0, BINGET 0, APPEND, STOP
        const std::string pickle("\x80\x02]q\x00h\x00\x61.", 9);
        const auto value = mwb::unpickleRestricted(pickle, "cycle.pkl");
        QVERIFY(!value);
        QCOMPARE(value.error().kind, mwb::ErrorKind::InvalidInput);
        QVERIFY2(value.error().message.find("a container holds itself") != std::string::npos,
                 value.error().message.c_str());
    }

    void theFuzzersReproducerIsRefused()
    {
        // The input LeakSanitizer reported: protocol-0 lists appended into each other via PUT/GET.
        const std::string pickle("(lp0\nI1\na2alp0\nI11\naSa\nI1\naSa\0\0`\x80\0\x1d \xcd"
                                 "aSalp0\nI0\n\nalp0\np0\n0I\nSaI1\n\na.",
                                 67);
        (void)mwb::unpickleRestricted(pickle, "leak.pkl"); // refused or not, nothing may leak
    }

    void aStateDictIsNotACycle()
    {
        // EMPTY_DICT, BINPUT 0, "a" 1 SETITEM, BINGET 0 (the same dict twice on the stack), POP, STOP
        const std::string pickle("\x80\x02}q\x00X\x01\x00\x00\x00\x61K\x01sh\x00\x30.", 18);
        const auto value = mwb::unpickleRestricted(pickle, "ok.pkl");
        QVERIFY2(value.has_value(), value ? "" : value.error().message.c_str());
        QCOMPARE(value->value->entries.size(), std::size_t(1));
    }
};

QTEST_GUILESS_MAIN(TestPickleCycles)
#include "test_pickle_cycles.moc"
