#pragma once

// Runs `mwb` as a child process the way a user would, and measures what it cost: exit code, stderr,
// peak resident memory (getrusage of the child) and CPU time. RLIMIT_CPU stops a child that spins
// (the hang guard), a wall-clock deadline stops one that blocks. Linux only (fork/exec/wait4).

#include <QString>
#include <QStringList>

namespace mwbtest {

struct ChildRun
{
    int exitCode = -1;      // -1 when killed by a signal or the deadline
    int signal = 0;         // the signal that ended it, if any
    bool timedOut = false;  // the wall-clock deadline was reached
    long maxRssKiB = 0;     // peak resident set size
    double cpuSeconds = 0;  // user + system
    double wallSeconds = 0; // elapsed
    QString out, err;
};

// `cpuLimitSeconds` becomes RLIMIT_CPU; the wall-clock deadline is generous (shared machines).
// `addressSpaceBytes`, when not 0, becomes RLIMIT_AS: allocations beyond it fail as on a full machine.
ChildRun runChild(const QString& program,
                  const QStringList& args,
                  int cpuLimitSeconds = 10,
                  int wallLimitSeconds = 120,
                  unsigned long long addressSpaceBytes = 0);

} // namespace mwbtest
