"""Draw docs/figures/regime_map.png from docs/data/regime_map.csv (written by benchmarks/regime_map.py).

Run: python benchmarks/regime_figure.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

DOCS = Path(__file__).resolve().parents[1] / "docs"


def main() -> None:
    rows = pd.read_csv(DOCS / "data" / "regime_map.csv")
    literal = rows[rows.source == "lit"]
    chosen = rows[
        (rows.source == "g3")
        & rows.label.str.contains("eta_rec_main=3e-5")
        & rows.label.str.contains(r"weight_noise=1e-4\*")
    ]
    lines = [
        (f"literal (RMS post), n {n:,}", group, "tab:red", 0.3 + 0.35 * k)
        for k, (n, group) in enumerate(literal.groupby("n_main"))
    ]
    lines += [
        ("paper, n 500 (values scaled by the rule)", chosen, "tab:blue", 1.0),
        ("paper, n 10,000", rows[rows.source == "confirm10k"], "black", 1.0),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for label, group, color, alpha in lines:
        x = group.start + group.start[group.start > 0].min() / 2  # window centres
        axes[0].plot(x, group.abs_a, color=color, alpha=alpha, marker="o", ms=3, label=label)
        axes[1].plot(x, group.emo_sd.clip(lower=1e-9), color=color, alpha=alpha, marker="o", ms=3)
        axes[2].plot(x, group.act_r, color=color, alpha=alpha, marker="o", ms=3)
    axes[0].axhline(0.8, color="grey", ls="--", lw=1)
    axes[0].set(
        xlabel="step (window centre)",
        ylabel="mean |a_main| (1 = saturated)",
        ylim=(0.4, 1.02),
        title="cortex: saturated above the dashed line",
    )
    axes[1].axhline(1e-3, color="grey", ls="--", lw=1)
    axes[1].set(
        xlabel="step (window centre)",
        ylabel="SD of the emotion scalar",
        yscale="log",
        title="emotion field: frozen below the dashed line",
    )
    axes[2].axhline(0.21, color="grey", ls=":", lw=1)
    axes[2].set(
        xlabel="step (window centre)",
        ylabel="twin activity r",
        ylim=(-1.05, 1.05),
        title="twins: write-up's run mean 0.21 (dotted)",
    )
    for ax in axes:
        ax.set_xscale("log")
    fig.legend(loc="lower center", ncol=5, fontsize=8, frameon=False)
    fig.suptitle(
        "Regime of the field model: the literal reading saturates with size, the paper preset does not "
        "(one pair per line)"
    )
    fig.tight_layout(rect=(0, 0.08, 1, 0.95))
    (DOCS / "figures").mkdir(exist_ok=True)
    fig.savefig(DOCS / "figures" / "regime_map.png", dpi=100)


if __name__ == "__main__":
    main()
