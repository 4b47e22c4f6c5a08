/* Exits with the status in argv[1], by the means named in argv[2]:
 * "return" from main (default), "exit" (atexit handlers and stdio flush),
 * "_exit" (exit_group, no flush) or "exit_thread" (the raw exit syscall of
 * the only thread, which ends the process too). Prints a line first, so
 * the harness also sees whether stdio was flushed. */
#include "check.h"

#include <stdlib.h>

static void on_exit_handler(void) { printf("atexit handler ran\n"); }

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: exit_code STATUS [return|exit|_exit|exit_thread]\n");
        return 2;
    }
    int status = atoi(argv[1]);
    const char *how = argc > 2 ? argv[2] : "return";
    atexit(on_exit_handler);
    /* Fully buffered: the line reaches stdout only if stdio is flushed. */
    setvbuf(stdout, NULL, _IOFBF, 4096);
    printf("exiting with %d by %s\n", status, how);
    if (strcmp(how, "exit") == 0)
        exit(status);
    if (strcmp(how, "_exit") == 0)
        _exit(status);
    if (strcmp(how, "exit_thread") == 0) {
        fflush(stdout);
        syscall(SYS_exit, status);
        return 99; /* not reached */
    }
    return status;
}
