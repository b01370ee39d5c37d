// Mask codecs: masks in [-1, 1] to latents and back. The downsample codec must give back
// blob-like masks almost unchanged; the linear projection must be learnable and keep its
// shapes through save/reload; the autoencoder codec must replicate the mask to RGB.
#include <QtTest>

#include "core/error.h"
#include "core/mask.h"
#include "inference/pipeline/mask_codec.h"
#include "inference/io/safetensors.h"
#include "inference/io/state_dict.h"
#include "inference/models/autoencoders/tiny_autoencoder.h"

#include <opencv2/imgproc.hpp>

using namespace ld;

namespace {

// A few filled ellipses and rectangles: the kind of shape a segmentation mask has.
BinaryMask blobs(int h, int w, int seed) {
    cv::RNG rng{static_cast<uint64>(seed)};
    cv::Mat m = cv::Mat::zeros(h, w, CV_8UC1);
    for (int i = 0; i < 3; ++i) {
        const cv::Point c(rng.uniform(w / 5, 4 * w / 5), rng.uniform(h / 5, 4 * h / 5));
        const cv::Size axes(rng.uniform(w / 10, w / 4), rng.uniform(h / 10, h / 4));
        if (i == 2)
            cv::rectangle(m, cv::Rect(c.x - axes.width / 2, c.y - axes.height / 2, axes.width, axes.height), 1, cv::FILLED);
        else
            cv::ellipse(m, c, axes, rng.uniform(0.0, 180.0), 0, 360, 1, cv::FILLED);
    }
    return BinaryMask::fromMat(m);
}

BinaryMask decodeToBinary(const torch::Tensor& decoded) {
    return threshold(signedTensorToSoftMask(decoded), 0.5f);
}

}  // namespace

class TestMaskCodec : public QObject {
    Q_OBJECT
private slots:
    void downsampleRoundTrip_data() {
        QTest::addColumn<int>("size");
        QTest::addColumn<int>("factor");
        QTest::addColumn<int>("channels");
        QTest::addColumn<int>("seed");
        QTest::addColumn<double>("minIou");
        QTest::newRow("256/8 x4") << 256 << 8 << 4 << 1 << 0.95;
        QTest::newRow("256/8 x32") << 256 << 8 << 32 << 2 << 0.95;
        QTest::newRow("512/8 x4") << 512 << 8 << 4 << 3 << 0.97;
        QTest::newRow("128/4 x1") << 128 << 4 << 1 << 4 << 0.95;
    }
    void downsampleRoundTrip() {
        QFETCH(int, size);
        QFETCH(int, factor);
        QFETCH(int, channels);
        QFETCH(int, seed);
        QFETCH(double, minIou);
        const BinaryMask m = blobs(size, size, seed);
        QVERIFY(area(m) > size * size / 20);
        const auto x = maskToSignedTensor(m);
        QCOMPARE(x.min().item<float>(), -1.f);
        QCOMPARE(x.max().item<float>(), 1.f);
        DownsampleMaskCodec codec(channels, factor);
        const auto z = codec.encode(x);
        QCOMPARE(z.sizes().vec(), (std::vector<int64_t>{1, channels, size / factor, size / factor}));
        // Area averaging: the latent mean equals the mask mean.
        QVERIFY(std::abs(z.mean().item<double>() - x.mean().item<double>()) < 1e-5);
        const auto y = codec.decode(z);
        QCOMPARE(y.sizes().vec(), x.sizes().vec());
        const double j = iou(decodeToBinary(y), m);
        QVERIFY2(j >= minIou, qPrintable(QString("IoU %1").arg(j)));
        // Interior cells are exactly ±1.
        QVERIFY(z.max().item<float>() == 1.f && z.min().item<float>() == -1.f);
    }

