"""The td learner's update against a textbook case: Q-learning on gymnasium's CliffWalking (Sutton and
Barto, Example 6.6) finds the shortest path, along the cliff's edge. Runs with the ``rl-validate`` extra
(``pip install -e '.[rl-validate]'``); skipped without gymnasium."""

from types import SimpleNamespace

import pytest
import torch

from emergence_plugins.rl import RLConfig
from emergence_plugins.rl.learners import TD, TDSettings
from emergence_plugins.rl.trunk import N_ACTIONS, gradients, heads, sgd_

gym = pytest.importorskip("gymnasium")

EDGE_PATH = -13  # up, 11 steps right along the cliff, down into the goal


def test_td_learns_the_cliff_edge_path():
    """The td rule (its TD error and written-out gradients, the heads on one-hot states: the tabular
    case) learns by epsilon-greedy Q-learning a greedy policy that walks the edge: return -13."""
    env = gym.make("CliffWalking-v1")
    states = env.observation_space.n
    learner = TD(RLConfig(gamma=1.0), TDSettings(max_grad_norm=1e6))
    q = SimpleNamespace(
        W_head=torch.zeros(1, N_ACTIONS + 1, states, dtype=torch.float64),
        b_head=torch.zeros(1, N_ACTIONS + 1, dtype=torch.float64),
    )
    code = torch.eye(states, dtype=torch.float64)
    rng = torch.Generator().manual_seed(0)

    def values(state):
        return heads(q.W_head, q.b_head, code[state].view(1, 1, -1)).view(-1)

    def greedy(state):
        return int(values(state)[:N_ACTIONS].argmax())

    for episode in range(300):
        state, _ = env.reset(seed=episode)
        for _ in range(200):
            explore = torch.rand(1, generator=rng).item() < 0.1
            action = int(torch.randint(N_ACTIONS, (1,), generator=rng)) if explore else greedy(state)
            after, reward, terminated, _, _ = env.step(action)
            _, g_y = learner.td_error(
                values(state).view(1, -1),
                values(after).view(1, -1),
                torch.tensor([action]),
                torch.tensor([float(reward)], dtype=torch.float64),
                torch.tensor([terminated]),
            )
            x = code[state].view(1, 1, -1)
            sgd_(
                q,
                gradients(q.W_head, x, x, g_y.view(1, 1, -1), trunk=False),
                {"W_head": 0.5, "b_head": 0.0},
                learner.settings.max_grad_norm,
                torch.tensor([True]),
            )
            state = after
            if terminated:
                break
    state, _ = env.reset(seed=0)
    total, terminated = 0, False
    for _ in range(50):
        state, reward, terminated, _, _ = env.step(greedy(state))
        total += reward
        if terminated:
            break
    assert terminated and total == EDGE_PATH
