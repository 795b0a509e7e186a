#pragma once

// Deprecated: new code uses mwb::Job (core/jobs/job.h); only the Classify tab still calls this.
// Runs slow work (building a model, reading weights, inference) on Qt's thread pool and delivers the
// result to `context`'s thread (the GUI thread) when it is done. If `context` is destroyed first, the
// result is dropped. `work` must not touch widgets; `done` runs on the GUI thread.

#include <functional>

#include <QFutureWatcher>
#include <QObject>
#include <QtConcurrent/QtConcurrentRun>

namespace mwb {

template <typename T>
void runInBackground(QObject* context, std::function<T()> work, std::function<void(T)> done)
{
    auto* watcher = new QFutureWatcher<T>(context);
    QObject::connect(watcher, &QFutureWatcher<T>::finished, context, [watcher, done = std::move(done)] {
        done(watcher->future().takeResult());
        watcher->deleteLater();
    });
    watcher->setFuture(QtConcurrent::run(std::move(work)));
}

} // namespace mwb
