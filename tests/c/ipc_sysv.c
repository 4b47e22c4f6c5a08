/* System V IPC: shared memory segments (attach counts across fork and
 * detach, removal while attached, permissions, SHM_RND/SHM_REMAP),
 * semaphore sets (atomic multi-op semop, blocking with GETNCNT/GETZCNT,
 * SEM_UNDO at exit, EINTR and EIDRM while blocked, limits) and message
 * queues (type selection, truncation, blocking, a full queue). Ids and
 * times are compared, never printed. */
#include "check.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static void on_usr1(int sig) { (void)sig; }

static void ms_sleep(int ms) {
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits for child `pid` and prints how it ended. */
static void reap(const char *what, pid_t pid) {
    int st;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st))
        printf("%s: exit %d\n", what, WEXITSTATUS(st));
    else
        printf("%s: signal %d\n", what, WTERMSIG(st));
}

static unsigned long nattch(int id) {
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) != 0)
        return (unsigned long)-1;
    return ds.shm_nattch;
}

static void shm_tests(void) {
    printf("== shm\n");
    CHECK("shmget(IPC_PRIVATE, 0)", shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600));
    int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
    printf("shmget(IPC_PRIVATE, 10000): ok=%d\n", id >= 0);
    struct shmid_ds ds;
    CHECK("IPC_STAT", shmctl(id, IPC_STAT, &ds));
    printf("segsz=%zu mode=%o nattch=%lu cpid_is_me=%d uid=%d key=%d atime=%ld\n", ds.shm_segsz,
           ds.shm_perm.mode, ds.shm_nattch, ds.shm_cpid == getpid(), (int)ds.shm_perm.uid,
           (int)ds.shm_perm.__key, (long)ds.shm_atime);

    char *p = shmat(id, NULL, 0);
    printf("shmat: ok=%d page-aligned=%d\n", p != (void *)-1, ((uintptr_t)p & 4095) == 0);
    strcpy(p, "parent wrote");
    char *q = shmat(id, NULL, SHM_RDONLY);
    printf("second attach reads: %s\n", q);
    CHECK("mprotect(rdonly attach, WRITE)", mprotect(q, 4096, PROT_READ | PROT_WRITE));
    shmctl(id, IPC_STAT, &ds);
    printf("nattch=%lu lpid_is_me=%d atime_set=%d\n", ds.shm_nattch, ds.shm_lpid == getpid(),
           ds.shm_atime > 0);
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[512];
    int sysv = 0;
    while (maps && fgets(line, sizeof line, maps))
        if (strstr(line, "/SYSV00000000 (deleted)"))
            sysv++;
    if (maps)
        fclose(maps);
    printf("maps lines naming the segment: %d\n", sysv);

    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        printf("child sees nattch=%lu\n", nattch(id));
        strcpy(p + 100, "child wrote");
        fflush(stdout);
        _exit(0);
    }
    reap("child", c);
    printf("after child: nattch=%lu, child's write: %s\n", nattch(id), p + 100);

    CHECK("shmdt(q)", shmdt(q));
    CHECK("shmdt(q) again", shmdt(q));
    CHECK("shmdt(p + 4096)", shmdt(p + 4096));
    printf("nattch=%lu\n", nattch(id));

    /* An address: free three pages, attach at an unaligned address. */
    char *hole = mmap(NULL, 3 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(hole, 3 * 4096);
    errno = 0;
    void *r = shmat(id, hole + 100, 0);
    printf("shmat(unaligned): %s\n", r == (void *)-1 ? errno_name(errno) : "ok");
    r = shmat(id, hole + 100, SHM_RND);
    printf("shmat(unaligned, SHM_RND) at the page: %d\n", r == hole);
    errno = 0;
    void *r2 = shmat(id, hole, 0);
    printf("shmat over a mapping: %s\n", r2 == (void *)-1 ? errno_name(errno) : "ok");
    r2 = shmat(id, hole, SHM_REMAP);
    printf("shmat over it with SHM_REMAP: %d\n", r2 == hole);
    printf("nattch=%lu\n", nattch(id));
    shmdt(hole);
    printf("nattch=%lu\n", nattch(id));

    /* Keys. */
    key_t key = 0x5e000000 | (getpid() & 0xffffff);
    int k1 = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0640);
    printf("shmget(key, EXCL): ok=%d\n", k1 >= 0);
    CHECK("shmget(key, EXCL) again", shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0640));
    CHECK("shmget(key, bigger)", shmget(key, 8192, 0));
    printf("shmget(key, 0) finds it: %d\n", shmget(key, 0, 0) == k1);
    CHECK("shmget(other key)", shmget(key ^ 0x10000, 0, 0));

    /* Another user. */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        if (setgid(1234) || setuid(1234))
            _exit(9);
        printf("as 1234: shmget(key, 0): ok=%d\n", shmget(key, 0, 0) == k1);
        CHECK("as 1234: shmget(key, 0, 0400)", shmget(key, 0, 0400));
        errno = 0;
        void *x = shmat(k1, NULL, SHM_RDONLY);
        printf("as 1234: shmat: %s\n", x == (void *)-1 ? errno_name(errno) : "ok");
        CHECK("as 1234: IPC_STAT", shmctl(k1, IPC_STAT, &ds));
        CHECK("as 1234: IPC_RMID", shmctl(k1, IPC_RMID, NULL));
        fflush(stdout);
        _exit(0);
    }
    reap("other user", c);
    shmctl(k1, IPC_STAT, &ds);
    ds.shm_perm.mode = 0604;
    CHECK("IPC_SET mode 0604", shmctl(k1, IPC_SET, &ds));
    shmctl(k1, IPC_STAT, &ds);
    printf("mode now %o\n", ds.shm_perm.mode);

    /* Removal while attached. */
    char *a = shmat(k1, NULL, 0);
    strcpy(a, "still here");
    CHECK("IPC_RMID while attached", shmctl(k1, IPC_RMID, NULL));
    shmctl(k1, IPC_STAT, &ds);
    printf("after RMID: mode %o (SHM_DEST), key %d, nattch %lu, data: %s\n", ds.shm_perm.mode,
           (int)ds.shm_perm.__key, ds.shm_nattch, a);
    CHECK("shmget(removed key)", shmget(key, 0, 0));
    CHECK("shmdt(last attach)", shmdt(a));
    CHECK("IPC_STAT after last detach", shmctl(k1, IPC_STAT, &ds));
    CHECK("shmat(bad id)", (long)shmat(-5, NULL, 0));
    CHECK("shmctl(bad cmd)", shmctl(id, 999, &ds));
    CHECK("shmctl(-1, SHM_STAT)", shmctl(-1, SHM_STAT, &ds));
    struct shminfo info;
    int ok = shmctl(0, IPC_INFO, (struct shmid_ds *)&info) >= 0;
    printf("IPC_INFO: ok=%d shmmin=%lu shmmni=%lu\n", ok, info.shmmin, info.shmmni);
    shmdt(p);
    CHECK("IPC_RMID", shmctl(id, IPC_RMID, NULL));
    CHECK("IPC_STAT of a removed unattached segment", shmctl(id, IPC_STAT, &ds));
}

