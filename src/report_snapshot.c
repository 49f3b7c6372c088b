/*
 * report_snapshot: a text snapshot written to a new file in a directory,
 * never over an existing one.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "hoptop/report.h"
#include "hoptop/verdict.h"

#include "report_private.h"

/* ---- snapshots ---- */

/* Only [A-Za-z0-9._-] of the target, others '_', at most len - 1 bytes. */
static void
safe_target(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	for (; s != NULL && s[i] != '\0' && i + 1 < len; i++) {
		char c = s[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		          (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		          c == '-';

		buf[i] = ok ? c : '_';
	}
	buf[i] = '\0';
	if (i == 0)
		snprintf(buf, len, "target");
}

/*
 * Creates a new temp file in dir with an unpredictable name (mkostemps:
 * O_CREAT | O_EXCL, so an existing name or symlink is never opened; name
 * into tmp), with the mode a plain 0666 create would get under the umask.
 * Returns its fd or -1.
 */
static int
open_temp(const char *dir, char *tmp, size_t len)
{
	int fd, n = snprintf(tmp, len, "%s/.hoptop-snapshot-XXXXXX.tmp", dir);
	mode_t mask;

	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemps(tmp, 4, O_CLOEXEC);
	if (fd < 0)
		return -1;
	mask = umask(0);
	umask(mask);
	(void)fchmod(fd, 0666 & ~mask);
	return fd;
}

/* Renames from to to unless to exists (EEXIST). */
static int
rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return -1;
	/* The file system cannot do it: link() does not replace either. */
	if (link(from, to) != 0)
		return -1;
	unlink(from);
	return 0;
}

/* Moves tmp to dir/base.txt, or base-1.txt, ... if taken; name into out. */
static int
place(const char *tmp, const char *dir, const char *base, char *out,
    size_t outlen)
{
	char name[PATH_MAX];

	for (int i = 0; i < SNAP_TRIES; i++) {
		int n = i == 0 ? snprintf(
		                     name, sizeof(name), "%s/%s.txt", dir, base)
		               : snprintf(name, sizeof(name), "%s/%s-%d.txt",
		                     dir, base, i);

		if (n < 0 || (size_t)n >= sizeof(name) ||
		    (out != NULL && (size_t)n >= outlen)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (rename_noreplace(tmp, name) == 0) {
			if (out != NULL)
				memcpy(out, name, (size_t)n + 1);
			return 0;
		}
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

static int
write_snapshot(int fd, time_t when, const struct path *p,
    const struct report_meta *m, const struct report_view *v)
{
	char t[64], target[HOST_TEXT_LEN];
	FILE *f = fdopen(fd, "w");
	int rc, saved;

	if (f == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	snprintf(
	    target, sizeof(target), "%s", report_str_or(m->target_name, "?"));
	report_clean(target, sizeof(target));
	errno = 0;
	fprintf(f, "hoptop snapshot of %s at %s\n\n", target,
	    report_utc_time(when, T_HUMAN, t, sizeof(t)));
	rc = report_write_text(f, p, m, v);
	if (rc == 0 && fsync(fd) != 0)
		rc = -1;
	saved = errno;
	if (fclose(f) != 0 && rc == 0)
		return -1;
	errno = saved;
	return rc;
}

int
report_snapshot(const char *dir, time_t when, const struct path *p,
    const struct report_meta *m, const struct report_view *v, char *out,
    size_t outlen)
{
	char tmp[PATH_MAX], base[128], target[65], t[32];
	int fd, saved, dfd;

	fd = open_temp(dir, tmp, sizeof(tmp));
	if (fd < 0)
		return -1;
	if (write_snapshot(fd, when, p, m, v) != 0)
		goto fail;
	safe_target(m->target_name, target, sizeof(target));
	snprintf(base, sizeof(base), "hoptop-%s-%s", target,
	    report_utc_time(when, T_FILE, t, sizeof(t)));
	if (place(tmp, dir, base, out, outlen) != 0)
		goto fail;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) { /* best effort: make the new name durable too */
		fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	saved = errno;
	unlink(tmp);
	errno = saved;
	return -1;
}
