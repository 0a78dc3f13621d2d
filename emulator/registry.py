"""The one registry of emulated cores: a backend (one folder of this package) names the chips it
emulates and how to open a core for one. Adding a core is one folder plus one ``register`` call in
``emulator/__init__.py``; callers only ever ask ``open_core(backend, chip)``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .core import Core
from .errors import EmulatorError


@dataclass(frozen=True)
class Backend:
    name: str
    chips: Callable[[], Iterable[str]]  # lazily: a backend's chip table may import heavy modules
    open: Callable[..., Core]  # (chip, **options) -> a fresh core
    description: str


_BACKENDS: dict[str, Backend] = {}


def register(backend: Backend) -> None:
    if backend.name in _BACKENDS:
        raise EmulatorError(f"an emulator backend named {backend.name!r} is registered already")
    _BACKENDS[backend.name] = backend


def backends() -> dict[str, Backend]:
    return dict(_BACKENDS)


def chips(backend: str) -> tuple[str, ...]:
    return tuple(_backend(backend).chips())


def _backend(name: str) -> Backend:
    if name not in _BACKENDS:
        raise EmulatorError(f"no emulator backend named {name!r}; available: {', '.join(_BACKENDS)}")
    return _BACKENDS[name]


def open_core(backend: str, chip: str, **options) -> Core:
    """A fresh core of ``backend`` for ``chip`` (e.g. ``open_core("avr", "attiny85")``)."""
    b = _backend(backend)
    known = tuple(b.chips())
    if chip not in known:
        raise EmulatorError(f"the {backend} backend has no chip {chip!r}; it emulates {', '.join(known)}")
    return b.open(chip, **options)
