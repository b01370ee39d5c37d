// Over 600 lines: form, run state and monitor in one widget; splitting it into those three
// is the next step of issue 16 (README, Architecture).
#include "ui/training_panel.h"

#include "ui/task.h"
#include "ui/training_worker.h"

#include "core/formats/dataset_format.h"
#include "core/dataset_summary.h"
#include "core/default_model.h"
#include "core/error.h"
#include "core/json_read.h"
#include "core/labelled_subset.h"
#include "ui/loss_plot.h"
#include "ui/model_registry.h"
#include "ui/phrase_similarity_view.h"
#include "ui/task_progress.h"

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QVBoxLayout>

#include <cmath>

namespace ld {

using json = nlohmann::json;

namespace {
const char* formatName(TrainingPanel::DataKind k) {
    switch (k) {
    case TrainingPanel::DataKind::Project:
    case TrainingPanel::DataKind::Coco: return "coco";
    case TrainingPanel::DataKind::Labelme: return "labelme";
    case TrainingPanel::DataKind::MaskFolder: return "masks";
    }
    return "coco";
}
constexpr double kLossSmoothing = 0.9;
}  // namespace

TrainingPanel::TrainingPanel(ModelRegistry* registry, QWidget* parent)
    : QWidget(parent), registry_(registry), worker_(new TrainingWorker) {
    thread_.setObjectName(QStringLiteral("training"));
    worker_->moveToThread(&thread_);
    connect(worker_, &TrainingWorker::started, this, &TrainingPanel::onStarted);
    connect(worker_, &TrainingWorker::steps, this, &TrainingPanel::onSteps);
    connect(worker_, &TrainingWorker::validated, this, &TrainingPanel::onValidated);
    connect(worker_, &TrainingWorker::checkpointWritten, this, [this](qint64, const QString& path) {
        lastCheckpoint_ = path;
        Q_EMIT checkpointWritten(path);
    });
    connect(worker_, &TrainingWorker::previews, this, &TrainingPanel::onPreviews);
    connect(worker_, &TrainingWorker::finished, this, &TrainingPanel::onFinished);
    connect(worker_, &TrainingWorker::failed, this, &TrainingPanel::onFailed);
    connect(worker_, &TrainingWorker::compared, this, &TrainingPanel::onCompared);
    connect(worker_, &TrainingWorker::compareFailed, this, [this](const QString& m) {
        comparing_ = false;
        setStatus(tr("Comparison failed: %1").arg(m));
        updateButtons();
        Q_EMIT comparisonFailed(m);
    });
    thread_.start();
    buildUi();
    updateButtons();
}

TrainingPanel::~TrainingPanel() {
    // A run in progress stops with a checkpoint (within one step), then the thread joins.
    worker_->cancelToken().cancel();
    thread_.quit();
    thread_.wait();
    delete worker_;
}

// The form, in the order a run needs it: where the images come from, which model to start
// from and where the result goes, the settings, and the run's buttons and progress; beside
// it the monitor (plots, validation previews, result and phrase similarity).
QGroupBox* TrainingPanel::buildDataBox() {
    dataKind_ = new QComboBox;
    dataKind_->addItem(tr("Current project (labelled images)"), int(DataKind::Project));
    dataKind_->addItem(tr("COCO instances file"), int(DataKind::Coco));
    dataKind_->addItem(tr("labelme folder"), int(DataKind::Labelme));
    dataKind_->addItem(tr("Mask folder"), int(DataKind::MaskFolder));
    dataKind_->setToolTip(tr("Where the labelled images come from. The current project uses every image that "
                             "has annotations (reviewed or not), exported to a temporary COCO file."));
    dataPath_ = new QLineEdit;
    dataPath_->setPlaceholderText(tr("dataset file or folder"));
    dataBrowse_ = new QPushButton(tr("Browse…"));
    summaryLabel_ = new QLabel(tr("No dataset read yet."));
    summaryLabel_->setWordWrap(true);
    summaryLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont mono = summaryLabel_->font();
    mono.setStyleHint(QFont::Monospace);
    mono.setFamily(QStringLiteral("monospace"));
    summaryLabel_->setFont(mono);
    valFraction_ = new QDoubleSpinBox;
    valFraction_->setRange(0.0, 0.9);
    valFraction_->setSingleStep(0.05);
    valFraction_->setValue(0.1);
    valFraction_->setToolTip(tr("Share of the images held out for validation (a seeded split). Validation "
                                "measures per-class IoU and tunes each class's threshold."));
    auto* dataRow = new QHBoxLayout;
    dataRow->addWidget(dataPath_, 1);
    dataRow->addWidget(dataBrowse_);
    auto* dataForm = new QFormLayout;
    dataForm->addRow(tr("Source:"), dataKind_);
    dataForm->addRow(tr("Path:"), dataRow);
    dataForm->addRow(tr("Validation share:"), valFraction_);
    dataForm->addRow(summaryLabel_);
    auto* dataBox = new QGroupBox(tr("Dataset"));
    dataBox->setLayout(dataForm);
    connect(dataKind_, &QComboBox::currentIndexChanged, this, [this] {
        const bool project = DataKind(dataKind_->currentData().toInt()) == DataKind::Project;
        dataPath_->setEnabled(!project);
        dataBrowse_->setEnabled(!project);
        refreshSummary();
    });
    connect(dataPath_, &QLineEdit::editingFinished, this, &TrainingPanel::refreshSummary);
    connect(valFraction_, &QDoubleSpinBox::valueChanged, this, &TrainingPanel::refreshSummary);
    connect(dataBrowse_, &QPushButton::clicked, this, &TrainingPanel::browseDataset);
    return dataBox;
}

QGroupBox* TrainingPanel::buildModelBox() {
    baseKind_ = new QComboBox;
    baseKind_->addItem(tr("Default model"), int(BaseKind::Default));
    baseKind_->addItem(tr("Model directory…"), int(BaseKind::Directory));
    baseKind_->addItem(tr("From scratch"), int(BaseKind::Scratch));
    baseKind_->setToolTip(tr("Fine-tune an existing model directory (the default one, or any other), or train "
                             "a small self-contained model from scratch over the dataset's class names."));
    denoiser_ = new QComboBox;
    denoiser_->addItem(tr("U-Net"), QStringLiteral("unet"));
    denoiser_->addItem(tr("DiT"), QStringLiteral("dit"));
    denoiser_->setToolTip(tr("The network that denoises the mask, for a model trained from scratch: a U-Net "
                             "(GS, DiGSeg) or a PixArt-style Diffusion Transformer (GenMask). A fine-tuned "
                             "model keeps its base's."));
    basePath_ = new QLineEdit;
    basePath_->setPlaceholderText(tr("model directory"));
    baseBrowse_ = new QPushButton(tr("Browse…"));
    auto* baseRow = new QHBoxLayout;
    baseRow->addWidget(basePath_, 1);
    baseRow->addWidget(baseBrowse_);
    output_ = new QLineEdit;
    output_->setToolTip(tr("The trained model directory to write. Checkpoints go to <output>.checkpoints."));
    auto* outBrowse = new QPushButton(tr("Browse…"));
    auto* outRow = new QHBoxLayout;
    outRow->addWidget(output_, 1);
    outRow->addWidget(outBrowse);
    auto* loadConfig = new QPushButton(tr("Load config…"));
    loadConfig->setToolTip(tr("Read advanced settings from a .train.json file (as labeldiff-cli train uses); "
                              "they apply on top of the settings above."));
    auto* modelForm = new QFormLayout;
    modelForm->addRow(tr("Base:"), baseKind_);
    modelForm->addRow(tr("Directory:"), baseRow);
    modelForm->addRow(tr("Denoiser:"), denoiser_);
    modelForm->addRow(tr("Output:"), outRow);
    modelForm->addRow(QString(), loadConfig);
    auto* modelBox = new QGroupBox(tr("Model"));
    modelBox->setLayout(modelForm);
    connect(baseKind_, &QComboBox::currentIndexChanged, this, [this] {
        const BaseKind k = BaseKind(baseKind_->currentData().toInt());
        basePath_->setEnabled(k == BaseKind::Directory);
        baseBrowse_->setEnabled(k == BaseKind::Directory);
        resolution_->setEnabled(k == BaseKind::Scratch);
        denoiser_->setEnabled(k == BaseKind::Scratch);
    });
    connect(baseBrowse_, &QPushButton::clicked, this, &TrainingPanel::browseBase);
    connect(outBrowse, &QPushButton::clicked, this, &TrainingPanel::browseOutput);
    connect(loadConfig, &QPushButton::clicked, this, &TrainingPanel::loadConfigFile);
    return modelBox;
}

QGroupBox* TrainingPanel::buildSettingsBox() {
    objective_ = new QComboBox;
    objective_->addItem(tr("x₀ (sample) prediction"), QStringLiteral("sample"));
    objective_->addItem(tr("ε (noise) prediction"), QStringLiteral("epsilon"));
    objective_->addItem(tr("v prediction"), QStringLiteral("v_prediction"));
    objective_->addItem(tr("Rectified flow"), QStringLiteral("flow"));
    objective_->addItem(tr("Discriminative baseline"), QStringLiteral("discriminative"));
    objective_->setToolTip(tr("What the network learns to predict. x₀ (GenMask/DiGSeg) suits one-step masks; "
                              "ε is classic DDPM (needs a schedule without zero terminal SNR); flow is "
                              "rectified flow; discriminative is a plain one-pass baseline."));
    timesteps_ = new QComboBox;
    timesteps_->addItem(tr("Long tail (GenMask)"), QStringLiteral("long_tail"));
    timesteps_->addItem(tr("Uniform"), QStringLiteral("uniform"));
    timesteps_->addItem(tr("Logit-normal (SD3)"), QStringLiteral("logit_normal"));
    timesteps_->setToolTip(tr("How training noise levels are drawn. Long tail favours extreme noise, where "
                              "one-step mask generation starts; uniform draws every level alike."));
    noise_ = new QComboBox;
    noise_->addItem(tr("Gaussian"), QStringLiteral("gaussian"));
    noise_->addItem(tr("Multi-resolution annealed (DiGSeg)"), QStringLiteral("multires_annealed"));
    noise_->setToolTip(tr("The noise added to mask latents: plain Gaussian, or DiGSeg's multi-resolution "
                          "noise (coarse blobs as well as pixels), annealed with the timestep."));
    pDrop_ = new QDoubleSpinBox;
    pDrop_->setRange(0, 0.9);
    pDrop_->setSingleStep(0.05);
    pDrop_->setValue(0.1);
    pDrop_->setToolTip(tr("Condition dropout: the share of samples whose phrase is replaced by the learned null "
                          "embedding, so that classifier-free guidance works at sampling time."));
    lr_ = new QDoubleSpinBox;
    lr_->setDecimals(6);
    lr_->setRange(1e-6, 1.0);
    lr_->setSingleStep(1e-4);
    lr_->setValue(1e-3);
    lr_->setToolTip(tr("Peak AdamW learning rate, after a linear warm-up, decaying by a cosine to 5 %. "
                       "Lower it (1e-4 … 1e-5) when fine-tuning a large pretrained model."));
    steps_ = new QSpinBox;
    steps_->setRange(1, 10000000);
    steps_->setValue(1000);
    steps_->setToolTip(tr("Optimizer steps in total (a resumed run continues up to this number)."));
    batch_ = new QSpinBox;
    batch_->setRange(1, 1024);
    batch_->setValue(8);
    batch_->setToolTip(tr("(image, phrase, mask) samples per step. Larger batches are smoother but need more memory."));
    resolution_ = new QSpinBox;
    resolution_->setRange(32, 2048);
    resolution_->setSingleStep(32);
    resolution_->setValue(256);
    resolution_->setToolTip(tr("Image side (pixels) of a model trained from scratch; a fine-tuned model keeps "
                               "its base's resolution."));
    freeze_ = new QLineEdit;
    freeze_->setPlaceholderText(QStringLiteral("^image_encoder\\.  ^text_encoder\\."));
    freeze_->setToolTip(tr("Regular expressions over parameter names, separated by spaces: matching "
                           "parameters stay fixed (e.g. ^image_encoder\\. keeps the image encoder)."));
    device_ = new QComboBox;
    device_->addItem(tr("Automatic"), QStringLiteral("auto"));
    device_->addItem(tr("CPU"), QStringLiteral("cpu"));
    device_->addItem(tr("CUDA GPU"), QStringLiteral("cuda"));
    device_->setToolTip(tr("Where the training runs; automatic takes a CUDA GPU when there is one."));
    device_->setCurrentIndex(1);
    validateEvery_ = new QSpinBox;
    validateEvery_->setRange(0, 1000000);
    validateEvery_->setValue(100);
    validateEvery_->setToolTip(tr("Validate (IoU per class, mIoU) every this many steps; 0: only at the end."));
    checkpointEvery_ = new QSpinBox;
    checkpointEvery_->setRange(0, 1000000);
    checkpointEvery_->setValue(200);
    checkpointEvery_->setToolTip(tr("Write a checkpoint (a complete model directory) every this many steps; "
                                    "Stop always writes one."));
    auto* settingsForm = new QFormLayout;
    settingsForm->addRow(tr("Objective:"), objective_);
    settingsForm->addRow(tr("Timestep sampling:"), timesteps_);
    settingsForm->addRow(tr("Noise:"), noise_);
    settingsForm->addRow(tr("p_drop:"), pDrop_);
    settingsForm->addRow(tr("Learning rate:"), lr_);
    settingsForm->addRow(tr("Steps:"), steps_);
    settingsForm->addRow(tr("Batch:"), batch_);
    settingsForm->addRow(tr("Resolution:"), resolution_);
    settingsForm->addRow(tr("Freeze:"), freeze_);
    settingsForm->addRow(tr("Device:"), device_);
    settingsForm->addRow(tr("Validate every:"), validateEvery_);
    settingsForm->addRow(tr("Checkpoint every:"), checkpointEvery_);
    auto* settingsBox = new QGroupBox(tr("Settings"));
    settingsBox->setLayout(settingsForm);
    return settingsBox;
}

QGroupBox* TrainingPanel::buildRunBox() {
    start_ = new QPushButton(tr("Start"));
    start_->setObjectName(QStringLiteral("trainStart"));
    stop_ = new QPushButton(tr("Stop"));
    stop_->setToolTip(tr("Stop after the current step; a checkpoint is written and Resume continues from it."));
    resume_ = new QPushButton(tr("Resume"));
    resume_->setToolTip(tr("Continue from the last checkpoint, exactly as an uninterrupted run would."));
    progress_ = new QProgressBar;
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progress_->setFormat(tr("step %v / %m"));
    eta_ = new QLabel;
    status_ = new QLabel;
    status_->setWordWrap(true);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(start_);
    buttons->addWidget(stop_);
    buttons->addWidget(resume_);
    auto* runLayout = new QVBoxLayout;
    runLayout->addLayout(buttons);
    runLayout->addWidget(progress_);
    runLayout->addWidget(eta_);
    runLayout->addWidget(status_);
    auto* runBox = new QGroupBox(tr("Run"));
    runBox->setLayout(runLayout);
    connect(start_, &QPushButton::clicked, this, [this] { start(); });
    connect(stop_, &QPushButton::clicked, this, &TrainingPanel::stop);
    connect(resume_, &QPushButton::clicked, this, [this] { resume(); });
    return runBox;
}

QWidget* TrainingPanel::buildMonitor() {
    lossPlot_ = new LossPlot(tr("Training loss"), tr("loss"));
    iouPlot_ = new LossPlot(tr("Validation IoU"), tr("IoU"));
    iouPlot_->setYRange(0, 1);
    iouPlot_->setLegendAlignment(Qt::AlignRight);
    iouPlot_->setEmphasised(tr("mIoU"));
    lrPlot_ = new LossPlot(tr("Learning rate"), tr("lr"));
    auto* previewBox = new QGroupBox(tr("Validation images (ground truth | prediction)"));
    previewRow_ = new QHBoxLayout(previewBox);
    previewRow_->addWidget(new QLabel(tr("Shown after each checkpoint.")));
    previewRow_->addStretch();
    thresholds_ = new QTableWidget(0, 2);
    thresholds_->setHorizontalHeaderLabels({tr("Class"), tr("Tuned τ")});
    thresholds_->horizontalHeader()->setStretchLastSection(true);
    thresholds_->verticalHeader()->hide();
    thresholds_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    register_ = new QPushButton(tr("Register model"));
    register_->setToolTip(tr("Add the trained model to the model manager's list."));
    makeActive_ = new QPushButton(tr("Make active"));
    makeActive_->setToolTip(tr("Register the trained model and label with it from now on."));
    compare_ = new QPushButton(tr("Compare old vs new"));
    compare_->setToolTip(tr("Score the base model and the trained one on the validation split (IoU per class), "
                            "on the training thread."));
    comparisonTable_ = new QTableWidget(0, 4);
    comparisonTable_->setHorizontalHeaderLabels({tr("Class"), tr("Old IoU"), tr("New IoU"), tr("Change")});
    comparisonTable_->horizontalHeader()->setStretchLastSection(true);
    comparisonTable_->verticalHeader()->hide();
    comparisonTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    auto* resultButtons = new QVBoxLayout;
    resultButtons->addWidget(register_);
    resultButtons->addWidget(makeActive_);
    resultButtons->addWidget(compare_);
    resultButtons->addStretch();
    auto* resultLayout = new QHBoxLayout;
    resultLayout->addWidget(thresholds_, 1);
    resultLayout->addLayout(resultButtons);
    resultLayout->addWidget(comparisonTable_, 2);
    auto* resultBox = new QGroupBox(tr("Result"));
    resultBox->setLayout(resultLayout);

    similarity_ = new PhraseSimilarityView;
    warnings_ = new QLabel;
    warnings_->setWordWrap(true);
    warnings_->setStyleSheet(QStringLiteral("color: #b00020"));
    auto* similarityBox = new QGroupBox(tr("Phrase similarity (text encoder)"));
    auto* similarityLayout = new QVBoxLayout(similarityBox);
    similarityLayout->addWidget(similarity_, 1);
    similarityLayout->addWidget(warnings_);

    auto* plots = new QWidget;
    auto* plotGrid = new QGridLayout(plots);
    plotGrid->addWidget(lossPlot_, 0, 0);
    plotGrid->addWidget(iouPlot_, 0, 1);
    plotGrid->addWidget(lrPlot_, 1, 0);
    plotGrid->addWidget(previewBox, 1, 1);
    plotGrid->addWidget(resultBox, 2, 0);
    plotGrid->addWidget(similarityBox, 2, 1);
    plotGrid->setRowStretch(0, 3);
    plotGrid->setRowStretch(1, 2);
    plotGrid->setRowStretch(2, 2);
    connect(register_, &QPushButton::clicked, this, [this] { registerModel(); });
    connect(makeActive_, &QPushButton::clicked, this, &TrainingPanel::makeActive);
    connect(compare_, &QPushButton::clicked, this, [this] { compare(); });
    return plots;
}

void TrainingPanel::buildUi() {
    auto* left = new QWidget;
    auto* leftLayout = new QVBoxLayout(left);
    for (QWidget* w : {buildDataBox(), buildModelBox(), buildSettingsBox(), buildRunBox()}) leftLayout->addWidget(w);
    leftLayout->addStretch();
    // Enables the base model's fields, some of which the settings box holds.
    Q_EMIT baseKind_->currentIndexChanged(baseKind_->currentIndex());
    auto* scroll = new QScrollArea;
    scroll->setWidget(left);
    scroll->setWidgetResizable(true);
    scroll->setMinimumWidth(340);

    auto* split = new QSplitter;
    split->addWidget(scroll);
    split->addWidget(buildMonitor());
    split->setStretchFactor(1, 1);
    auto* top = new QVBoxLayout(this);
    top->setContentsMargins(0, 0, 0, 0);
    top->addWidget(split);
}

void TrainingPanel::updateButtons() {
    const bool busy = running_ || comparing_;
    start_->setEnabled(!busy);
    stop_->setEnabled(running_ && !stopRequested_);
    resume_->setEnabled(!busy && !lastCheckpoint_.isEmpty() && trainedModel_.isEmpty());
    register_->setEnabled(!busy && !trainedModel_.isEmpty());
    makeActive_->setEnabled(!busy && !trainedModel_.isEmpty());
    compare_->setEnabled(!busy && !trainedModel_.isEmpty());
}

void TrainingPanel::setStatus(const QString& text) { status_->setText(text); }

void TrainingPanel::setDataset(DataKind kind, const QString& path) {
    dataKind_->blockSignals(true);
    dataKind_->setCurrentIndex(dataKind_->findData(int(kind)));
    dataKind_->blockSignals(false);
    dataPath_->setEnabled(kind != DataKind::Project);
    dataBrowse_->setEnabled(kind != DataKind::Project);
    dataPath_->setText(path);
    refreshSummary();
}

void TrainingPanel::setBaseModel(BaseKind kind, const QString& dir) {
    baseKind_->setCurrentIndex(baseKind_->findData(int(kind)));
    if (!dir.isEmpty()) basePath_->setText(dir);
}

void TrainingPanel::setOutputDir(const QString& dir) { output_->setText(dir); }
QString TrainingPanel::outputDir() const { return output_->text().trimmed(); }
QString TrainingPanel::summaryText() const { return summary_; }

QString TrainingPanel::baseModelDir() const {
    switch (BaseKind(baseKind_->currentData().toInt())) {
    case BaseKind::Default:
        if (registry_ && !registry_->defaultModel().isEmpty()) return registry_->defaultModel();
        if (!activeModel_.isEmpty()) return activeModel_;
        // Nothing chosen yet: the model that ships with the application.
        try {
            return QString::fromStdString(defaultModelDirectory().string());
        } catch (const Error&) {
            return QString();
        }
    case BaseKind::Directory: return basePath_->text().trimmed();
    case BaseKind::Scratch: return QString();
    }
    return QString();
}

QString TrainingPanel::exportProject(QString* imagesDir, QString* error) {
    if (!projectProvider_) {
        *error = tr("No project is open.");
        return QString();
    }
    ProjectSnapshot snap = projectProvider_();
    const Project p = labelledSubset(snap.project);
    if (p.images.empty()) {
        *error = tr("The project has no labelled images yet.");
        return QString();
    }
    exportDir_ = std::make_unique<QTemporaryDir>();
    const QString path = exportDir_->filePath(QStringLiteral("instances.json"));
    try {
        const Dataset ds = projectToDataset(p, snap.imagesDir.toStdString());
        findDatasetFormat("coco")->write(ds, path.toStdString(), {});
    } catch (const std::exception& e) {
        *error = QString::fromUtf8(e.what());
        return QString();
    }
    *imagesDir = snap.imagesDir;
    return path;
}

void TrainingPanel::refreshSummary() {
    const DataKind kind = DataKind(dataKind_->currentData().toInt());
    QString path = dataPath_->text().trimmed(), images, error;
    if (kind == DataKind::Project) {
        path = exportProject(&images, &error);
        if (path.isEmpty()) {
            summary_ = error;
            summaryLabel_->setText(error);
            Q_EMIT summaryReady();
            return;
        }
    }
    if (path.isEmpty()) return;
    summaryLabel_->setText(tr("Reading…"));
    const std::string format = formatName(kind);
    const double valFraction = valFraction_->value();
    const QString header = tr("Split: about %1 % of the images for validation.").arg(valFraction * 100, 0, 'f', 0);
    // A newer request replaces the one still reading.
    if (summaryTask_) summaryTask_->cancel();
    summaryTask_ = new Task(tr("Reading the training data"), this);
    const auto show = [this](const QString& text) {
        summary_ = text;
        summaryLabel_->setText(text);
        Q_EMIT summaryReady();
    };
    connect(summaryTask_, &Task::failed, this, show);
    runTask<QString>(summaryTask_, [path, images, format, header](TaskContext&) {
        ReadOptions ro;
        ro.imagesDir = images.toStdString();
        const Dataset ds = findDatasetFormat(format)->read(path.toStdString(), ro);
        const DatasetSummary sum = summarizeDataset(ds, path.toStdString(), format);
        return QString::fromStdString(ld::summaryText(sum)).trimmed() + QLatin1Char('\n') + header;
    }, show);
}

json TrainingPanel::buildConfig(QString* error) {
    QString err;
    const auto fail = [&](const QString& m) {
        if (error) *error = m;
        return json();
    };
    const DataKind kind = DataKind(dataKind_->currentData().toInt());
    json source = {{"format", formatName(kind)}};
    if (kind == DataKind::Project) {
        QString images;
        const QString path = exportProject(&images, &err);
        if (path.isEmpty()) return fail(err);
        source["path"] = path.toStdString();
        source["images"] = images.toStdString();
    } else {
        const QString path = dataPath_->text().trimmed();
        if (path.isEmpty()) return fail(tr("Choose a dataset first."));
        source["path"] = QFileInfo(path).absoluteFilePath().toStdString();
    }
    const QString out = outputDir();
    if (out.isEmpty()) return fail(tr("Choose an output directory first."));
    const QString outAbs = QDir::cleanPath(QFileInfo(out).absoluteFilePath());
    const int steps = steps_->value();
    json c = {{"output", outAbs.toStdString()},
              {"checkpoint_dir", (outAbs + QStringLiteral(".checkpoints")).toStdString()},
              {"data", {{"train", json::array({source})}, {"val_fraction", valFraction_->value()}}},
              {"objective",
               {{"type", objective_->currentData().toString().toStdString()},
                {"timesteps", timesteps_->currentData().toString().toStdString()},
                {"noise", noise_->currentData().toString().toStdString()},
                {"p_drop", pDrop_->value()}}},
              {"steps", steps},
              {"batch", batch_->value()},
              {"optim", {{"lr", lr_->value()}, {"warmup", std::min(100, std::max(1, steps / 10))}}},
              {"device", device_->currentData().toString().toStdString()},
              {"validate_every", validateEvery_->value()},
              {"checkpoint_every", checkpointEvery_->value()},
              {"log_every", 1}};
    const QString base = baseModelDir();
    if (BaseKind(baseKind_->currentData().toInt()) == BaseKind::Scratch) {
        c["model"] = {{"resolution", resolution_->value()},
                      {"denoiser", denoiser_->currentData().toString().toStdString()}};
    } else {
        if (base.isEmpty()) return fail(tr("Choose a base model first (or train from scratch)."));
        c["base_model"] = QFileInfo(base).absoluteFilePath().toStdString();
    }
    const QStringList freeze = freeze_->text().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (!freeze.isEmpty()) {
        json f = json::array();
        for (const QString& p : freeze) f.push_back(p.toStdString());
        c["freeze"] = f;
    }
    if (overrides_.is_object() && !overrides_.empty()) c.merge_patch(overrides_);
    return c;
}

bool TrainingPanel::launch(const QString& resumeDir) {
    if (running_ || comparing_) return false;
    running_ = true;
    stopRequested_ = false;
    trainedModel_.clear();
    worker_->cancelToken().reset();
    task_ = new TaskProgress(tr("Training"), this);
    task_->setTotal(int(config_.value("steps", 0)));
    connect(task_, &TaskProgress::cancelRequested, this, &TrainingPanel::stop);
    Q_EMIT taskStarted(task_);
    setStatus(resumeDir.isEmpty() ? tr("Starting…") : tr("Resuming from %1…").arg(resumeDir));
    updateButtons();
    QMetaObject::invokeMethod(
        worker_, [w = worker_, config = QString::fromStdString(config_.dump()), resumeDir] { w->train(config, resumeDir); },
        Qt::QueuedConnection);
    Q_EMIT trainingStarted();
    return true;
}

bool TrainingPanel::start() {
    if (running_ || comparing_) return false;
    QString error;
    json c = buildConfig(&error);
    if (c.is_null()) {
        setStatus(error);
        Q_EMIT trainingFailed(error);
        return false;
    }
    config_ = c;
    lastCheckpoint_.clear();
    lastValidation_ = json();
    comparison_ = json();
    lossPlot_->clear();
    iouPlot_->clear();
    similarity_->clear();
    warnings_->clear();
    lrPlot_->clear();
    thresholds_->setRowCount(0);
    comparisonTable_->setRowCount(0);
    return launch(QString());
}

void TrainingPanel::stop() {
    if (!running_ || stopRequested_) return;
    stopRequested_ = true;
    worker_->cancelToken().cancel();
    setStatus(tr("Stopping: writing a checkpoint…"));
    updateButtons();
}

bool TrainingPanel::resume() {
    if (running_ || comparing_ || lastCheckpoint_.isEmpty() || config_.is_null()) return false;
    return launch(lastCheckpoint_);
}

void TrainingPanel::onStarted(qint64 step, qint64 steps, const QString& info) {
    step_ = step;
    totalSteps_ = steps;
    progress_->setRange(0, int(steps));
    progress_->setValue(int(step));
    if (task_) task_->setTotal(int(steps));
    for (LossPlot* plot : {lossPlot_, lrPlot_, iouPlot_}) plot->setXExtent(0, double(steps));
    const json j = json::parse(info.toStdString(), nullptr, false);
    if (j.is_object())
        setStatus(tr("Training on %1 images, validating on %2, %3 classes, %4 trainable parameters, %5.")
                      .arg(j.value("train_images", 0))
                      .arg(j.value("val_images", 0))
                      .arg(j.contains("classes") ? int(j["classes"].size()) : 0)
                      .arg(QLocale().toString(qlonglong(j.value("trainable_parameters", int64_t(0)))))
                      .arg(QString::fromStdString(j.value("device", std::string()))));
}

void TrainingPanel::onSteps(const QVector<TrainStep>& steps, qint64 total, double secondsPerStep, double eta) {
    for (const TrainStep& s : steps) {
        lossPlot_->append(tr("loss"), double(s.step), s.loss, kLossSmoothing);
        lrPlot_->append(tr("learning rate"), double(s.step), s.lr);
    }
    if (steps.isEmpty()) return;
    step_ = steps.back().step;
    progress_->setRange(0, int(total));
    progress_->setValue(int(step_));
    const QString etaText = eta >= 0 ? TaskProgress::formatDuration(eta) : QString();
    eta_->setText(tr("%1 s/step, ETA %2").arg(secondsPerStep, 0, 'f', 3).arg(etaText));
    if (task_) task_->setProgress(int(step_), tr("step %1 / %2, loss %3").arg(step_).arg(total).arg(steps.back().loss, 0, 'g', 4));
}

void TrainingPanel::onValidated(qint64 step, const QString& metrics) {
    const json m = json::parse(metrics.toStdString(), nullptr, false);
    if (!m.is_object()) return;
    lastValidation_ = m;
    iouPlot_->append(tr("mIoU"), double(step), m.value("miou", 0.0));
    if (m.contains("phrase_similarity")) {
        try {
            similarity_->setSimilarity(PhraseSimilarity::fromJson(m["phrase_similarity"]));
        } catch (const std::exception&) {
            similarity_->clear();  // a figure from another version: the rest still shows
        }
    }
    QStringList warnings;
    if (m.contains("warnings") && m["warnings"].is_array())
        for (const auto& w : m["warnings"])
            if (w.is_string()) warnings << QString::fromStdString(w.get<std::string>());
    warnings_->setText(warnings.join(QLatin1Char('\n')));
    if (m.contains("per_class_iou"))
        for (const auto& [name, v] : m["per_class_iou"].items())
            iouPlot_->append(QString::fromStdString(name), double(step), v.get<double>());
    Q_EMIT metricsReceived(step);
}

QString TrainingPanel::warningsText() const { return warnings_->text(); }

void TrainingPanel::onPreviews(qint64, const QVector<ValidationPreview>& previews) {
    if (previews.isEmpty()) return;
    previews_ = previews;
    while (QLayoutItem* item = previewRow_->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    for (const ValidationPreview& p : previews) {
        auto* cell = new QWidget;
        auto* grid = new QGridLayout(cell);
        grid->setContentsMargins(2, 2, 2, 2);
        auto* truth = new QLabel;
        truth->setPixmap(QPixmap::fromImage(p.truth));
        auto* pred = new QLabel;
        pred->setPixmap(QPixmap::fromImage(p.prediction));
        auto* caption = new QLabel(tr("%1 — IoU %2").arg(p.phrase).arg(p.iou, 0, 'f', 2));
        caption->setToolTip(p.file);
        grid->addWidget(truth, 0, 0);
        grid->addWidget(pred, 0, 1);
        grid->addWidget(caption, 1, 0, 1, 2, Qt::AlignHCenter);
        previewRow_->addWidget(cell);
    }
    previewRow_->addStretch();
    Q_EMIT previewsUpdated();
}

void TrainingPanel::showThresholds(const json& v) {
    thresholds_->setRowCount(0);
    if (!v.is_object() || !v.contains("tuned_thresholds")) return;
    for (const auto& [name, tau] : v["tuned_thresholds"].items()) {
        const int r = thresholds_->rowCount();
        thresholds_->insertRow(r);
        thresholds_->setItem(r, 0, new QTableWidgetItem(QString::fromStdString(name)));
        thresholds_->setItem(r, 1, new QTableWidgetItem(QString::number(tau.get<double>(), 'f', 3)));
    }
}

void TrainingPanel::onFinished(bool cancelled, qint64 step, const QString& checkpoint, const QString& output,
                               const QString& validation) {
    running_ = false;
    stopRequested_ = false;
    step_ = step;
    if (!checkpoint.isEmpty()) lastCheckpoint_ = checkpoint;
    if (cancelled) {
        setStatus(tr("Stopped at step %1; checkpoint %2. Resume continues from it.").arg(step).arg(checkpoint));
        if (task_) task_->finish(tr("Training stopped at step %1").arg(step));
        updateButtons();
        Q_EMIT trainingStopped(checkpoint);
        return;
    }
    trainedModel_ = output;
    const json v = json::parse(validation.toStdString(), nullptr, false);
    if (v.is_object()) {
        lastValidation_ = v;
        showThresholds(v);
    }
    setStatus(tr("Done: %1 (mIoU %2).").arg(output).arg(v.is_object() ? v.value("miou", 0.0) : 0.0, 0, 'f', 3));
    if (task_) task_->finish(tr("Training finished"));
    updateButtons();
    Q_EMIT trainingFinished(output);
}

void TrainingPanel::onFailed(const QString& message) {
    running_ = false;
    stopRequested_ = false;
    setStatus(tr("Training failed: %1").arg(message));
    if (task_) task_->finish(tr("Training failed"));
    updateButtons();
    Q_EMIT trainingFailed(message);
}

bool TrainingPanel::registerModel() {
    if (trainedModel_.isEmpty() || !registry_) return false;
    registry_->add(trainedModel_);
    setStatus(tr("Registered %1.").arg(trainedModel_));
    Q_EMIT modelRegistered(ModelRegistry::normalize(trainedModel_));
    return true;
}

void TrainingPanel::makeActive() {
    if (!registerModel()) return;
    Q_EMIT makeActiveRequested(ModelRegistry::normalize(trainedModel_));
}

bool TrainingPanel::compare() {
    if (running_ || comparing_ || trainedModel_.isEmpty()) return false;
    QString old = QString::fromStdString(config_.value("base_model", std::string()));
    if (old.isEmpty()) old = QString::fromStdString(config_.value("checkpoint_dir", std::string())) + QStringLiteral("/initial");
    comparing_ = true;
    worker_->cancelToken().reset();
    setStatus(tr("Comparing %1 with %2 on the validation split…").arg(old, trainedModel_));
    updateButtons();
    QMetaObject::invokeMethod(
        worker_,
        [w = worker_, config = QString::fromStdString(config_.dump()), old, trained = trainedModel_] {
            w->compare(config, old, trained);
        },
        Qt::QueuedConnection);
    return true;
}

void TrainingPanel::onCompared(const QString& oldJson, const QString& newJson) {
    comparing_ = false;
    const json a = json::parse(oldJson.toStdString(), nullptr, false);
    const json b = json::parse(newJson.toStdString(), nullptr, false);
    comparison_ = {{"old", a}, {"new", b}};
    comparisonTable_->setRowCount(0);
    const auto row = [this](const QString& name, double x, double y) {
        const int r = comparisonTable_->rowCount();
        comparisonTable_->insertRow(r);
        comparisonTable_->setItem(r, 0, new QTableWidgetItem(name));
        comparisonTable_->setItem(r, 1, new QTableWidgetItem(QString::number(x, 'f', 3)));
        comparisonTable_->setItem(r, 2, new QTableWidgetItem(QString::number(y, 'f', 3)));
        comparisonTable_->setItem(r, 3, new QTableWidgetItem(QString::asprintf("%+.3f", y - x)));
    };
    if (a.is_object() && b.is_object()) {
        row(tr("mIoU"), a.value("miou", 0.0), b.value("miou", 0.0));
        if (b.contains("per_class_iou"))
            for (const auto& [name, v] : b["per_class_iou"].items()) {
                const double old = a.contains("per_class_iou") ? a["per_class_iou"].value(name, 0.0) : 0.0;
                row(QString::fromStdString(name), old, v.get<double>());
            }
        setStatus(tr("Validation mIoU: %1 → %2.").arg(a.value("miou", 0.0), 0, 'f', 3).arg(b.value("miou", 0.0), 0, 'f', 3));
    }
    updateButtons();
    Q_EMIT comparisonReady();
}

void TrainingPanel::browseDataset() {
    const DataKind kind = DataKind(dataKind_->currentData().toInt());
    const QString p = kind == DataKind::Coco
                          ? QFileDialog::getOpenFileName(this, tr("COCO instances file"), QString(), tr("JSON (*.json)"))
                          : QFileDialog::getExistingDirectory(this, tr("Dataset folder"));
    if (p.isEmpty()) return;
    dataPath_->setText(p);
    refreshSummary();
}

void TrainingPanel::browseBase() {
    const QString p = QFileDialog::getExistingDirectory(this, tr("Base model directory"));
    if (!p.isEmpty()) basePath_->setText(p);
}

void TrainingPanel::browseOutput() {
    const QString p = QFileDialog::getSaveFileName(this, tr("Trained model directory"));
    if (!p.isEmpty()) output_->setText(p);
}

void TrainingPanel::loadConfigFile() {
    const QString p = QFileDialog::getOpenFileName(this, tr("Training config"), QString(), tr("Training config (*.json)"));
    if (p.isEmpty()) return;
    QFile f(p);
    if (!f.open(QIODevice::ReadOnly)) return setStatus(tr("Cannot read %1.").arg(p));
    json j;
    try {
        j = parseJson(f.readAll().toStdString(), p.toStdString());
    } catch (const Error& e) {
        return setStatus(QString::fromStdString(e.what()));
    }
    if (!j.is_object()) return setStatus(tr("%1 is not a JSON object.").arg(p));
    // Paths and data come from the panel; the rest (architecture, optimizer …) applies.
    for (const char* k : {"output", "checkpoint_dir", "base_model", "data", "log"}) j.erase(k);
    overrides_ = j;
    setStatus(tr("Advanced settings from %1 apply on top of the panel's.").arg(p));
}

void TrainingPanel::loadSettings() {
    QSettings s;
    s.beginGroup(QStringLiteral("training"));
    if (s.contains(QStringLiteral("steps"))) steps_->setValue(s.value(QStringLiteral("steps")).toInt());
    if (s.contains(QStringLiteral("batch"))) batch_->setValue(s.value(QStringLiteral("batch")).toInt());
    if (s.contains(QStringLiteral("lr"))) lr_->setValue(s.value(QStringLiteral("lr")).toDouble());
    if (s.contains(QStringLiteral("resolution"))) resolution_->setValue(s.value(QStringLiteral("resolution")).toInt());
    if (s.contains(QStringLiteral("pDrop"))) pDrop_->setValue(s.value(QStringLiteral("pDrop")).toDouble());
    const auto pick = [&](QComboBox* box, const char* key) {
        const int i = box->findData(s.value(QString::fromLatin1(key)));
        if (i >= 0) box->setCurrentIndex(i);
    };
    pick(objective_, "objective");
    pick(timesteps_, "timesteps");
    pick(noise_, "noise");
    pick(device_, "device");
    freeze_->setText(s.value(QStringLiteral("freeze")).toString());
    output_->setText(s.value(QStringLiteral("output")).toString());
}

void TrainingPanel::saveSettings() const {
    QSettings s;
    s.beginGroup(QStringLiteral("training"));
    s.setValue(QStringLiteral("steps"), steps_->value());
    s.setValue(QStringLiteral("batch"), batch_->value());
    s.setValue(QStringLiteral("lr"), lr_->value());
    s.setValue(QStringLiteral("resolution"), resolution_->value());
    s.setValue(QStringLiteral("pDrop"), pDrop_->value());
    s.setValue(QStringLiteral("objective"), objective_->currentData());
    s.setValue(QStringLiteral("timesteps"), timesteps_->currentData());
    s.setValue(QStringLiteral("noise"), noise_->currentData());
    s.setValue(QStringLiteral("device"), device_->currentData());
    s.setValue(QStringLiteral("freeze"), freeze_->text());
    s.setValue(QStringLiteral("output"), output_->text());
}

}  // namespace ld
