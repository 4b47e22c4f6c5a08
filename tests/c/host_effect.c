/* Makes syscalls with a visible host effect (mkdir of argv[1]); in the
 * sandbox they must never reach the host. Prints each result. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    long r = syscall(SYS_mkdir, argv[1], 0755);
    printf("mkdir: %ld\n", r);
    r = syscall(SYS_mkdirat, -100, argv[1], 0755);
    printf("mkdirat: %ld\n", r);
    return 0;
}
