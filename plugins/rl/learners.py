"""The learners of the ``rl`` substrate: each a plasticity rule, and a scaffold that gives it to one twin.

Every rule does, per step, for the agents that may learn (``learning``):

* the emotion synapses: normalised Oja on W_main_emo (main -> emotion) and W_rec_emo, as in every
  substrate (``emergence.agents.oja.oja_update``);
* its own update from this step's transition (s, a, r, s', terminated), on the noise-free trunk;
* asleep (value-based rules, ``sleep_replay`` > 0): a TD update on transitions replayed from its
  buffer by priority |TD error| (plugins/rl/replay.py). A policy gradient needs on-policy samples, so
  ``reinforce`` does not replay.

``td`` (value learner): semi-gradient Q-learning into the trunk, delta = r + gamma max_a' Q(s', a') - Q(s, a),
loss delta^2 / 2 on the taken action's preference (the preferences are Q-values).
``reinforce`` (policy learner): at the end of each episode, the mean over its steps of
-(G_t - b) log pi(a_t | s_t) - beta H(pi), G_t the discounted return from t, b a running mean of the
episodes' mean returns (rate ``baseline_rate``); no critic.
``a2c``: one-step actor-critic on a shared trunk: delta = r + gamma V(s') - V(s);
-delta log pi(a | s) - beta H(pi) + value_weight delta^2 / 2.
A policy learner's preferences are logits z of order 1: the agent acts on sampling_noise * z, so its
policy is softmax(z / (1 + r)) (``_PolicyLearner``).

Rates (every learner): the heads learn at ``learning_rate / n_main`` (each output moves by about
``learning_rate * RMS(main)^2`` times its error, whatever the trunk's width), the trunk at
``learning_rate * trunk_rate`` (a hidden layer's step does not shrink with the width). ``trunk_rate=0`` on
any of them trains the heads only: a linear learner on fixed random features (the control for effects
that need representation learning).
"""

from __future__ import annotations

import torch
from attrs import frozen
from attrs.validators import ge, gt

from emergence.agents.oja import oja_update
from emergence.config import ConfigError, float_field
from emergence.contract import hookimpl

from .config import RLConfig
from .trunk import N_ACTIONS, VALUE, features, gradients, heads, policy_grad, sgd_

__all__ = ["TD", "Reinforce", "A2C", "RULES", "TDSettings", "ReinforceSettings", "A2CSettings", "SCAFFOLDS"]


@frozen
class TDSettings:
    """``td``: Q-learning; heads at ``learning_rate / n_main``, trunk at ``learning_rate * trunk_rate``,
    each agent's gradient clipped to ``max_grad_norm``."""

    learning_rate: float = float_field(0.5, ge(0))
    trunk_rate: float = float_field(4.0, ge(0))
    max_grad_norm: float = float_field(10.0, gt(0))


@frozen
class ReinforceSettings:
    """``reinforce``: an episode's policy gradient (mean over its steps), entropy bonus ``entropy``,
    baseline a running mean of episode returns at ``baseline_rate``."""

    learning_rate: float = float_field(8.0, ge(0))
    trunk_rate: float = float_field(0.25, ge(0))
    entropy: float = float_field(0.01, ge(0))
    baseline_rate: float = float_field(0.05, ge(0))
    max_grad_norm: float = float_field(10.0, gt(0))


@frozen
class A2CSettings:
    """``a2c``: actor and critic on one trunk, the critic's loss weighted by ``value_weight``."""

    learning_rate: float = float_field(8.0, ge(0))
    trunk_rate: float = float_field(0.25, ge(0))
    value_weight: float = float_field(0.25, ge(0))
    entropy: float = float_field(0.01, ge(0))
    max_grad_norm: float = float_field(10.0, gt(0))


