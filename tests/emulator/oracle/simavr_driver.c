/* The simavr oracle: runs one ELF over many input vectors in one process.
 *
 *   simavr_driver MCU FREQ ELF MARKER_ADDR INPUT_ADDR OUTPUT_ADDR OUTPUT_SIZE MAX_CYCLES
 *
 * Reads one vector per stdin line (hex bytes, possibly empty). For each: avr_reset,
 * write the bytes at INPUT_ADDR (data space), run until the firmware halts (sleep with
 * interrupts off makes simavr stop with cpu_Done) or MAX_CYCLES pass, and print
 *
 *   STATUS CYCLES OUTPUT_HEX MARKERS
 *
 * STATUS is done, limit or crashed; CYCLES counts from the reset; MARKERS lists
 * value@cycle for every write to MARKER_ADDR, where cycle is avr->cycle inside the
 * I/O write callback (the cycles completed before the writing instruction), relative
 * to the reset. A last line "end SECONDS" gives the time spent on the vectors themselves:
 * reset, writing the input and the run (parsing and printing excluded).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <simavr/sim_avr.h>
#include <simavr/sim_elf.h>
#include <simavr/sim_io.h>

#define MAX_MARKERS 256

static avr_cycle_count_t start_cycle;
static unsigned n_markers;
static unsigned marker_value[MAX_MARKERS];
static avr_cycle_count_t marker_cycle[MAX_MARKERS];

static void on_marker(struct avr_t *avr, avr_io_addr_t addr, uint8_t v, void *param)
{
    (void)param;
    avr->data[addr] = v;
    if (n_markers < MAX_MARKERS) {
        marker_value[n_markers] = v;
        marker_cycle[n_markers] = avr->cycle - start_cycle;
        n_markers++;
    }
}

/* simavr logs to stdout, which carries our results: keep errors only, on stderr. */
static void to_stderr(struct avr_t *avr, const int level, const char *format, va_list ap)
{
    (void)avr;
    if (level <= LOG_ERROR)
        vfprintf(stderr, format, ap);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc != 9) {
        fprintf(stderr, "usage: %s MCU FREQ ELF MARKER_ADDR INPUT_ADDR OUTPUT_ADDR OUTPUT_SIZE MAX_CYCLES\n", argv[0]);
        return 2;
    }
    const char *mcu = argv[1];
    unsigned long freq = strtoul(argv[2], NULL, 0);
    unsigned marker = strtoul(argv[4], NULL, 0), input = strtoul(argv[5], NULL, 0);
    unsigned output = strtoul(argv[6], NULL, 0), output_size = strtoul(argv[7], NULL, 0);
    avr_cycle_count_t max_cycles = strtoull(argv[8], NULL, 0);

    avr_global_logger_set(to_stderr);
    elf_firmware_t fw;
    memset(&fw, 0, sizeof fw);
    if (elf_read_firmware(argv[3], &fw) != 0) {
        fprintf(stderr, "cannot read %s\n", argv[3]);
        return 2;
    }
    avr_t *avr = avr_make_mcu_by_name(mcu);
    if (!avr) {
        fprintf(stderr, "simavr has no core %s\n", mcu);
        return 2;
    }
    avr_init(avr);
    avr->log = LOG_NONE;
    avr->frequency = freq;
    avr_load_firmware(avr, &fw);
    avr_register_io_write(avr, marker, on_marker, NULL);

    static char line[1 << 16];
    static uint8_t bytes[1 << 15];
    double seconds = 0;
    while (fgets(line, sizeof line, stdin)) {
        size_t len = strcspn(line, "\r\n") / 2;
        for (size_t i = 0; i < len; i++) {
            unsigned byte;
            sscanf(line + 2 * i, "%2x", &byte);
            bytes[i] = (uint8_t)byte;
        }
        double t0 = now();
        avr_reset(avr);
        n_markers = 0;
        memcpy(avr->data + input, bytes, len);
        start_cycle = avr->cycle;
        const char *status = "limit";
        while (avr->cycle - start_cycle < max_cycles) {
            int state = avr_run(avr);
            if (state == cpu_Done) {
                status = "done";
                break;
            }
            if (state == cpu_Crashed) {
                status = "crashed";
                break;
            }
        }
        seconds += now() - t0;
        printf("%s %llu ", status, (unsigned long long)(avr->cycle - start_cycle));
        for (unsigned i = 0; i < output_size; i++)
            printf("%02x", avr->data[output + i]);
        printf(" ");
        for (unsigned i = 0; i < n_markers; i++)
            printf("%s%u@%llu", i ? "," : "", marker_value[i], (unsigned long long)marker_cycle[i]);
        printf("\n");
        fflush(stdout);
    }
    printf("end %.6f\n", seconds);
    return 0;
}
