/* Orphans are reparented: the program makes itself a child subreaper
 * (in the sandbox it is init anyway), forks a child that forks a
 * grandchild and exits; the grandchild then sees the program as its
 * parent, and the program reaps it with wait(). */
#include "check.h"

#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>

int main(void) {
    CHECK("prctl(PR_SET_CHILD_SUBREAPER)", prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    pid_t me = getpid();
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return 1;
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        pid_t gc = fork();
        if (gc == 0) {
            /* Wait until the middle process is gone, then report. */
            char c;
            if (read(pipefd[0], &c, 1) != 1)
                _exit(2);
            for (int i = 0; i < 500 && getppid() != me; i++)
                usleep(10000);
            printf("grandchild reparented to the reaper: %d\n", getppid() == me);
            fflush(stdout);
            _exit(7);
        }
        _exit(0);
    }
    int st;
    CHECK("waitpid(child)", waitpid(child, &st, 0) == child);
    printf("child exit %d\n", WEXITSTATUS(st));
    fflush(stdout);
    if (write(pipefd[1], "g", 1) != 1)
        return 1;
    pid_t got = wait(&st);
    printf("reaped the grandchild: %d status %d\n", got > 0 && got != child, WEXITSTATUS(st));
    CHECK("no more children", wait(&st));
    return 0;
}
