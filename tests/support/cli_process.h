#pragma once
// Runs the real labeldiff-cli binary for CLI tests.
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace ld::test {

struct CliRun {
    int exitCode = -1;  // -1 when it crashed or timed out
    QString out, err;
};

// `env` is added to (or, for an empty value, removed from) the test's own environment.
inline CliRun runCli(const QStringList& args, int timeoutMs = 300000,
                     const QList<QPair<QString, QString>>& env = {}) {
    QProcess p;
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    for (const auto& [name, value] : env) {
        if (value.isEmpty()) e.remove(name);
        else e.insert(name, value);
    }
    p.setProcessEnvironment(e);
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
