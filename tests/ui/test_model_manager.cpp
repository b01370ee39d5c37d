// The model registry and manager: known directories persist in QSettings (add, remove,
// default), the card shows components, classes and size, the integrity check passes on a
// good tiny model and, on a broken one, fails with a report naming the directory and the
// problem — off the UI thread; "Make Active" asks for the model to be loaded.
// LibTorch first: its headers use the name `slots`, which Qt defines as a macro.
#include "support/tiny_model.h"

#include "ui/model_manager.h"
#include "ui/model_registry.h"

#include <QListWidget>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>

using namespace ld;

class TestModelManager : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        QVERIFY(dir_.isValid());
        good_ = dir_.filePath("good");
        bad_ = dir_.filePath("bad");
        test::writeTinyModel(good_.toStdString());
        test::writeTinyModel(bad_.toStdString());
        // A U-Net whose config no longer matches its tensors.
        const auto cfg = std::filesystem::path(bad_.toStdString()) / "unet/config.json";
        nlohmann::json j = nlohmann::json::parse(std::ifstream(cfg));
        j["block_out_channels"] = {24, 48};
        test::writeJsonFile(cfg, j);
    }

    void registryPersists() {
        {
            ModelRegistry r;
            QSignalSpy changed(&r, &ModelRegistry::changed);
            QVERIFY(r.add(good_));
            QVERIFY(r.add(good_ + "/"));  // same directory
            QVERIFY(r.add(bad_));
            QCOMPARE(r.models().size(), 2);
            r.setDefault(good_);
            QVERIFY(changed.count() >= 3);
        }
        ModelRegistry again;
        QCOMPARE(again.models().size(), 2);
        QCOMPARE(again.defaultModel(), ModelRegistry::normalize(good_));
        again.remove(good_);
        QVERIFY(again.defaultModel().isEmpty());
        QCOMPARE(ModelRegistry().models(), QStringList{ModelRegistry::normalize(bad_)});
        again.add(good_);
    }

    void cardIsDescribed() {
        const ModelCardInfo i = ModelRegistry::cardInfo(good_);
        QVERIFY(i.exists);
        QVERIFY(i.hasCard);
        QVERIFY(i.bytes > 0);
        QVERIFY(!i.components.isEmpty());
        const QString text = ModelRegistry::describe(i);
        QVERIFY2(text.contains("unet"), qPrintable(text));
        QVERIFY(text.contains(ModelRegistry::normalize(good_)));
        QVERIFY(ModelRegistry::describe(ModelRegistry::cardInfo(dir_.filePath("absent"))).contains("not exist"));
    }

    void integrityCheck() {
        ModelRegistry reg;
        ModelManager m(&reg);
        QCOMPARE(m.list()->count(), reg.models().size());
        QSignalSpy checked(&m, &ModelManager::integrityChecked);

        m.select(good_);
        QCOMPARE(m.currentModel(), ModelRegistry::normalize(good_));
        QVERIFY(m.details().contains("unet"));
        QVERIFY(m.checkCurrent());
        QVERIFY(checked.wait(30000));
        QCOMPARE(checked.last().at(1).toBool(), true);
        QVERIFY(m.integrityReport().contains("OK"));

        m.select(bad_);
        QVERIFY(m.checkCurrent());
        QVERIFY(checked.wait(30000));
        QCOMPARE(checked.last().at(1).toBool(), false);
        const QString report = checked.last().at(2).toString();
        QVERIFY2(report.contains(ModelRegistry::normalize(bad_)) || report.contains("bad"), qPrintable(report));
        QVERIFY2(report.contains("unet"), qPrintable(report));
        QVERIFY(m.details().contains(report.left(20)));
    }

    void manageButtons() {
        ModelRegistry reg;
        ModelManager m(&reg);
        QSignalSpy activate(&m, &ModelManager::activateRequested);
        m.select(good_);
        m.setCurrentDefault();
        QCOMPARE(reg.defaultModel(), ModelRegistry::normalize(good_));
        QVERIFY(m.list()->currentItem()->text().contains("default"));
        m.makeCurrentActive();
        QCOMPARE(activate.count(), 1);
        QCOMPARE(activate.first().first().toString(), ModelRegistry::normalize(good_));
        m.select(bad_);
        m.removeCurrent();
        QVERIFY(!reg.contains(bad_));
        QCOMPARE(m.list()->count(), 1);
        QVERIFY(m.addModel(bad_));
        QCOMPARE(m.currentModel(), ModelRegistry::normalize(bad_));
    }

private:
    QTemporaryDir dir_;
    QString good_, bad_;
};

QTEST_MAIN(TestModelManager)
#include "test_model_manager.moc"
