"""The rl substrate: the grid against its ground truth, learners that learn, the detached valence probe,
sleep replay, resume identity and one-line errors (docs/rl.md)."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from emergence import build_agent, replace
from emergence.cli import main
from emergence.config import ConfigError
from emergence.results import ResultsFolder
from emergence.results.checkpoint import restore, save_checkpoint
from emergence_plugins.rl import RL, RLConfig
from emergence_plugins.rl.agent import CHANNELS
from emergence_plugins.rl.env import ValenceGrid
from emergence_plugins.rl.evaluate import reference_values, start_values
from emergence_plugins.rl.geometry import agent_geometry, mirror_ratio, model_rdms, rdm, rsa, twin_rsa
from emergence_plugins.rl.grid import MIRROR_ACTION, distances, make_grid, value_iteration
from emergence_plugins.rl.trunk import features, gradients, heads, policy_grad
from emergence_protocols.twins.runner import run_sweep
from emergence_protocols.twins.settings import make_config

TINY = RL.preset("small", grid=5, n_main=16, n_emo=8, max_episode_steps=20)
TIRED = dict(energy_cost=0.15, energy_homeostasis=0.05)  # sleep and wake within a few dozen steps
AWAKE = dict(energy_cost=0.0)  # never sleeps: every step is an action


def _agents(config=TINY, learner="td", init=(1, 2), noise=(3, 4)):
    return build_agent(config, list(init), list(noise), scaffolds=[learner])


def _states_equal(a, b, skip=()):
    ta, tb = a.state_dict(), b.state_dict()
    assert ta.keys() == tb.keys()
    for key in ta:
        if key not in skip:
            assert torch.equal(ta[key], tb[key]), key


def _one_line_error(code, err, *words):
    lines = err.strip().splitlines()
    assert code != 0 and len(lines) == 1 and lines[0].startswith("error: "), err
    for word in words:
        assert word in lines[0], lines[0]


class TestGrid:
    @pytest.mark.parametrize("layout", ["valence", "symmetric"])
    @pytest.mark.parametrize("size", [5, 9, 15])
    def test_value_iteration_is_the_shortest_safe_path(self, layout, size):
        """With a step cost and gamma < 1 the optimal path is the shortest path around the lava, so
        V*(s) = gamma^(d-1) - c (1 - gamma^(d-1)) / (1 - gamma), d the geodesic distance to the goal (BFS)."""
        grid, gamma, c = make_grid(size, layout), 0.95, 0.01
        V, Q = value_iteration(grid, gamma, c)
        d = distances(grid)["goal"][grid.safe]
        expected = gamma ** (d - 1) - c * (1 - gamma ** (d - 1)) / (1 - gamma)
        np.testing.assert_allclose(V[grid.safe], expected, atol=1e-9)
        np.testing.assert_allclose(V[grid.safe], Q[grid.safe].max(axis=1), atol=1e-12)

    @pytest.mark.parametrize("layout", ["valence", "symmetric"])
    def test_the_batched_environment_pays_the_optimal_values(self, layout):
        """Acting greedily on Q* in the torch environment, from every safe cell at once, collects
        exactly V*(start) in discounted reward: the environment's moves, rewards and ends are the model's."""
        grid, gamma, c = make_grid(9, layout), 0.95, 0.01
        V, Q = value_iteration(grid, gamma, c)
        starts = np.flatnonzero(grid.safe)
        env = ValenceGrid(grid, range(len(starts)), max_episode_steps=200, step_cost=c, dtype=torch.float64)
        env.reset()
        env.cell = torch.as_tensor(starts)
        greedy = torch.as_tensor(Q.argmax(axis=1))
        total = torch.zeros(len(starts), dtype=torch.float64)
        running = torch.ones(len(starts), dtype=torch.bool)
        for t in range(100):
            _, reward, terminated, truncated, _ = env.step(greedy[env.cell], running)
            total += gamma**t * reward
            running &= ~(terminated | truncated)
            if not running.any():
                break
        assert not running.any()
        np.testing.assert_allclose(total.numpy(), V[starts], atol=1e-12)

    def test_moves_rewards_and_episode_ends(self):
        """Lava ends an episode at -1, the goal at +1, other moves cost step_cost; a wall leaves the agent
        where it is; an inactive copy neither moves nor ages; the cap truncates; ends reset at once."""
        grid = make_grid(5, "valence")
        lava_cell = int(np.flatnonzero(grid.lava)[0])
        env = ValenceGrid(grid, [0, 1, 2, 3], max_episode_steps=3, step_cost=0.01)
        env.reset()
        env.cell = torch.tensor([lava_cell - 1, 1, 0 * 5 + 4, 12])  # left of lava, right of goal, top corner, centre
        _, reward, terminated, truncated, info = env.step(
            torch.tensor([3, 2, 0, 1]), torch.tensor([True, True, True, False])
        )
        assert reward.tolist() == pytest.approx([-1.0, 1.0, -0.01, 0.0])
        assert terminated.tolist() == [True, True, False, False] and info["final_cell"].tolist()[2:] == [4, 12]
        assert bool(grid.safe[info["cell"][0]]) and bool(grid.safe[info["cell"][1]])  # reset in the same step
        assert env.elapsed.tolist() == [0, 0, 1, 0]
        env.step(torch.tensor([0, 0, 0, 0]))
        *_, truncated, _ = env.step(torch.tensor([0, 0, 0, 0]))
        assert truncated[2] and env.elapsed[2] == 0

    def test_gymnasium_interface(self):
        """reset -> (obs, info), step -> (obs, reward, terminated, truncated, info); obs is the unit-length
        place code of each copy's cell; reset(seed) replays the same start cells."""
        env = ValenceGrid(make_grid(7, "valence"), [5, 6, 7], max_episode_steps=10)
        obs, info = env.reset(seed=11)
        assert obs.shape == (3, 49) and torch.allclose(obs.norm(dim=1), torch.ones(3))
        torch.testing.assert_close(obs, env.code[info["cell"]])
        out = env.step(torch.tensor([0, 1, 2]))
        assert len(out) == 5 and out[0].shape == (3, 49)
        assert env.reset(seed=11)[1]["cell"].tolist() == info["cell"].tolist()

    @pytest.mark.parametrize("size", [5, 7, 9, 11, 13, 15])
    def test_valence_layout_decorrelates_goal_and_lava_distances(self, size):
        """Over the safe cells, distance to the goal and distance to lava are nearly uncorrelated."""
        grid = make_grid(size, "valence")
        d = distances(grid)
        r = np.corrcoef(d["goal"][grid.safe], d["lava"][grid.safe])[0, 1]
        assert abs(r) < (0.01 if size == 9 else 0.06)

    def test_symmetric_layout_has_mirror_twins(self):
        """In the symmetric layout a cell and its mirror image have the same optimal value, and mirrored
        actions the same optimal action values: the homomorphic pairs of the invariance test."""
        grid = make_grid(9, "symmetric")
        V, Q = value_iteration(grid, 0.95, 0.01)
        mirror = grid.mirror()
        assert (grid.lava[mirror] == grid.lava).all() and (grid.goal[mirror] == grid.goal).all()
        np.testing.assert_allclose(V[mirror], V, atol=1e-12)
        np.testing.assert_allclose(Q[mirror][:, MIRROR_ACTION], Q, atol=1e-12)


