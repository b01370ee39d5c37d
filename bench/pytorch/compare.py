#!/usr/bin/python3
"""Same-run comparison of LabelDiff's LibTorch U-Net (build/bench/bench_unet) against the
PyTorch-eager twin in labeldiff_unet.py, on the same machine, in alternation: for every case
and thread count, `--rounds` rounds of one bench_unet process and one Python process (which
goes first alternates), each reporting the median of `--iters` timed runs after `--warmup`.
The table gives the median over the rounds of each side and ours/PyTorch from those medians
(with the range of the per-round ratios).

Both sides: fp32 CPU, intra-op threads as the row says, inter-op 1, OpenBLAS 1 thread
(ours: ld::configureThreads; PyTorch: OPENBLAS_NUM_THREADS=1 + torch.set_num_threads). The
forward runs under NoGradGuard on ours (what the sampler uses) and torch.inference_mode() in
PyTorch. glibc malloc: ours sets its thresholds itself (ld::configureAllocator: mmap 32 MiB,
trim 64 MiB); the PyTorch process gets the same through $GLIBC_TUNABLES (--python-malloc
default: glibc's dynamic thresholds, whose state depends on what the process happened to free
before). Parity is checked first (--no-check to skip): the default model's real weights and
bench_unet's inputs must give the same output to 1e-4 relative.

    bench/pytorch/setup.sh                  # Debian's python3-torch, bench only
    nice /usr/bin/python3 bench/pytorch/compare.py [--build build] [--cases facade,train,sd21]
        [--threads 1,2] [--rounds 3] [--sd21-rounds 1] [--python-malloc policy|default] [--json OUT.json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(ROOT, "resources", "models", "facade-small")
UNET = os.path.join(MODEL, "unet")


def run_json(cmd, env):
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.stderr.write(" ".join(cmd) + "\n" + p.stdout + p.stderr)
        raise SystemExit("failed: " + " ".join(cmd))
    out = p.stdout.strip()
    start = out.find("{")
    return json.loads(out[start:])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--cases", default="facade,train,sd21")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sd21-rounds", type=int, default=1)
    ap.add_argument("--python-malloc", choices=["policy", "default"], default="policy")
    ap.add_argument("--json")
    ap.add_argument("--no-check", action="store_true")
    a = ap.parse_args()

    bench = os.path.join(a.build, "bench", "bench_unet")
    py = [sys.executable, os.path.join(HERE, "labeldiff_unet.py")]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    for k in ("LABELDIFF_THREADS", "GLIBC_TUNABLES", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_"):
        env.pop(k, None)
    py_env = dict(env)
    if a.python_malloc == "policy":
        py_env["GLIBC_TUNABLES"] = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=67108864"
    tmp = tempfile.mkdtemp(prefix="ld-compare-")
    card = json.load(open(os.path.join(MODEL, "model_card.json")))
    ensemble = card["defaults"]["ensemble"]
    latent = card["resolution"] // card["mask_codec"]["downscale_factor"]
    facade_cfg = os.path.join(UNET, "config.json")
    facade_w = os.path.join(UNET, "diffusion_pytorch_model.safetensors")
    train_batch = card["training"]["batch"]
    sd21_cfg = os.path.join(tmp, "sd21.json")
    # SD2.1-size from our preset (UNet2DConditionConfig::sd21) with 8 input channels (image
    # latent + noisy latent); the Python side reads the same config.json.
    subprocess.run([bench, "--config", "sd21", "--in-channels", "8", "--write-config", sd21_cfg], check=True)
    text_len = 8  # facade-small's phrase vocabulary max_length (text_encoder max_position_embeddings)

    facade = ["--config", facade_cfg, "--weights", facade_w, "--text-len", str(text_len)]
    cases = []
    if "facade" in a.cases:
        cases.append((f"facade-small forward, batch {ensemble} (E={ensemble}, guidance 1: the shipped default), {latent}²",
                      facade + ["--batch", str(ensemble), "--size", str(latent)], 3, 10, a.rounds))
        cases.append((f"facade-small forward, batch {2 * ensemble} (2·E, with CFG), {latent}²",
                      facade + ["--batch", str(2 * ensemble), "--size", str(latent)], 3, 10, a.rounds))
    if "train" in a.cases:
        cases.append((f"facade-small training step, batch {train_batch}, {latent}² (fwd + x0 MSE + bwd + clip + AdamW)",
                      facade + ["--batch", str(train_batch), "--size", str(latent), "--train", "1"], 2, 5, a.rounds))
    if "sd21" in a.cases:
        for s in (32, 64):
            cases.append((f"SD2.1-size forward (865M, in 8), batch 2, {s}², text 77",
                          ["--config", sd21_cfg, "--batch", "2", "--size", str(s), "--text-len", "77"],
                          # warm-up 1 + 1 timed at 32²; at 64² one cold pass (~2 min each here)
                          1 if s == 32 else 0, 1, a.sd21_rounds))

    if not a.no_check:
        dump = os.path.join(tmp, "facade.safetensors")
        run_json([bench] + facade + ["--batch", str(2 * ensemble), "--size", str(latent), "--iters", "1",
                                     "--warmup", "0", "--threads", "1", "--dump", dump], env)
        chk = run_json(py + ["--config", facade_cfg, "--weights", facade_w, "--check", dump], py_env)
        print(f"parity, facade-small forward (real weights, batch {2 * ensemble}): max |diff| / max |ours| = "
              f"{chk['rel_err_max']:.2e}, relative L2 {chk['rel_err_l2']:.2e}", flush=True)
        if chk["rel_err_max"] > 1e-4:
            raise SystemExit("parity check failed")

    results = []
    for name, args, warmup, iters, rounds in cases:
        for threads in [int(t) for t in a.threads.split(",")]:
            common = ["--threads", str(threads), "--warmup", str(warmup), "--iters", str(iters)]
            ours_cmd = [bench] + args + common
            pt_cmd = py + args + common
            ours, pt, ratios = [], [], []
            for r in range(rounds):
                order = [("ours", ours_cmd), ("pytorch", pt_cmd)]
                if r % 2:
                    order.reverse()
                got = {}
                for side, cmd in order:
                    got[side] = run_json(cmd, env if side == "ours" else py_env)["ms_per_forward_median"]
                ours.append(got["ours"])
                pt.append(got["pytorch"])
                ratios.append(got["ours"] / got["pytorch"])
                print(f"  {name} | {threads} thr | round {r + 1}: ours {got['ours']:.1f} ms, "
                      f"pytorch {got['pytorch']:.1f} ms, ratio {ratios[-1]:.2f}", flush=True)
            row = dict(case=name, threads=threads, ours_ms=statistics.median(ours), pytorch_ms=statistics.median(pt),
                       ours_rounds=ours, pytorch_rounds=pt, ratios=ratios)
            row["ratio"] = row["ours_ms"] / row["pytorch_ms"]
            results.append(row)

    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print()
    print("| case | threads | ours ms | PyTorch ms | ours/PyTorch (round range) |")
    print("| --- | --- | --- | --- | --- |")
    for r in results:
        print(f"| {r['case']} | {r['threads']} | {r['ours_ms']:.1f} | {r['pytorch_ms']:.1f} | "
              f"{r['ratio']:.2f}× ({min(r['ratios']):.2f}–{max(r['ratios']):.2f}) |")
    print(f"\nload average at the end: {' '.join(load)}; rounds {a.rounds} (SD2.1-size {a.sd21_rounds}); "
          f"PyTorch malloc {a.python_malloc}; "
          f"{time.strftime('%Y-%m-%d %H:%M')}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
