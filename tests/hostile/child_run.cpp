#include "child_run.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace mwbtest {

namespace {

void drain(int fd, QByteArray& into, bool& open)
{
    char buffer[65536];
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got > 0)
        into.append(buffer, got);
    else if (got == 0 || (errno != EAGAIN && errno != EINTR))
        open = false;
}

} // namespace

ChildRun runChild(const QString& program,
                  const QStringList& args,
                  int cpuLimitSeconds,
                  int wallLimitSeconds,
                  unsigned long long addressSpaceBytes)
{
    std::vector<std::string> storage{program.toStdString()};
    for (const QString& a : args)
        storage.push_back(a.toStdString());
    std::vector<char*> argv;
    for (std::string& s : storage)
        argv.push_back(s.data());
    argv.push_back(nullptr);

    int outPipe[2], errPipe[2];
    if (::pipe2(outPipe, O_CLOEXEC) != 0 || ::pipe2(errPipe, O_CLOEXEC) != 0)
        return {};
    const auto started = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        const rlimit cpu{rlim_t(cpuLimitSeconds), rlim_t(cpuLimitSeconds + 1)};
        ::setrlimit(RLIMIT_CPU, &cpu);
        if (addressSpaceBytes) {
            const rlimit space{rlim_t(addressSpaceBytes), rlim_t(addressSpaceBytes)};
            ::setrlimit(RLIMIT_AS, &space);
        }
        ::dup2(outPipe[1], 1);
        ::dup2(errPipe[1], 2);
        const int devNull = ::open("/dev/null", O_RDONLY);
        ::dup2(devNull, 0);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(outPipe[1]);
    ::close(errPipe[1]);
    ChildRun run;
    QByteArray out, err;
    bool outOpen = true, errOpen = true;
    while (outOpen || errOpen) {
        pollfd fds[2] = {{outOpen ? outPipe[0] : -1, POLLIN, 0}, {errOpen ? errPipe[0] : -1, POLLIN, 0}};
        const auto elapsed = std::chrono::steady_clock::now() - started;
        if (elapsed > std::chrono::seconds(wallLimitSeconds)) {
            run.timedOut = true;
            ::kill(pid, SIGKILL);
            break;
        }
        if (::poll(fds, 2, 500) <= 0)
            continue;
        if (fds[0].revents)
            drain(outPipe[0], out, outOpen);
        if (fds[1].revents)
            drain(errPipe[0], err, errOpen);
    }
    ::close(outPipe[0]);
    ::close(errPipe[0]);
    int status = 0;
    rusage usage{};
    ::wait4(pid, &status, 0, &usage);
    run.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    run.maxRssKiB = usage.ru_maxrss;
    run.cpuSeconds = double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                     double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    if (WIFEXITED(status))
        run.exitCode = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        run.signal = WTERMSIG(status);
    run.out = QString::fromUtf8(out);
    run.err = QString::fromUtf8(err);
    return run;
}

} // namespace mwbtest
