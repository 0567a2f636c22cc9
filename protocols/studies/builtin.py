"""The write-up's open questions (its sections 7 and 9), one study each."""

from emergence.contract import Study

__all__ = ["BUILTIN"]

BUILTIN = (
    Study(
        "ablation",
        "2x2 ablation: how much of the coupling comes from the shared start (init) and how "
        "much from HRLS (twin A hrls or surge, twin B surge)?",
        axes={"init": ("same", "different"), "a": ("hrls", "surge")},
        base={"b": "surge"},
    ),
    Study(
        "variance",
        "Where does the spread of the couplings across runs come from: initialisation, "
        "private noise or HRLS? (arms: every run from one init; both twins on one noise stream)",
        axes={"init": ("same", "one", "same"), "noise": ("own", "own", "shared")},
        zipped=True,
        decompose=True,
    ),
    Study(
        "hrls-off",
        "HRLS-off baseline: does the distribution change when neither twin has HRLS "
        "(hrls vs surge against surge vs surge)?",
        axes={"a": ("hrls", "surge")},
        base={"b": "surge"},
    ),
    Study(
        "emotion-plasticity",
        "Damp or freeze W_main_emo plasticity in both twins (eta_main_emo x1, x0.1, "
        "0): does the emotion coupling follow?",
        axes={"eta_main_emo": ("x1", "x0.1", 0)},
        base={"a": "surge", "b": "surge"},
    ),
    Study(
        "emotion-noise",
        "Emotion-field noise alone (x0.5, x1, x2; both twins surge): does it widen or narrow the emotion distribution?",
        axes={"emo_noise": ("x1", "x0.5", "x2")},
        base={"a": "surge", "b": "surge"},
    ),
    Study(
        "emotion-size",
        "Emotion-field size 64 / 256 / 1024: does the emotion coupling depend on it?",
        axes={"n_emo": (64, 256, 1024)},
    ),
    Study(
        "scaling",
        "Cortex scaling (n_main x1, x2, x5, x10 of the preset): where does the activity coupling move?",
        axes={"n_main": ("x1", "x2", "x5", "x10")},
    ),
    Study(
        "metrics",
        "Richer emotion metrics: does 'no canonical emotional relationship' survive every installed metric?",
        base={"emotion_metrics": "all"},
    ),
)
