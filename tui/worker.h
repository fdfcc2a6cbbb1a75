/* worker: a child process of the desk (printing, syncing, asking the ILS)
 * that talks to it through pipes, so slow work never freezes the keys. */
#ifndef CR_TUI_WORKER_H
#define CR_TUI_WORKER_H

#include <sys/types.h>

/* Forks a worker that runs body(arg, in, out) and must _exit. *to (may be
 * NULL: the worker reads nothing) gets the desk's end of the pipe into the
 * worker, *from the end it answers on (non-blocking). The worker's standard
 * streams go to /dev/null (the terminal is the desk's) and it ignores
 * Ctrl-C, resizes and closed pipes. Returns its pid, or -1. */
pid_t worker_start(int *to, int *from, void (*body)(void *arg, int in, int out), void *arg);

#endif
