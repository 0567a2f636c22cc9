"""The engines that advance a field population by one step (docs/performance.md).

``fast`` is the device's fused engine: one pass over W_rec_main, numba kernels on CPU (``cpu``), a
Triton kernel on CUDA (``cuda``); ``plain`` is the torch-ops reference in ``emergence.fields.agent``.
Importing this package imports neither torch, numba nor triton.

An engine's ``advance(agent, code, noise)`` moves the population's fields, traces, energy and weights
on by one step, through its public surface only: its tensors, ``advance_fields`` (the plain engine's
fields, traces and energy), the checked component calls ``noise_amplitude``, ``update_energy`` and
``apply_plasticity``, and its weight-noise streams ``weight_noise``. What a fast engine keeps from the
plain engine:

* the hooks: the plasticity rule is fused only when the resolved rule is the core's ``OjaPlasticity``;
  any other rule's ``apply`` is called as usual. A plugin's noise or energy model is called through its
  interface, and what it gives is checked before a kernel reads it (``emergence.agents.guard``);
* ``relational_drift`` runs after plasticity; if anything changes W_rec_main or ``main`` after the
  fused pass (a torch in-place op bumps the tensor's version; a new tensor changes its identity), the
  cached recurrent input is recomputed at the next step (``cache``);
* the noise streams: field noise from each agent's torch generator, weight noise from each agent's
  counter-based stream (``emergence.agents.rng``), consumed in the plain engine's order: W_rec_main's
  numbers, then W_rec_emo's, on every step, whether or not the agent learns.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

__all__ = ["FAST_ENGINES", "engine_for", "fast_engine"]

# The fused engine of each device type: (module, class); ``engine="fast"`` means this one.
FAST_ENGINES = {"cpu": ("cpu", "CpuEngine"), "cuda": ("cuda", "CudaEngine")}


def engine_for(config: Any, device: Any) -> str:
    """The engine a population of ``config`` runs on ``device`` (a torch device): ``"fast"`` where it can
    (config ``engine="fast"``, weights stored in ``dtype``, the device's fused engine importable: numba on
    CPU, triton on CUDA in float32), else ``"plain"``."""
    if config.engine != "fast" or device.type not in FAST_ENGINES or config.weight_dtype != "same":
        return "plain"
    if device.type == "cuda" and config.dtype != "float32":  # the Triton pass is float32 only
        return "plain"
    try:
        importlib.import_module(f".{FAST_ENGINES[device.type][0]}", __package__)
    except ImportError as err:  # numba / triton missing or broken: the plain engine still gives the same model
        warnings.warn(f"fast engine unavailable ({err}); using the plain engine", RuntimeWarning, stacklevel=3)
        return "plain"
    return "fast"


def fast_engine(agent: Any) -> Any:
    """The fused engine of ``agent``'s device, bound to it (call only where ``engine_for`` said fast)."""
    module, name = FAST_ENGINES[agent.device.type]
    return getattr(importlib.import_module(f".{module}", __package__), name)(agent)
