#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"

static int write_all(int fd, const char *b, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int file_replace(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 12), *slash;
	const char *what = "cannot create a temporary file";
	int fd, dfd, e;

	if (tmp == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp.XXXXXX", 12);
	if ((fd = mkstemp(tmp)) < 0) {
		e = errno;
		free(tmp);
		snprintf(err, errlen, "%s: %s", what, strerror(e));
		return -1;
	}
	what = "cannot write";
	if (fchmod(fd, 0644) < 0 || write_all(fd, data, len) < 0)
		goto fail;
	what = "cannot sync";
	if (fsync(fd) < 0)
		goto fail;
	what = "cannot close";
	e = close(fd);
	fd = -1;
	if (e < 0)
		goto fail;
	what = "cannot rename the temporary file";
	if (rename(tmp, path) < 0)
		goto fail;
	/* make the rename itself durable; a failure here is not worth a report */
	slash = strrchr(tmp, '/');
	if (slash == tmp)
		slash[1] = 0;
	else if (slash != NULL)
		*slash = 0;
	if ((dfd = open(slash != NULL ? tmp : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	free(tmp);
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	snprintf(err, errlen, "%s: %s", what, strerror(e));
	return -1;
}
