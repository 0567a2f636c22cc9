"""What a population's plugins hand its step, checked before the engine reads it (docs/plugins.md).

The fast CPU engine's kernels index without bounds checks, so a plugin's tensor of the wrong shape would
be read past its end. An exception raised in a plugin's hook, a tensor it returns or leaves with another
shape, dtype or device than expected, and a value that is not finite right after its hook each become
one ``PluginError`` naming the plugin (``AgentHooks.sources``), the hook and the step. Cheap enough for
every step: shapes; finiteness of a plugin's noise amplitudes and energy, and of the state a scaffold
sees (on the CPU: a few microseconds; on a GPU it would wait for the device every step); never a weight
matrix's values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from ..contract import PluginError

__all__ = ["PluginGuard", "finite", "mismatch", "SEEN_STATE"]

# The state a scaffold sees (``emergence.contract.Agent``): finite after every plugin's hook that was
# handed it finite.
SEEN_STATE = ("main", "emotion", "energy")
NUMPY_FLOATS = frozenset((torch.float32, torch.float64))


def finite(tensor: torch.Tensor) -> bool:
    """Whether every value of ``tensor`` is finite (through numpy on the CPU: several times faster than
    torch at a step's sizes; elsewhere it waits for the device)."""
    if tensor.is_cpu and tensor.dtype in NUMPY_FLOATS:
        return bool(np.isfinite(tensor.detach().numpy()).all())
    return bool(torch.isfinite(tensor).all())


def mismatch(value: Any, shape: tuple[int, ...], dtype: torch.dtype, device: torch.device) -> str:
    """What keeps ``value`` from being a tensor of ``shape`` and ``dtype`` on ``device`` ("": nothing)."""
    if not isinstance(value, torch.Tensor):
        return f"is a {type(value).__name__}, not a tensor"
    if tuple(value.shape) != tuple(shape):
        return f"has shape {tuple(value.shape)}, expected {tuple(shape)}"
    if value.dtype != dtype:
        return f"has dtype {value.dtype}, expected {dtype}"
    if value.device != device:
        return f"is on {value.device}, expected {device}"
    return ""


class PluginGuard:
    """One population's checks on its plugins: who gave each part of its hooks (``sources``), its
    components, and the shape, dtype and device of each of its ``TENSORS`` at birth."""

    def __init__(self, agent: Any, sources: Mapping[str, tuple[str, ...]]):
        self.sources = dict(sources)
        self.components = {"plasticity": agent.plasticity, "energy": agent.energy_model, "noise": agent.noise_model}
        self.on_cpu = agent.device.type == "cpu"
        self.layout = {}
        for name in agent.TENSORS:
            tensor = getattr(agent, name)
            self.layout[name] = (tensor.shape, tensor.dtype, tensor.device)

    def label(self, hook: str, i: int = 0) -> str:
        """The label of the plugin behind part ``i`` of ``hook``."""
        parts = self.sources.get(hook, ())
        return parts[i] if i < len(parts) else "a plugin"

    def blame(self, err: Exception, step: int) -> PluginError | None:
        """``err`` as the fault of the plugin component one of whose methods it passed through (None: no
        plugin's component is on its traceback: the fault is not a plugin's)."""
        tb = err.__traceback__
        while tb is not None:
            owner = tb.tb_frame.f_locals.get("self")
            for hook, component in self.components.items():
                if owner is component and hook in self.sources:
                    return PluginError.raised(self.label(hook), f"{hook} ({tb.tb_frame.f_code.co_name})", err, step)
            tb = tb.tb_next
        return None

    def output(self, hook: str, what: str, value: Any, like: torch.Tensor, step: int) -> None:
        """``value``, given as ``what`` by the ``hook`` component, checked against ``like``: its shape,
        dtype and device, and finite values."""
        problem = mismatch(value, like.shape, like.dtype, like.device)
        if not problem and value.is_floating_point() and not finite(value):
            problem = "is not finite"
        if problem:
            raise PluginError(
                f"{self.label(hook)}: {hook} gave {what} that {problem}, at step {step}; {PluginError.FIX}"
            )

    def amplitude(self, agent: Any, field: str, activation: torch.Tensor) -> torch.Tensor:
        """The noise model's amplitude of ``field``; a plugin's checked: ``activation``'s shape, dtype and
        device, finite."""
        value = agent.noise_model.amplitude(field, activation)
        if "noise" in self.sources:
            self.output("noise", f"amplitude({field!r})", value, activation, agent.step_index)
        return value

    def update_energy(self, agent: Any) -> None:
        """The energy model's next energy and sleep; a plugin's checked against the current ones."""
        energy, awake = agent.energy_model.update(agent.energy, agent.awake, agent.main)
        if "energy" in self.sources:
            self.output("energy", "energy", energy, agent.energy, agent.step_index)
            self.output("energy", "awake", awake, agent.awake, agent.step_index)
        agent.energy, agent.awake = energy, awake

    def apply_plasticity(self, agent: Any, learning: torch.Tensor) -> None:
        """The learning rule applied; after a plugin's, every tensor keeps its shape, dtype and device."""
        agent.plasticity.apply(agent, learning)
        if "plasticity" in self.sources:
            self.check_layout(agent, "plasticity", 0, agent.step_index)

    def run(self, agent: Any, calls: Sequence[Callable[..., None]], hook: str, **kwargs: Any) -> None:
        """Call each implementation of ``hook`` with the agent and ``kwargs``: an exception is a PluginError
        naming its plugin; after each, every tensor keeps its layout (``check_layout``), and the state a
        scaffold sees, if finite before, stays finite (on the CPU only: on a GPU each check would wait
        for the device, and a value there that is not finite is reported when its window is written)."""
        step = agent.step_index
        was_finite = self.on_cpu and self.state_finite(agent)
        for i, call in enumerate(calls):
            try:
                call(agent=agent, **kwargs)
            except Exception as err:
                raise PluginError.raised(self.label(hook, i), hook, err, step) from err
            self.check_layout(agent, hook, i, step)
            if was_finite and not self.state_finite(agent):
                bad = next(name for name in SEEN_STATE if not finite(getattr(agent, name)))
                raise PluginError(
                    f"{self.label(hook, i)}: {hook} left {bad} not finite at step {step}; {PluginError.FIX}"
                )

    @staticmethod
    def state_finite(agent: Any) -> bool:
        """Whether the state a scaffold sees is finite."""
        return all(finite(getattr(agent, name)) for name in SEEN_STATE)

    def check_layout(self, agent: Any, hook: str, i: int, step: int) -> None:
        """After part ``i`` of ``hook`` ran: every tensor keeps its birth shape, dtype and device."""
        for name, (shape, dtype, device) in self.layout.items():
            tensor = getattr(agent, name)
            if (
                type(tensor) is torch.Tensor
                and tensor.shape == shape
                and tensor.dtype == dtype
                and tensor.device == device
            ):
                continue  # the common case, without building a message
            problem = mismatch(tensor, shape, dtype, device)
            if problem:
                raise PluginError(
                    f"{self.label(hook, i)}: {hook} left {name} that {problem}, at step {step}; {PluginError.FIX}"
                )
