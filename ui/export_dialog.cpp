#include "ui/export_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>

namespace ld {

ExportDialog::ExportDialog(QWidget* parent) : QDialog(parent), formats_(new QComboBox), shapes_(new QComboBox) {
    setWindowTitle(tr("Export"));
    auto* form = new QFormLayout(this);
    for (const DatasetFormat* f : datasetFormats())
        if (f->capabilities() & DatasetFormat::Write)
            formats_->addItem(QString::fromStdString(f->description()), QString::fromStdString(f->name()));
    shapes_->addItem(tr("RLE (exact, keeps holes)"), int(WriteOptions::Segmentation::Rle));
    shapes_->addItem(tr("Polygons"), int(WriteOptions::Segmentation::Polygons));
    form->addRow(tr("Format"), formats_);
    form->addRow(tr("Masks as"), shapes_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

QString ExportDialog::format() const { return formats_->currentData().toString(); }

WriteOptions::Segmentation ExportDialog::segmentation() const {
    return WriteOptions::Segmentation(shapes_->currentData().toInt());
}

}  // namespace ld
