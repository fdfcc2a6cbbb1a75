/* sink: where a driver's bytes go. A target string picks the kind:
 *   tcp://HOST:PORT   a raw socket printer (JetDirect 9100), connect with a
 *                     timeout; bytes are sent at close
 *   /dev/...          a device (e.g. /dev/usb/lp0), written at close
 *   anything else     a file: written to a temporary name beside it, then
 *                     renamed at close (0600), so a failed job leaves nothing
 *   "" or NULL        memory only (sink_data gives the bytes; for cups and tests)
 * Bytes are binary: lengths are always explicit (ESC/POS has zero bytes). */
#ifndef CR_SINK_H
#define CR_SINK_H

#include <stddef.h>
#include "store/status.h"

struct sink;

enum cr_status sink_open(const char *target, struct sink **out, struct cr_err *err);
enum cr_status sink_write(struct sink *s, const void *buf, size_t len, struct cr_err *err);
/* The bytes written so far (memory is always kept until close). */
const unsigned char *sink_data(const struct sink *s, size_t *len);
/* commit=1 delivers; commit=0 discards. Frees s. */
enum cr_status sink_close(struct sink *s, int commit, struct cr_err *err);

#endif
