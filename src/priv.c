/*
 * priv: giving privilege up, and the one rule that asks whether we hold it.
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hoptop/priv.h"

/* Empties the bounding (if we may), ambient, and all three sets. */
static int
drop_capabilities(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int c;

	for (c = 0; c < 64; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == -1 && errno == EINVAL)
			break;
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(data, 0, sizeof(data));
	return (int)syscall(SYS_capset, &hdr, data);
}

/* Back to the real uid and gid when running setuid / setgid. */
static int
drop_ids(char *err, size_t errlen)
{
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (geteuid() == uid && getegid() == gid)
		return 0;
	if ((geteuid() == 0 && setgroups(0, NULL) == -1) ||
	    setresgid(gid, gid, gid) == -1 || setresuid(uid, uid, uid) == -1) {
		snprintf(
		    err, errlen, "cannot drop privileges: %s", strerror(errno));
		return -1;
	}
	if (uid != 0 && setuid(0) != -1) {
		snprintf(err, errlen, "cannot drop privileges: root regained");
		return -1;
	}
	return 0;
}

/* 0 if every uid and gid is the real one and no capability is left. */
static int
verify_dropped(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	int i;

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		return -1;
	if (eu != ru || su != ru || eg != rg || sg != rg)
		return -1;
	if (syscall(SYS_capget, &hdr, data) == -1)
		return -1;
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].effective != 0 || data[i].permitted != 0 ||
		    data[i].inheritable != 0)
			return -1;
	return 0;
}

/* Root, or CAP_NET_RAW in the effective set. */
static bool
may_probe_fast(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (geteuid() == 0)
		return true;
	if (syscall(SYS_capget, &hdr, data) == -1)
		return false;
	return (data[CAP_TO_INDEX(CAP_NET_RAW)].effective &
	           CAP_TO_MASK(CAP_NET_RAW)) != 0;
}

int
priv_check_interval(double interval_s, char *err, size_t errlen)
{
	if (interval_s >= PRIV_USER_MIN_INTERVAL_S || may_probe_fast())
		return 0;
	snprintf(err, errlen,
	    "-i: intervals below %g s need root or cap_net_raw (use -i %g or "
	    "more, or: sudo setcap cap_net_raw+ep hoptop)",
	    PRIV_USER_MIN_INTERVAL_S, PRIV_USER_MIN_INTERVAL_S);
	return -1;
}

int
priv_drop(char *err, size_t errlen)
{
	if (drop_ids(err, errlen) == -1)
		return -1;
	if (drop_capabilities() == -1) {
		snprintf(err, errlen, "cannot drop capabilities: %s",
		    strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		snprintf(err, errlen, "cannot set no_new_privs: %s",
		    strerror(errno));
		return -1;
	}
	if (verify_dropped() == -1) {
		snprintf(err, errlen,
		    "cannot drop privileges: an id or capability is left");
		return -1;
	}
	return 0;
}
