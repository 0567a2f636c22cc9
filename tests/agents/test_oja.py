"""Oja's rule on normalised vectors (emergence.agents.oja), shared by the fields and the transformer."""

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from emergence.agents.oja import oja_update
from emergence.testing import seeds


class TestOja:
    @given(seeds, st.integers(4, 48), st.floats(0.2, 3.0))
    @settings(max_examples=8)
    def test_rows_converge_to_unit_norm_for_a_stationary_input(self, seed, n, gain):
        """Without noise, a fixed input driving the post through W: every row norm converges to 1."""
        g = torch.Generator().manual_seed(seed)
        W = torch.randn(1, n, n, generator=g, dtype=torch.float64) * gain / n**0.5
        pre = torch.randn(1, n, generator=g, dtype=torch.float64)
        for _ in range(3000):
            oja_update(W, pre, torch.bmm(W, pre[..., None])[..., 0], torch.tensor([0.05], dtype=torch.float64))
        torch.testing.assert_close(W.norm(dim=2), torch.ones(1, n, dtype=torch.float64), atol=1e-3, rtol=0)

    @given(seeds, st.integers(4, 48), st.floats(0.2, 3.0))
    @settings(max_examples=8)
    def test_row_norms_stay_bounded_for_changing_inputs(self, seed, n, gain):
        """Random structured inputs: row norms never exceed max(initial, 1) and end at or below 1."""
        g = torch.Generator().manual_seed(seed)
        W = torch.randn(1, n, n, generator=g, dtype=torch.float64) * gain / n**0.5
        mix = torch.randn(n, n, generator=g, dtype=torch.float64)
        bound = max(float(W.norm(dim=2).max()), 1.0) + 1e-6
        for _ in range(2000):
            pre = (mix @ torch.randn(n, generator=g, dtype=torch.float64))[None]
            oja_update(W, pre, torch.bmm(W, pre[..., None])[..., 0], torch.tensor([0.05], dtype=torch.float64))
            assert float(W.norm(dim=2).max()) <= bound
        assert float(W.norm(dim=2).max()) <= 1.05

    def test_unit_post_norm_is_bounded_by_sqrt_n(self):
        """With post normalised to unit length, row norms stay bounded by sqrt(n_post)."""
        n = 16
        W = torch.full((1, n, n), 0.1, dtype=torch.float64)
        a = torch.full((1, n), 0.5, dtype=torch.float64)
        for _ in range(20000):
            oja_update(W, a, a, torch.tensor([0.5], dtype=torch.float64), post_norm="unit")
        assert W.norm(dim=2).max() <= n**0.5 * (1 + 1e-6)

    def test_update_matches_the_rule(self):
        """One update equals eta * (y x^T - y^2 W) with normalised x and y."""
        g = torch.Generator().manual_seed(0)
        W = torch.randn(1, 5, 7, generator=g, dtype=torch.float64)
        pre, post = (
            torch.randn(1, 7, generator=g, dtype=torch.float64),
            torch.randn(1, 5, generator=g, dtype=torch.float64),
        )
        x, y = pre[0] / pre[0].norm(), post[0] / post[0].norm() * 5**0.5
        expected = W[0] + 0.1 * (torch.outer(y, x) - (y**2)[:, None] * W[0])
        oja_update(W, pre, post, torch.tensor([0.1], dtype=torch.float64))
        torch.testing.assert_close(W[0], expected)
