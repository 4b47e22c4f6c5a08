/* Syscall numbers no x86-64 Linux assigns give ENOSYS, and the caller
 * keeps running (the sandbox must neither crash nor kill it). */
#include "check.h"

int main(void) {
    /* Gaps in the x86-64 table (335..423 were never assigned, but some
     * patched host kernels use the first few, 335 and 336 among them, so
     * the test stays above 340), the top of the native range (511) and
     * numbers far past its end. */
    static const long numbers[] = {340, 387, 400, 423, 511, 1000, 4095, 100000, 0x7fffffff};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "syscall(%ld)", numbers[i]);
        CHECK(name, syscall(numbers[i], 1, 2, 3, 4, 5, 6));
    }
    /* Negative numbers (all 64 bits of rax are the number). */
    CHECK("syscall(-1)", syscall(-1L));
    CHECK("syscall(-1000)", syscall(-1000L));
    /* The same number twice: the answer does not change once reported. */
    CHECK("syscall(400) again", syscall(400));
    /* Arguments are untouched: a real call after the failures works. */
    CHECK("getppid after ENOSYS", getppid() >= 0 ? 0 : -1);
    printf("alive\n");
    return 0;
}
