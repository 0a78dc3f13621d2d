"""The board registry: every board is one keyword-built, frozen entry of data, never a subclass.

Everything the tool knows about a board lives in its entry: the memory map as the firmware is
linked and emulated, clock, FPU, cycle counter, the serial firmware and its link, the uploader
with its arguments, the emulator (backend and chip), the system cross-compiler target and the
PlatformIO env. No other module keys on a board's name: adding a board is adding an entry here
(or to a private ``Registry`` passed where a board is looked up).

Sources: Microchip ATtiny25/45/85 and ATmega328P datasheets; Espressif ESP32 and ESP32-C3
technical reference manuals; Raspberry Pi RP2040 datasheet; ST STM32F446RE datasheet;
PlatformIO's board pages for the ids, platforms and upload protocols, and its platforms'
builder scripts for the uploaders' arguments.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from hasaki_hil.errors import UserError


@dataclass(frozen=True)
class Region:
    name: str  # "flash" (code and constants) or "ram" (data, bss, stack)
    base: int
    size: int


@dataclass(frozen=True)
class MemoryMap:
    """The regions the firmware is linked into and the emulator maps; the fit check's limits."""

    regions: tuple[Region, ...]

    def region(self, name: str) -> Region:
        return next(r for r in self.regions if r.name == name)

    @property
    def flash_bytes(self) -> int:
        return self.region("flash").size

    @property
    def ram_bytes(self) -> int:
        return self.region("ram").size


@dataclass(frozen=True)
class SerialLink:
    """How the serial firmware talks and times (docs/protocol.md)."""

    link: str  # the physical link, for people
    baud: int
    counter: str  # what the firmware reads around the inference
    harness: str | None = None  # the bare-metal serial firmware the system driver builds (harness/)
    pio_harness: str | None = None  # the one PlatformIO builds, where it differs (ESP-IDF)
    soft_uart_pins: tuple[int, int] | None = None  # (TX, RX) bits of PORTB for a bit-banged UART


@dataclass(frozen=True)
class Uploader:
    """What PlatformIO runs to upload: the tool and its arguments. ``{port}`` stands for the
    serial port and ``{image}`` for the uploaded file; ``settings`` are the tool's own values."""

    tool: str  # avrdude, esptool, openocd or picotool
    args: tuple[str, ...] = ()
    needs_port: bool = False
    settings: tuple[tuple[str, str], ...] = ()

    def setting(self, key: str) -> str:
        return dict(self.settings)[key]


@dataclass(frozen=True)
class Emulation:
    backend: str  # a backend of emulator.registry: "avr", "unicorn"
    chip: str  # a chip of that backend


@dataclass(frozen=True)
class PlatformIO:
    env: str  # the env in platformio-envs.ini
    board: str
    platform: str


@dataclass(frozen=True, kw_only=True)
class Board:
    name: str
    description: str
    arch: str  # avr, xtensa, riscv, arm
    core: str
    mcu: str
    clock_hz: int
    memory: MemoryMap
    serial: SerialLink
    pio: PlatformIO
    fpu: bool = False
    hardware_multiplier: bool = False
    uploader: Uploader | None = None
    emulator: Emulation | None = None
    toolchain_target: str | None = None  # build.toolchain.TARGETS key; None: no system cross-compiler here
    uf2_family: int | None = None  # UF2 family id where the board boots from a UF2 drive (RP2040 datasheet 2.8.4.2)

    # Shorthands for the figures most callers want.
    @property
    def flash_bytes(self) -> int:
        return self.memory.flash_bytes

    @property
    def ram_bytes(self) -> int:
        return self.memory.ram_bytes

    @property
    def baud(self) -> int:
        return self.serial.baud

    @property
    def pio_env(self) -> str:
        return self.pio.env

    def as_dict(self) -> dict:
        d = asdict(self)
        d["flash_bytes"], d["ram_bytes"] = self.flash_bytes, self.ram_bytes
        return d


