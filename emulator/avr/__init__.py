"""The own AVR core: cycle-exact AVRe (ATtiny85) and AVRe+ (ATmega328P)."""

from .core import AvrCore
from .mcu import ATMEGA328P, ATTINY85, MCUS, Mcu

__all__ = ["ATMEGA328P", "ATTINY85", "MCUS", "AvrCore", "Mcu"]
