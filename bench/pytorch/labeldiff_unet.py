#!/usr/bin/python3
"""PyTorch-eager twin of LabelDiff's U-Net (inference/unet.*, unet_blocks.*, transformer_2d.*,
attention.*, timestep_embedding.*): diffusers' UNet2DConditionModel (v0.30) for the options
LabelDiff's configs use -- DownBlock2D/CrossAttnDownBlock2D, UNetMidBlock2DCrossAttn,
UpBlock2D/CrossAttnUpBlock2D, resnet_time_scale_shift "default" or "scale_shift" (FiLM),
addition_embed_type null or "text_time" (LabelDiff passes the pooled phrase as text_embeds),
conv or linear proj_in/proj_out, upcast_attention -- with diffusers' state_dict key names, so
our .safetensors files load unchanged. Attention is diffusers' classic AttnProcessor
(baddbmm scores, softmax, bmm): what diffusers runs on PyTorch 1.x.

For benchmarks only (bench/pytorch/compare.py); needs nothing but the standard library and
torch (Debian's python3-torch: bench/pytorch/setup.sh).

    /usr/bin/python3 labeldiff_unet.py --config CONFIG.json [--weights W.safetensors]
        [--batch B] [--size S] [--text-len L] [--threads T] [--iters N] [--warmup W]
        [--train 0|1] [--grad-mode inference_mode|no_grad] [--check DUMP.safetensors]

--check DUMP: runs the inputs stored by `bench_unet --dump DUMP` (the weights come from
--weights, or from DUMP's unet.* tensors) and prints the relative error against its output
(or its first training loss); timing otherwise, one JSON line like bench_unet's.
"""
import argparse
import json
import math
import os
import statistics
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# --------------------------------------------------------------------------- safetensors

_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64,
           "F64": torch.float64, "I32": torch.int32, "U8": torch.uint8, "BOOL": torch.bool}


def load_safetensors(path):
    """(tensors, metadata) of a .safetensors file: 8-byte little-endian header length,
    a JSON header {name: {dtype, shape, data_offsets}}, then the data section."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = bytearray(f.read())
    meta = header.pop("__metadata__", {}) or {}
    out = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        dtype = _DTYPES[e["dtype"]]
        if end == begin:
            t = torch.empty(e["shape"], dtype=dtype)
        else:
            t = torch.frombuffer(data, dtype=dtype, offset=begin, count=(end - begin) // torch.empty((), dtype=dtype).element_size())
        out[name] = t.reshape(e["shape"]).clone()
    return out, meta


# --------------------------------------------------------------------------- config


def read_config(cfg):
    """diffusers' config.json (a dict) -> resolved per-block lists, as UNet2DConditionConfig::fromJson."""
    n = len(cfg["block_out_channels"])

    def per_block(key, default):
        v = cfg.get(key)
        if v is None:
            v = default
        if isinstance(v, list):
            if len(v) == 1 and not isinstance(cfg.get(key), list):
                v = v * n
            assert len(v) == n, key
            return list(v)
        return [v] * n

    c = dict(cfg)
    c["layers_per_block"] = per_block("layers_per_block", 2)
    c["cross_attention_dim"] = per_block("cross_attention_dim", 1280)
    c["transformer_layers_per_block"] = per_block("transformer_layers_per_block", 1)
    # diffusers' quirk: attention_head_dim is the head COUNT; num_attention_heads wins.
    c["heads"] = per_block("num_attention_heads", None) if cfg.get("num_attention_heads") is not None \
        else per_block("attention_head_dim", 8)
    rev = cfg.get("reverse_transformer_layers_per_block")
    c["reverse_transformer_layers_per_block"] = list(rev) if rev else list(reversed(c["transformer_layers_per_block"]))
    c.setdefault("act_fn", "silu")
    c.setdefault("norm_num_groups", 32)
    c.setdefault("norm_eps", 1e-5)
    c.setdefault("flip_sin_to_cos", True)
    c.setdefault("freq_shift", 0)
    c.setdefault("downsample_padding", 1)
    c.setdefault("mid_block_scale_factor", 1.0)
    c.setdefault("resnet_out_scale_factor", 1.0)
    c.setdefault("conv_in_kernel", 3)
    c.setdefault("conv_out_kernel", 3)
    c.setdefault("use_linear_projection", False)
    c.setdefault("upcast_attention", False)
    c.setdefault("center_input_sample", False)
    c["resnet_time_scale_shift"] = cfg.get("resnet_time_scale_shift") or "default"
    for key in ("class_embed_type", "encoder_hid_dim", "time_cond_proj_dim"):
        assert cfg.get(key) is None, key + " is not supported"
    assert cfg.get("addition_embed_type") in (None, "text_time")
    assert c["mid_block_type"] in (None, "UNetMidBlock2DCrossAttn")
    assert not cfg.get("labeldiff_token_injection"), "token injection is not mirrored here"
    return c