    void linearProjectionLearnsAndReloads() {
        const int C = 4, f = 8;
        LinearMaskCodec codec(C, f);
        auto proj = codec.projection();
        const auto sd = stateDict(*proj);
        QCOMPARE(sd.at("encode.weight").sizes().vec(), (std::vector<int64_t>{C, f * f, 1, 1}));
        QCOMPARE(sd.at("decode.weight").sizes().vec(), (std::vector<int64_t>{f * f, C, 1, 1}));
        QCOMPARE(sd.at("decode.bias").sizes().vec(), (std::vector<int64_t>{f * f}));

        const BinaryMask m = blobs(256, 192, 7);
        const auto x = maskToSignedTensor(m);
        const auto z = codec.encode(x);
        QCOMPARE(z.sizes().vec(), (std::vector<int64_t>{1, C, 32, 24}));
        // Initialised as block average / replicate: already a good round trip.
        const double j0 = iou(decodeToBinary(codec.decode(z).clamp(-1, 1)), m);
        QVERIFY2(j0 > 0.85, qPrintable(QString::number(j0)));

        // Learnable: a few Adam steps lower the reconstruction loss.
        torch::optim::Adam opt(proj->parameters(), torch::optim::AdamOptions(1e-3));
        const auto loss0 = (codec.decode(codec.encode(x)) - x).pow(2).mean().item<double>();
        for (int i = 0; i < 40; ++i) {
            opt.zero_grad();
            auto loss = (codec.decode(codec.encode(x)) - x).pow(2).mean();
            loss.backward();
            opt.step();
        }
        const auto loss1 = (codec.decode(codec.encode(x)) - x).pow(2).mean().item<double>();
        QVERIFY2(loss1 < loss0, qPrintable(QString("%1 -> %2").arg(loss0).arg(loss1)));

        QTemporaryDir dir;
        const std::string path = dir.filePath("mask_projection.safetensors").toStdString();
        saveSafetensors(path, stateDict(*proj));
        LinearMaskCodec other(C, f);
        loadStateDict(*other.projection(), loadSafetensors(path), path);
        torch::NoGradGuard g;
        QVERIFY(torch::equal(other.encode(x), codec.encode(x)));
        QVERIFY(torch::equal(other.decode(z), codec.decode(z)));
        // A projection of another size is refused by name and shape.
        LinearMaskCodec wrong(8, f);
        QVERIFY_THROWS_EXCEPTION(Error, loadStateDict(*wrong.projection(), loadSafetensors(path), path));
    }

