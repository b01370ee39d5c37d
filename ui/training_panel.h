#pragma once
// The training panel: choose a dataset (the current project's labelled images exported
// through core to a temporary COCO file, a COCO file, a labelme folder or a mask folder)
// and see its summary and split; choose a base model (the default, any model directory,
// or from scratch) and the settings; Start / Stop (a checkpoint is written) / Resume; a
// progress bar with ETA; live plots of the loss (raw and smoothed), validation mIoU and
// per-class IoU, and the learning rate; a row of validation images (ground truth vs
// prediction) refreshed at each checkpoint; when done, the tuned thresholds, Register,
// Make active, and an old-vs-new comparison on the validation split. The work runs on the
// panel's own training thread (TrainingWorker), so labelling goes on meanwhile.
#include "core/project.h"
#include "ui/task.h"

#include <QPointer>
#include <QThread>
#include <QWidget>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>

class QComboBox;
class QGroupBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QHBoxLayout;
class QTemporaryDir;

namespace ld {

class LossPlot;
class PhraseSimilarityView;
class ModelRegistry;
class TaskProgress;
class TrainingWorker;
struct TrainStep;
struct ValidationPreview;

class TrainingPanel : public QWidget {
    Q_OBJECT
public:
    enum class DataKind { Project, Coco, Labelme, MaskFolder };
    enum class BaseKind { Default, Directory, Scratch };
    struct ProjectSnapshot {
        Project project;
        QString imagesDir;
    };

    explicit TrainingPanel(ModelRegistry* registry, QWidget* parent = nullptr);
    ~TrainingPanel() override;  // stops a run (checkpoint written) and joins the thread

    // Where "the current project" comes from (the main window's document).
    void setProjectProvider(std::function<ProjectSnapshot()> provider) { projectProvider_ = std::move(provider); }
    // The model "Default" means: the registry's default, else this (the active model).
    void setActiveModel(const QString& dir) { activeModel_ = dir; }
    void setDataset(DataKind kind, const QString& path = QString());
    void setBaseModel(BaseKind kind, const QString& dir = QString());
    void setOutputDir(const QString& dir);
    QString outputDir() const;
    // Keys merged (JSON merge patch) over what the widgets say, e.g. a from-scratch
    // architecture; "Load config…" fills it from a .train.json.
    void setConfigOverrides(const nlohmann::json& overrides) { overrides_ = overrides; }
    // The training config the widgets describe (absolute paths); empty + *error on a problem.
    nlohmann::json buildConfig(QString* error = nullptr);
    void refreshSummary();  // re-reads the dataset in the background

    bool start();
    void stop();     // the trainer writes a checkpoint; Resume continues from it
    bool resume();
    bool registerModel();
    void makeActive();
    bool compare();  // the base (or initial) model vs the trained one on the validation split

    bool isRunning() const { return running_; }
    bool isComparing() const { return comparing_; }
    QString lastCheckpoint() const { return lastCheckpoint_; }
    QString trainedModel() const { return trainedModel_; }
    QString baseModelDir() const;
    qint64 currentStep() const { return step_; }
    QString summaryText() const;
    const QVector<ValidationPreview>& lastPreviews() const { return previews_; }
    nlohmann::json lastValidation() const { return lastValidation_; }
    nlohmann::json comparison() const { return comparison_; }
    TaskProgress* task() const { return task_; }

    LossPlot* lossPlot() const { return lossPlot_; }
    LossPlot* iouPlot() const { return iouPlot_; }
    LossPlot* lrPlot() const { return lrPlot_; }
    PhraseSimilarityView* similarityView() const { return similarity_; }
    QString warningsText() const;
    QTableWidget* thresholdTable() const { return thresholds_; }
    QTableWidget* comparisonTable() const { return comparisonTable_; }
    QProgressBar* progressBar() const { return progress_; }
    QSpinBox* stepsBox() const { return steps_; }
    QSpinBox* batchBox() const { return batch_; }
    QSpinBox* resolutionBox() const { return resolution_; }
    QSpinBox* validateEveryBox() const { return validateEvery_; }
    QSpinBox* checkpointEveryBox() const { return checkpointEvery_; }
    QDoubleSpinBox* valFractionBox() const { return valFraction_; }
    QComboBox* deviceBox() const { return device_; }
    QComboBox* denoiserBox() const { return denoiser_; }
    QPushButton* startButton() const { return start_; }
    QPushButton* stopButton() const { return stop_; }
    QPushButton* resumeButton() const { return resume_; }

