"""The numbers in words: one verdict line per question, each with its evidence.

For a sweep: is the twins' coupling above that of mismatched pairs (the cross-pair null), and what the
preset is. For a study: each row of its comparison (``emergence.analysis.comparison``), judged at
``ALPHA`` after Holm's adjustment.
"""

from __future__ import annotations

import math

__all__ = ["ALPHA", "PRESET_NATURE", "sweep_lines", "comparison_lines", "p_text"]

ALPHA = 0.05
PRESET_NATURE = {
    ("fields", "small"): "calibrated to show the write-up's qualitative pattern in a minute at 500 neurons, "
                         "not the paper's regime (docs/model.md)",
    ("fields", "paper"): "the write-up's sizes, an unsaturated cortex and a moving emotion field, but its twins "
                         "decorrelate to ~0.05 where the write-up holds ~0.2 (docs/regime.md)",
    ("fields", "paper-rms"): "the project's first reading (Oja post at unit RMS, gain 1.2), which saturates at "
                             "10,000 neurons (docs/regime.md)",
}


def p_text(p: float) -> str:
    return "n/a" if p is None or math.isnan(p) else f"{p:.2g}" if p >= 0.001 else f"{p:.1e}"


def _null_line(label: str, s: dict, n_runs: int) -> str:
    twin, null, p = s["twin"], s["null_mean"], s["p_value"]
    if p is None or math.isnan(p):
        return f"{label} {twin:+.3f}: no null to compare with (too few runs)"
    if p < ALPHA and twin > null:
        return (f"{label} {twin:+.3f} above mismatched pairs ({null:+.3f}, p = {p_text(p)}, {n_runs} runs): "
                "the twins share more than the sweep's common trend")
    if p < ALPHA:
        return f"{label} {twin:+.3f} below mismatched pairs ({null:+.3f}, p = {p_text(p)}, {n_runs} runs)"
    return (f"{label} {twin:+.3f} not above mismatched pairs ({null:+.3f}, p = {p_text(p)}, {n_runs} runs): "
            "a shared trend, not a bond")


def _preset_line(sweep: dict) -> str | None:
    preset = sweep.get("preset")
    if not preset:
        return None
    name, changed = preset["name"], preset["changed"]
    nature = PRESET_NATURE.get((sweep["substrate"], name), "see docs/model.md")
    changes = f" with {', '.join(f'{k}={v}' for k, v in changed.items())}" if changed else ""
    return f"preset {name}{changes}: {nature}"


def sweep_lines(summary: dict) -> list[str]:
    """A sweep's verdicts: activity and each metric's emotion coupling against mismatched pairs, the
    run-level relation of the two, and the preset's nature."""
    runs = summary["sweep"]["runs"]
    lines = []
    for name, m in summary["metrics"].items():
        if "undefined" in m:
            lines.append(f"emotion ({name}): undefined here, {m['undefined']}")
            continue
        cross = m["controls"]["detrend"]["none"]["cross_pair"]["statistics"]
        if not any(line.startswith("activity coupling") for line in lines):
            lines.append(_null_line("activity coupling", cross["mean_activity"], runs))
        lines.append(_null_line(f"emotion coupling ({name})", cross["mean_emotion"], runs))
        c = m["corr_activity_emotion"]
        if c["reason"]:
            lines.append(f"corr(A_corr_run, E_corr_run) ({name}): undefined, {c['reason']}")
        else:
            word = "a relation" if c["p_value"] < ALPHA else "no detectable relation"
            lines.append(f"corr(A_corr_run, E_corr_run) ({name}) = {c['r']:+.2f} "
                         f"(p = {p_text(c['p_value'])}, {c['n_runs']} runs): {word}")
    preset = _preset_line(summary["sweep"])
    return lines + ([preset] if preset else [])


def _evidence(row: dict) -> str:
    pairing = "paired" if row["paired"] else "unpaired"
    return f"p = {p_text(row['p_holm'])} Holm over {row['n_tests']} tests, {row['n_runs']} {pairing} runs"


def _judge(row: dict, up: str, down: str) -> str:
    if math.isnan(row["p_holm"]) or row["p_holm"] >= ALPHA:
        return "no difference detected"
    return up if row["difference"] > 0 else down


def _identical_line(row: dict) -> str:
    axis = row["contrast"].split(":")[0]
    axis = "what differs between these sweeps" if axis == "sweep" else axis
    if row["quantity"] == "activity":
        return (f"{row['contrast']}: activity identical in every run; the cortex never receives the emotion "
                f"field, so twin activity does not depend on {axis}")
    return f"{row['contrast']}: {row['quantity']} identical in every run ({axis} does not reach it)"


def comparison_lines(rows: list[dict]) -> list[str]:
    """One line per row of a study's adjusted comparison: the verdict, then the numbers behind it."""
    lines = []
    for row in rows:
        q, what = row["quantity"], f"{row['contrast']}: {row['quantity']}"
        if row["note"] and row["test"] != "identical" and math.isnan(row["p_value"]):
            lines.append(f"{what} {row['test']}: not tested ({row['note']})")
        elif row["test"] == "identical":
            lines.append(_identical_line(row))
        elif row["test"] == "mean" and row["kind"] == "pair":
            lines.append(f"{what} coupling {row['value']:+.3f} vs {row['reference']:+.3f}, "
                         f"{_judge(row, 'higher', 'lower')} (dz {row['difference']:+.3f}, 95% CI "
                         f"[{row['ci_low']:+.3f}, {row['ci_high']:+.3f}], {_evidence(row)})")
        elif row["test"] == "mean":
            lines.append(f"{row['contrast']} on {q} coupling: {_judge(row, 'raises it', 'lowers it')} "
                         f"(dz {row['difference']:+.3f}, 95% CI [{row['ci_low']:+.3f}, {row['ci_high']:+.3f}], "
                         f"{_evidence(row)})")
        elif row["test"] == "spread":
            lines.append(f"{what} spread {row['value']:.3f} vs {row['reference']:.3f} (SD of r), "
                         f"{_judge(row, 'wider', 'narrower')} (Brown-Forsythe {_evidence(row)})")
        elif row["test"] == "corr":
            lines.append(f"{row['contrast']}: corr(A_corr_run, E_corr_run) {row['value']:+.2f} vs "
                         f"{row['reference']:+.2f}, {_judge(row, 'stronger', 'weaker')} (Fisher z {_evidence(row)})")
        elif row["test"] == "trend":
            lines.append(f"{what} coupling along the axis: {_judge(row, 'rises', 'falls')} "
                         f"(Spearman rho {row['difference']:+.2f}, {_evidence(row)})")
    return lines