class TestLearners:
    @pytest.mark.parametrize("learner, margin", [("td", 0.8), ("reinforce", 0.5), ("a2c", 0.8)])
    def test_learners_beat_a_random_policy(self, learner, margin):
        """On the 5 x 5 valence grid (random policy -0.53, optimal +0.83 in expected discounted return
        from a uniform start), 4 agents awake for 2,000 steps each end above the random policy, and
        their mean by ``margin`` (exact policy evaluation of each agent's softmax policy)."""
        config = RL.preset("small", grid=5, n_main=32, n_emo=8, max_episode_steps=100, **AWAKE)
        agent = build_agent(config, [0, 1, 2, 3], [100, 101, 102, 103], scaffolds=[learner])
        reference = reference_values(agent.grid, config.gamma, config.step_cost)
        assert start_values(agent).max() < reference["random"] + 0.05
        agent.run(2_000)
        values = start_values(agent)
        assert (values > reference["random"]).all() and values.max() <= reference["optimal"] + 1e-9
        assert values.mean() > reference["random"] + margin, values

    def test_gradients_match_autograd(self):
        """The written-out gradients of the trunk and heads are autograd's, for any dLoss/dy."""
        torch.manual_seed(0)
        W_in, b_in, W_head, b_head = (
            torch.randn(*s, dtype=torch.float64, requires_grad=True) for s in ((3, 6, 9), (3, 6), (3, 5, 6), (3, 5))
        )
        x, g_y = torch.randn(3, 4, 9, dtype=torch.float64), torch.randn(3, 4, 5, dtype=torch.float64)
        h = features(W_in, b_in, x)
        (heads(W_head, b_head, h) * g_y).sum().backward()
        ours = gradients(W_head.detach(), x, h.detach(), g_y)
        for name, tensor in (("W_in", W_in), ("b_in", b_in), ("W_head", W_head), ("b_head", b_head)):
            torch.testing.assert_close(ours[name], tensor.grad)

    def test_policy_gradient_matches_autograd(self):
        """policy_grad is d/d logits of -A log pi(a) - beta H(pi) with pi = softmax(logits / T)."""
        torch.manual_seed(1)
        logits = torch.randn(7, 4, dtype=torch.float64, requires_grad=True)
        T, A = torch.rand(7, dtype=torch.float64) + 0.2, torch.randn(7, dtype=torch.float64)
        action = torch.randint(4, (7,))
        log_p = torch.log_softmax(logits / T.unsqueeze(1), dim=1)
        H = -(log_p.exp() * log_p).sum(1)
        (-(A * log_p.gather(1, action.unsqueeze(1)).squeeze(1)) - 0.3 * H).sum().backward()
        torch.testing.assert_close(policy_grad(logits.detach(), T, action, A, 0.3), logits.grad)

    def test_fixed_features_keep_the_trunk(self):
        """trunk_rate=0 is the linear control: the trunk never moves, the heads learn."""
        agent = _agents(replace(TINY, **AWAKE), "td:trunk_rate=0.0")
        W_in, W_head = agent.W_in.clone(), agent.W_head.clone()
        agent.run(60)
        assert torch.equal(agent.W_in, W_in) and not torch.equal(agent.W_head, W_head)

    def test_a_learner_scaffold_overrides_the_config_learner(self):
        """A twin's learner scaffold, not the config's ``learner``, decides its rule."""
        assert type(_agents(replace(TINY, learner="td"), "reinforce").plasticity).__name__ == "Reinforce"
        assert type(build_agent(replace(TINY, learner="a2c"), [1], [2]).plasticity).__name__ == "A2C"


