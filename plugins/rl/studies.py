"""The rl substrate's studies (``emergence study NAME --substrate rl``): research-next.md A.5 T2, T3 and T4.

A study cannot fix the substrate (its base holds protocol options and agent settings), so these are run
with ``--substrate rl``; on another substrate the learner scaffolds refuse in one line.
"""

from emergence.contract import Study

__all__ = ["STUDIES", "NEVER", "MID_ONSET"]

NEVER = 1_000_000_000  # an onset no run reaches: the agents are never rewarded
MID_ONSET = 1_000  # half of the small preset's 2,000 steps: each run its own pre-reward baseline

STUDIES = (
    Study(
        "valence",
        "Value vs policy learner from one body (run with --substrate rl): do a td twin and a "
        "reinforce twin (same init, own noise) couple differently from two td twins?",
        axes={"b": ("td", "reinforce")},
        base={"a": "td"},
    ),
    Study(
        "reward-onset",
        f"Does reward move the couplings (run with --substrate rl)? td vs reinforce twins "
        f"never rewarded (onset={NEVER:,}), rewarded from the first step (onset=0), and rewarded from step "
        f"{MID_ONSET:,} (each run before and after onset, paired, against the never-rewarded runs over the "
        "same split).",
        axes={"onset": (NEVER, 0, MID_ONSET)},
        base={"a": "td", "b": "reinforce"},
        split="onset",
    ),
    Study(
        "learner-scaffold",
        "Learner x scaffold (run with --substrate rl): does HRLS against surge (twin B "
        "surge) act differently on td and on reinforce twins? Main effects and their interaction.",
        axes={"learner": ("td", "reinforce"), "a": ("hrls", "surge")},
        base={"b": "surge"},
    ),
)
