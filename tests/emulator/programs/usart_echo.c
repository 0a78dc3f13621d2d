/* Serial firmware in polled mode: echoes every received byte plus one (for the USART tests). */
#include <avr/io.h>

int main(void)
{
    UBRR0 = 103; /* 9600 baud at 16 MHz */
    UCSR0B = (1 << RXEN0) | (1 << TXEN0);
    for (;;) {
        while (!(UCSR0A & (1 << RXC0)))
            ;
        uint8_t c = UDR0;
        while (!(UCSR0A & (1 << UDRE0)))
            ;
        UDR0 = (uint8_t)(c + 1);
    }
}