class TestSleepReplay:
    @pytest.mark.parametrize("learner", ["td", "a2c"])
    def test_value_learners_replay_only_while_asleep(self, learner):
        """Asleep, a value-based learner's cortex learns from replay; its emotion synapses do not learn."""
        agent = _agents(replace(TINY, **TIRED), learner)
        replayed = 0
        for _ in range(120):
            before = {n: getattr(agent, n).clone() for n in ("W_head", "W_main_emo")}
            asleep = ~agent.awake.clone()
            agent.step()
            both = asleep & ~agent.awake
            replayed += int((both & (agent.replay.count > 0)).sum())
            moved = (agent.W_head - before["W_head"]).flatten(1).abs().sum(1) > 0
            assert (moved[both & (agent.replay.count > 1)]).all()
            assert torch.equal(agent.W_main_emo[both], before["W_main_emo"][both])
        assert replayed > 0

    def test_the_policy_learner_does_not_replay(self):
        """reinforce needs on-policy samples: asleep, its cortex keeps its weights."""
        agent = _agents(replace(TINY, **TIRED), "reinforce")
        slept = 0
        for _ in range(120):
            before, asleep = agent.W_in.clone(), ~agent.awake.clone()
            agent.step()
            both = asleep & ~agent.awake
            slept += int(both.sum())
            assert torch.equal(agent.W_in[both], before[both])
        assert slept > 0 and int(agent.replay.count.sum()) == 0


