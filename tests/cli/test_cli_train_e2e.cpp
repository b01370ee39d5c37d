// End to end through the real binary: `labeldiff-cli train` from a JSON config on
// synthetic scenes, interrupted (--stop-after) and resumed, then `labeldiff-cli eval`
// printing per-class IoU, the absent-class accuracy and last the line miou=<value>;
// bad invocations fail with a message.
#include "core/formats/dataset_format.h"
#include "core/synthetic_scene.h"

#include "support/cli_process.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>

using json = nlohmann::json;

class TestCliTrainE2e : public QObject {
    Q_OBJECT
private slots:
    void trainResumeEval() {
        QTemporaryDir tmp;
        const std::string root = tmp.path().toStdString();
        ld::Dataset ds = ld::writeSyntheticDataset(root + "/data", 4, 64, 64, 5);
        ld::findDatasetFormat("coco")->write(ds, root + "/data/instances.json", {});
        const json cfg = {
            {"output", "model"},
            {"checkpoint_dir", "checkpoints"},
            {"model",
             {{"resolution", 32}, {"latent_factor", 4}, {"image_latent_channels", 4}, {"stem_hidden", 16},
              {"stem_layers", 1}, {"block_out_channels", {16, 32}}, {"attention", {true, true}},
              {"attention_head_dim", 8}, {"norm_groups", 4}, {"text_hidden", 16}, {"text_layers", 1},
              {"text_heads", 2}}},
            {"data", {{"train", "data/instances.json"}, {"val_fraction", 0.25}}},
            {"objective", {{"type", "sample"}}},
            {"steps", 20},
            {"batch", 4},
            {"checkpoint_every", 0},
            {"log_every", 5}};
        std::ofstream(root + "/train.json") << cfg.dump(2);
        const QString config = tmp.filePath("train.json");

        auto first = ld::test::runCli({"train", "--config", config, "--stop-after", "10", "--threads", "2"});
        QVERIFY2(first.exitCode == 0, qPrintable(first.err));
        QVERIFY(first.out.contains("resume with"));
        const QString checkpoint = tmp.filePath("checkpoints/step-0000010");
        QVERIFY(QFileInfo::exists(checkpoint + "/training_state/state.json"));

        auto second = ld::test::runCli({"train", "--resume", checkpoint, "--config", config, "--threads", "2"});
        QVERIFY2(second.exitCode == 0, qPrintable(second.err));
        QVERIFY(second.out.contains("step 20/20"));
        QVERIFY(QFileInfo::exists(tmp.filePath("model/model_card.json")));
        // JSON lines: one object per line, with the step events of both runs.
        std::ifstream log((root + "/checkpoints/progress.jsonl"));
        int steps = 0;
        for (std::string line; std::getline(log, line);) {
            const json j = json::parse(line);
            if (j["event"] == "step") ++steps;
        }
        QCOMPARE(steps, 4);

        auto eval = ld::test::runCli({"eval", "--model", tmp.filePath("model"), "--data",
                                      tmp.filePath("data/instances.json"), "--threshold", "0.5", "--threads", "2"});
        QVERIFY2(eval.exitCode == 0, qPrintable(eval.err));
        const QStringList lines = eval.out.trimmed().split('\n');
        QVERIFY(lines.last().startsWith("miou="));
        const double miou = lines.last().mid(5).toDouble();
        QVERIFY(miou >= 0 && miou <= 1);
        QVERIFY(eval.out.contains("absent_accuracy="));
        QVERIFY(eval.out.contains("window"));
    }

    void badInvocations() {
        auto none = ld::test::runCli({"train"});
        QVERIFY(none.exitCode != 0);
        QVERIFY(none.err.contains("--config"));
        auto missing = ld::test::runCli({"train", "--config", "/nonexistent/train.json"});
        QVERIFY(missing.exitCode != 0);
        QVERIFY(missing.err.contains("/nonexistent/train.json"));
        auto badThreshold = ld::test::runCli(
            {"eval", "--model", "/nonexistent", "--data", "/nonexistent.json", "--threshold", "banana"});
        QVERIFY(badThreshold.exitCode != 0);
    }
};

QTEST_APPLESS_MAIN(TestCliTrainE2e)
#include "test_cli_train_e2e.moc"
