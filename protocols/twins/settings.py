"""The settings of one Twins sweep (MODEL.md section 6), frozen and validated, and how a preset and
options become them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import Factory, evolve, field, fields, fields_dict, frozen
from attrs.validators import deep_iterable, ge, gt, in_, instance_of

from emergence.analysis.windows import DEFAULT_WINDOWS, default_burn_in, parse_windows
from emergence.config import ConfigError, config_to_dict, finite, to_float
from emergence.contract import PluginSpec, resolve_spec, resolve_specs, settings_dict
from emergence.host import DEFAULT_SUBSTRATE, Catalogue, check_names, installed
from emergence.overrides import apply_settings, split_scope

__all__ = ["TwinsConfig", "PROTOCOL_DEFAULTS", "make_config"]

# Protocol defaults per preset: steps and windows sized to the preset's cost; `paper`, `paper-screen` and `small` read the
# text encoded once for the pair (``input="shared"``, where the substrate has a text input), the setting
# their regime was found in (docs/regime.md).
_SMALL = dict(runs=8, steps=2_000, checkpoint_every=250, snapshot_every=10)
_PAPER = dict(runs=100, steps=50_000, checkpoint_every=2_500, snapshot_every=100)
PROTOCOL_DEFAULTS: dict[str, dict[str, Any]] = {
    "small": dict(_SMALL, input="shared"),
    "small-chaotic": _SMALL,
    "small-saturated": _SMALL,
    "paper": dict(_PAPER, input="shared"),
    "paper-screen": dict(_PAPER, input="shared"),
    "paper-chaotic": _PAPER,
    "paper-rms": _PAPER,
}


def _names(kind: str):
    """A converter: one name, or a sequence of names, to a tuple of names."""
    return lambda value: (value,) if isinstance(value, str) else check_names(kind, value)


POSITIVE, NON_NEGATIVE = [instance_of(int), gt(0)], [instance_of(int), ge(0)]


def _windows(spec: Any) -> str:
    """A windows spec checked and in its canonical form (``trail:16``, ``trail:16@500``, ``contiguous``)."""
    try:
        return parse_windows(spec).spec
    except ValueError as err:
        raise ConfigError(f"'windows': {err}") from None


@frozen
class TwinsConfig:
    """A sweep of ``runs`` twin pairs grown side by side for ``steps`` post-birth steps.

    Twin A carries the scaffolds ``a``, twin B the scaffolds ``b`` (resolved specs with their settings,
    written ``"damp:threshold=0.02"``; ``TwinsConfig.resolved`` and ``make_config`` resolve them against a
    catalogue, the installed plugins' unless told); both are agents of the registered
    ``substrate`` and ``agent`` is that substrate's config. ``init="same"`` starts both twins of a pair
    from the same weights and state; ``"different"`` gives each its own; ``"one"`` starts every twin of
    every run from one init (run 0's), so runs differ only by their noise. ``noise="shared"``: twin B reads
    twin A's noise streams, so a pair diverges only through its scaffolds (and init). ``input="own"``: each twin adds
    its own text noise to the shared text (each encodes for itself); ``"shared"``: both read one noisy
    vector per step (the text encoded once for the pair). A checkpoint comes every
    ``checkpoint_every`` steps. The statistics take their ``windows`` (the write-up's ``trail:L``
    windows, or ``contiguous`` blocks of ``checkpoint_every`` steps) after ``burn_in`` steps (default 100,
    or a tenth of a shorter run): how the folder is read, never what grows in it.
    """

    agent: Any = field()
    a: tuple[PluginSpec, ...] = field(converter=tuple, validator=deep_iterable(instance_of(PluginSpec)))
    b: tuple[PluginSpec, ...] = field(converter=tuple, validator=deep_iterable(instance_of(PluginSpec)))
    runs: int = field(default=8, validator=POSITIVE)
    steps: int = field(default=2_000, validator=POSITIVE)
    seed: int = field(default=0, validator=NON_NEGATIVE)
    init: str = field(default="same", validator=in_(("same", "different", "one")))
    noise: str = field(default="own", validator=in_(("own", "shared")))
    input: str = field(default="own", validator=in_(("own", "shared")))
    checkpoint_every: int = field(default=250, validator=POSITIVE)
    snapshot_every: int = field(default=10, validator=POSITIVE)
    feedback_every: int = field(default=500, validator=POSITIVE)
    feedback_message: str = field(default="Be kind to small voices", validator=instance_of(str))
    feedback_strength: float = field(default=1.0, converter=to_float, validator=finite)
    emotion_metrics: tuple[str, ...] = field(
        default=("mean",), converter=_names("emotion_metrics"), validator=deep_iterable(instance_of(str))
    )
    chunk_size: int = field(default=0, validator=NON_NEGATIVE)
    substrate: str = field(default=DEFAULT_SUBSTRATE, validator=instance_of(str))
    windows: str = field(default=DEFAULT_WINDOWS, converter=_windows)
    burn_in: int = field(
        default=Factory(lambda self: default_burn_in(self.steps), takes_self=True), validator=NON_NEGATIVE
    )

    def __attrs_post_init__(self):
        if self.steps % self.checkpoint_every:
            raise ConfigError(
                f"'steps' ({self.steps}) must be a multiple of 'checkpoint_every' ({self.checkpoint_every}): "
                "the data are written at each checkpoint"
            )
        if parse_windows(self.windows, self.checkpoint_every, self.burn_in).count(self.steps) == 0:
            raise ConfigError(
                f"no {self.windows} window fits in {self.steps:,} steps after a burn-in of "
                f"{self.burn_in:,} steps; choose a shorter --burn-in or other --windows"
            )
        if self.input == "shared" and not hasattr(self.agent, "text_noise"):
            raise ConfigError(
                f"'input': 'shared' shares the text noise, which the {self.substrate} substrate "
                "does not have; use input 'own'"
            )
        if not self.emotion_metrics:
            raise ConfigError("'emotion_metrics' must name at least one metric")

    @classmethod
    def resolved(cls, catalogue: Catalogue | None = None, **values: Any) -> TwinsConfig:
        """The sweep of ``values``, its scaffold specs (``"hrls"``, ``"damp:threshold=0.02"``, a list of
        them, or ``{"damp": {"threshold": 0.02}}``; default: hrls vs surge) resolved once against
        ``catalogue``'s scaffolds, and its agent checked to be its substrate's config."""
        catalogue = catalogue or installed()
        for twin, default in (("a", "hrls"), ("b", "surge")):
            values[twin] = resolve_specs("scaffold", values.get(twin, default), catalogue.scaffolds, twin)
        substrate, agent = values.get("substrate", DEFAULT_SUBSTRATE), values.get("agent")
        config_class = catalogue.substrates[substrate].config_class
        if not isinstance(agent, config_class):
            raise ConfigError(
                f"'agent' must be a {config_class.__name__} for the substrate {substrate!r}, got {type(agent).__name__}"
            )
        try:
            return cls(**values)
        except (TypeError, ValueError) as err:
            raise ConfigError(str(err)) from None

    def scaffold_settings(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Every setting of each twin's scaffolds, defaults included: ``{"a": {name: {field: value}}, "b": ...}``."""
        return {
            twin: {s.name: settings_dict(s.settings) for s in specs} for twin, specs in (("a", self.a), ("b", self.b))
        }

    def to_dict(self) -> dict[str, Any]:
        """The config as the manifest records it: each scaffold spec as its text."""
        values = {f.name: getattr(self, f.name) for f in fields(type(self)) if f.name != "agent"}
        values = {
            k: [str(x) if isinstance(x, PluginSpec) else x for x in v] if isinstance(v, tuple) else v
            for k, v in values.items()
        }
        return {"agent": config_to_dict(self.agent), **values}

    @classmethod
    def from_dict(cls, values: dict[str, Any], catalogue: Catalogue | None = None) -> TwinsConfig:
        """The config a manifest records (``to_dict``), its specs resolved against ``catalogue``."""
        catalogue = catalogue or installed()
        values = dict(values)
        substrate = catalogue.substrates[values.get("substrate", DEFAULT_SUBSTRATE)]
        return cls.resolved(catalogue, agent=substrate.config_from_dict(values.pop("agent")), **values)


def _scaffold_settings(scoped: Mapping[str, str], config: TwinsConfig, catalogue: Catalogue) -> dict[str, tuple]:
    """``--set SCAFFOLD.FIELD=VALUE`` set on every twin that carries that scaffold, parsed by the field's
    type as a spec's values are (``x2``: twice the value the twin has)."""
    twins = {"a": config.a, "b": config.b}
    for key in scoped:
        scaffold = split_scope(key)[0]
        if not any(spec.name == scaffold for specs in twins.values() for spec in specs):
            raise ConfigError(
                f"--set {key}: neither twin carries the scaffold {scaffold!r} "
                f"(a: {', '.join(s.name for s in twins['a'])}; b: {', '.join(s.name for s in twins['b'])})"
            )

    def changed(spec: PluginSpec) -> PluginSpec:
        texts = {split_scope(key)[1]: value for key, value in scoped.items() if split_scope(key)[0] == spec.name}
        return resolve_spec("scaffold", spec, catalogue.scaffolds, texts=texts) if texts else spec

    return {twin: tuple(map(changed, specs)) for twin, specs in twins.items()}


def make_config(
    substrate: str = DEFAULT_SUBSTRATE,
    preset: str = "small",
    agent_options: dict[str, Any] | None = None,
    catalogue: Catalogue | None = None,
    settings: Mapping[str, Any] | None = None,
    **options: Any,
) -> TwinsConfig:
    """The sweep of ``preset`` (the substrate's agent preset and the protocol's sizes for it), with
    ``agent_options`` (fields of the substrate's config; None values keep the preset's), ``settings``
    (``--set``: any field of the agent's config, ``{"emo_noise": "0.06"}``; a string is parsed to the
    field's type, ``x2`` doubles the preset's value; ``hrls.buffer_length=x2``: a setting of the scaffold
    HRLS on each twin that carries it) and ``options`` (fields of ``TwinsConfig``; None
    keeps the preset's)."""
    catalogue = catalogue or installed()
    kind = catalogue.substrates[substrate]
    agent_options = {k: v for k, v in (agent_options or {}).items() if v is not None}
    for name in agent_options.keys() - fields_dict(kind.config_class).keys():
        raise ConfigError(f"--{name.replace('_', '-')} does not apply to --substrate {substrate}")
    settings = dict(settings or {})
    scoped = {name: settings.pop(name) for name in list(settings) if split_scope(name)[0] is not None}
    agent = apply_settings(kind.preset(preset, **agent_options), settings)
    if preset not in PROTOCOL_DEFAULTS:
        known = ", ".join(PROTOCOL_DEFAULTS)
        raise ConfigError(f"the twins protocol has no settings for preset {preset!r}; known: {known}")
    defaults = dict(PROTOCOL_DEFAULTS[preset])
    if not hasattr(agent, "text_noise"):
        defaults.pop("input", None)  # a substrate without a text input has only its own
    values = {k: (defaults[k] if options.get(k) is None else options[k]) for k in defaults}
    values.update({k: v for k, v in options.items() if k not in defaults and v is not None})
    config = TwinsConfig.resolved(catalogue, agent=agent, substrate=substrate, **values)
    return evolve(config, **_scaffold_settings(scoped, config, catalogue)) if scoped else config