    void loadSettings();
    void saveSettings() const;

Q_SIGNALS:
    void taskStarted(ld::TaskProgress* task);  // for the status-bar progress indicator
    void trainingStarted();
    void metricsReceived(qint64 step);          // a validation arrived
    void checkpointWritten(const QString& path);
    void previewsUpdated();
    void trainingStopped(const QString& checkpoint);
    void trainingFinished(const QString& modelDir);
    void trainingFailed(const QString& message);
    void modelRegistered(const QString& dir);
    void makeActiveRequested(const QString& dir);
    void comparisonReady();
    void comparisonFailed(const QString& message);
    void summaryReady();

private:
    void buildUi();
    QGroupBox* buildDataBox();
    QGroupBox* buildModelBox();
    QGroupBox* buildSettingsBox();
    QGroupBox* buildRunBox();
    QWidget* buildMonitor();
    void updateButtons();
    bool launch(const QString& resumeDir);
    void onStarted(qint64 step, qint64 steps, const QString& info);
    void onSteps(const QVector<ld::TrainStep>& steps, qint64 total, double secondsPerStep, double eta);
    void onValidated(qint64 step, const QString& metrics);
    void onPreviews(qint64 step, const QVector<ld::ValidationPreview>& previews);
    void onFinished(bool cancelled, qint64 step, const QString& checkpoint, const QString& output,
                    const QString& validation);
    void onFailed(const QString& message);
    void onCompared(const QString& oldJson, const QString& newJson);
    void showThresholds(const nlohmann::json& validation);
    void browseDataset();
    void browseBase();
    void browseOutput();
    void loadConfigFile();
    QString exportProject(QString* imagesDir, QString* error);
    void setStatus(const QString& text);

    ModelRegistry* registry_;
    QThread thread_;
    TrainingWorker* worker_;
    std::function<ProjectSnapshot()> projectProvider_;
    QString activeModel_;
    nlohmann::json overrides_ = nlohmann::json::object();
    nlohmann::json config_;  // of the current / last run
    nlohmann::json lastValidation_, comparison_;
    std::unique_ptr<QTemporaryDir> exportDir_;
    QPointer<Task> summaryTask_;
    QString summary_;
    bool running_ = false, comparing_ = false, stopRequested_ = false;
    qint64 step_ = 0, totalSteps_ = 0;
    QString lastCheckpoint_, trainedModel_;
    QVector<ValidationPreview> previews_;
    QPointer<TaskProgress> task_;

    QComboBox* dataKind_;
    QLineEdit* dataPath_;
    QPushButton* dataBrowse_;
    QLabel* summaryLabel_;
    QDoubleSpinBox* valFraction_;
    QComboBox* baseKind_;
    QComboBox* denoiser_;
    QLineEdit* basePath_;
    QPushButton* baseBrowse_;
    QLineEdit* output_;
    QComboBox* objective_;
    QComboBox* timesteps_;
    QComboBox* noise_;
    QDoubleSpinBox* pDrop_;
    QDoubleSpinBox* lr_;
    QSpinBox* steps_;
    QSpinBox* batch_;
    QSpinBox* resolution_;
    QLineEdit* freeze_;
    QComboBox* device_;
    QSpinBox* validateEvery_;
    QSpinBox* checkpointEvery_;
    QPushButton* start_;
    QPushButton* stop_;
    QPushButton* resume_;
    QProgressBar* progress_;
    QLabel* eta_;
    QLabel* status_;
    LossPlot* lossPlot_;
    LossPlot* iouPlot_;
    LossPlot* lrPlot_;
    QHBoxLayout* previewRow_;
    PhraseSimilarityView* similarity_;
    QLabel* warnings_;
    QTableWidget* thresholds_;
    QPushButton* register_;
    QPushButton* makeActive_;
    QPushButton* compare_;
    QTableWidget* comparisonTable_;
};

}  // namespace ld