static int semval(int id, int n) { return semctl(id, n, GETVAL); }

static void sem_tests(void) {
    printf("== sem\n");
    CHECK("semget(nsems 0)", semget(IPC_PRIVATE, 0, IPC_CREAT | 0600));
    CHECK("semget(nsems 40000)", semget(IPC_PRIVATE, 40000, IPC_CREAT | 0600));
    int id = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
    printf("semget: ok=%d\n", id >= 0);
    struct semid_ds ds;
    union semun u = {.buf = &ds};
    CHECK("IPC_STAT", semctl(id, 0, IPC_STAT, u));
    printf("nsems=%lu mode=%o otime=%ld ctime_set=%d\n", ds.sem_nsems, ds.sem_perm.mode,
           (long)ds.sem_otime, ds.sem_ctime > 0);
    unsigned short all[3] = {9, 9, 9};
    u.array = all;
    CHECK("GETALL", semctl(id, 0, GETALL, u));
    printf("values %d %d %d\n", all[0], all[1], all[2]);
    u.val = 5;
    CHECK("SETVAL 5", semctl(id, 0, SETVAL, u));
    printf("GETVAL=%d GETPID_is_me=%d\n", semval(id, 0), semctl(id, 0, GETPID) == getpid());
    u.val = 40000;
    CHECK("SETVAL 40000", semctl(id, 0, SETVAL, u));
    CHECK("GETVAL(semnum 7)", semctl(id, 7, GETVAL));

    struct sembuf dec2 = {0, -2, 0};
    CHECK("semop(-2)", semop(id, &dec2, 1));
    semctl(id, 0, IPC_STAT, (union semun){.buf = &ds});
    printf("value %d, otime_set=%d\n", semval(id, 0), ds.sem_otime > 0);
    struct sembuf zero1 = {1, 0, 0};
    CHECK("semop(wait for zero, is zero)", semop(id, &zero1, 1));
    struct sembuf big = {0, -10, IPC_NOWAIT};
    CHECK("semop(-10, IPC_NOWAIT)", semop(id, &big, 1));
    big.sem_flg = 0;
    struct timespec t50 = {0, 50000000};
    CHECK("semtimedop(-10, 50 ms)", semtimedop(id, &big, 1, &t50));
    struct sembuf two[2] = {{0, -1, 0}, {1, -1, IPC_NOWAIT}};
    CHECK("semop(-1 on 0, -1 on 1 NOWAIT)", semop(id, two, 2));
    printf("all or nothing: value %d\n", semval(id, 0));
    struct sembuf over = {0, 32767, 0};
    CHECK("semop(past SEMVMX)", semop(id, &over, 1));
    struct sembuf bad = {5, 1, 0};
    CHECK("semop(semnum 5)", semop(id, &bad, 1));
    CHECK("semop(nsops 0)", semop(id, &bad, 0));
    static struct sembuf many[501];
    CHECK("semop(nsops 501)", semop(id, many, 501));

    /* A blocked decrement, seen by GETNCNT, woken by an increment. */
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        struct sembuf d = {2, -1, 0};
        _exit(semop(id, &d, 1) == 0 ? 0 : 1);
    }
    ms_sleep(150);
    printf("GETNCNT(2)=%d\n", semctl(id, 2, GETNCNT));
    struct sembuf inc = {2, 1, 0};
    CHECK("semop(+1 on 2)", semop(id, &inc, 1));
    reap("blocked decrement", c);
    printf("GETNCNT(2)=%d value(2)=%d\n", semctl(id, 2, GETNCNT), semval(id, 2));

    /* A blocked wait-for-zero, seen by GETZCNT. */
    u.val = 1;
    semctl(id, 1, SETVAL, u);
    fflush(stdout);
    c = fork();
    if (c == 0) {
        struct sembuf z = {1, 0, 0};
        _exit(semop(id, &z, 1) == 0 ? 0 : 1);
    }
    ms_sleep(150);
    printf("GETZCNT(1)=%d\n", semctl(id, 1, GETZCNT));
    struct sembuf dec1 = {1, -1, 0};
    semop(id, &dec1, 1);
    reap("blocked wait-for-zero", c);

    /* SEM_UNDO: a child's changes go back at its exit. */
    int before = semval(id, 0);
    fflush(stdout);
    c = fork();
    if (c == 0) {
        struct sembuf up = {0, 2, SEM_UNDO}, down = {0, -1, SEM_UNDO};
        semop(id, &up, 1);
        semop(id, &down, 1);
        printf("child: value %d\n", semval(id, 0));
        fflush(stdout);
        _exit(0);
    }
    reap("undo child", c);
    printf("after the child: value back: %d\n", semval(id, 0) == before);

    /* EINTR, never restarted, even with SA_RESTART. */
    struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
    sigaction(SIGUSR1, &sa, NULL);
    fflush(stdout);
    c = fork();
    if (c == 0) {
        struct sembuf d = {2, -1, 0};
        int r = semop(id, &d, 1);
        _exit(r == -1 && errno == EINTR ? 0 : 1);
    }
    ms_sleep(150);
    kill(c, SIGUSR1);
    reap("semop interrupted (0 = EINTR)", c);

    unsigned short set[3] = {7, 8, 9};
    u.array = set;
    CHECK("SETALL", semctl(id, 0, SETALL, u));
    u.array = all;
    semctl(id, 0, GETALL, u);
    printf("values %d %d %d\n", all[0], all[1], all[2]);

    /* Removal wakes a blocked semop with EIDRM. */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        struct sembuf d = {0, -100, 0};
        int r = semop(id, &d, 1);
        _exit(r == -1 && errno == EIDRM ? 0 : 1);
    }
    ms_sleep(150);
    CHECK("IPC_RMID", semctl(id, 0, IPC_RMID));
    reap("semop on removed set (0 = EIDRM)", c);
    CHECK("GETVAL after RMID", semctl(id, 0, GETVAL));
    CHECK("semctl(-1, SEM_STAT)", semctl(-1, 0, SEM_STAT, (union semun){.buf = &ds}));

    key_t key = 0x5e100000 | (getpid() & 0xfffff);
    int k = semget(key, 2, IPC_CREAT | 0600);
    CHECK("semget(key, more sems)", semget(key, 3, 0));
    printf("semget(key, fewer) finds it: %d\n", semget(key, 1, 0) == k);
    semctl(k, 0, IPC_RMID);
}

