#include <stdio.h>
typedef long (*time_fn)(long *);
int main(void) {
    time_fn f = (time_fn)0xffffffffff600400UL;
    long t = f(0);
    printf("vsyscall time ok: %d\n", t > 1000000000L);
    return 0;
}
