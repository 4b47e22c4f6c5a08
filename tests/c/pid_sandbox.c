/* Sandbox-only expectations: the guest is the first process of its own
 * pid namespace. The harness compares this output with fixed text. */
#include "check.h"

int main(void) {
    printf("getpid: %ld\n", (long)getpid());
    printf("getppid: %ld\n", (long)getppid());
    printf("gettid: %ld\n", (long)gettid());
    printf("set_tid_address: %ld\n", syscall(SYS_set_tid_address, NULL));
    char buf[64];
    long n = readlink("/proc/1/exe", buf, sizeof buf);
    printf("readlink(/proc/1/exe) matches /proc/self/exe: %d\n",
           n > 0 && n == readlink("/proc/self/exe", buf, sizeof buf));
    return 0;
}
