/*
 * The SNMP poller (snmp.h): net-snmp's single-session API in a thread.
 */
#include <errno.h>
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "log.h"
#include "snmp.h"

#define WALK_MAX_VARBINDS (3 * (SNMPTAB_MAX_IFS + SNMPTAB_MAX_ADDRS))
#define BULK_REPETITIONS 32

struct agent_state {
	struct snmptab *good;        /* the newest good table (NULL: none yet) */
	uint64_t gen;                /* bumped with each good table */
	bool failing;                /* its last walk failed (logged once) */
};

struct snmp_poller {
	const struct snmp_conf *conf;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	struct agent_state a[SNMP_MAX_AGENTS];
	struct snmp_stats st;
	struct snmptab work;         /* the thread's: the walk in progress */
};

static const oid columns[][12] = {
	{ 1, 3, 6, 1, 2, 1, 4, 20, 1, 2 },          /* ipAdEntIfIndex */
	{ 1, 3, 6, 1, 2, 1, 4, 20, 1, 3 },          /* ipAdEntNetMask */
	{ 1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1 },       /* ifName */
	{ 1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 15 },      /* ifHighSpeed */
};
static const size_t column_len[] = { 10, 10, 11, 11 };

/* Walk one column into p->work with GETBULK.  NULL, or why not. */
static const char *walk(struct snmp_poller *p, void *ss, unsigned col, char *why, size_t len)
{
	oid cur[MAX_OID_LEN];
	size_t curlen = column_len[col];
	unsigned taken = 0;

	memcpy(cur, columns[col], curlen * sizeof(oid));
	for (;;) {
		netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GETBULK), *resp = NULL;
		netsnmp_variable_list *v;
		int status;
		bool done = false;

		if (pdu == NULL)
			return "out of memory";
		pdu->non_repeaters = 0;
		pdu->max_repetitions = BULK_REPETITIONS;
		snmp_add_null_var(pdu, cur, curlen);
		status = snmp_sess_synch_response(ss, pdu, &resp);
		if (status != STAT_SUCCESS || resp == NULL) {
			int liberr, syserr;
			char *msg = NULL;
			snmp_sess_error(ss, &liberr, &syserr, &msg);
			snprintf(why, len, "%s", status == STAT_TIMEOUT ? "no answer (timeout)" :
			         msg ? msg : "no answer");
			free(msg);
			if (resp)
				snmp_free_pdu(resp);
			return why;
		}
		if (resp->errstat != SNMP_ERR_NOERROR) {
			snprintf(why, len, "error status %ld (%s)", resp->errstat,
			         snmp_errstring((int)resp->errstat));
			snmp_free_pdu(resp);
			return why;
		}
		for (v = resp->variables; v != NULL && !done; v = v->next_variable) {
			if (v->type == SNMP_ENDOFMIBVIEW || v->type == SNMP_NOSUCHOBJECT ||
			    v->type == SNMP_NOSUCHINSTANCE ||
			    v->name_length <= column_len[col] ||
			    netsnmp_oid_is_subtree(columns[col], column_len[col], v->name,
			                           v->name_length) != 0) {
				done = true;         /* past the column */
				break;
			}
			if (snmp_oid_compare(v->name, v->name_length, cur, curlen) <= 0) {
				snprintf(why, len, "OIDs that do not increase");
				snmp_free_pdu(resp);
				return why;
			}
			if (++taken > WALK_MAX_VARBINDS) {
				snprintf(why, len, "more than %u values", WALK_MAX_VARBINDS);
				snmp_free_pdu(resp);
				return why;
			}
			{
				unsigned long name[MAX_OID_LEN];
				for (size_t i = 0; i < v->name_length && i < MAX_OID_LEN; i++)
					name[i] = (unsigned long)v->name[i];
				snmptab_take(&p->work, name, v->name_length, v->type, v->val.string,
				             v->val_len);
			}
			curlen = v->name_length < MAX_OID_LEN ? v->name_length : MAX_OID_LEN;
			memcpy(cur, v->name, curlen * sizeof(oid));
		}
		if (resp->variables == NULL)
			done = true;
		snmp_free_pdu(resp);
		if (done)
			return NULL;
	}
}

/* The session's SNMPv3 (USM) parameters: the user, and keys localised
 * from the passwords.  -1 and why when a key cannot be made. */