ATTINY85 = Board(
    name="attiny85",
    description="ATtiny85 (Digispark-class), 8 MHz internal RC",
    arch="avr",
    core="AVR avr25 (no MUL)",
    mcu="attiny85",
    clock_hz=8_000_000,
    memory=MemoryMap((Region("flash", 0x0000, 8 * 1024), Region("ram", 0x0060, 512))),
    serial=SerialLink(
        link="software UART (TX PB1, RX PB2)",
        baud=9600,
        counter="none (the software-UART firmware reports no cycles; --emulate counts them exactly)",
        harness="serial_soft_avr.c",
        soft_uart_pins=(1, 2),
    ),
    pio=PlatformIO("attiny85", "attiny85", "atmelavr"),
    # ISP programmer, no port; -e (the env's upload_flags) erases, -D as PlatformIO always adds
    uploader=Uploader("avrdude", ("-p", "attiny85", "-c", "usbasp", "-e", "-D")),
    emulator=Emulation("avr", "attiny85"),
    toolchain_target="avr-attiny85",
)

UNO = Board(
    name="uno",
    description="Arduino Uno (ATmega328P), 16 MHz",
    arch="avr",
    core="AVR avr5 (MUL)",
    mcu="atmega328p",
    clock_hz=16_000_000,
    memory=MemoryMap((Region("flash", 0x0000, 32 * 1024), Region("ram", 0x0100, 2 * 1024))),
    serial=SerialLink(
        link="USART0 over the board's USB bridge",
        baud=115200,
        counter="Timer1 with overflow count",
        harness="serial_avr.c",
    ),
    pio=PlatformIO("uno", "uno", "atmelavr"),
    hardware_multiplier=True,
    # the serial bootloader (optiboot) at 115200 baud, as PlatformIO's "arduino" protocol
    uploader=Uploader(
        "avrdude", ("-p", "atmega328p", "-c", "arduino", "-P", "{port}", "-b", "115200", "-D"), needs_port=True
    ),
    emulator=Emulation("avr", "atmega328p"),
    toolchain_target="avr-atmega328p",
)

# esptool write_flash as PlatformIO's espressif32 platform runs it for an ESP-IDF build; the
# second-stage bootloader's offset differs per chip.
ESP32 = Board(
    name="esp32",
    description="ESP32 DevKit (esp32dev), Xtensa LX6",
    arch="xtensa",
    core="Xtensa LX6",
    mcu="esp32",
    clock_hz=240_000_000,
    # The system build is a bare-metal image the ROM bootloader loads (docs/esp32.md), linked as
    # system/esp32.ld places it: code in SRAM0's IRAM (0x40080000, 128 KB), data and stack in
    # DRAM from 0x3FFB0000 up to the ROM's own (176 KB). ESP-IDF builds (PlatformIO) run from flash.
    memory=MemoryMap((Region("flash", 0x40080000, 128 * 1024), Region("ram", 0x3FFB0000, 176 * 1024))),
    serial=SerialLink(
        link="UART0 over USB-serial",
        baud=115200,
        counter="Xtensa CCOUNT",
        harness="serial_esp32.c",
        pio_harness="serial_esp_idf.c",
    ),
    pio=PlatformIO("esp32dev", "esp32dev", "espressif32"),
    fpu=True,
    hardware_multiplier=True,
    uploader=Uploader(
        "esptool",
        needs_port=True,
        settings=(
            ("chip", "esp32"),
            ("baud", "921600"),
            ("flash_freq", "40m"),
            ("bootloader", "0x1000"),
            # the system build's one image: the ROM bootloader reads it from flash offset 0x1000
            # (ESP32 TRM 2.4), where ESP-IDF's second-stage bootloader would be
            ("system_image", "0x1000"),
        ),
    ),
    emulator=Emulation("xtensa", "esp32"),
    toolchain_target="xtensa-esp32",  # build/xtensa_toolchain.py (clang, llvm-mc, GNU ld)
)

ESP32C3 = Board(
    name="esp32c3",
    description="ESP32-C3-DevKitM-1, RISC-V rv32imc",
    arch="riscv",
    core="RISC-V rv32imc",
    mcu="esp32c3",
    clock_hz=160_000_000,
    # ESP32-C3 TRM 3.3: flash mapped for instructions at 0x42000000 (4 MB on the DevKitM-1);
    # SRAM1 as data RAM at 0x3FC80000 (384 KB: the other 16 KB of the 400 KB serve the cache)
    memory=MemoryMap((Region("flash", 0x42000000, 4 * 1024 * 1024), Region("ram", 0x3FC80000, 384 * 1024))),
    serial=SerialLink(
        link="UART0 over USB-serial",
        baud=115200,
        counter="RISC-V cycle counter (esp_cpu_get_cycle_count)",
        harness="serial_esp32c3.c",
        pio_harness="serial_esp_idf.c",
    ),
    pio=PlatformIO("esp32-c3", "esp32-c3-devkitm-1", "espressif32"),
    hardware_multiplier=True,
    uploader=Uploader(
        "esptool",
        needs_port=True,
        settings=(("chip", "esp32c3"), ("baud", "460800"), ("flash_freq", "80m"), ("bootloader", "0x0")),
    ),
    emulator=Emulation("unicorn", "esp32c3"),
    toolchain_target="rv32imc",
)

