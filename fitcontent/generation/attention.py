"""FP8 attention for CogVideoX: a Triton kernel on CUDA GPUs with FP8 tensor cores, a torch reference elsewhere.

CogVideoX spends most of a step in attention (head dim 64, 17,776 tokens for 5B, 45,106 for 1.5), and its
processor calls ``F.scaled_dot_product_attention`` directly, so :class:`Fp8AttnProcessor` replaces it.

Quantization (``quantize``): K minus its mean over tokens (softmax does not change), then Q and K per token
and V per channel to float8 e4m3, each with a float32 scale. The kernel is flash attention (online
softmax, one pass over K and V) with both products on FP8 tensor cores: S = Q Kᵀ rescaled per token
pair, P = exp2(S - max) scaled by 448 into float8 for P V, and V's channel scales applied at the end.
The reference dequantizes and runs SDPA in float32: it is the CPU path and what the kernel is checked
against (the kernel adds P's rounding).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

FP8 = torch.float8_e4m3fn
FP8_MAX = 448.0
LOG2_E = 1.4426950408889634
PAD = 128  # tokens are padded to a multiple of this (the largest key block)
KERNEL_CONFIG = {"BLOCK_M": 128, "BLOCK_N": 128, "num_warps": 8, "num_stages": 3}


def kernel_available(device: torch.device) -> bool:
    """True where the Triton kernel runs: a CUDA GPU with FP8 tensor cores (compute capability 8.9+)."""
    return triton is not None and device.type == "cuda" and torch.cuda.get_device_capability(device) >= (8, 9)


def quantize(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, scale: float):
    """(q8, k8, vt8, q_scale, k_scale, v_scale) from [B, H, N, D] q, k, v, tokens padded to :data:`PAD`.

    q8, k8: [B*H, Np, D]; vt8: [B*H, D, Np] (V transposed, as FP8 tensor cores read it); q_scale and
    k_scale: [B*H, Np] with the softmax scale and log2(e) folded into q_scale; v_scale: [B*H, D]."""
    b, h, n, d = q.shape
    pad = -n % PAD
    k = k - k.mean(dim=2, keepdim=True)

    def per_token(x: torch.Tensor, factor: float):
        x = F.pad(x.float().reshape(b * h, n, d), (0, 0, 0, pad))
        amax = x.abs().amax(dim=-1, keepdim=True).clamp(min=1e-12)
        return (x * (FP8_MAX / amax)).to(FP8), (amax.squeeze(-1) * (factor / FP8_MAX))

    q8, q_scale = per_token(q, scale * LOG2_E)
    k8, k_scale = per_token(k, 1.0)
    v32 = F.pad(v.float().reshape(b * h, n, d), (0, 0, 0, pad))
    v_amax = v32.abs().amax(dim=1, keepdim=True).clamp(min=1e-12)
    vt8 = (v32 * (FP8_MAX / v_amax)).to(FP8).transpose(1, 2).contiguous()
    return q8, k8, vt8, q_scale, k_scale, v_amax.squeeze(1) / FP8_MAX


def reference(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Attention of the quantized q, k, v, dequantized, through SDPA in float32: [B, N, H, D]."""
    b, h, n, d = q.shape
    scale = 1 / math.sqrt(d)
    q8, k8, vt8, q_scale, k_scale, v_scale = quantize(q, k, v, scale)
    q32 = (q8.float() * q_scale[..., None] / (scale * LOG2_E))[:, :n]
    k32 = (k8.float() * k_scale[..., None])[:, :n]
    v32 = (vt8.float() * v_scale[..., None]).transpose(1, 2)[:, :n]
    out = F.scaled_dot_product_attention(q32, k32, v32, scale=scale)
    return out.reshape(b, h, n, d).transpose(1, 2).to(q.dtype)


@torch.library.custom_op("fitcontent::fp8_attention", mutates_args=())
def fp8_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """softmax(q kᵀ / √d) v for [B, H, N, D] tensors, returned as [B, N, H, D] in q's dtype; FP8 inside."""
    if not kernel_available(q.device):
        return reference(q, k, v)
    b, h, n, d = q.shape
    q8, k8, vt8, q_scale, k_scale, v_scale = quantize(q, k, v, 1 / math.sqrt(d))
    out = torch.empty(b, n, h, d, dtype=q.dtype, device=q.device)
    run_kernel(q8, k8, vt8, q_scale, k_scale, v_scale, out, **KERNEL_CONFIG)
    return out


