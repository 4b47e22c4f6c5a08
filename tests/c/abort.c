/* abort(3): glibc blocks nothing, raises SIGABRT with tgkill, and the
 * default action ends the process with 128 + SIGABRT = 134. */
#define CHECK_KEEP_STDIO_BUFFERING
#include "check.h"

#include <stdlib.h>

int main(void) {
    printf("about to abort\n");
    fflush(stdout);
    abort();
}
