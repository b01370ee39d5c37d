// labeldiff-cli autoencode: round-trips one image through a tiny autoencoder and prints
// the reconstruction PSNR — the quickest proof that a pretrained checkpoint loaded right.
#include "command.h"

#include "core/error.h"
#include "core/image.h"
#include "inference/runtime/device.h"
#include "inference/models/autoencoders/tiny_autoencoder.h"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace ld::cli {
namespace {

struct AutoencodeOptions {
    std::string encoder;
    std::string decoder;
    int size = 256;
    std::string image;
    std::string out;
    ComputeOptions compute;
};

torch::Tensor toTensor01(const cv::Mat& rgb) {
    cv::Mat f;
    rgb.convertTo(f, CV_32FC3, 1.0 / 255.0);
    return torch::from_blob(f.data, {1, f.rows, f.cols, 3}, torch::kFloat).permute({0, 3, 1, 2}).contiguous();
}

cv::Mat toRgb8(const torch::Tensor& images01) {
    auto t = (images01[0].permute({1, 2, 0}).clamp(0, 1) * 255.0).round().to(torch::kUInt8).contiguous();
    cv::Mat m(int(t.size(0)), int(t.size(1)), CV_8UC3);
    std::memcpy(m.data, t.data_ptr<uint8_t>(), size_t(t.numel()));
    return m;
}

int run(const AutoencodeOptions& o) {
    if (o.size <= 0 || o.size % 8 != 0 || o.size > 8192)
        throw Error("--size " + std::to_string(o.size), "must be a positive multiple of 8 (at most 8192)");
    const ComputeTarget target = selectCompute(o.compute);
    auto ae = loadTinyAutoencoder(o.encoder, o.decoder);
    if (o.size % ae->config().downscale() != 0)
        throw Error("--size " + std::to_string(o.size),
                    "must be a multiple of the autoencoder's factor " + std::to_string(ae->config().downscale()));
    ae->to(target.device, target.dtype);

    const cv::Mat rgb = loadImageRgb(o.image);
    cv::Mat resized;
    cv::resize(rgb, resized, cv::Size(o.size, o.size), 0, 0, cv::INTER_AREA);
    const torch::Tensor x = toTensor01(resized);

    torch::NoGradGuard noGrad;
    const torch::Tensor latents = ae->encode(x);
    const torch::Tensor recon = ae->decode(latents).to(torch::kCPU, torch::kFloat);
    const torch::Tensor z = latents.to(torch::kCPU, torch::kFloat);
    const double mse = (recon - x).pow(2).mean().item<double>();
    const double psnr = mse > 0 ? 10.0 * std::log10(1.0 / mse) : 99.0;

    saveImage(o.out, toRgb8(recon));
    const auto& c = ae->config();
    std::cout << "encoder: " << c.latentChannels << " latent channels, factor " << c.downscale()
              << (c.midblockGroupNorm ? ", midblock GroupNorm" : "") << ", " << ae->encoderParameterCount()
              << " parameters\n"
              << "decoder: " << ae->decoderParameterCount() << " parameters\n"
              << "device: " << target.device.str() << " " << dtypeName(target.dtype) << "\n"
              << "latents: " << z.size(1) << "x" << z.size(2) << "x" << z.size(3)
              << " mean=" << z.mean().item<double>() << " std=" << z.std().item<double>() << "\n"
              << "reconstruction: " << o.out << "\n";
    char line[64];
    std::snprintf(line, sizeof line, "psnr_db=%.3f", psnr);
    std::cout << line << std::endl;
    return 0;
}

const CommandRegistrar registrar{Command{
    "autoencode", "Encode and decode one image with a tiny autoencoder (TAESD family); print the PSNR",
    [](CLI::App& sub) -> std::function<int()> {
        auto o = std::make_shared<AutoencodeOptions>();
        sub.add_option("--encoder", o->encoder,
                       "Encoder .safetensors, or a folder holding one with 'encoder' in its name")
            ->required();
        sub.add_option("--decoder", o->decoder,
                       "Decoder .safetensors or folder (default: the encoder's folder)");
        sub.add_option("--size", o->size, "Resize the image to SIZE x SIZE (area interpolation)")
            ->capture_default_str();
        sub.add_option("--image", o->image, "Input image")->required();
        sub.add_option("--out", o->out, "Where to write the reconstruction (.png)")->required();
        sub.add_option("--device", o->compute.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
        sub.add_option("--dtype", o->compute.dtype, "fp32, bf16 or fp16")->capture_default_str();
        sub.add_option("--threads", o->compute.threads, "CPU threads (0: automatic, the cores other programs leave free)")->capture_default_str();
        return [o] { return run(*o); };
    }}};

}  // namespace
}  // namespace ld::cli
