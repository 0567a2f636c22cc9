"""``RLAgent``: a population of RL agents on a grid behind the ``Agent`` interface (docs/rl.md).

Each step every agent sees the place-cell code of its cell, runs its trunk (the cortex ``main``) with
state-dependent noise, picks an action by Gumbel-max at a state-dependent temperature, moves if awake
(a sleeping agent does not act), drives its emotion field from the trunk, spends energy, learns (its
learner, ``plugins/rl/learners.py``; asleep: replay) and reads its valence: a linear probe V(s) on the
detached, noise-free trunk and its TD error, the same for every learner. Seeds, generators, hooks,
trails and checkpoint are the core's (``PopulationBase``).
"""

from __future__ import annotations

import math

import torch

from emergence.agents.dynamics import leaky_update
from emergence.agents.population import PopulationBase, emotion_shapes

from .config import CORTEX_WEIGHTS, PROBE_WEIGHTS, RLConfig
from .env import ValenceGrid
from .grid import ACTIONS, make_grid
from .learners import RULES
from .replay import Replay
from .trunk import MIN_TEMPERATURE, N_ACTIONS, entropy, features

__all__ = ["RLAgent", "CHANNELS", "Episode"]

EMOTION_WEIGHTS = ("W_main_emo", "W_rec_emo", "bias_emo")
STATE = ("main", "v_emotion", "emotion", "emotion_prev", "energy", "awake", "baseline")
# The valence readouts recorded per step beside the emotion field (docs/rl.md).
CHANNELS = ("value", "td_error", "reward", "episode_return", "success", "lava", "truncated", "entropy")


class Episode:
    """Each agent's current episode: cells, actions, rewards and temperatures (P, max_episode_steps),
    its length and its return so far (P,); what ``reinforce`` learns from at the episode's end."""

    FIELDS = ("cell", "action", "reward", "temperature", "length", "ret")

    def __init__(self, P: int, L: int, dtype: torch.dtype, device: torch.device):
        long = dict(dtype=torch.long, device=device)
        self.cell, self.action = torch.zeros(P, L, **long), torch.zeros(P, L, **long)
        self.reward = torch.zeros(P, L, dtype=dtype, device=device)
        self.temperature = torch.zeros(P, L, dtype=dtype, device=device)
        self.length = torch.zeros(P, **long)
        self.ret = torch.zeros(P, dtype=dtype, device=device)

    def append(self, mask, cell, action, reward, temperature) -> None:
        rows = mask.nonzero().flatten()
        at = self.length[rows]
        self.cell[rows, at], self.action[rows, at] = cell[rows], action[rows]
        self.reward[rows, at], self.temperature[rows, at] = reward[rows], temperature[rows]
        self.length[rows] += 1
        self.ret += reward

    def end(self, ended: torch.Tensor) -> None:
        self.length[ended] = 0
        self.ret[ended] = 0.0

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {f"episode.{name}": getattr(self, name) for name in self.FIELDS}

    def load(self, tensors: dict[str, torch.Tensor]) -> None:
        for name in self.FIELDS:
            getattr(self, name).copy_(tensors[f"episode.{name}"])