struct msg {
    long mtype;
    char text[64];
};

static void msg_tests(void) {
    printf("== msg\n");
    int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    printf("msgget: ok=%d\n", id >= 0);
    struct msqid_ds ds;
    CHECK("IPC_STAT", msgctl(id, IPC_STAT, &ds));
    printf("qnum=%lu cbytes=%lu qbytes=%lu\n", ds.msg_qnum, ds.__msg_cbytes, ds.msg_qbytes);
    struct msg m = {1, "one"};
    CHECK("msgsnd(1, one)", msgsnd(id, &m, 3, 0));
    m = (struct msg){2, "two"};
    CHECK("msgsnd(2, two)", msgsnd(id, &m, 3, 0));
    m = (struct msg){1, "three"};
    CHECK("msgsnd(1, three)", msgsnd(id, &m, 5, 0));
    msgctl(id, IPC_STAT, &ds);
    printf("qnum=%lu cbytes=%lu lspid_is_me=%d\n", ds.msg_qnum, ds.__msg_cbytes,
           ds.msg_lspid == getpid());
    struct msg r;
    memset(&r, 0, sizeof r);
    long n = msgrcv(id, &r, sizeof r.text, 2, 0);
    printf("msgrcv(type 2): %ld %ld %.*s\n", n, r.mtype, (int)n, r.text);
    n = msgrcv(id, &r, sizeof r.text, 0, 0);
    printf("msgrcv(type 0): %ld %ld %.*s\n", n, r.mtype, (int)n, r.text);
    m = (struct msg){5, "five"};
    msgsnd(id, &m, 4, 0);
    n = msgrcv(id, &r, sizeof r.text, -5, 0);
    printf("msgrcv(type -5): %ld %ld %.*s\n", n, r.mtype, (int)n, r.text);
    n = msgrcv(id, &r, sizeof r.text, 1, MSG_EXCEPT);
    printf("msgrcv(not type 1): %ld %ld %.*s\n", n, r.mtype, (int)n, r.text);
    m = (struct msg){3, "hello"};
    msgsnd(id, &m, 5, 0);
    CHECK("msgrcv(2-byte buffer)", msgrcv(id, &r, 2, 0, 0));
    n = msgrcv(id, &r, 2, 0, MSG_NOERROR);
    printf("msgrcv(2 bytes, MSG_NOERROR): %ld %.*s\n", n, (int)n, r.text);
    CHECK("msgrcv(empty, IPC_NOWAIT)", msgrcv(id, &r, sizeof r.text, 0, IPC_NOWAIT));
    m.mtype = 0;
    CHECK("msgsnd(type 0)", msgsnd(id, &m, 1, 0));
    m.mtype = 1;
    CHECK("msgsnd(8193 bytes)", msgsnd(id, &m, 8193, 0));

    /* A blocked receive, woken by a send. */
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        struct msg x;
        long k = msgrcv(id, &x, sizeof x.text, 7, 0);
        _exit(k == 4 && x.mtype == 7 && memcmp(x.text, "late", 4) == 0 ? 0 : 1);
    }
    ms_sleep(150);
    m = (struct msg){7, "late"};
    msgsnd(id, &m, 4, 0);
    reap("blocked msgrcv", c);
    msgctl(id, IPC_STAT, &ds);
    printf("qnum=%lu lrpid_is_child=%d\n", ds.msg_qnum, ds.msg_lrpid == c);

    /* A full queue. */
    ds.msg_qbytes = 10;
    CHECK("IPC_SET qbytes 10", msgctl(id, IPC_SET, &ds));
    m = (struct msg){1, "12345678"};
    CHECK("msgsnd(8 bytes)", msgsnd(id, &m, 8, 0));
    CHECK("msgsnd(8 more, IPC_NOWAIT)", msgsnd(id, &m, 8, IPC_NOWAIT));
    n = msgrcv(id, &r, sizeof r.text, 0, MSG_COPY | IPC_NOWAIT);
    msgctl(id, IPC_STAT, &ds);
    printf("MSG_COPY: %ld, still queued: %lu\n", n, ds.msg_qnum);

    /* Removal wakes a blocked receiver with EIDRM. */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        struct msg x;
        long k = msgrcv(id, &x, sizeof x.text, 99, 0);
        _exit(k == -1 && errno == EIDRM ? 0 : 1);
    }
    ms_sleep(150);
    CHECK("IPC_RMID", msgctl(id, IPC_RMID, NULL));
    reap("msgrcv on removed queue (0 = EIDRM)", c);
    CHECK("msgsnd after RMID", msgsnd(id, &m, 1, 0));
    CHECK("msgctl(-1, MSG_STAT)", msgctl(-1, MSG_STAT, &ds));
}

