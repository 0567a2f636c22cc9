"""Grow one HRLS agent of the small preset and print its most recent trails.

Run: python examples/grow_one_agent.py
"""

from emergence import build_agent, preset

agent = build_agent(preset("small"), init_seeds=[1], noise_seeds=[2], scaffolds=["hrls"])
agent.receive_feedback("Be kind to small voices", strength=1.0)
agent.run(500)
for trail in agent.trails(0)[-5:]:
    print(trail)
print(f"cards: {len(agent.scaffolds['hrls'].cards)}, nudges: {int(agent.scaffolds['hrls'].nudges[0])}")
