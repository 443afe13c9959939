/*
 * anemone-collector: UDP/TCP listeners -> coll (decode, normalise, place,
 * aggregate) -> at each flush, buckets of three resolutions -> the Redis
 * writer.  This file is the daemon's shape: settings (settings.c), open
 * the listeners, drop privileges, start the threads, run, write what is
 * held and close (run.c).  The buckets are buckets.c's, the topology
 * topofeed.c's, the statistics stats.c's.
 */
#include <libconfig.h>
#include <stdlib.h>

#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "run.h"
#include "settings.h"

int main(int argc, char **argv)
{
	static struct collector_conf conf;
	static struct col c;
	config_t cfg;
	char err[512];
	int status;

	config_init(&cfg);
	if ((status = collector_settings_load(&conf, &cfg, argc, argv)) >= 0) {
		config_destroy(&cfg);
		return status;
	}
	log_init("anemone-collector", conf.syslog ? LOG_TO_SYSLOG : LOG_TO_STDERR, conf.verbose);

	if (col_open(&c, &conf) < 0) {
		col_close(&c);
		config_destroy(&cfg);
		return 1;
	}
	/* every port is bound: nothing privileged is needed again; the log
	 * file is the service user's, as when SIGHUP reopens it */
	daemon_drop_privileges(conf.user, 0);
	if (conf.log_file != NULL && log_to_file(conf.log_file, &sig_hup, err, sizeof(err)) < 0)
		fatalx("%s", err);
	col_start(&c);
	daemon_signals();
	col_run(&c);
	col_finish(&c);
	col_close(&c);
	config_destroy(&cfg);
	return 0;
}
