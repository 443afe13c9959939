/*
 * daemon_drop_privileges (see daemon.h): the switch to an unprivileged
 * user keeping named capabilities, through libcap.  Apart from daemon.c so
 * that only the programs calling it link libcap.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

/* The names of the kept capabilities, for the log line. */
static const char *keep_names(unsigned keep)
{
	switch (keep) {
	case 0: return "no capabilities";
	case DAEMON_KEEP_NET_RAW: return "CAP_NET_RAW only";
	case DAEMON_KEEP_NET_BIND: return "CAP_NET_BIND_SERVICE only";
	default: return "CAP_NET_RAW and CAP_NET_BIND_SERVICE only";
	}
}

/* The capabilities in keep, in list (room for two); how many. */
static int keep_list(unsigned keep, cap_value_t *list)
{
	int n = 0;

	if (keep & DAEMON_KEEP_NET_RAW)
		list[n++] = CAP_NET_RAW;
	if (keep & DAEMON_KEEP_NET_BIND)
		list[n++] = CAP_NET_BIND_SERVICE;
	return n;
}

void daemon_bound_privileges(const char *user, unsigned keep)
{
	cap_value_t list[2];
	int n;

	if (user == NULL)
		return;
	n = keep_list(keep, list);
	/* while CAP_SETPCAP is still held: what is not kept can never come back */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		bool kept = false;
		for (int i = 0; i < n; i++)
			kept |= list[i] == c;
		errno = 0;
		if (!kept && CAP_IS_SUPPORTED(c) && cap_drop_bound(c) < 0 && errno != EPERM)
			fatal("cannot drop capability %d from the bounding set", (int)c);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fatal("prctl(PR_SET_NO_NEW_PRIVS)");
}

void daemon_drop_privileges(const char *user, unsigned keep)
{
	cap_value_t list[2];
	int n;
	struct passwd *pw;
	cap_t caps;
	bool switch_user;

	if (user == NULL)
		return;
	n = keep_list(keep, list);
	errno = 0;
	if ((pw = getpwnam(user)) == NULL)
		fatalx("unknown user '%s'", user);
	switch_user = getuid() != pw->pw_uid || geteuid() != pw->pw_uid ||
	              getgid() != pw->pw_gid || getegid() != pw->pw_gid;
	daemon_bound_privileges(user, keep);
	if (switch_user) {
		if (n > 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
			fatal("prctl(PR_SET_KEEPCAPS)");
		if (setgroups(1, &pw->pw_gid) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
		    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
			fatal("cannot drop privileges to '%s'", user);
		if (n > 0)
			prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	}
	if ((caps = cap_init()) == NULL)
		fatal("cap_init");
	if (n > 0 && (cap_set_flag(caps, CAP_PERMITTED, n, list, CAP_SET) < 0 ||
	              cap_set_flag(caps, CAP_EFFECTIVE, n, list, CAP_SET) < 0))
		fatal("cap_set_flag");
	if (cap_set_proc(caps) < 0)
		fatal("cannot set the capabilities kept (%s)", keep_names(keep));
	cap_free(caps);
	if (pw->pw_uid != 0 && setuid(0) == 0)
		fatalx("privileges could not be dropped: still able to become root");
	log_info("running as %s (uid %u, gid %u) with %s", user, (unsigned)pw->pw_uid,
	         (unsigned)pw->pw_gid, keep_names(keep));
}
