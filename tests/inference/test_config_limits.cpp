// A model's config.json stating absurd sizes is refused as it is read, with an ld::Error
// naming the file, the key and the limit, before any network is built from it (issue 14).
// Before: 2^20 U-Net channels reached LibTorch's allocator, which refused a 16 TB weight
// with a C++ backtrace for a message; 2^32 + 4 TAESD channels were read as 4; position
// and embedding tables of any size were computed. Published sizes stay accepted.
#include "core/error.h"
#include "inference/models/autoencoders/autoencoder_kl.h"
#include "inference/models/autoencoders/tiny_autoencoder.h"
#include "inference/models/text_encoders/clip_text_model.h"
#include "inference/models/transformers/pixart_transformer.h"
#include "inference/models/transformers/sd3_transformer.h"
#include "inference/models/unets/unet_config.h"

#include <QtTest>

#include <functional>
#include <map>

using namespace ld;

namespace {

const char* kConfig = "model/part/config.json";

struct ConfigKind {
    std::function<nlohmann::json()> base;               // a valid config of published size
    std::function<void(const nlohmann::json&)> read;    // fromJson with kConfig as subject
};

const std::map<QString, ConfigKind>& kinds() {
    static const std::map<QString, ConfigKind> all = {
        {"unet", {[] { return UNet2DConditionConfig::sd15().toJson(); },
                  [](const nlohmann::json& j) { UNet2DConditionConfig::fromJson(j, kConfig); }}},
        {"pixart", {[] { return PixArtTransformerConfig{}.toJson(); },
                    [](const nlohmann::json& j) { PixArtTransformerConfig::fromJson(j, kConfig); }}},
        {"sd3", {[] { return SD3TransformerConfig{}.toJson(); },
                 [](const nlohmann::json& j) { SD3TransformerConfig::fromJson(j, kConfig); }}},
        {"vae", {[] { return AutoencoderKLConfig{}.toJson(); },
                 [](const nlohmann::json& j) { AutoencoderKLConfig::fromJson(j, kConfig); }}},
        {"taesd", {[] { return TinyAutoencoderConfig{}.toJson(); },
                   [](const nlohmann::json& j) { TinyAutoencoderConfig::fromJson(j, kConfig); }}},
        {"clip", {[] { return CLIPTextConfig{}.toJson(); },
                  [](const nlohmann::json& j) { CLIPTextConfig::fromJson(j, kConfig); }}},
    };
    return all;
}

}  // namespace

class TestConfigLimits : public QObject {
    Q_OBJECT
private slots:
    void publishedSizesAreRead_data() {
        QTest::addColumn<QString>("kind");
        for (const auto& [kind, k] : kinds()) QTest::newRow(qPrintable(kind)) << kind;
    }
    void publishedSizesAreRead() {
        QFETCH(QString, kind);
        const ConfigKind& k = kinds().at(kind);
        try {
            k.read(k.base());
        } catch (const Error& e) {
            QFAIL(e.what());
        }
    }

    void sizesPastTheLimits_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("changes");  // a JSON object merged into the base config
        QTest::addColumn<QString>("named");    // what the message names besides the file and "limit"
        QTest::newRow("unet 2^20 channels") << "unet" << R"({"block_out_channels": [1048576, 1048576, 1048576, 1048576]})"
                                            << "'block_out_channels' is 1048576";
        QTest::newRow("unet 2^32 + 4 channels") << "unet" << R"({"block_out_channels": [4294967300, 640, 1280, 1280]})"
                                                << "'block_out_channels' is 4294967300";
        QTest::newRow("unet 20 levels") << "unet" << R"({"block_out_channels": [32, 32, 32, 32, 32, 32, 32, 32, 32, 32,
                                                                                 32, 32, 32, 32, 32, 32, 32, 32, 32, 32]})"
                                        << "'block_out_channels' has 20 entries";
        QTest::newRow("unet a million layers") << "unet" << R"({"layers_per_block": 1000000})" << "'layers_per_block' is 1000000";
        QTest::newRow("unet transformer depth") << "unet" << R"({"transformer_layers_per_block": [1, 1, 100000, 1]})"
                                                << "'transformer_layers_per_block' is 100000";
        QTest::newRow("unet cross-attention 2^32 + 4") << "unet" << R"({"cross_attention_dim": 4294967300})"
                                                       << "'cross_attention_dim' is 4294967300";
        QTest::newRow("unet sample size 2^30") << "unet" << R"({"sample_size": 1073741824})" << "'sample_size' is 1073741824";
        QTest::newRow("unet kernel 100001") << "unet" << R"({"conv_in_kernel": 100001})" << "'conv_in_kernel' is 100001";
        QTest::newRow("pixart a million layers") << "pixart" << R"({"num_layers": 1000000})" << "'num_layers' is 1000000";
        QTest::newRow("pixart 2^20 heads") << "pixart" << R"({"num_attention_heads": 1048576})" << "'num_attention_heads' is 1048576";
        QTest::newRow("pixart width as a product") << "pixart" << R"({"num_attention_heads": 1024, "attention_head_dim": 1024})"
                                                   << "'num_attention_heads × attention_head_dim' is 1048576";
        QTest::newRow("pixart position table") << "pixart" << R"({"sample_size": 16384, "patch_size": 1})"
                                               << "(sample_size / patch_size)²";
        QTest::newRow("sd3 position table") << "sd3" << R"({"pos_embed_max_size": 16384})" << "pos_embed_max_size²";
        QTest::newRow("sd3 text width 2^20") << "sd3" << R"({"joint_attention_dim": 1048576})" << "'joint_attention_dim' is 1048576";
        QTest::newRow("vae 2^20 channels") << "vae" << R"({"block_out_channels": [128, 256, 1048576, 512]})"
                                           << "'block_out_channels' is 1048576";
        QTest::newRow("vae a million layers") << "vae" << R"({"layers_per_block": 1000000})" << "'layers_per_block' is 1000000";
        QTest::newRow("taesd 2^32 + 4 channels") << "taesd" << R"({"channels": 4294967300})" << "'channels' is 4294967300";
        QTest::newRow("clip a million layers") << "clip" << R"({"num_hidden_layers": 1000000})" << "'num_hidden_layers' is 1000000";
        QTest::newRow("clip vocabulary 2^30") << "clip" << R"({"vocab_size": 1073741824})" << "'vocab_size' is 1073741824";
        QTest::newRow("clip embedding table") << "clip" << R"({"vocab_size": 1000000, "hidden_size": 1024})"
                                              << "vocab_size × hidden_size";
    }
    void sizesPastTheLimits() {
        QFETCH(QString, kind);
        QFETCH(QString, changes);
        QFETCH(QString, named);
        const ConfigKind& k = kinds().at(kind);
        nlohmann::json j = k.base();
        j.merge_patch(nlohmann::json::parse(changes.toStdString()));
        try {
            k.read(j);
            QFAIL("read: the network would have been built from it");
        } catch (const Error& e) {
            const QString what = QString::fromUtf8(e.what());
            qInfo("%s", qPrintable(what));
            QVERIFY2(what.startsWith(QString(kConfig) + ": "), qPrintable(what));
            QVERIFY2(what.contains(named), qPrintable(what));
            QVERIFY2(what.contains("limit"), qPrintable(what));
        }
    }
};

QTEST_GUILESS_MAIN(TestConfigLimits)
#include "test_config_limits.moc"
