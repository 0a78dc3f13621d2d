"""CPU emulation for hasaki-hil: unicorn cores and an own AVR core.

This package never imports ``hasaki_hil``; the dependency runs one way.
"""
