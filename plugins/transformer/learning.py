"""How a transformer agent learns, with no labels and no reward (config ``learning_rule``).

The transformer agents' default learning rule: a plugin's ``plasticity`` hook can still replace it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from emergence.agents.oja import oja_update

from .config import CORTEX_WEIGHTS, TransformerConfig
from .dream import encode
from .model import Taps, residual_stream, unembed

__all__ = ["TransformerPlasticity", "next_token_update", "hebbian_update"]


def next_token_update(agent, learning: torch.Tensor) -> None:
    """One SGD step of next-character prediction on each learning agent's own text.

    With x_1..x_{T+1} the agent's text (the window it read this step and the character it sampled)::

        L_p = -(1/T) sum_t log softmax(f_p(x_1..x_t))[x_{t+1}]
        theta_p <- theta_p - learning_rate * g_p * min(1, max_grad_norm / |g_p|),  g_p = dL_p / dtheta_p

    over every cortex weight theta (embeddings, blocks, unembedding), without noise. The agents' weights
    are batched, so one backward pass of sum_p L_p gives each agent its own gradient.
    """
    c: TransformerConfig = agent.config
    tokens = encode(agent.texts, agent.device)
    if tokens.shape[1] < 2:
        return
    params = {name: getattr(agent, name).detach().requires_grad_() for name in CORTEX_WEIGHTS}
    with torch.enable_grad():
        logits = unembed(params, residual_stream(params, tokens[:, :-1], c))
        loss = F.cross_entropy(logits.transpose(1, 2), tokens[:, 1:], reduction="none").mean(dim=1)
        grads = torch.autograd.grad(loss.sum(), list(params.values()))
    # per agent, one reduction at a time: a batched reduction's summation order depends on P
    norm = torch.stack([sum(g[p].pow(2).sum() for g in grads).sqrt() for p in range(agent.population)])
    rate = c.learning_rate * (c.max_grad_norm / norm.clamp_min(1e-12)).clamp(max=1.0)
    for name, grad in zip(CORTEX_WEIGHTS, grads):
        W = getattr(agent, name)
        shape = (-1,) + (1,) * (W.dim() - 1)
        W.sub_(torch.where(learning.view(shape), grad * rate.view(shape), 0.0))


def hebbian_update(agent, learning: torch.Tensor) -> None:
    """Normalised Oja (``emergence.agents.oja.oja_update``, rate ``hebbian_rate``) on every linear map of
    the cortex, W_qkv, W_out, W_up, W_down of each block and W_unembed, with its pre- and post-synaptic
    vectors at the newest position of a noise-free pass over the agent's text; embeddings stay."""
    c: TransformerConfig = agent.config
    taps: Taps = []
    weights = {name: getattr(agent, name) for name in CORTEX_WEIGHTS}
    tokens = encode([text[-c.context :] for text in agent.texts], agent.device)
    unembed(weights, residual_stream(weights, tokens, c, taps=taps), taps)
    rate = c.hebbian_rate * learning.to(agent.dtype)
    for name, layer, pre, post in taps:
        W = weights[name] if layer is None else weights[name][:, layer]
        oja_update(W, pre, post, rate, c.oja_post)


_CORTEX_RULES = {"next_token": next_token_update, "hebbian": hebbian_update}


class TransformerPlasticity:
    """The emotion synapses learn as in the field substrate (normalised Oja on W_main_emo, main ->
    emotion, and W_rec_emo, emotion(t-1) -> emotion(t)) every step; the cortex learns by
    ``learning_rule`` every ``learn_every`` steps. Nothing changes for an agent that cannot learn."""

    def __init__(self, config: TransformerConfig):
        self.config = config
        self.cortex_rule = _CORTEX_RULES[config.learning_rule]

    def apply(self, agent, learning: torch.Tensor) -> None:
        c = self.config
        on = learning.to(agent.dtype)
        oja_update(agent.W_main_emo, agent.main, agent.emotion, c.eta_main_emo * on, c.oja_post)
        oja_update(agent.W_rec_emo, agent.emotion_prev, agent.emotion, c.eta_rec_emo * on, c.oja_post)
        if agent.step_index % c.learn_every == 0 and bool(learning.any()):
            self.cortex_rule(agent, learning)
