// The job type's contract: result on the owner's thread, progress, cancel (also before start),
// exceptions turned into errors, and no use after free when the owner goes away mid-run.

#include "jobs/job.h"

#include <atomic>
#include <latch>
#include <stdexcept>
#include <thread>

#include <QPointer>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

using namespace mwb;

namespace {

// Lets a test hold the work at a known point until it says go.
struct Gate
{
    std::atomic<bool> entered{false};
    std::atomic<bool> open{false};
    void waitUntilOpen() const
    {
        while (!open.load())
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
};

} // namespace

class TestJob : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void deliversResultOnOwnerThread()
    {
        JobPool pool(2);
        QThread* workThread = nullptr;
        QThread* handlerThread = nullptr;
        std::optional<Result<int>> got;
        Job<int> job([&](JobContext&) -> Result<int> {
            workThread = QThread::currentThread();
            return 42;
        });
        job.onFinished([&](Result<int> r) {
            handlerThread = QThread::currentThread();
            got = std::move(r);
        });
        QSignalSpy finished(&job, &JobBase::finished);
        job.start(pool);
        QVERIFY(job.isRunning());
        QTRY_COMPARE(finished.count(), 1);
        QVERIFY(got.has_value() && got->has_value());
        QCOMPARE(**got, 42);
        QCOMPARE(handlerThread, QThread::currentThread());
        QVERIFY(workThread != QThread::currentThread());
        QVERIFY(job.isFinished());
        QVERIFY(!job.isRunning());
    }

    void errorsComeBackAsValues()
    {
        JobPool pool(1);
        std::optional<Result<int>> got;
        Job<int> job([](JobContext&) -> Result<int> { return fail(ErrorKind::Io, "disk full: /tmp/x"); });
        job.onFinished([&](Result<int> r) { got = std::move(r); });
        job.start(pool);
        QTRY_VERIFY(got.has_value());
        QVERIFY(!got->has_value());
        QCOMPARE(got->error().kind, ErrorKind::Io);
        QCOMPARE(QString::fromStdString(got->error().message), QStringLiteral("disk full: /tmp/x"));
    }

    void exceptionsBecomeErrors()
    {
        JobPool pool(1);
        std::optional<Result<void>> got;
        Job<void> job(
            [](JobContext&) -> Result<void> { throw std::runtime_error("shape mismatch in fc.weight"); });
        job.onFinished([&](Result<void> r) { got = std::move(r); });
        job.start(pool);
        QTRY_VERIFY(got.has_value());
        QVERIFY(!got->has_value());
        QVERIFY(QString::fromStdString(got->error().message).contains("shape mismatch in fc.weight"));

        std::optional<Result<int>> other;
        Job<int> weird([](JobContext&) -> Result<int> { throw 7; });
        weird.onFinished([&](Result<int> r) { other = std::move(r); });
        weird.start(pool);
        QTRY_VERIFY(other.has_value());
        QVERIFY(!other->has_value());
        QVERIFY(!other->error().message.empty());
    }

    void progressArrivesOnOwnerThreadAndEndsWithLatest()
    {
        JobPool pool(1);
        Job<void> job([](JobContext& ctx) -> Result<void> {
            for (int i = 1; i <= 100; ++i)
                ctx.setProgress(i / 100.0, QStringLiteral("step %1").arg(i));
            return {};
        });
        QThread* progressThread = nullptr;
        connect(&job, &JobBase::progressChanged, this, [&] { progressThread = QThread::currentThread(); });
        QSignalSpy progress(&job, &JobBase::progressChanged);
        QSignalSpy finished(&job, &JobBase::finished);
        job.start(pool);
        QTRY_COMPARE(finished.count(), 1);
        // Coalesced, but the last report always reaches the owner before finished.
        QVERIFY(progress.count() >= 1);
        QCOMPARE(progress.last().at(0).toDouble(), 1.0);
        QCOMPARE(progress.last().at(1).toString(), QStringLiteral("step 100"));
        QCOMPARE(job.progressText(), QStringLiteral("step 100"));
        QCOMPARE(progressThread, QThread::currentThread());
    }

    void cancelWhileRunningIsSeenByTheWork()
    {
        JobPool pool(1);
        Gate gate;
        std::optional<Result<int>> got;
        Job<int> job([&gate](JobContext& ctx) -> Result<int> {
            gate.entered = true;
            while (!ctx.isCancelled())
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            return std::unexpected(JobContext::cancelledError());
        });
        job.onFinished([&](Result<int> r) { got = std::move(r); });
        job.start(pool);
        QTRY_VERIFY(gate.entered.load());
        job.cancel();
        QVERIFY(job.isCancelRequested());
        QTRY_VERIFY(got.has_value());
        QCOMPARE(got->error().kind, ErrorKind::Cancelled);
    }

