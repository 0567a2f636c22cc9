"""The numbers in words: one verdict line per question, each with its evidence.

For a sweep: is the twins' coupling above that of mismatched pairs (the cross-pair null), and what the
preset is. For a study: each row of its comparison (``emergence.analysis.comparison``), judged at
``ALPHA`` after Holm's adjustment.
"""

from __future__ import annotations

import math

import numpy as np

from .summary import SweepInfo, SweepSummary

__all__ = ["ALPHA", "PRESET_NATURE", "sweep_lines", "comparison_lines", "variance_lines", "p_text"]

ALPHA = 0.05
PRESET_NATURE = {
    ("fields", "paper"): "the write-up's sizes in the plateau screen's regime, with the recurrent gain and the "
    "input learning measured at 10,000 neurons (docs/regime.md): the text encoded once for the pair, an "
    "unsaturated cortex and a moving emotion field; 4 pairs x 50,000 steps hold an activity coupling of "
    "~0.20 (first and second half ~0.17 and ~0.23; the write-up: 0.21)",
    ("fields", "paper-screen"): "the plateau screen's winner carried to 10,000 neurons by the scaling rule: its "
    "twins' activity coupling is ~0.12 (4 pairs x 50,000 steps), rising as the input weights learn, not the "
    "write-up's 0.21 (docs/regime.md)",
    ("fields", "small"): "the paper preset's regime at 500 neurons, with the gain and input learning measured at "
    "that size (docs/regime.md); its "
    "activity coupling falls from ~0.6 at birth to ~0.1 by step 2,000 and settles at ~0.17 after ~10,000 steps: "
    "a sweep of 2,000 steps sees the start-up, not the plateau",
    ("fields", "paper-chaotic"): "the regime before the plateau screen: an unsaturated cortex and a moving "
    "emotion field, but its twins decorrelate to ~0.05 where the write-up holds ~0.2 (docs/regime.md)",
    ("fields", "small-chaotic"): "the paper-chaotic preset at 500 neurons; its twins decorrelate (docs/regime.md)",
    ("fields", "small-saturated"): "the first small preset, calibrated by eye to the write-up's pattern; its "
    "cortex saturates (docs/model.md)",
    ("fields", "paper-rms"): "the project's first reading (Oja post at unit RMS, gain 1.2), which saturates at "
    "10,000 neurons (docs/regime.md)",
    ("rl", "small"): "a 9x9 grid world with lava, learners on a 128-unit trunk (docs/rl.md)",
    ("rl", "paper"): "a 15x15 grid world with lava, learners on a 256-unit trunk (docs/rl.md)",
}


def p_text(p: float) -> str:
    return "n/a" if p is None or math.isnan(p) else f"{p:.2g}" if p >= 0.001 else f"{p:.1e}"


def _power(test: str, smallest: float, n_runs: int) -> str | None:
    """None when the test can reject at ALPHA; else why it cannot, in words."""
    if smallest < ALPHA:
        return None
    return f"the {test} cannot reject with {n_runs} runs (its smallest p is {p_text(smallest)})"


def _coupled_line(label: str, zero: dict, shift: dict, shift_smallest: float, n_runs: int) -> str:
    """Is there a coupling at all: the run mean against 0, and against B shifted in time."""
    twin = shift["twin"]
    tests = []
    cannot = [
        _power("sign-flip test against 0", zero["smallest_p"], zero["n_runs"]),
        _power("shift null", shift_smallest, n_runs),
    ]
    if cannot[0] is None and not math.isnan(zero["p_value"]):
        tests.append(("zero", zero["p_value"], f"against 0 p = {p_text(zero['p_value'])}"))
    if cannot[1] is None and not math.isnan(shift["p_value"]):
        tests.append(
            (
                "shift",
                shift["p_value"],
                f"against B shifted in time ({shift['null_mean']:+.3f}) p = {p_text(shift['p_value'])}",
            )
        )
    said = "; ".join(t[2] for t in tests)
    if not tests:
        return f"{label} {twin:+.3f}: cannot tell whether the twins are coupled: " + "; ".join(c for c in cannot if c)
    if any(p < ALPHA for _, p, _ in tests) and twin > 0 and twin > shift["null_mean"]:
        verdict = "coupled"
    elif any(p < ALPHA for _, p, _ in tests):
        verdict = "below what the nulls give"
    else:
        verdict = "no coupling detected"
    limits = [c for c in cannot if c]
    return f"{label} {twin:+.3f}, {n_runs} runs: {verdict} ({said})" + (f"; {limits[0]}" if limits else "")


