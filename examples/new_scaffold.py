"""A new scaffold in one file: "soothe" damps the emotion field's input when emotion runs high.

Run: python examples/new_scaffold.py
To use it by name (`emergence protocol twins --a soothe`), package this file with an entry point in the
`emergence` group whose module implements `register_scaffolds` (see docs/plugins.md).
"""

import torch

from emergence import build_agent, hookimpl, preset


class Soothe:
    """When an agent's mean |emotion| exceeds `limit`, shrink its W_main_emo by `factor`."""

    def __init__(self, config, limit: float = 0.3, factor: float = 0.999):
        self.limit, self.factor = limit, factor
        self.soothed = 0

    @hookimpl
    def relational_drift(self, agent, step):
        high = agent.emotion.abs().mean(dim=1) > self.limit
        agent.W_main_emo[high] *= self.factor
        self.soothed += int(high.sum())


@hookimpl
def register_scaffolds(register):
    register("soothe", Soothe)


if __name__ == "__main__":
    config = preset("small")
    soothe = Soothe(config)
    a = build_agent(config, init_seeds=[7], noise_seeds=[1], plugins=[soothe])
    b = build_agent(config, init_seeds=[7], noise_seeds=[2], scaffolds=["surge"])
    emotion_a, emotion_b = [], []
    for _ in range(1000):
        a.step()
        b.step()
        emotion_a.append(float(a.emotion.abs().mean()))
        emotion_b.append(float(b.emotion.abs().mean()))
    r = torch.corrcoef(torch.tensor([emotion_a, emotion_b]))[0, 1]
    print(
        f"soothed {soothe.soothed} times; mean |emotion| A {sum(emotion_a) / 1000:.3f} vs B {sum(emotion_b) / 1000:.3f}; r = {r:+.3f}"
    )
