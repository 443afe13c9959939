/*
 * One OSPF topology event as people read it.  ospfmon publishes each event
 * as a JSON object (redis/SCHEMA.md, <prefix>ospf:events): "time_ms",
 * "time", "event", then what changed ("area", "router"/"link"/"prefix"/
 * "external" objects, "old" for the value before a change, flap counts).
 * Parsed with jansson; nothing here trusts the text to be well formed.
 */
#ifndef ANEMONE_CLI_EVENT_H
#define ANEMONE_CLI_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

struct event_fields {
	int64_t time_ms;             /* -1 when absent */
	struct sbuf time;            /* "time", "" when absent */
	struct sbuf event;           /* "event", "" when absent */
	/* every other member flattened, in the object's order, each as
	 * " key=value": nested members as a.b=v, an array's elements each
	 * under the array's key, strings unquoted, numbers and true, false,
	 * null as JSON writes them; members of "old" only where they differ
	 * from the same member of the event's subject (its other object) */
	struct sbuf details;
};

/* Read one event of len bytes.  0, or -1 when the text is not a JSON
 * object (then details holds " text=<the text>").  The fields are the
 * caller's: event_fields_free.  Cost: linear in the text. */
int event_read(const char *text, size_t len, struct event_fields *f);
void event_fields_free(struct event_fields *f);

/* The text line of an event: "time  event  k=v ..." (time padded to 24,
 * the event to 18 characters), without a newline, into out. */
void event_line(const struct event_fields *f, struct sbuf *out);

#endif