    void cancelBeforeStartIsNotLost()
    {
        JobPool pool(1);
        std::atomic<bool> ran{false};
        std::optional<Result<int>> got;
        Job<int> job([&ran](JobContext&) -> Result<int> {
            ran = true;
            return 1;
        });
        job.onFinished([&](Result<int> r) { got = std::move(r); });
        job.cancel();
        job.start(pool);
        QTRY_VERIFY(got.has_value());
        QVERIFY(!ran.load());
        QVERIFY(!got->has_value());
        QCOMPARE(got->error().kind, ErrorKind::Cancelled);
    }

    void cancelWhileQueuedBehindAnotherJobIsNotLost()
    {
        JobPool pool(1); // one thread: the second job waits in the queue
        Gate gate;
        std::atomic<bool> secondRan{false};
        Job<int> first([&gate](JobContext&) -> Result<int> {
            gate.entered = true;
            gate.waitUntilOpen();
            return 1;
        });
        std::optional<Result<int>> second;
        Job<int> queued([&secondRan](JobContext&) -> Result<int> {
            secondRan = true;
            return 2;
        });
        queued.onFinished([&](Result<int> r) { second = std::move(r); });
        first.start(pool);
        queued.start(pool);
        QTRY_VERIFY(gate.entered.load());
        queued.cancel();
        gate.open = true;
        QTRY_VERIFY(second.has_value());
        QVERIFY(!secondRan.load());
        QCOMPARE(second->error().kind, ErrorKind::Cancelled);
    }

    void destroyingTheOwnerMidRunDropsTheResult()
    {
        JobPool pool(1);
        auto gate = std::make_shared<Gate>();
        auto workSawCancel = std::make_shared<std::atomic<bool>>(false);
        bool handlerCalled = false;
        auto* owner = new QObject;
        auto* job = new Job<int>(
            [gate, workSawCancel](JobContext& ctx) -> Result<int> {
                gate->entered = true;
                gate->waitUntilOpen();
                *workSawCancel = ctx.isCancelled();
                ctx.setProgress(1.0, QStringLiteral("done")); // must not reach the destroyed job
                return 5;
            },
            owner);
        job->onFinished([&](Result<int>) { handlerCalled = true; });
        job->start(pool);
        QTRY_VERIFY(gate->entered.load());
        delete owner; // deletes the job while its work runs
        gate->open = true;
        QVERIFY(pool.waitForDone(10000));
        QCoreApplication::processEvents();
        QVERIFY(workSawCancel->load());
        QVERIFY(!handlerCalled);
    }

    void destroyingAfterTheWorkEndedButBeforeDeliveryDropsTheResult()
    {
        JobPool pool(1);
        bool handlerCalled = false;
        auto* job = new Job<int>([](JobContext&) -> Result<int> { return 3; });
        job->onFinished([&](Result<int>) { handlerCalled = true; });
        job->start(pool);
        QVERIFY(pool.waitForDone(10000)); // the end is posted, not yet delivered
        delete job;
        QCoreApplication::processEvents();
        QVERIFY(!handlerCalled);
    }

    void destroyingThePoolCancelsAndWaits()
    {
        auto gate = std::make_shared<Gate>();
        auto ended = std::make_shared<std::atomic<bool>>(false);
        Job<int> job([gate, ended](JobContext& ctx) -> Result<int> {
            gate->entered = true;
            while (!ctx.isCancelled())
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            *ended = true;
            return std::unexpected(JobContext::cancelledError());
        });
        {
            JobPool pool(1);
            job.start(pool);
            QTRY_VERIFY(gate->entered.load());
        } // ~JobPool cancels the work and waits for it
        QVERIFY(ended->load());
    }

    void startJobDeletesItselfAfterTheHandler()
    {
        JobPool pool(1);
        QObject owner;
        std::optional<Result<QString>> got;
        QPointer<Job<QString>> job = startJob<QString>(
            pool, &owner, [](JobContext&) -> Result<QString> { return QStringLiteral("ok"); },
            [&](Result<QString> r) { got = std::move(r); });
        QVERIFY(job);
        QTRY_VERIFY(got.has_value());
        QCOMPARE(**got, QStringLiteral("ok"));
        QTRY_VERIFY(job.isNull());
    }

    void moveOnlyResults()
    {
        JobPool pool(1);
        std::optional<Result<std::unique_ptr<int>>> got;
        Job<std::unique_ptr<int>> job(
            [](JobContext&) -> Result<std::unique_ptr<int>> { return std::make_unique<int>(9); });
        job.onFinished([&](Result<std::unique_ptr<int>> r) { got = std::move(r); });
        job.start(pool);
        QTRY_VERIFY(got.has_value());
        QCOMPARE(***got, 9);
    }
};

QTEST_GUILESS_MAIN(TestJob)
#include "test_job.moc"
