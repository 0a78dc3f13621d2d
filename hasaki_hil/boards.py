"""The board registry: boards are data, one frozen record each, never a class hierarchy.

Sources: Microchip ATtiny25/45/85 and ATmega328P datasheets; Espressif ESP32 and ESP32-C3
datasheets; Raspberry Pi RP2040 datasheet; ST STM32F446RE datasheet; PlatformIO's board
pages for the ids, platforms and upload protocols.
"""

from dataclasses import asdict, dataclass

from .errors import UserError


@dataclass(frozen=True)
class Board:
    name: str
    description: str
    arch: str  # avr, xtensa, riscv, arm
    core: str
    mcu: str
    clock_hz: int
    flash_bytes: int
    ram_bytes: int
    fpu: bool
    hardware_multiplier: bool
    uart: str  # how the serial harness talks
    baud: int  # serial default
    cycle_counter: str  # what the serial firmware reads around hsk_predict
    pio_env: str  # the env in platformio.ini
    pio_board: str
    pio_platform: str
    emulator: str | None  # "avr", "unicorn-riscv32", "unicorn-arm" or None
    toolchain_target: str | None  # key of toolchain.TARGETS for the system driver, None if Debian has none
    uf2_family: int | None = None  # UF2 family id where the board boots from a UF2 drive (RP2040 datasheet 2.8.4.2)

    def as_dict(self) -> dict:
        return asdict(self)


BOARDS = (
    Board(
        "attiny85",
        "ATtiny85 (Digispark-class), 8 MHz internal RC",
        "avr",
        "AVR avr25 (no MUL)",
        "attiny85",
        8_000_000,
        8 * 1024,
        512,
        False,
        False,
        "software UART (TX PB1, RX PB2)",
        9600,
        "none (the software-UART firmware reports no cycles; --emulate counts them exactly)",
        "attiny85",
        "attiny85",
        "atmelavr",
        "avr",
        "attiny85",
    ),
    Board(
        "uno",
        "Arduino Uno (ATmega328P), 16 MHz",
        "avr",
        "AVR avr5 (MUL)",
        "atmega328p",
        16_000_000,
        32 * 1024,
        2 * 1024,
        False,
        True,
        "USART0 over the board's USB bridge",
        115200,
        "Timer1 with overflow count",
        "uno",
        "uno",
        "atmelavr",
        "avr",
        "atmega328p",
    ),
    Board(
        "esp32",
        "ESP32 DevKit (esp32dev), Xtensa LX6",
        "xtensa",
        "Xtensa LX6",
        "esp32",
        240_000_000,
        4 * 1024 * 1024,
        520 * 1024,
        True,
        True,
        "UART0 over USB-serial",
        115200,
        "Xtensa CCOUNT",
        "esp32dev",
        "esp32dev",
        "espressif32",
        None,
        "xtensa-esp32",  # hasaki_hil/xtensa_toolchain.py, not a toolchain.TARGETS entry
    ),
    Board(
        "esp32c3",
        "ESP32-C3-DevKitM-1, RISC-V rv32imc",
        "riscv",
        "RISC-V rv32imc",
        "esp32c3",
        160_000_000,
        4 * 1024 * 1024,
        400 * 1024,
        False,
        True,
        "UART0 over USB-serial",
        115200,
        "RISC-V cycle counter (esp_cpu_get_cycle_count)",
        "esp32-c3",
        "esp32-c3-devkitm-1",
        "espressif32",
        "unicorn-riscv32",
        "rv32imc",
    ),
    Board(
        "pico",
        "Raspberry Pi Pico (RP2040), Cortex-M0+",
        "arm",
        "Cortex-M0+",
        "rp2040",
        125_000_000,
        2 * 1024 * 1024,
        264 * 1024,
        False,
        True,
        "UART0 (GP0 TX, GP1 RX) through a 3.3 V USB-serial adapter or the Debug Probe",
        115200,
        "SysTick (24-bit, reloaded)",
        "pico",
        "pico",
        "raspberrypi",
        "unicorn-arm",
        "cortex-m0plus",
        0xE48BFF56,
    ),
    Board(
        "nucleo_f446re",
        "ST Nucleo-F446RE, Cortex-M4F",
        "arm",
        "Cortex-M4F",
        "stm32f446re",
        180_000_000,
        512 * 1024,
        128 * 1024,
        True,
        True,
        "USART2 over the ST-LINK virtual COM port",
        115200,
        "DWT CYCCNT",
        "nucleo_f446re",
        "nucleo_f446re",
        "ststm32",
        "unicorn-arm",
        "cortex-m4f",
    ),
)


def get(name: str) -> Board:
    for board in BOARDS:
        if board.name == name or board.pio_env == name:
            return board
    raise UserError(f"unknown board {name!r}", hint="known boards: " + ", ".join(b.name for b in BOARDS))


def listing() -> dict:
    return {"boards": [b.as_dict() for b in BOARDS]}
