#pragma once
// Runs the real labeldiff-cli binary for CLI tests.
#include <QProcess>
#include <QString>
#include <QStringList>

namespace ld::test {

struct CliRun {
    int exitCode = -1;  // -1 when it crashed or timed out
    QString out, err;
};

inline CliRun runCli(const QStringList& args, int timeoutMs = 300000) {
    QProcess p;
    p.start(QStringLiteral(LABELDIFF_CLI), args);
    CliRun r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

}  // namespace ld::test