def _specific_line(label: str, cross: dict, smallest: float, n_runs: int) -> str:
    """Is the coupling twin-specific: against A of one run with B of another."""
    twin, null, p = cross["twin"], cross["null_mean"], cross["p_value"]
    if p is None or math.isnan(p):
        return f"{label}: twin-specific? no cross-pair null (needs at least 2 runs)"
    limit = _power("cross-pair null", smallest, n_runs)
    if limit:
        return f"{label}: twin-specific? {limit} (twins {twin:+.3f}, mismatched pairs {null:+.3f})"
    if p < ALPHA and twin > null:
        return (
            f"{label}: twin-specific, {twin:+.3f} above mismatched pairs ({null:+.3f}, p = {p_text(p)}, {n_runs} runs)"
        )
    if p < ALPHA:
        return f"{label}: {twin:+.3f} below mismatched pairs ({null:+.3f}, p = {p_text(p)}, {n_runs} runs)"
    return (
        f"{label}: no twin-specific coupling detected ({twin:+.3f} vs mismatched pairs {null:+.3f}, "
        f"p = {p_text(p)}, {n_runs} runs)"
    )


def _nudge_line(nudges: dict | None) -> str | None:
    if not nudges:
        return None
    parts = []
    for twin in ("A", "B"):
        n = nudges[twin]
        change = n.get("w_main_emo_change")
        moved = (
            f", W_main_emo moved {sum(change['last']) / len(change['last']):.2f} of its birth norm" if change else ""
        )
        parts.append(f"{twin} nudged on {n['fraction']:.1%} of steps{moved}")
    return "scaffold nudges: " + "; ".join(parts)


def _preset_line(sweep: SweepInfo) -> str | None:
    preset = sweep.preset
    if not preset:
        return None
    name, changed = preset["name"], preset["changed"]
    nature = PRESET_NATURE.get((sweep.substrate, name), "see docs/model.md")
    if not changed:
        return f"preset {name}: {nature}"
    changes = ", ".join(f"{k}={v}" for k, v in changed.items())
    return f"preset {name} with {changes}: without them, {nature}; they may move it"


def _distinct(machines) -> list[dict]:
    return [m for i, m in enumerate(machines) if m not in machines[:i]]


def _machines_differ(machines: list[dict]) -> str:
    differ = [key for key in machines[0] if len({str(m.get(key)) for m in machines}) > 1]
    return "; ".join(f"{key}: {', '.join(dict.fromkeys(str(m.get(key)) for m in machines))}" for key in differ)


def _where(growth: list[dict], first: dict, most: int = 3) -> str:
    """Where steps grew on a machine other than ``first``: runs and the step they start at."""
    moved = [g for g in growth if g["machine"] != first]
    runs = [f"run {a}" if a == b else f"runs {a}-{b}" for a, b in (g["runs"] for g in moved[:most])]
    places = [f"{which} from step {g['from']:,}" for which, g in zip(runs, moved)]
    return ", ".join(places) + (f" and {len(moved) - most} more" if len(moved) > most else "")


def machines_line(growth: list[dict] | None) -> str | None:
    """Where a folder's steps grew on more than one machine: what differed, where, and what it means."""
    machines = _distinct([g["machine"] for g in growth or []])
    if len(machines) < 2:
        return None
    return (
        f"grown on {len(machines)} machines that may round differently ({_machines_differ(machines)}; "
        f"{_where(growth, machines[0])} on another than the first): each stretch of steps is bit-reproducible "
        "only where it grew, and a run resumed on another machine went on as another draw of the same "
        "configuration"
    )


def study_machines_line(growths: list[list[dict] | None]) -> str | None:
    """Where a study's conditions grew on more than one machine: they pair by seed, not by trajectory."""
    machines = _distinct([g["machine"] for growth in growths for g in growth or []])
    if len(machines) < 2:
        return None
    return (
        f"the conditions grew on {len(machines)} machines that may round differently "
        f"({_machines_differ(machines)}): they pair by seed, not by trajectory, so each paired difference "
        "between them holds more noise (a weaker pairing, not a bias of its own)"
    )


def sweep_lines(summary: SweepSummary) -> list[str]:
    """A sweep's verdicts: what the statistics were measured on; for activity and each metric's emotion,
    whether the twins are coupled at all (against 0 and the shift null) and whether it is twin-specific
    (the cross-pair null), each with its power; the run-level relation of the two; the scaffolds'
    nudges; the preset's nature; the machines, where more than one grew it."""
    sweep = summary.sweep
    runs = sweep.runs
    lines = []
    if sweep.windows_text:
        lines.append(f"measured on {sweep.windows_text}; every test and null on the same windows")
    for name, m in summary.metrics.items():
        if not m.defined:
            lines.append(f"emotion ({name}): undefined here, {m.undefined}")
            continue
        raw = m.controls["detrend"]["none"]
        cross, shift = raw["cross_pair"], raw["surrogate"]
        for quantity, key, label in (
            ("activity", "mean_activity", "activity coupling"),
            ("emotion", "mean_emotion", f"emotion coupling ({name})"),
        ):
            if quantity == "activity" and any(line.startswith("activity coupling") for line in lines):
                continue
            lines.append(
                _coupled_line(
                    label, raw["zero"][quantity], shift["statistics"][key], shift["smallest_p"], shift["n_runs_used"]
                )
            )
            lines.append(_specific_line(label, cross["statistics"][key], cross["smallest_p"], runs))
        c = m.corr_activity_emotion
        if c["reason"]:
            lines.append(f"corr(A_corr_run, E_corr_run) ({name}): undefined, {c['reason']}")
        else:
            word = "a relation" if c["p_value"] < ALPHA else "no detectable relation"
            lines.append(
                f"corr(A_corr_run, E_corr_run) ({name}) = {c['r']:+.2f} "
                f"(p = {p_text(c['p_value'])}, {c['n_runs']} runs): {word}"
            )
    nudges = _nudge_line(summary.nudges)
    preset = _preset_line(sweep)
    return lines + [line for line in (nudges, preset, machines_line(sweep.grown_on)) if line]