class Learner:
    """What every learner does each step (module docstring). A value-based subclass gives
    ``td_error(y, y_next, action, reward, terminated) -> (delta, dLoss/dy)`` of its value loss
    delta^2 / 2, used online and in replay; a policy learner overrides ``online``."""

    value_based = True
    preference_scale = 1.0  # the agent acts on argmax(preference_scale * prefs + T * Gumbel)

    def __init__(self, config: RLConfig, settings):
        self.config, self.settings = config, settings

    def apply(self, agent, learning: torch.Tensor) -> None:
        c = self.config
        on = learning.to(agent.dtype)
        oja_update(agent.W_main_emo, agent.main, agent.emotion, c.eta_main_emo * on, c.oja_post)
        oja_update(agent.W_rec_emo, agent.emotion_prev, agent.emotion, c.eta_rec_emo * on, c.oja_post)
        t = agent.transition
        delta = self.online(agent, t, learning & t["acted"])
        if self.value_based and c.sleep_replay:
            agent.replay.push(
                t["acted"], delta.abs(), t["cell"], t["action"], t["reward"], t["next_cell"], t["terminated"]
            )
            self.replay(agent, ~agent.awake)

    def _step(self, agent, x, h, g_y, mask, rows=None) -> None:
        s = self.settings
        W_head = agent.W_head if rows is None else agent.W_head[rows]
        head, trunk = s.learning_rate / self.config.n_main, s.learning_rate * s.trunk_rate
        rates = {"W_head": head, "b_head": head, "W_in": trunk, "b_in": trunk}
        sgd_(agent, gradients(W_head, x, h, g_y, s.trunk_rate > 0), rates, s.max_grad_norm, mask, rows)

    def online(self, agent, t: dict, mask: torch.Tensor) -> torch.Tensor:
        """Learn from this step's transition (agents in ``mask``); returns its TD error (P,)."""
        y, y_next = (heads(agent.W_head, agent.b_head, t[k].unsqueeze(1)).squeeze(1) for k in ("h", "h_next"))
        delta, g_y = self.td_error(y, y_next, t["action"], t["reward"], t["terminated"])
        self._step(agent, t["x"].unsqueeze(1), t["h"].unsqueeze(1), g_y.unsqueeze(1), mask)
        return delta

    def replay(self, agent, asleep: torch.Tensor) -> None:
        """One TD update on ``sleep_replay`` transitions drawn by priority, for each sleeping agent."""
        c = self.config
        rows, index = agent.replay.sample(asleep, c.sleep_replay, c.replay_priority)
        if not len(rows):
            return
        b = agent.replay.gather(rows, index)
        W_in, b_in, W_head, b_head = (getattr(agent, n)[rows] for n in ("W_in", "b_in", "W_head", "b_head"))
        x, x_next = agent.env.code[b["cell"]], agent.env.code[b["next_cell"]]
        h, h_next = features(W_in, b_in, x), features(W_in, b_in, x_next)
        delta, g_y = self.td_error(
            heads(W_head, b_head, h), heads(W_head, b_head, h_next), b["action"], b["reward"], b["terminated"]
        )
        self._step(agent, x, h, g_y, torch.ones(len(rows), dtype=torch.bool, device=rows.device), rows)
        agent.replay.reprioritise(rows, index, delta.abs())


class TD(Learner):
    """Semi-gradient Q-learning (module docstring)."""

    def td_error(self, y, y_next, action, reward, terminated):
        bootstrap = y_next[..., :N_ACTIONS].max(dim=-1).values * (~terminated).to(y.dtype)
        q = y.gather(-1, action.unsqueeze(-1)).squeeze(-1)
        delta = reward + self.config.gamma * bootstrap - q
        g_y = torch.zeros_like(y).scatter_(-1, action.unsqueeze(-1), -delta.unsqueeze(-1))
        return delta, g_y


class _PolicyLearner(Learner):
    """A learner whose action preferences are the logits z of its policy, scaled by ``sampling_noise``:
    the agent samples argmax(sampling_noise * z + T * Gumbel), T = sampling_noise * (1 + r), so its policy
    is softmax(z / (1 + r)): the same state-dependent noise as a value learner's, on logits of order 1."""

    def __init__(self, config: RLConfig, settings):
        if config.sampling_noise <= 0:
            raise ConfigError(
                f"a policy learner needs 'sampling_noise' > 0 (a greedy policy has no gradient), "
                f"got {config.sampling_noise}"
            )
        super().__init__(config, settings)
        self.preference_scale = config.sampling_noise