PICO = Board(
    name="pico",
    description="Raspberry Pi Pico (RP2040), Cortex-M0+",
    arch="arm",
    core="Cortex-M0+",
    mcu="rp2040",
    clock_hz=125_000_000,
    # RP2040 datasheet 2.2: XIP flash at 0x10000000 (2 MB on the Pico), SRAM at 0x20000000 (264 KB)
    memory=MemoryMap((Region("flash", 0x10000000, 2 * 1024 * 1024), Region("ram", 0x20000000, 264 * 1024))),
    serial=SerialLink(
        link="UART0 (GP0 TX, GP1 RX) through a 3.3 V USB-serial adapter or the Debug Probe",
        baud=115200,
        counter="SysTick (24-bit, reloaded)",
        harness="serial_rp2040.c",
    ),
    pio=PlatformIO("pico", "pico", "raspberrypi"),
    hardware_multiplier=True,
    # over the boot ROM's USB interface (BOOTSEL): load the ELF, verify it, run it
    uploader=Uploader("picotool", ("load", "-v", "-x", "{image}")),
    emulator=Emulation("unicorn", "rp2040"),
    toolchain_target="cortex-m0plus",
    uf2_family=0xE48BFF56,
)

NUCLEO_F446RE = Board(
    name="nucleo_f446re",
    description="ST Nucleo-F446RE, Cortex-M4F",
    arch="arm",
    core="Cortex-M4F",
    mcu="stm32f446re",
    clock_hz=180_000_000,
    # STM32F446xx datasheet 5: flash at 0x08000000 (512 KB), SRAM1+SRAM2 at 0x20000000 (128 KB)
    memory=MemoryMap((Region("flash", 0x08000000, 512 * 1024), Region("ram", 0x20000000, 128 * 1024))),
    serial=SerialLink(
        link="USART2 over the ST-LINK virtual COM port",
        baud=115200,
        counter="DWT CYCCNT",
        harness="serial_stm32f4.c",
    ),
    pio=PlatformIO("nucleo_f446re", "nucleo_f446re", "ststm32"),
    fpu=True,
    hardware_multiplier=True,
    # openocd as PlatformIO's "stlink" protocol runs it (the ELF carries its load addresses)
    uploader=Uploader(
        "openocd",
        (
            "-f",
            "interface/stlink.cfg",
            "-c",
            "transport select hla_swd",
            "-f",
            "target/stm32f4x.cfg",
            "-c",
            "program {{{image}}} verify reset; shutdown;",
        ),
    ),
    emulator=Emulation("unicorn", "stm32f446re"),
    toolchain_target="cortex-m4f",
)


@dataclass
class Registry:
    """Boards by name. The tool uses ``DEFAULT``; tests and extensions may build their own."""

    boards: dict[str, Board] = field(default_factory=dict)

    def add(self, board: Board) -> Board:
        if board.name in self.boards:
            raise ValueError(f"a board named {board.name!r} is registered already")
        self.boards[board.name] = board
        return board

    def get(self, name: str | Board) -> Board:
        """A board by name or PlatformIO env; a Board passes through (callers may hold their own)."""
        if isinstance(name, Board):
            return name
        for board in self.boards.values():
            if name in (board.name, board.pio.env):
                return board
        raise UserError(f"unknown board {name!r}", hint="known boards: " + ", ".join(self.boards))

    def __iter__(self):
        return iter(self.boards.values())


DEFAULT = Registry()
for _board in (ATTINY85, UNO, ESP32, ESP32C3, PICO, NUCLEO_F446RE):
    DEFAULT.add(_board)
BOARDS = tuple(DEFAULT)


def get(name: str | Board) -> Board:
    return DEFAULT.get(name)


def listing() -> dict:
    return {"boards": [b.as_dict() for b in DEFAULT]}