    void autoencoderCodecReplicatesToRgb() {
        // A stand-in autoencoder that records what it is given: the codec's contract is
        // the RGB replication and the channel mean, not any particular network.
        torch::Tensor seen;
        AutoencoderMaskCodec codec(
            [&seen](const torch::Tensor& img) {
                seen = img;
                return torch::nn::functional::avg_pool2d(img, torch::nn::functional::AvgPool2dFuncOptions(8))
                    .repeat({1, 2, 1, 1})
                    .narrow(1, 0, 4);
            },
            [](const torch::Tensor& z) {
                return torch::nn::functional::interpolate(
                           z.narrow(1, 0, 3),
                           torch::nn::functional::InterpolateFuncOptions()
                               .scale_factor(std::vector<double>{8, 8})
                               .mode(torch::kNearest));
            },
            4, 8);
        const BinaryMask m = blobs(256, 256, 9);
        const auto x = maskToSignedTensor(m);
        const auto z = codec.encode(x);
        QCOMPARE(seen.size(1), int64_t(3));
        QVERIFY(torch::equal(seen[0][0], seen[0][2]));
        QCOMPARE(z.sizes().vec(), (std::vector<int64_t>{1, 4, 32, 32}));
        const auto y = codec.decode(z);
        QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{1, 1, 256, 256}));
        const double j = iou(decodeToBinary(y), m);
        QVERIFY2(j > 0.85, qPrintable(QString::number(j)));

        // With a real (random) TAESD the shapes line up too.
        auto ae = std::make_shared<TinyAutoencoder>(TinyAutoencoderConfig::taesd());
        auto real = AutoencoderMaskCodec::fromTinyAutoencoder(ae);
        QCOMPARE(real->latentChannels(), 4);
        torch::NoGradGuard g;
        const auto small = maskToSignedTensor(blobs(64, 64, 10));
        const auto zr = real->encode(small);
        QCOMPARE(zr.sizes().vec(), (std::vector<int64_t>{1, 4, 8, 8}));
        const auto yr = real->decode(zr);
        QCOMPARE(yr.sizes().vec(), (std::vector<int64_t>{1, 1, 64, 64}));
        QVERIFY(yr.min().item<float>() >= -1.f && yr.max().item<float>() <= 1.f);
    }

    // Exact where block averaging loses thin structures: a one-pixel line survives.
    void pixelUnshuffleRoundTripIsExact() {
        PixelUnshuffleMaskCodec codec(8);
        QCOMPARE(codec.latentChannels(), 64);
        cv::Mat m = cv::Mat::zeros(64, 48, CV_8UC1);
        m.row(13).setTo(1);
        m.col(30).setTo(1);
        const auto x = maskToSignedTensor(BinaryMask::fromMat(m));
        const auto z = codec.encode(x);
        QCOMPARE(z.sizes().vec(), (std::vector<int64_t>{1, 64, 8, 6}));
        QVERIFY(torch::equal(codec.decode(z), x));
        DownsampleMaskCodec lossy(1, 8);
        QVERIFY(!torch::equal(lossy.decode(lossy.encode(x)).sign(), x));
        const auto spec = MaskCodecSpec::fromJson({{"type", "pixel_unshuffle"}, {"latent_channels", 16}, {"downscale_factor", 4}}, "card.json");
        QCOMPARE(makeMaskCodec(spec)->latentChannels(), 16);
        QVERIFY_THROWS_EXCEPTION(Error, MaskCodecSpec::fromJson({{"type", "pixel_unshuffle"}, {"latent_channels", 4}, {"downscale_factor", 4}}, "card.json"));
        QVERIFY_THROWS_EXCEPTION(Error, codec.encode(torch::zeros({1, 1, 60, 64})));
    }

    void specsAndErrors() {
        const auto spec = MaskCodecSpec::fromJson({{"type", "linear"}, {"latent_channels", 16}, {"downscale_factor", 8}}, "card.json");
        QCOMPARE(spec.kind, MaskCodecKind::Linear);
        QCOMPARE(spec.latentChannels, 16);
        const auto back = MaskCodecSpec::fromJson(spec.toJson(), "x");
        QCOMPARE(back.kind, spec.kind);
        QCOMPARE(makeMaskCodec(spec)->latentChannels(), 16);
        QCOMPARE(makeMaskCodec(MaskCodecSpec{})->kind(), MaskCodecKind::Downsample);
        QVERIFY_THROWS_EXCEPTION(Error, MaskCodecSpec::fromJson({{"type", "jpeg"}}, "card.json"));
        QVERIFY_THROWS_EXCEPTION(Error, MaskCodecSpec::fromJson({{"latent_channels", -1}}, "card.json"));
        MaskCodecSpec ae;
        ae.kind = MaskCodecKind::Autoencoder;
        QVERIFY_THROWS_EXCEPTION(Error, makeMaskCodec(ae));
        DownsampleMaskCodec codec(4, 8);
        QVERIFY_THROWS_EXCEPTION(Error, codec.encode(torch::zeros({1, 1, 30, 32})));
        QVERIFY_THROWS_EXCEPTION(Error, codec.encode(torch::zeros({1, 2, 32, 32})));
        QVERIFY_THROWS_EXCEPTION(Error, codec.decode(torch::zeros({1, 3, 4, 4})));
    }
};

QTEST_GUILESS_MAIN(TestMaskCodec)
#include "test_mask_codec.moc"
