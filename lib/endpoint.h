/*
 * "HOST:PORT" as the command lines and configuration files spell it: IPv6
 * addresses in brackets ("[2001:db8::1]:4739"), names resolved once, "*"
 * (listeners only) for every address of both families.
 */
#ifndef ANEMONE_ENDPOINT_H
#define ANEMONE_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct endpoint {
	char host[256];             /* as given, IPv6 without brackets */
	char port[16];
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

/*
 * Parse s ("HOST:PORT") for a socket of socktype (SOCK_DGRAM, SOCK_STREAM).
 * passive: for bind(); "*" then means the IPv6 wildcard, which also takes
 * IPv4 (the caller clears IPV6_V6ONLY).  Messages quote `spec` (the whole
 * argument the user gave).  Returns 0, or -1 with a message in err.
 */
int endpoint_parse(const char *spec, const char *s, int socktype, bool passive,
                   struct endpoint *e, char *err, size_t errlen);

/* "192.0.2.1:2055", "[2001:db8::1]:4739" for logs. */
void endpoint_name(const struct sockaddr *sa, char *buf, size_t len);

#endif
