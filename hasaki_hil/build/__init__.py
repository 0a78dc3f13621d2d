"""Building firmware: the PlatformIO and system-compiler drivers, memory fit, stack depth and flash images."""
