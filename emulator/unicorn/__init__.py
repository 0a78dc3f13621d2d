"""Unicorn cores for the ESP32-C3 (RISC-V rv32imc) and Cortex-M (M0+, M4F), with estimated cycles.

Cycles are ``estimate``: instruction classes times a per-core cost table (``costs.py``), summed
per basic block by a native block hook (``_blockhook.c``).
"""

from .chips import CHIPS, Chip, Region
from .core import UnicornCore
from .costs import TABLES, CostTable
from .faults import CpuException, InstructionLimitExceeded, OutsideCode, ProtectionFault, RunTimeout

__all__ = [
    "CHIPS",
    "TABLES",
    "Chip",
    "CostTable",
    "CpuException",
    "InstructionLimitExceeded",
    "OutsideCode",
    "ProtectionFault",
    "Region",
    "RunTimeout",
    "UnicornCore",
]