def act_fn(name):
    return {"silu": F.silu, "swish": F.silu, "gelu": F.gelu, "relu": F.relu, "mish": F.mish}[name]


# --------------------------------------------------------------------------- modules


def timestep_embedding(t, dim, flip_sin_to_cos, freq_shift, max_period=10000):
    half = dim // 2
    exponent = -math.log(max_period) * torch.arange(0, half, dtype=torch.float32, device=t.device)
    exponent = exponent / (half - freq_shift)
    emb = t[:, None].float() * torch.exp(exponent)[None, :]
    emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=-1)
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
    if dim % 2 == 1:
        emb = F.pad(emb, (0, 1, 0, 0))
    return emb


class TimestepEmbedding(nn.Module):
    def __init__(self, cin, dim, act):
        super().__init__()
        self.linear_1 = nn.Linear(cin, dim)
        self.linear_2 = nn.Linear(dim, dim)
        self.act = act

    def forward(self, x):
        return self.linear_2(self.act(self.linear_1(x)))


class ResnetBlock2D(nn.Module):
    def __init__(self, cin, cout, temb, groups, eps, act, scale_shift, output_scale_factor):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=eps)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, 2 * cout if scale_shift else cout)
        self.norm2 = nn.GroupNorm(groups, cout, eps=eps)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None
        self.act, self.scale_shift, self.osf = act, scale_shift, output_scale_factor

    def forward(self, x, temb):
        h = self.conv1(self.act(self.norm1(x)))
        t = self.time_emb_proj(self.act(temb))[:, :, None, None]
        if self.scale_shift:
            scale, shift = torch.chunk(t, 2, dim=1)
            h = self.norm2(h) * (1 + scale) + shift
        else:
            h = self.norm2(h + t)
        h = self.conv2(self.act(h))
        sc = self.conv_shortcut(x) if self.conv_shortcut is not None else x
        out = sc + h
        return out / self.osf if self.osf != 1.0 else out


class Attention(nn.Module):
    def __init__(self, query_dim, heads, dim_head, cross_dim=None, upcast=False):
        super().__init__()
        inner = heads * dim_head
        kv = cross_dim or query_dim
        self.to_q = nn.Linear(query_dim, inner, bias=False)
        self.to_k = nn.Linear(kv, inner, bias=False)
        self.to_v = nn.Linear(kv, inner, bias=False)
        self.to_out = nn.ModuleList([nn.Linear(inner, query_dim), nn.Dropout(0.0)])
        self.heads, self.scale, self.upcast = heads, dim_head ** -0.5, upcast

    def head_to_batch_dim(self, x):
        b, n, c = x.shape
        h = self.heads
        return x.reshape(b, n, h, c // h).permute(0, 2, 1, 3).reshape(b * h, n, c // h)

    def batch_to_head_dim(self, x):
        bh, n, d = x.shape
        h = self.heads
        return x.reshape(bh // h, h, n, d).permute(0, 2, 1, 3).reshape(bh // h, n, d * h)

    def forward(self, x, context=None):
        kv = x if context is None else context
        q = self.head_to_batch_dim(self.to_q(x))
        k = self.head_to_batch_dim(self.to_k(kv))
        v = self.head_to_batch_dim(self.to_v(kv))
        # diffusers' get_attention_scores: baddbmm(empty, q, k^T, beta=0, alpha=scale).
        dtype = q.dtype
        if self.upcast:
            q, k = q.float(), k.float()
        empty = torch.empty(q.shape[0], q.shape[1], k.shape[1], dtype=q.dtype, device=q.device)
        scores = torch.baddbmm(empty, q, k.transpose(-1, -2), beta=0, alpha=self.scale)
        probs = scores.softmax(dim=-1).to(dtype)
        out = self.batch_to_head_dim(torch.bmm(probs, v))
        return self.to_out[1](self.to_out[0](out))


class GEGLU(nn.Module):
    def __init__(self, din, dout):
        super().__init__()
        self.proj = nn.Linear(din, dout * 2)

    def forward(self, x):
        h, gate = self.proj(x).chunk(2, dim=-1)
        return h * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim, mult=4):
        super().__init__()
        self.net = nn.ModuleList([GEGLU(dim, dim * mult), nn.Dropout(0.0), nn.Linear(dim * mult, dim)])

    def forward(self, x):
        for m in self.net:
            x = m(x)
        return x


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, heads, cross_dim, upcast):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn1 = Attention(dim, heads, dim // heads, None, upcast)
        self.norm2 = nn.LayerNorm(dim)
        self.attn2 = Attention(dim, heads, dim // heads, cross_dim, upcast)
        self.norm3 = nn.LayerNorm(dim)
        self.ff = FeedForward(dim)

    def forward(self, x, context):
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), context) + x
        return self.ff(self.norm3(x)) + x