/* Prints /proc/sysvipc/NAME's header and, from the line of object `id`,
 * the columns that do not depend on pids, times or residency. */
static void proc_row(const char *name, int id) {
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/sysvipc/%s", name);
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("%s: %s\n", path, errno_name(errno));
        return;
    }
    if (fgets(line, sizeof line, f))
        printf("%s header: %s", name, line);
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        long key, oid, a, b, c, d, e, g, h, i, j;
        unsigned mode;
        if (sscanf(line, "%ld %ld %o %ld %ld %ld %ld %ld %ld %ld %ld %ld", &key, &oid, &mode, &a, &b,
                   &c, &d, &e, &g, &h, &i, &j) < 8 || oid != id)
            continue;
        found = 1;
        if (strcmp(name, "shm") == 0) /* size cpid lpid nattch uid gid cuid cgid */
            printf("%s row: key=%ld perms=%o size=%ld nattch=%ld uid=%ld gid=%ld\n", name, key,
                   mode, a, d, e, g);
        else if (strcmp(name, "sem") == 0) /* nsems uid gid cuid cgid otime ctime */
            printf("%s row: key=%ld perms=%o nsems=%ld uid=%ld gid=%ld\n", name, key, mode, a, b,
                   c);
        else /* cbytes qnum lspid lrpid uid gid */
            printf("%s row: key=%ld perms=%o cbytes=%ld qnum=%ld uid=%ld gid=%ld\n", name, key,
                   mode, a, b, e, g);
    }
    fclose(f);
    printf("%s row found: %d\n", name, found);
}

static void proc_tests(void) {
    printf("== /proc/sysvipc\n");
    int shm = shmget(IPC_PRIVATE, 5000, IPC_CREAT | 0640);
    char *p = shmat(shm, NULL, 0);
    int sem = semget(IPC_PRIVATE, 4, IPC_CREAT | 0604);
    int msg = msgget(IPC_PRIVATE, IPC_CREAT | 0620);
    struct msg m = {1, "abc"};
    msgsnd(msg, &m, 3, 0);
    proc_row("shm", shm);
    proc_row("sem", sem);
    proc_row("msg", msg);
    shmdt(p);
    shmctl(shm, IPC_RMID, NULL);
    semctl(sem, 0, IPC_RMID);
    msgctl(msg, IPC_RMID, NULL);
}

int main(void) {
    proc_tests();
    shm_tests();
    sem_tests();
    msg_tests();
    return 0;
}