static int v3(netsnmp_session *s, const struct snmp_conf *c, char *why, size_t len)
{
	static oid sha1[] = { 1, 3, 6, 1, 6, 3, 10, 1, 1, 3 };      /* usmHMACSHA1AuthProtocol */
	static oid sha256[] = { 1, 3, 6, 1, 6, 3, 10, 1, 1, 5 };    /* usmHMAC192SHA256AuthProtocol */
	static oid aes[] = { 1, 3, 6, 1, 6, 3, 10, 1, 2, 4 };       /* usmAESPrivProtocol */

	s->version = SNMP_VERSION_3;
	s->securityName = (char *)c->user;
	s->securityNameLen = strlen(c->user);
	s->securityLevel = SNMP_SEC_LEVEL_NOAUTH;
	if (c->auth_password == NULL)
		return 0;
	s->securityAuthProto = c->auth_sha256 ? sha256 : sha1;
	s->securityAuthProtoLen = 10;
	s->securityAuthKeyLen = USM_AUTH_KU_LEN;
	if (generate_Ku(s->securityAuthProto, (u_int)s->securityAuthProtoLen,
	                (const u_char *)c->auth_password, strlen(c->auth_password),
	                s->securityAuthKey, &s->securityAuthKeyLen) != SNMPERR_SUCCESS) {
		snprintf(why, len, "cannot make the authentication key");
		return -1;
	}
	s->securityLevel = SNMP_SEC_LEVEL_AUTHNOPRIV;
	if (c->priv_password == NULL)
		return 0;
	s->securityPrivProto = aes;
	s->securityPrivProtoLen = 10;
	s->securityPrivKeyLen = USM_PRIV_KU_LEN;
	if (generate_Ku(s->securityAuthProto, (u_int)s->securityAuthProtoLen,
	                (const u_char *)c->priv_password, strlen(c->priv_password),
	                s->securityPrivKey, &s->securityPrivKeyLen) != SNMPERR_SUCCESS) {
		snprintf(why, len, "cannot make the privacy key");
		return -1;
	}
	s->securityLevel = SNMP_SEC_LEVEL_AUTHPRIV;
	return 0;
}

/* One poll of agent i: every column, then the table handed over. */
static void poll_agent(struct snmp_poller *p, unsigned i)
{
	const struct snmp_agent *ag = &p->conf->agents[i];
	struct agent_state *as = &p->a[i];
	netsnmp_session s;
	void *ss;
	const char *why = NULL;
	char buf[256];

	snmp_sess_init(&s);
	s.peername = (char *)ag->peer;
	if (p->conf->user == NULL) {
		s.version = SNMP_VERSION_2c;
		s.community = (u_char *)p->conf->community;
		s.community_len = strlen(p->conf->community);
	} else if (v3(&s, p->conf, buf, sizeof(buf)) < 0) {
		why = buf;
	}
	s.timeout = (long)(p->conf->timeout_ms * 1000);
	s.retries = (int)p->conf->retries;
	snmptab_init(&p->work);
	if (why != NULL) {
		ss = NULL;
	} else if ((ss = snmp_sess_open(&s)) == NULL) {
		snprintf(buf, sizeof(buf), "cannot open a session");
		why = buf;
	}
	for (unsigned col = 0; why == NULL && col < 4; col++)
		why = walk(p, ss, col, buf, sizeof(buf));
	if (ss != NULL)
		snmp_sess_close(ss);
	pthread_mutex_lock(&p->mu);
	p->st.polls++;
	p->st.bad_values += p->work.bad;
	p->st.dropped_rows += p->work.dropped;
	if (why != NULL) {
		p->st.errors++;
		if (!as->failing)
			log_warnx("snmp %s: %s; its observation points stay as last polled", ag->peer,
			          why);
		as->failing = true;
	} else {
		if (as->failing)
			log_info("snmp %s: answering again", ag->peer);
		as->failing = false;
		if (as->good != NULL || (as->good = malloc(sizeof(*as->good))) != NULL) {
			memcpy(as->good, &p->work, sizeof(p->work));
			as->gen++;
		}
		if (p->work.bad || p->work.dropped)
			log_warnx("snmp %s: %llu values refused, %llu rows past the bounds", ag->peer,
			          (unsigned long long)p->work.bad, (unsigned long long)p->work.dropped);
	}
	pthread_mutex_unlock(&p->mu);
}

static void *run(void *arg)
{
	struct snmp_poller *p = arg;

	for (;;) {
		struct timespec until;
		for (unsigned i = 0; i < p->conf->nagents; i++) {
			bool stop;
			pthread_mutex_lock(&p->mu);
			stop = p->stop;
			pthread_mutex_unlock(&p->mu);
			if (stop)
				return NULL;
			poll_agent(p, i);
		}
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += (time_t)(p->conf->interval_ms / 1000);
		until.tv_nsec += (long)(p->conf->interval_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_mutex_lock(&p->mu);
		while (!p->stop && pthread_cond_timedwait(&p->cv, &p->mu, &until) != ETIMEDOUT)
			;
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		pthread_mutex_unlock(&p->mu);
	}
}

struct snmp_poller *snmp_poller_start(const struct snmp_conf *conf)
{
	struct snmp_poller *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->conf = conf;
	/* no configuration, persistent state or MIB files: numeric OIDs only */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	setenv("MIBS", "", 1);
	init_snmp("anemone-collector");
	if (daemon_thread_start(&p->th, &p->mu, &p->cv, run, p) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

bool snmp_poller_take(struct snmp_poller *p, unsigned i, uint64_t *gen, struct snmptab *t)
{
	bool newer = false;

	pthread_mutex_lock(&p->mu);
	if (i < p->conf->nagents && p->a[i].good != NULL && p->a[i].gen != *gen) {
		memcpy(t, p->a[i].good, sizeof(*t));
		*gen = p->a[i].gen;
		newer = true;
	}
	pthread_mutex_unlock(&p->mu);
	return newer;
}

void snmp_poller_stats(struct snmp_poller *p, struct snmp_stats *st)
{
	pthread_mutex_lock(&p->mu);
	*st = p->st;
	pthread_mutex_unlock(&p->mu);
}

void snmp_poller_stop(struct snmp_poller *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->th, NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	for (unsigned i = 0; i < SNMP_MAX_AGENTS; i++)
		free(p->a[i].good);
	free(p);
	snmp_shutdown("anemone-collector");
}