class Transformer2DModel(nn.Module):
    def __init__(self, channels, heads, cross_dim, layers, groups, linear, upcast):
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels, eps=1e-6)
        self.linear = linear
        self.proj_in = nn.Linear(channels, channels) if linear else nn.Conv2d(channels, channels, 1)
        self.transformer_blocks = nn.ModuleList(
            [BasicTransformerBlock(channels, heads, cross_dim, upcast) for _ in range(layers)])
        self.proj_out = nn.Linear(channels, channels) if linear else nn.Conv2d(channels, channels, 1)

    def forward(self, x, context):
        b, c, h, w = x.shape
        y = self.norm(x)
        if not self.linear:
            y = self.proj_in(y).permute(0, 2, 3, 1).reshape(b, h * w, c)
        else:
            y = self.proj_in(y.permute(0, 2, 3, 1).reshape(b, h * w, c))
        for blk in self.transformer_blocks:
            y = blk(y, context)
        if not self.linear:
            y = self.proj_out(y.reshape(b, h, w, c).permute(0, 3, 1, 2).contiguous())
        else:
            y = self.proj_out(y).reshape(b, h, w, c).permute(0, 3, 1, 2).contiguous()
        return y + x


class Downsample2D(nn.Module):
    def __init__(self, ch, padding):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, stride=2, padding=padding)

    def forward(self, x):
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x, size=None):
        if size is None:
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        else:
            x = F.interpolate(x, size=size, mode="nearest")
        return self.conv(x)


class DownBlock(nn.Module):
    def __init__(self, cin, cout, layers, cross, heads, cross_dim, depth, add_down, rk, ck, pad):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(cin if j == 0 else cout, cout, **rk) for j in range(layers)])
        if cross:
            self.attentions = nn.ModuleList([Transformer2DModel(cout, heads, cross_dim, depth, **ck) for _ in range(layers)])
        else:
            self.attentions = None
        self.downsamplers = nn.ModuleList([Downsample2D(cout, pad)]) if add_down else None

    def forward(self, h, temb, ctx, skips):
        for j, r in enumerate(self.resnets):
            h = r(h, temb)
            if self.attentions is not None:
                h = self.attentions[j](h, ctx)
            skips.append(h)
        if self.downsamplers is not None:
            h = self.downsamplers[0](h)
            skips.append(h)
        return h


class UpBlock(nn.Module):
    def __init__(self, cin, cout, prev, layers, cross, heads, cross_dim, depth, add_up, rk, ck):
        super().__init__()
        res = []
        for j in range(layers):
            skip = cin if j == layers - 1 else cout
            res.append(ResnetBlock2D((prev if j == 0 else cout) + skip, cout, **rk))
        self.resnets = nn.ModuleList(res)
        if cross:
            self.attentions = nn.ModuleList([Transformer2DModel(cout, heads, cross_dim, depth, **ck) for _ in range(layers)])
        else:
            self.attentions = None
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if add_up else None

    def forward(self, h, temb, ctx, skips, size=None):
        for j, r in enumerate(self.resnets):
            h = torch.cat([h, skips.pop()], dim=1)
            h = r(h, temb)
            if self.attentions is not None:
                h = self.attentions[j](h, ctx)
        if self.upsamplers is not None:
            h = self.upsamplers[0](h, size)
        return h


