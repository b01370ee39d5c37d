#pragma once
// Asks how to export: which registered dataset format, and masks as RLE or polygons.
#include "core/formats/dataset_format.h"

#include <QDialog>

class QComboBox;

namespace ld {

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    explicit ExportDialog(QWidget* parent = nullptr);
    QString format() const;  // a registered format's name
    WriteOptions::Segmentation segmentation() const;

private:
    QComboBox* formats_;
    QComboBox* shapes_;
};

}  // namespace ld
