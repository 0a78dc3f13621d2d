/* RP2040 second-stage boot (boot2): the first 256 bytes of flash.
 *
 * The boot ROM copies these 256 bytes into SRAM, checks the CRC-32 in the last four
 * (CRC-32/MPEG-2 over the first 252: polynomial 0x04C11DB7, initial 0xFFFFFFFF, no
 * reflection, no final XOR; hasaki_hil/toolchain.py writes it after the link) and runs them.
 * This stage sets up the flash interface (SSI) for execute-in-place with the plain serial
 * read command 03h, which every SPI flash answers, then starts the application through its
 * vector table right after this block, as the reset of a Cortex-M would: VTOR, MSP, reset
 * handler. Position independent: it runs from SRAM. Register fields: RP2040 datasheet 4.10
 * (SSI: CTRLR0 0x00, CTRLR1 0x04, SSIENR 0x08, BAUDR 0x14, SPI_CTRLR0 0xF4). */
    .file "rp2040_boot2.S"     /* not the preprocessor's temporary name: builds stay byte-identical */
    .syntax unified
    .cpu cortex-m0plus
    .thumb
    .section .boot2, "ax"
    .global hsk_boot2
    .type hsk_boot2, %function
hsk_boot2:
    ldr r3, =0x18000000     /* XIP_SSI */
    movs r1, #0
    str r1, [r3, #0x08]     /* SSIENR = 0: configurable */
    movs r1, #4
    str r1, [r3, #0x14]     /* BAUDR: SCK = clk_sys / 4 */
    ldr r1, =0x001F0300     /* CTRLR0: 32-bit data frames, TMOD EEPROM read */
    str r1, [r3, #0x00]
    movs r1, #0
    str r1, [r3, #0x04]     /* CTRLR1: one data frame per transfer */
    ldr r1, =0x03000218     /* SPI_CTRLR0: command 03h, 8-bit instruction, 24-bit address */
    movs r2, #0xF4
    str r1, [r3, r2]
    movs r1, #1
    str r1, [r3, #0x08]     /* SSIENR = 1: flash reads now map to 0x10000000 */
    ldr r0, =0x10000100     /* the application's vector table */
    ldr r1, =0xE000ED08     /* VTOR */
    str r0, [r1]
    ldmia r0!, {r1, r2}     /* initial stack pointer, reset handler */
    msr msp, r1
    bx r2
    .ltorg
    .org 252                /* the CRC-32 goes here */
    .word 0