class TestValenceProbe:
    @pytest.mark.parametrize("learner", ["td", "reinforce", "a2c"])
    def test_the_probe_is_detached(self, learner):
        """A probe that learns fast and one that never learns leave the trunk, the heads, the actions and
        every other state identical: valence is read out, never fed back."""
        config = replace(TINY, **TIRED)
        probing, blind = _agents(config, learner), _agents(replace(config, probe_rate=0.0), learner)
        probing.run(80)
        blind.run(80)
        _states_equal(probing, blind, skip=("w_probe", "b_probe"))
        assert probing.trails(1) == blind.trails(1)
        assert probing.w_probe.abs().sum() > 0 and blind.w_probe.abs().sum() == 0

    def test_td_error_is_the_probes(self):
        """The recorded td_error is r + gamma (1 - terminal) V(s') - V(s) with the probe and trunk of the
        step, and value is V(s): one definition for every learner."""
        agent = _agents(replace(TINY, **AWAKE), "reinforce")
        agent.run(40)
        w, b, W_in, b_in = (t.clone() for t in (agent.w_probe, agent.b_probe, agent.W_in, agent.b_in))
        cell = agent.env.cell.clone()
        agent.step()
        t = agent.transition

        def V(cells):
            return (features(W_in, b_in, agent.env.code[cells].unsqueeze(1)).squeeze(1) * w).sum(1) + b

        expected = t["reward"] + TINY.gamma * V(t["next_cell"]) * (~t["terminated"]) - V(cell)
        torch.testing.assert_close(agent.channels["td_error"], expected)
        torch.testing.assert_close(agent.channels["value"], V(cell))

    def test_no_reward_before_onset(self):
        """Before ``onset`` every reward is 0, so the probe reads exactly 0 (its own pre-reward baseline);
        after it, rewards and values appear."""
        agent = _agents(replace(TINY, onset=30, **AWAKE), "td")
        for _ in range(30):
            agent.step()
            for name in ("reward", "value", "td_error", "episode_return"):
                assert (agent.channels[name] == 0).all(), name
        ended = 0
        for _ in range(60):
            agent.step()
            ended += int((agent.channels["success"] + agent.channels["lava"] + agent.channels["truncated"]).sum())
        assert ended > 0 and agent.w_probe.abs().sum() > 0


