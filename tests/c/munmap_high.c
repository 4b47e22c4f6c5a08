#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
    long r = syscall(SYS_munmap, 0x7ffffff00000UL, 4096);
    printf("munmap high: %ld %s\n", r, r ? strerror(errno) : "ok");
    r = syscall(SYS_mprotect, 0x7fffffe00000UL, 4096, 1);
    printf("mprotect stub: %ld %s\n", r, r ? strerror(errno) : "ok");
    return 0;
}