class A2C(_PolicyLearner):
    """One-step actor-critic on a shared trunk (module docstring); replay trains the critic only."""

    def td_error(self, y, y_next, action, reward, terminated):
        bootstrap = y_next[..., VALUE] * (~terminated).to(y.dtype)
        delta = reward + self.config.gamma * bootstrap - y[..., VALUE]
        g_y = torch.zeros_like(y)
        g_y[..., VALUE] = -self.settings.value_weight * delta
        return delta, g_y

    def online(self, agent, t, mask):
        y, y_next = (heads(agent.W_head, agent.b_head, t[k].unsqueeze(1)).squeeze(1) for k in ("h", "h_next"))
        delta, g_y = self.td_error(y, y_next, t["action"], t["reward"], t["terminated"])
        T = t["temperature"] / self.preference_scale
        g_y[:, :N_ACTIONS] = policy_grad(y[:, :N_ACTIONS], T, t["action"], delta, self.settings.entropy)
        self._step(agent, t["x"].unsqueeze(1), t["h"].unsqueeze(1), g_y.unsqueeze(1), mask)
        return delta


class Reinforce(_PolicyLearner):
    """Episodic policy gradient with a running-mean baseline (module docstring); no replay."""

    value_based = False

    def __init__(self, config: RLConfig, settings):
        super().__init__(config, settings)
        L = config.max_episode_steps
        lag = torch.arange(L).unsqueeze(0) - torch.arange(L).unsqueeze(1)  # k - t
        # returns G = r @ discount: G_t = sum_{k >= t} gamma^(k - t) r_k
        self.discount = torch.where(lag >= 0, config.gamma ** lag.clamp_min(0).double(), 0.0).T.contiguous()

    def online(self, agent, t, mask):
        s, episode = self.settings, agent.episode
        ended = mask & (t["terminated"] | t["truncated"])
        rows = ended.nonzero().flatten()
        if len(rows):
            length = episode.length[rows]
            L = int(length.max())
            valid = torch.arange(L, device=rows.device).unsqueeze(0) < length.unsqueeze(1)
            cells, actions = episode.cell[rows, :L], episode.action[rows, :L]
            rewards = episode.reward[rows, :L] * valid
            returns = (rewards.double() @ self.discount[:L, :L].to(rewards.device)).to(agent.dtype)
            mean_return = (returns * valid).sum(1) / length
            baseline = agent.baseline[rows]
            x = agent.env.code[cells]
            h = features(agent.W_in[rows], agent.b_in[rows], x)
            prefs = heads(agent.W_head[rows], agent.b_head[rows], h)[..., :N_ACTIONS]
            T = episode.temperature[rows, :L] / self.preference_scale
            g_prefs = policy_grad(prefs, T, actions, returns - baseline.unsqueeze(1), s.entropy)
            g_y = torch.zeros(*prefs.shape[:2], N_ACTIONS + 1, dtype=agent.dtype, device=rows.device)
            g_y[..., :N_ACTIONS] = g_prefs * (valid / length.unsqueeze(1)).unsqueeze(-1)
            self._step(agent, x, h, g_y, torch.ones(len(rows), dtype=torch.bool, device=rows.device), rows)
            agent.baseline[rows] = baseline + s.baseline_rate * (mean_return - baseline)
        return torch.zeros_like(t["reward"])


RULES = {"td": (TD, TDSettings), "reinforce": (Reinforce, ReinforceSettings), "a2c": (A2C, A2CSettings)}


class _LearnerScaffold:
    """A twin's learner, given to it as a scaffold (``--a td --b reinforce``): its ``plasticity`` hook
    replaces the config's ``learner`` for that twin only."""

    NAME = ""
    STATE = ()

    def __init__(self, config, settings):
        if not isinstance(config, RLConfig):
            raise ConfigError(
                f"scaffold {self.NAME!r} is a learner of the rl substrate; use --substrate rl "
                f"(this agent is a {type(config).__name__})"
            )
        self.config, self.settings = config, settings

    @hookimpl
    def plasticity(self, config):
        return RULES[self.NAME][0](config, self.settings) if isinstance(config, RLConfig) else None


def _scaffold(name: str) -> type:
    rule, settings = RULES[name]
    doc = f"The ``{name}`` learner for one twin: {rule.__doc__}"
    return type(f"{rule.__name__}Scaffold", (_LearnerScaffold,), {"NAME": name, "SETTINGS": settings, "__doc__": doc})


SCAFFOLDS = {name: _scaffold(name) for name in RULES}
