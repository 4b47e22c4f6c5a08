/* Dies from the fault named in argv[1] after printing a line with
 * write(2) and one through stdio with fflush; a line left in the stdio
 * buffer must be lost. The shell code is 128 + signal both natively and
 * in the sandbox.
 *
 *   write-null   store to address 0x10                SIGSEGV (139)
 *   read-high    load from the kernel half             SIGSEGV (139)
 *   noncanonical load from a non-canonical address    SIGSEGV (139)
 *   write-ro     store to a read-only mapping         SIGSEGV (139)
 *   exec-nx      call into a non-executable page      SIGSEGV (139)
 *   unmapped     store to a page just unmapped        SIGSEGV (139)
 *   ud2          an undefined instruction             SIGILL  (132)
 *   div0         integer division by zero             SIGFPE  (136)
 *   int3         a breakpoint                         SIGTRAP (133)
 *   hlt          a privileged instruction             SIGSEGV (139)
 */
#define CHECK_KEEP_STDIO_BUFFERING
#include "check.h"

#include <stdint.h>
#include <sys/mman.h>

static volatile int zero;

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "write-null";
    static const char msg[] = "before the fault (write)\n";
    write(1, msg, sizeof msg - 1);
    setvbuf(stdout, NULL, _IOFBF, 4096);
    printf("before the fault (stdio, flushed): %s\n", what);
    fflush(stdout);
    printf("this line stays in the stdio buffer and is lost\n");

    if (strcmp(what, "write-null") == 0) {
        *(volatile int *)(uintptr_t)0x10 = 1;
    } else if (strcmp(what, "read-high") == 0) {
        (void)*(volatile int *)(uintptr_t)0xffff880000000000UL;
    } else if (strcmp(what, "noncanonical") == 0) {
        (void)*(volatile int *)(uintptr_t)0x8000000000000000UL;
    } else if (strcmp(what, "write-ro") == 0) {
        volatile char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        p[100] = 1;
    } else if (strcmp(what, "exec-nx") == 0) {
        unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                -1, 0);
        p[0] = 0xc3; /* ret */
        ((void (*)(void))p)();
    } else if (strcmp(what, "unmapped") == 0) {
        volatile char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                -1, 0);
        p[0] = 1;
        munmap((void *)p, 4096);
        p[0] = 2;
    } else if (strcmp(what, "ud2") == 0) {
        __asm__ volatile("ud2");
    } else if (strcmp(what, "div0") == 0) {
        int q = 1, d = zero;
        /* idiv itself, so the compiler cannot fold or rewrite 1 / x. */
        __asm__ volatile("cltd; idivl %2" : "+a"(q) : "0"(q), "r"(d) : "edx");
        printf("quotient %d\n", q);
    } else if (strcmp(what, "int3") == 0) {
        __asm__ volatile("int3");
    } else if (strcmp(what, "hlt") == 0) {
        __asm__ volatile("hlt");
    } else {
        fprintf(stderr, "unknown fault %s\n", what);
        return 2;
    }
    static const char after[] = "survived the fault\n";
    write(1, after, sizeof after - 1);
    return 0;
}