@fp8_attention.register_fake
def _(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    b, h, n, d = q.shape
    return q.new_empty(b, n, h, d)


def run_kernel(q8, k8, vt8, q_scale, k_scale, v_scale, out, BLOCK_M: int, BLOCK_N: int, num_warps: int,
               num_stages: int) -> None:
    """Launch the kernel: ``out`` [B, N, H, D] is written in place."""
    b, n, h, d = out.shape
    padded = q8.shape[1]
    grid = (-(-n // BLOCK_M), b * h)
    _kernel[grid](q8, k8, vt8, q_scale, k_scale, v_scale, out, n, n // BLOCK_N * BLOCK_N, padded, h,
                    out.stride(0), out.stride(1), out.stride(2), D=d, BLOCK_M=BLOCK_M, BLOCK_N=BLOCK_N,
                    num_warps=num_warps, num_stages=num_stages)


try:  # Triton comes with CUDA builds of torch; without it the reference runs
    import triton
    import triton.language as tl
except ImportError:
    triton = None

if triton is not None:

    @triton.jit
    def _block(acc, l_i, m_i, q, q_scale, K, KS, VT, start, n, padded, offs_n, offs_d,
               D: tl.constexpr, BLOCK_N: tl.constexpr, MASKED: tl.constexpr):
        """One block of keys: scores, online softmax, and the P V product on FP8 tensor cores."""
        keys = start + offs_n
        k = tl.load(K + keys[:, None] * D + offs_d[None, :])
        k_scale = tl.load(KS + keys)
        s = tl.dot(q, tl.trans(k)) * q_scale[:, None] * k_scale[None, :]
        if MASKED:
            s = tl.where((keys < n)[None, :], s, float("-inf"))
        m_new = tl.maximum(m_i, tl.max(s, 1))
        p = tl.math.exp2(s - m_new[:, None])
        alpha = tl.math.exp2(m_i - m_new)
        l_i = l_i * alpha + tl.sum(p, 1)
        vt = tl.load(VT + offs_d[:, None] * padded + keys[None, :])
        acc = acc * alpha[:, None] + tl.dot((p * 448.0).to(tl.float8e4nv), tl.trans(vt))
        return acc, l_i, m_new

    @triton.jit
    def _kernel(Q, K, VT, QS, KS, VS, Out, n, full, padded, heads, stride_ob, stride_on, stride_oh,
                D: tl.constexpr, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr):
        """One block of BLOCK_M queries of one (batch, head) against every key (``full``: the keys in whole
        blocks, the rest masked)."""
        row_block = tl.program_id(0)
        bh = tl.program_id(1).to(tl.int64)
        offs_m = row_block * BLOCK_M + tl.arange(0, BLOCK_M)
        offs_n = tl.arange(0, BLOCK_N)
        offs_d = tl.arange(0, D)
        Q += bh * padded * D
        K += bh * padded * D
        VT += bh * D * padded
        QS += bh * padded
        KS += bh * padded
        q = tl.load(Q + offs_m[:, None] * D + offs_d[None, :])
        q_scale = tl.load(QS + offs_m)
        m_i = tl.full([BLOCK_M], float("-inf"), tl.float32)
        l_i = tl.zeros([BLOCK_M], tl.float32)
        acc = tl.zeros([BLOCK_M, D], tl.float32)
        for start in range(0, full, BLOCK_N):
            acc, l_i, m_i = _block(acc, l_i, m_i, q, q_scale, K, KS, VT, start, n, padded, offs_n, offs_d,
                                   D, BLOCK_N, False)
        if full < n:
            acc, l_i, m_i = _block(acc, l_i, m_i, q, q_scale, K, KS, VT, full, n, padded, offs_n, offs_d,
                                   D, BLOCK_N, True)
        v_scale = tl.load(VS + bh * D + offs_d)
        out = acc * (v_scale[None, :] / (448.0 * l_i[:, None]))
        b = bh // heads
        h = bh % heads
        pointers = Out + b * stride_ob + h * stride_oh + offs_m[:, None] * stride_on + offs_d[None, :]
        tl.store(pointers, out.to(Out.dtype.element_ty), mask=(offs_m < n)[:, None])


class Fp8AttnProcessor:
    """CogVideoX's attention processor with :func:`fp8_attention` in place of SDPA (and fused QKV when the
    attention module has been fused); everything else as diffusers' ``CogVideoXAttnProcessor2_0``."""

    def __call__(self, attn, hidden_states: torch.Tensor, encoder_hidden_states: torch.Tensor,
                 attention_mask: torch.Tensor | None = None, image_rotary_emb: torch.Tensor | None = None):
        from diffusers.models.embeddings import apply_rotary_emb

        if attention_mask is not None:
            raise ValueError("fp8 attention takes no attention mask (CogVideoX passes none)")
        text_length = encoder_hidden_states.size(1)
        hidden_states = torch.cat([encoder_hidden_states, hidden_states], dim=1)
        batch, length, _ = hidden_states.shape
        if getattr(attn, "fused_projections", False):
            query, key, value = attn.to_qkv(hidden_states).chunk(3, dim=-1)
        else:
            query, key, value = attn.to_q(hidden_states), attn.to_k(hidden_states), attn.to_v(hidden_states)
        head_dim = key.shape[-1] // attn.heads
        query, key, value = (x.view(batch, length, attn.heads, head_dim).transpose(1, 2) for x in (query, key, value))
        if attn.norm_q is not None:
            query = attn.norm_q(query)
        if attn.norm_k is not None:
            key = attn.norm_k(key)
        if image_rotary_emb is not None:
            query = torch.cat([query[:, :, :text_length],
                               apply_rotary_emb(query[:, :, text_length:], image_rotary_emb)], dim=2)
            if not attn.is_cross_attention:
                key = torch.cat([key[:, :, :text_length],
                                 apply_rotary_emb(key[:, :, text_length:], image_rotary_emb)], dim=2)
        hidden_states = fp8_attention(query, key, value).reshape(batch, length, attn.heads * head_dim)
        hidden_states = attn.to_out[1](attn.to_out[0](hidden_states))
        encoder_hidden_states, hidden_states = hidden_states.split([text_length, length - text_length], dim=1)
        return hidden_states, encoder_hidden_states