class TestGeometry:
    def test_mirror_invariance_positive_control(self):
        """The mirror ratio reads 0 for a representation invariant to the mirror by construction, about 1
        for one blind to it (random per cell), and in between for the place code (nearby mirror pairs)."""
        grid = make_grid(9, "symmetric")
        safe, code = np.flatnonzero(grid.safe), grid.place_code(1.0)
        invariant = (code + code[grid.mirror()])[safe]
        blind = np.random.default_rng(0).normal(size=(len(safe), 64))
        assert mirror_ratio(rdm(invariant), grid) == pytest.approx(0.0, abs=1e-9)
        assert 0.8 < mirror_ratio(rdm(blind), grid) < 1.2
        assert 0.3 < mirror_ratio(rdm(code[safe]), grid) < 1.2

    def test_a_representation_of_value_matches_the_value_model(self):
        """A one-dimensional code of V* has rho 1 with the |dV*| model; each model RDM has rho 1 with itself."""
        grid = make_grid(9, "valence")
        V, _ = value_iteration(grid, 0.95, 0.01)
        models = model_rdms(grid)
        assert rsa(rdm(V[grid.safe, None]), models["value"]) == pytest.approx(1.0)
        assert set(models) == {"geodesic", "value", "goal_distance", "optimal_action", "danger_side"}
        assert all(rsa(M, M) == pytest.approx(1.0) for M in models.values())

    def test_twin_rsa_has_the_twins_on_its_diagonal(self):
        """Twin-vs-twin RSA: rho 1 for identical geometries on the diagonal, the cross pairs elsewhere."""
        X = np.random.default_rng(1).normal(size=(3, 20, 8))
        M = twin_rsa(X, X)
        np.testing.assert_allclose(np.diag(M), 1.0)
        assert (np.abs(M[~np.eye(3, dtype=bool)]) < 0.9).all()

    @pytest.mark.parametrize("layout", ["valence", "symmetric"])
    def test_agent_geometry_reads_without_changing_the_agent(self, layout):
        """Per agent: finite RSA with every model for trunk and emotion field, wall and funnel indices
        (and mirror ratios on the symmetric layout); the agents' state is untouched."""
        agent = _agents(replace(TINY, layout=layout, **AWAKE))
        agent.run(30)
        before = {k: v.clone() for k, v in agent.state_dict().items()}
        rows = agent_geometry(agent)
        assert len(rows) == 2 and all(np.isfinite(v) or v == np.inf for row in rows for v in row.values())
        assert ("trunk_mirror_ratio" in rows[0]) == (layout == "symmetric") and "emotion_value_rho" in rows[0]
        for key, tensor in agent.state_dict().items():
            assert torch.equal(tensor, before[key]), key


class TestResume:
    @pytest.mark.parametrize("learner", ["td", "reinforce", "a2c"])
    def test_checkpoint_round_trip_with_replay(self, learner, tmp_path):
        """Saved and restored mid-run (replay buffers, episodes, start-cell and replay generators), a
        population continues exactly as one never stopped."""
        config = replace(TINY, **TIRED)
        straight, interrupted, resumed = (_agents(config, learner) for _ in range(3))
        straight.run(70)
        interrupted.run(45)
        save_checkpoint(tmp_path / "agent.safetensors", interrupted)
        restore(tmp_path / "agent.safetensors", resumed)
        resumed.run(25)
        _states_equal(straight, resumed)
        assert straight.trails(0) == resumed.trails(0) and straight.metadata() == resumed.metadata()

    def test_an_interrupted_sweep_resumes_to_the_same_numbers(self, tmp_path, monkeypatch):
        """A td-vs-reinforce sweep stopped after its second checkpoint and run again writes exactly the
        rows, valence channels included, of the same sweep never stopped."""
        import emergence.results.commits as commits

        class PowerCut(Exception):
            pass

        config = make_config(
            "rl",
            "small",
            dict(grid=5, n_main=16, n_emo=8, max_episode_steps=12, onset=15, **TIRED),
            a=("td",),
            b=("reinforce",),
            runs=2,
            steps=40,
            checkpoint_every=10,
            snapshot_every=5,
            chunk_size=1,
        )
        reference, out = tmp_path / "reference", tmp_path / "interrupted"
        run_sweep(config, reference, say=lambda line: None)
        original, calls = commits.save_checkpoint, [0]

        def cut(*args, **kwargs):
            calls[0] += 1
            if calls[0] == 5:  # chunk 0, twin A at step 30: the chunk resumes from its step-20 checkpoint
                raise PowerCut
            return original(*args, **kwargs)

        with monkeypatch.context() as patch:
            patch.setattr(commits, "save_checkpoint", cut)
            with pytest.raises(PowerCut):
                run_sweep(config, out, say=lambda line: None)
        run_sweep(config, out, say=lambda line: None)
        folder, reference = ResultsFolder(out), ResultsFolder(reference)
        assert folder.problems() == []
        steps = folder.read_steps()
        assert steps.num_rows == 2 * 2 * 40 and set(CHANNELS) <= set(steps.column_names)
        assert steps.equals(reference.read_steps())
        assert folder.read_snapshots().equals(reference.read_snapshots())