class RLAgent(PopulationBase):
    """A population of ``len(init_seeds)`` RL agents; ``init_seeds`` seed the weights and each agent's
    sequence of start cells (twins with one init seed start their k-th episodes in the same cell),
    ``noise_seeds`` the trunk, emotion and action noise and the replay draws."""

    config: RLConfig
    TENSORS = CORTEX_WEIGHTS + PROBE_WEIGHTS + EMOTION_WEIGHTS + STATE

    @classmethod
    def default_plasticity(cls, config: RLConfig):
        rule, settings = RULES[config.learner]
        return rule(config, settings())

    def _init_tensors(self) -> None:
        c, P = self.config, self.population
        zeros = dict(dtype=self.dtype, device=self.device)
        self._draw(
            {
                "W_in": ((c.n_main, c.n_in), c.trunk_gain),
                "b_in": ((c.n_main,), c.trunk_bias),
                "W_head": ((N_ACTIONS + 1, c.n_main), c.head_gain / math.sqrt(c.n_main)),
                **emotion_shapes(c),
            }
        )
        self.b_head = torch.zeros(P, N_ACTIONS + 1, **zeros)
        self.w_probe, self.b_probe = torch.zeros(P, c.n_main, **zeros), torch.zeros(P, **zeros)
        self.main = torch.zeros(P, c.n_main, **zeros)
        for name in ("v_emotion", "emotion", "emotion_prev"):
            setattr(self, name, torch.zeros(P, c.n_emo, **zeros))
        self.energy = torch.full((P,), c.initial_energy, **zeros)
        self.awake = torch.ones(P, dtype=torch.bool, device=self.device)
        self.baseline = torch.zeros(P, **zeros)  # reinforce's running mean of episode returns

    def _init_own(self) -> None:
        c, P = self.config, self.population
        self.grid = make_grid(c.grid, c.layout)
        self.env = ValenceGrid(
            self.grid,
            self.init_seeds,
            max_episode_steps=c.max_episode_steps,
            step_cost=c.step_cost,
            place_sigma=c.place_sigma,
            dtype=self.dtype,
            device=self.device,
        )
        self.env.reset()
        self.replay = Replay(c.replay_size, self.noise_seeds, self.dtype, self.device)
        self.episode = Episode(P, c.max_episode_steps, self.dtype, self.device)
        self.channels = {name: torch.zeros(P, dtype=self.dtype, device=self.device) for name in CHANNELS}
        self.transition: dict[str, torch.Tensor] = {}
        # a policy learner's preferences are its logits in units of the base temperature (learners.py)
        self.preference_scale = float(getattr(self.plasticity, "preference_scale", 1.0))

    # -- the step -----------------------------------------------------------------------------------
    def _advance(self) -> list[str]:
        """Sense, act, move, feel, spend energy, learn, read valence; returns each agent's cell and move.
        ``s`` is the learner's preference scale: 1 for td (Q-values), sampling_noise for policy learners.

        With x the place code of the agent's cell, ξ standard normal and G standard Gumbel noise of its
        own generator, σ(·) the noise model's amplitudes, r = |main| / sqrt(n_main)::

            u      = W_in x + b_in,   main = tanh(u + σ_main(tanh u) ⊙ ξ)
            a      = argmax(s (W_head[:4] main + b_head[:4]) + σ_sampling(r) · G)   (softmax at temperature σ)
            v_emo  += dt (-v_emo + W_main_emo main + W_rec_emo emotion + bias_emo + σ_emo ⊙ ξ) / tau_emo
            V(s)   = w_probe · tanh(u) + b_probe,   δ = r + γ (1 - terminal) V(s') - V(s)
        """
        c, P = self.config, self.population
        cell = self.env.cell
        x = self.env.code[cell]
        u = torch.baddbmm(self.b_in.unsqueeze(-1), self.W_in, x.unsqueeze(-1)).squeeze(-1)
        clean = torch.tanh(u)
        gauss = torch.empty(P, c.n_main + c.n_emo, dtype=self.dtype, device=self.device)
        uniform = torch.empty(P, N_ACTIONS, dtype=self.dtype, device=self.device)
        for p, g in enumerate(self.generators):
            torch.randn(gauss.shape[1], generator=g, out=gauss[p])
            torch.rand(N_ACTIONS, generator=g, out=uniform[p])
        xi_main, xi_emo = gauss.split([c.n_main, c.n_emo], dim=1)
        amp = self.noise_amplitude

        self.main = torch.tanh(u + amp("main", clean) * xi_main)
        prefs = (
            torch.baddbmm(self.b_head[:, :N_ACTIONS].unsqueeze(-1), self.W_head[:, :N_ACTIONS], self.main.unsqueeze(-1))
            .squeeze(-1)
            .mul_(self.preference_scale)
        )
        temperature = amp("sampling", (self.activity / math.sqrt(c.n_main)).unsqueeze(1)).squeeze(1)
        gumbel = uniform.clamp_min(torch.finfo(self.dtype).tiny).log().neg().log().neg()
        action = (prefs + temperature.unsqueeze(1) * gumbel).argmax(dim=1)
        acted = self.awake.clone()
        _, reward, terminated, truncated, info = self.env.step(action, acted)
        if self.step_index < c.onset:
            reward = torch.zeros_like(reward)
        next_cell = info["final_cell"]
        x_next = self.env.code[next_cell]
        h_next = features(self.W_in, self.b_in, x_next.unsqueeze(1)).squeeze(1)
        self.transition = dict(
            cell=cell,
            action=action,
            reward=reward,
            next_cell=next_cell,
            terminated=terminated,
            truncated=truncated,
            acted=acted,
            temperature=temperature,
            x=x,
            h=clean,
            x_next=x_next,
            h_next=h_next,
        )
        self.episode.append(acted, cell, action, reward, temperature)

        self.emotion_prev = self.emotion
        drive = torch.baddbmm(self.bias_emo.unsqueeze(-1), self.W_main_emo, self.main.unsqueeze(-1)).squeeze(-1)
        drive.add_(torch.bmm(self.W_rec_emo, self.emotion_prev.unsqueeze(-1)).squeeze(-1))
        drive.addcmul_(amp("emotion", self.emotion_prev), xi_emo)
        self.emotion = leaky_update(self.v_emotion, drive, c.dt, c.tau_emo)

        self.update_energy()
        learning = self.learning
        value = (self.w_probe * clean).sum(1) + self.b_probe
        next_value = (self.w_probe * h_next).sum(1) + self.b_probe
        delta = (reward + c.gamma * next_value * (~terminated).to(self.dtype) - value) * acted.to(self.dtype)
        rate = (c.probe_rate / c.n_main) * (learning & acted).to(self.dtype) * delta
        self.w_probe.addcmul_(rate.unsqueeze(1), clean)
        self.b_probe.add_(rate)
        self.apply_plasticity(learning)

        log_p = torch.log_softmax(prefs / temperature.clamp_min(MIN_TEMPERATURE).unsqueeze(1), dim=1)
        readout = dict(
            value=value,
            td_error=delta,
            reward=reward,
            episode_return=self.episode.ret,
            success=info["success"],
            lava=info["lava"],
            truncated=truncated,
            entropy=entropy(log_p),
        )
        for name, tensor in readout.items():
            self.channels[name].copy_(tensor)
        self.episode.end(terminated | truncated)
        size = self.grid.size
        return [
            f"({s // size},{s % size}) {ACTIONS[a] if on else 'asleep'}"
            for s, a, on in zip(cell.tolist(), action.tolist(), acted.tolist())
        ]

    # -- state ----------------------------------------------------------------------------------------
    def _own_tensors(self) -> dict[str, torch.Tensor]:
        return {**self.env.state_dict(), **self.replay.state_dict(), **self.episode.state_dict()}

    def _load_own(self, tensors: dict[str, torch.Tensor], metadata: dict) -> None:
        self.env.load(tensors)
        self.replay.load(tensors)
        self.episode.load(tensors)
