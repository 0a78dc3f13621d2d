"""Registering the native hooks (``_blockhook``) with a unicorn engine.

The unicorn Python binding only registers Python callables; a C callback goes through the C API,
``uc_hook_add`` with the callback's address and the counter as user data. The hooks stop a run
with ``uc_emu_stop`` and read the PC with ``uc_reg_read``, whose addresses come from the same
loaded library. This is the one module that reaches into the binding's internals (the library
``uclib`` and the engine handle ``_uch`` of unicorn 2.1's ``unicorn_py3`` package);
pyproject.toml pins unicorn to 2.1.x.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

from unicorn import UC_HOOK_BLOCK, UC_HOOK_MEM_WRITE, Uc, UcError
from unicorn.unicorn_py3 import unicorn as binding

from ._blockhook import HOOK, STOP_CYCLES, STOP_ERROR, STOP_NONE, STOP_OUTSIDE, WRITE_HOOK, Counter

__all__ = ["STOP_CYCLES", "STOP_ERROR", "STOP_NONE", "STOP_OUTSIDE", "Counter", "attach"]


def attach(
    uc: Uc,
    code: tuple[int, int],
    classify: Callable[[int, int], tuple[int, int, int]],
    pc_reg: int,
    marker: int | None,
) -> Counter:
    """A counter for the blocks in ``code`` (start, end), hooked into ``uc`` for every block, and
    for the writes to the word at ``marker``. Keep the counter alive as long as ``uc`` runs: the
    engine holds only its address."""
    counter = Counter(
        base=code[0],
        size=code[1] - code[0],
        classify=classify,
        emu_stop=_address(binding.uclib.uc_emu_stop),
        reg_read=_address(binding.uclib.uc_reg_read),
        pc_reg=pc_reg,
        marker=marker or 0,
    )
    _hook(uc, UC_HOOK_BLOCK, HOOK, counter, 1, 0)  # begin > end: every address
    if marker is not None:
        _hook(uc, UC_HOOK_MEM_WRITE, WRITE_HOOK, counter, marker, marker)
    return counter


def _address(function) -> int:
    return ctypes.cast(function, ctypes.c_void_p).value


def _hook(uc: Uc, kind: int, callback: int, counter: Counter, begin: int, end: int) -> None:
    handle = binding.uc_hook_h()
    status = binding.uclib.uc_hook_add(
        uc._uch,
        ctypes.byref(handle),
        kind,
        ctypes.c_void_p(callback),
        ctypes.c_void_p(counter.address),
        ctypes.c_uint64(begin),
        ctypes.c_uint64(end),
    )
    if status != 0:
        raise UcError(status)
