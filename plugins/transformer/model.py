"""The tiny character-level transformer, batched over a population (pre-LayerNorm, GPT-style).

Every weight carries a leading agent axis, so P agents run as one tensor program (batched matmuls)
and agent p's numbers depend on agent p's weights and tokens only. For tokens x_1..x_T of one agent:

    h_0 = E[x_t] + Pos[t]
    h   = h + W_out · Attn(W_qkv · LN(h))            (causal, n_heads heads)     } for each of
    h   = h + W_down · gelu(W_up · LN(h))                                         } n_layers blocks
    logits = W_unembed · LN(h)

LN has no gain or bias. The residual stream ``h`` is the agent's cortex; ``main`` is its newest position.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import torch
import torch.nn.functional as F

from .config import TransformerConfig
from .dream import VOCAB

__all__ = ["cortex_shapes", "causal_attention", "residual_stream", "unembed", "Taps"]

# Hebbian taps: (weight name, layer or None, pre (P, n_in), post (P, n_out)) at the newest position.
Taps = list[tuple[str, "int | None", torch.Tensor, torch.Tensor]]


def cortex_shapes(c: TransformerConfig) -> dict[str, tuple[tuple[int, ...], float]]:
    """Per weight: its shape for one agent and the SD of its initial entries."""
    d, L, m = c.n_main, c.n_layers, c.mlp_ratio * c.n_main
    return {
        "tok_emb": ((VOCAB, d), c.embed_scale),
        "pos_emb": ((c.context, d), c.embed_scale),
        "W_qkv": ((L, 3 * d, d), c.weight_gain / math.sqrt(d)),
        "W_out": ((L, d, d), c.residual_gain / math.sqrt(d)),
        "W_up": ((L, m, d), c.weight_gain / math.sqrt(d)),
        "W_down": ((L, d, m), c.residual_gain / math.sqrt(m)),
        "W_unembed": ((VOCAB, d), c.weight_gain / math.sqrt(d)),
    }


def _linear(x: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    """Per agent ``x[p] @ W[p]^T``: (P, T, n_in) x (P, n_out, n_in) -> (P, T, n_out)."""
    return torch.matmul(x, W.transpose(1, 2))


def causal_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """softmax(q k^T / sqrt(d_head) + causal mask) v over (P, heads, T, d_head).

    Written with matmuls of contiguous operands rather than ``scaled_dot_product_attention``, whose CPU
    kernels sum in an order that depends on the batch size: agent p's numbers do not depend on its
    population.
    """
    T = q.shape[-2]
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    future = torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1)
    return torch.matmul(scores.masked_fill(future, float("-inf")).softmax(dim=-1), v)


def residual_stream(
    w: Mapping[str, torch.Tensor],
    tokens: torch.Tensor,
    c: TransformerConfig,
    perturb: Callable[[int, torch.Tensor], torch.Tensor] | None = None,
    taps: Taps | None = None,
) -> torch.Tensor:
    """The residual stream (P, T, n_main) after the last block, for tokens (P, T), T <= context.

    ``perturb(layer, h)`` returns the stream after each block (the state-dependent noise); ``taps``, if
    given, receives the pre- and post-synaptic vectors of every linear map at the newest position.
    """
    P, T = tokens.shape
    d, H = c.n_main, c.n_heads
    h = torch.bmm(F.one_hot(tokens, VOCAB).to(w["tok_emb"].dtype), w["tok_emb"]) + w["pos_emb"][:, :T]
    for layer in range(c.n_layers):
        x = F.layer_norm(h, (d,))
        qkv = _linear(x, w["W_qkv"][:, layer])
        q, k, v = (t.contiguous() for t in qkv.view(P, T, 3, H, d // H).permute(2, 0, 3, 1, 4))
        heads = causal_attention(q, k, v).transpose(1, 2).reshape(P, T, d)
        attended = _linear(heads, w["W_out"][:, layer])
        h = h + attended
        y = F.layer_norm(h, (d,))
        up = _linear(y, w["W_up"][:, layer])
        hidden = F.gelu(up)
        down = _linear(hidden, w["W_down"][:, layer])
        h = h + down
        if taps is not None:
            for name, pre, post in (
                ("W_qkv", x, qkv),
                ("W_out", heads, attended),
                ("W_up", y, up),
                ("W_down", hidden, down),
            ):
                taps.append((name, layer, pre[:, -1], post[:, -1]))
        if perturb is not None:
            h = perturb(layer, h)
    return h


def unembed(w: Mapping[str, torch.Tensor], h: torch.Tensor, taps: Taps | None = None) -> torch.Tensor:
    """Logits over the alphabet from the residual stream: (P, T, n_main) -> (P, T, VOCAB)."""
    x = F.layer_norm(h, (h.shape[-1],))
    logits = _linear(x, w["W_unembed"])
    if taps is not None:
        taps.append(("W_unembed", None, x[:, -1], logits[:, -1]))
    return logits
