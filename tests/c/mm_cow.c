/* Copy-on-write fork: after fork, writes by either side to private
 * memory (static data, heap, stack, private anonymous and file mappings)
 * stay on that side; shared anonymous memory stays shared; a grandchild
 * forked from a child that already wrote sees the child's values;
 * MADV_DONTNEED on a private page after fork reads back zeros. */
#include "check.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>

static int data_var = 1;

static void wait_child(pid_t p) {
    int st;
    waitpid(p, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        printf("child failed: %x\n", st);
}

int main(void) {
    int stack_var = 10;
    int *heap = malloc(1 << 20);
    for (int i = 0; i < (1 << 18); i++)
        heap[i] = i;
    char *anon = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    anon[0] = 'p';
    anon[60000] = 'q';
    shared[0] = 100;
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        printf("child sees: data=%d stack=%d heap=%d anon=%c%c shared=%d\n", data_var, stack_var,
               heap[12345], anon[0], anon[60000], shared[0]);
        data_var = 2, stack_var = 20, heap[12345] = -1, anon[0] = 'c', shared[0] = 200;
        fflush(stdout);
        pid_t g = fork();
        if (g == 0) {
            printf("grandchild sees: data=%d stack=%d heap=%d anon=%c shared=%d\n", data_var,
                   stack_var, heap[12345], anon[0], shared[0]);
            heap[12345] = -2;
            shared[0] = 300;
            fflush(stdout);
            _exit(0);
        }
        wait_child(g);
        printf("child after grandchild: heap=%d shared=%d\n", heap[12345], shared[0]);
        CHECK("child madvise(DONTNEED)", madvise(anon, 1 << 16, MADV_DONTNEED));
        printf("child anon after DONTNEED: %d %d\n", anon[0], anon[60000]);
        fflush(stdout);
        _exit(0);
    }
    wait_child(p);
    printf("parent after child: data=%d stack=%d heap=%d anon=%c%c shared=%d\n", data_var,
           stack_var, heap[12345], anon[0], anon[60000], shared[0]);
    /* The parent writes after the fork too. */
    p = fork();
    if (p == 0) {
        usleep(100000);
        printf("second child sees the parent's old value: %d\n", heap[7]);
        fflush(stdout);
        _exit(0);
    }
    heap[7] = 777;
    wait_child(p);
    printf("parent's own write: %d\n", heap[7]);
    long sum = 0;
    for (int i = 0; i < (1 << 18); i++)
        sum += heap[i];
    printf("heap sum %ld\n", sum);
    return 0;
}
