/*
 * priv: the privilege drop (right after the sockets that need privilege are
 * open, before anything reads input from the network or a file) and the
 * interval rule that depends on privilege.
 */
#ifndef HOPTOP_PRIV_H
#define HOPTOP_PRIV_H

#include <stddef.h>

/*
 * Returns to the real uid/gid if setuid, clears every capability (effective,
 * permitted, inheritable, ambient and, when allowed, the bounding set) and
 * sets no_new_privs. Run as root, the process keeps uid 0 but loses every
 * capability: sockets already open keep working, nothing privileged can be
 * opened afterwards. Returns 0, or -1 with a message.
 */
int priv_drop(char *err, size_t errlen);

/*
 * The interval rule, as ping has it: below PRIV_USER_MIN_INTERVAL_S only
 * for root or a process holding CAP_NET_RAW (checked before the drop).
 * Returns 0, or -1 with a message naming the fix in err.
 */
#define PRIV_USER_MIN_INTERVAL_S 0.1
int priv_check_interval(double interval_s, char *err, size_t errlen);

#endif