class MidBlock(nn.Module):
    def __init__(self, ch, heads, cross_dim, depth, rk, ck):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(ch, ch, **rk), ResnetBlock2D(ch, ch, **rk)])
        self.attentions = nn.ModuleList([Transformer2DModel(ch, heads, cross_dim, depth, **ck)])

    def forward(self, h, temb, ctx):
        h = self.resnets[0](h, temb)
        h = self.attentions[0](h, ctx)
        return self.resnets[1](h, temb)


class UNet2DConditionModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        c = self.c = read_config(config)
        act = act_fn(c["act_fn"])
        ch = c["block_out_channels"]
        n = len(ch)
        tdim = c.get("time_embedding_dim") or 4 * ch[0]
        self.act = act
        self.conv_in = nn.Conv2d(c["in_channels"], ch[0], c["conv_in_kernel"], padding=(c["conv_in_kernel"] - 1) // 2)
        self.time_embedding = TimestepEmbedding(ch[0], tdim, act)
        self.add_embedding = TimestepEmbedding(c["projection_class_embeddings_input_dim"], tdim, act) \
            if c.get("addition_embed_type") == "text_time" else None
        groups, eps = c["norm_num_groups"], c["norm_eps"]
        scale_shift = c["resnet_time_scale_shift"] == "scale_shift"

        def rk(osf):
            return dict(temb=tdim, groups=groups, eps=eps, act=act, scale_shift=scale_shift, output_scale_factor=osf)

        ck = dict(groups=groups, linear=c["use_linear_projection"], upcast=c["upcast_attention"])
        self.down_blocks = nn.ModuleList()
        out = ch[0]
        for i in range(n):
            cin, out = out, ch[i]
            self.down_blocks.append(DownBlock(
                cin, out, c["layers_per_block"][i], c["down_block_types"][i] == "CrossAttnDownBlock2D",
                c["heads"][i], c["cross_attention_dim"][i], c["transformer_layers_per_block"][i], i != n - 1,
                rk(c["resnet_out_scale_factor"]), ck, c["downsample_padding"]))
        self.mid_block = MidBlock(ch[-1], c["heads"][-1], c["cross_attention_dim"][-1],
                                  c["transformer_layers_per_block"][-1], rk(c["mid_block_scale_factor"]),
                                  ck) if c["mid_block_type"] else None
        rch, rheads = ch[::-1], c["heads"][::-1]
        rlayers, rcross = c["layers_per_block"][::-1], c["cross_attention_dim"][::-1]
        rdepth = c["reverse_transformer_layers_per_block"]
        self.up_blocks = nn.ModuleList()
        out = rch[0]
        for i in range(n):
            prev, out = out, rch[i]
            cin = rch[min(i + 1, n - 1)]
            self.up_blocks.append(UpBlock(
                cin, out, prev, rlayers[i] + 1, c["up_block_types"][i] == "CrossAttnUpBlock2D",
                rheads[i], rcross[i], rdepth[i], i != n - 1, rk(c["resnet_out_scale_factor"]), ck))
        self.conv_norm_out = nn.GroupNorm(groups, ch[0], eps=eps)
        self.conv_out = nn.Conv2d(ch[0], c["out_channels"], c["conv_out_kernel"], padding=(c["conv_out_kernel"] - 1) // 2)

    def forward(self, sample, timesteps, encoder_hidden_states, text_embeds=None, time_ids=None):
        c = self.c
        b = sample.shape[0]
        t = timesteps.expand(b)
        emb = self.time_embedding(timestep_embedding(t, c["block_out_channels"][0], c["flip_sin_to_cos"],
                                                     c["freq_shift"]).to(sample.dtype))
        if self.add_embedding is not None:
            te = timestep_embedding(time_ids.flatten(), c["addition_time_embed_dim"], c["flip_sin_to_cos"],
                                    c["freq_shift"]).reshape(b, -1)
            emb = emb + self.add_embedding(torch.cat([text_embeds, te], dim=-1).to(emb.dtype))
        h = sample
        if c["center_input_sample"]:
            h = 2 * h - 1.0
        h = self.conv_in(h)
        skips = [h]
        for blk in self.down_blocks:
            h = blk(h, emb, encoder_hidden_states, skips)
        if self.mid_block is not None:
            h = self.mid_block(h, emb, encoder_hidden_states)
        for i, blk in enumerate(self.up_blocks):
            consumed = len(blk.resnets)
            size = None
            if i + 1 < len(self.up_blocks) and len(skips) > consumed:
                nxt = skips[len(skips) - consumed - 1]
                size = nxt.shape[2:]
            h = blk(h, emb, encoder_hidden_states, skips, size)
        h = self.conv_out(self.act(self.conv_norm_out(h)))
        return h


# --------------------------------------------------------------------------- optimiser


def adamw_for(model):
    """The trainer's AdamW: lr 1e-3, betas 0.9/0.999, eps 1e-8, weight decay 0.01 on
    parameters of 2+ dims whose names lack "embedding" (torch's single-tensor loop)."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.dim() >= 2 and "embedding" not in name else no_decay).append(p)
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                             lr=1e-3, betas=(0.9, 0.999), eps=1e-8, foreach=False)


# --------------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True)
    ap.add_argument("--weights")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--text-len", type=int, default=77)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--train", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--grad-mode", choices=["inference_mode", "no_grad"], default="inference_mode")
    ap.add_argument("--check")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(a.seed)
    with open(a.config) as f:
        config = json.load(f)
    model = UNet2DConditionModel(config)
    dump = None
    if a.check:
        dump, _ = load_safetensors(a.check)
    state = None
    if a.weights:
        state, _ = load_safetensors(a.weights)
    elif dump is not None and any(k.startswith("unet.") for k in dump):
        state = {k[5:]: v for k, v in dump.items() if k.startswith("unet.")}
    if state is not None:
        model.load_state_dict(state, strict=True)
    model.train(bool(a.train))
    c = model.c

    if dump is not None:
        x, t, ctx = dump["sample"], dump["timesteps"], dump["encoder_hidden_states"]
        te, ids = dump.get("text_embeds"), dump.get("time_ids")
        if a.train:
            opt = adamw_for(model)
            out = model(x, t, ctx, te, ids)
            loss = F.mse_loss(out, dump["target"])
            ref = float(dump["first_loss"][0])
            rel = abs(float(loss) - ref) / abs(ref)
            print(json.dumps({"check": "train_first_loss", "ours": ref, "pytorch": float(loss), "rel_err": rel}))
            loss.backward()
            opt.step()
        else:
            with torch.inference_mode():
                out = model(x, t, ctx, te, ids)
            ref = dump["output"]
            err = (out - ref).abs()
            rel = float(err.max() / ref.abs().max())
            rel_l2 = float((out - ref).norm() / ref.norm())
            print(json.dumps({"check": "forward", "shape": list(out.shape), "max_abs_err": float(err.max()),
                              "max_abs_ref": float(ref.abs().max()), "rel_err_max": rel, "rel_err_l2": rel_l2}))
        return 0 if rel < 1e-4 else 1

    b, s = a.batch, a.size
    x = torch.randn(b, c["in_channels"], s, s)
    t = torch.full((b,), 500.0)
    ctx = torch.randn(b, a.text_len, c["cross_attention_dim"][0])
    te = ids = None
    if c.get("addition_embed_type") == "text_time":
        te = torch.randn(b, c["projection_class_embeddings_input_dim"] - 6 * c["addition_time_embed_dim"])
        ids = torch.tensor([1024.0, 1024.0, 0.0, 0.0, 1024.0, 1024.0]).repeat(b, 1)
    if a.train:
        target = torch.randn(b, c["out_channels"], s, s)
        opt = adamw_for(model)

        def once():
            opt.zero_grad(set_to_none=False)
            out = model(x, t, ctx, te, ids)
            loss = F.mse_loss(out, target)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
    else:
        mode = torch.inference_mode if a.grad_mode == "inference_mode" else torch.no_grad

        def once():
            with mode():
                model(x, t, ctx, te, ids)
    ms = []
    for i in range(a.warmup + a.iters):
        t0 = time.perf_counter()
        once()
        el = (time.perf_counter() - t0) * 1e3
        if i >= a.warmup:
            ms.append(el)
    print(json.dumps({"side": "pytorch", "mode": "train" if a.train else "forward", "grad_mode": a.grad_mode,
                      "parameters": sum(p.numel() for p in model.parameters()), "batch": b, "latent_size": s,
                      "threads": torch.get_num_threads(), "torch_version": torch.__version__, "ms": ms,
                      "ms_per_forward_median": statistics.median(ms)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