class TestProtocol:
    def test_td_vs_reinforce_twins_end_to_end(self, tmp_path):
        """`protocol twins --substrate rl --a td --b reinforce` grows, records the valence channels beside
        the emotion field, and reports like every substrate."""
        out = tmp_path / "rl"
        code = main(
            [
                "protocol",
                "twins",
                "--substrate",
                "rl",
                "--a",
                "td",
                "--b",
                "reinforce",
                "--runs",
                "2",
                "--steps",
                "60",
                "--checkpoint-every",
                "20",
                "--snapshot-every",
                "5",
                "--n-main",
                "16",
                "--n-emo",
                "8",
                "--set",
                "grid=5",
                "--set",
                "energy_cost=0.15",
                "--set",
                "energy_homeostasis=0.05",
                "--out",
                str(out),
            ]
        )
        assert code == 0 and (out / "report.md").exists() and (out / "summary.json").exists()
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["config"]["substrate"] == "rl" and manifest["config"]["a"] == ["td"]
        steps = pd.read_parquet(out / "steps")
        assert set(CHANNELS) <= set(steps.columns) and np.isfinite(steps[list(CHANNELS)].to_numpy()).all()
        steps = steps.sort_values(["run", "twin", "step"])
        acted = steps.groupby(["run", "twin"]).awake.shift(1, fill_value=True).astype(bool)  # awake before the step
        assert (steps.reward[~acted] == 0).all() and (steps.td_error[~acted] == 0).all() and (~acted).any()


class TestErrors:
    @pytest.mark.parametrize(
        "field, value",
        [
            ("grid", 8),
            ("grid", 3),
            ("layout", "maze"),
            ("gamma", 0.0),
            ("gamma", 1.5),
            ("onset", -1),
            ("learner", "q"),
            ("place_sigma", 0.0),
            ("sleep_replay", -1),
            ("max_episode_steps", 0),
            ("sampling_noise", float("nan")),
        ],
    )
    def test_bad_value_names_the_field(self, field, value):
        """A bad value fails at construction with a message naming the field."""
        with pytest.raises(ValueError, match=field):
            RLConfig(**{field: value})

    def test_a_policy_learner_needs_action_noise(self):
        """A greedy policy has no gradient: reinforce with sampling_noise 0 is refused, naming the field."""
        with pytest.raises(ConfigError, match="sampling_noise"):
            _agents(replace(TINY, sampling_noise=0.0), "reinforce")

    @pytest.mark.parametrize(
        "argv, words",
        [
            (["--a", "td"], ("'td'", "--substrate rl")),
            (["--substrate", "rl", "--a", "td:learning_rate=-1"], ("learning_rate",)),
            (["--substrate", "rl", "--a", "td:speed=2"], ("speed",)),
            (["--substrate", "rl", "--set", "grid=8"], ("grid",)),
            (["--substrate", "rl", "--set", "layout=maze"], ("layout",)),
        ],
    )
    def test_cli_errors_are_one_line(self, argv, words, tmp_path, capsys):
        """A learner on another substrate, a bad learner setting or a bad grid: one line, nothing written."""
        code = main(
            [
                "protocol",
                "twins",
                *argv,
                "--runs",
                "1",
                "--steps",
                "20",
                "--checkpoint-every",
                "10",
                "--out",
                str(tmp_path / "x"),
            ]
        )
        _one_line_error(code, capsys.readouterr().err, *words)
        assert not (tmp_path / "x").exists()
