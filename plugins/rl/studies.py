"""The rl substrate's studies (``emergence study NAME --substrate rl``): research-next.md A.5 T2 and T4.

A study cannot fix the substrate (its base holds protocol options and agent settings), so these are run
with ``--substrate rl``; on another substrate the learner scaffolds refuse in one line.
"""

from emergence.contract import Study

__all__ = ["STUDIES", "NEVER"]

NEVER = 1_000_000_000  # an onset no run reaches: the agents are never rewarded

STUDIES = (
    Study("valence", "Value vs policy learner from one body (run with --substrate rl): do a td twin and a "
          "reinforce twin (same init, own noise) couple differently from two td twins?",
          axes={"b": ("td", "reinforce")}, base={"a": "td"}),
    Study("reward-onset", f"Does reward move the couplings (run with --substrate rl)? td vs reinforce twins "
          f"never rewarded (onset={NEVER:,}: the pre-reward baseline) against rewarded from the first step.",
          axes={"onset": (NEVER, 0)}, base={"a": "td", "b": "reinforce"}),
)