def _evidence(row: dict) -> str:
    pairing = "paired" if row["paired"] else "unpaired"
    return f"p = {p_text(row['p_holm'])} Holm over {row['n_tests']} tests, {row['n_runs']} {pairing} runs"


def _interval(row: dict) -> str:
    if math.isnan(row["ci_low"]) or math.isnan(row["ci_high"]):
        return ", no interval below 12 runs"
    # per test: it can exclude zero while the Holm-adjusted p stays above alpha
    return f", 95% CI before Holm [{row['ci_low']:+.3f}, {row['ci_high']:+.3f}]"


def _equivalence(row: dict) -> str:
    """After "no difference detected": whether a change larger than the margin is excluded (paired TOST)."""
    p, margin = row.get("p_equivalent", math.nan), row.get("margin", math.nan)
    if not (row["p_holm"] >= ALPHA) or not math.isfinite(p):
        return ""
    if p < ALPHA:
        return f", and none larger than ±{margin:.2f} in Fisher z (equivalence p = {p_text(p)}, Holm)"
    return f"; a change of ±{margin:.2f} in Fisher z is not excluded either (equivalence p = {p_text(p)}, Holm)"


def _judge(row: dict, up: str, down: str) -> str:
    if math.isnan(row["p_holm"]) or row["p_holm"] >= ALPHA:
        return "no difference detected"
    return up if row["difference"] > 0 else down


def _identical_line(row: dict) -> str:
    axis = row["contrast"].split(":")[0]
    if axis == "sweep":
        return f"{row['contrast']}: {row['quantity']} identical in every run (what differs between these sweeps does not reach it)"
    if row["quantity"] == "activity":
        return (
            f"{row['contrast']}: activity identical in every run; the cortex never receives the emotion "
            f"field, so twin activity does not depend on {axis}"
        )
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
            lines.append(
                f"{what} coupling {row['value']:+.3f} vs {row['reference']:+.3f}, "
                f"{_judge(row, 'higher', 'lower')}{_equivalence(row)} (change of Fisher z "
                f"{row['difference']:+.3f}{_interval(row)}, {_evidence(row)})"
            )
        elif row["test"] == "mean":
            lines.append(
                f"{row['contrast']} on {q} coupling: {_judge(row, 'raises it', 'lowers it')}{_equivalence(row)} "
                f"(change of Fisher z {row['difference']:+.3f}{_interval(row)}, {_evidence(row)})"
            )
        elif row["test"] == "spread":
            lines.append(
                f"{what} spread {row['value']:.3f} vs {row['reference']:.3f} (SD of r), "
                f"{_judge(row, 'wider', 'narrower')} (Brown-Forsythe {_evidence(row)})"
            )
        elif row["test"] == "corr":
            lines.append(
                f"{row['contrast']}: corr(A_corr_run, E_corr_run) {row['value']:+.2f} vs "
                f"{row['reference']:+.2f}, {_judge(row, 'stronger', 'weaker')} (Fisher z {_evidence(row)})"
            )
        elif row["test"] == "trend":
            lines.append(
                f"{what} coupling along the axis: {_judge(row, 'rises', 'falls')} "
                f"(Spearman rho {row['difference']:+.2f}, {_evidence(row)})"
            )
    return lines


def variance_lines(cells: dict) -> list[str]:
    """The reference arm's run-to-run variance of each coupling, and the share of it that each other arm
    (one source removed) no longer has; ``cells``: condition label -> ``Cell``, the reference first."""
    labels = list(cells)
    lines = []
    for quantity in ("activity", "emotion"):
        sd = {label: float(np.nanstd(cells[label].values(quantity), ddof=1)) for label in labels}
        reference = sd[labels[0]] ** 2
        if not (reference > 0):
            continue
        arms = "; ".join(
            f"{label}: SD {sd[label]:.3f}, variance {sd[label] ** 2 / reference:.0%} of it" for label in labels[1:]
        )
        lines.append(
            f"{quantity} coupling across runs: SD {sd[labels[0]]:.3f} in {labels[0]} (every source); "
            f"{arms}. What an arm lost is the share the removed source carried, up to sampling (each "
            f"run's r is itself a sample; the spread tests say whether a change is detected)"
        )
    return lines
