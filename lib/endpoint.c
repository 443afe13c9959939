/*
 * HOST:PORT parsing (see endpoint.h).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"

int endpoint_parse(const char *spec, const char *s, int socktype, bool passive,
                   struct endpoint *e, char *err, size_t errlen)
{
	const char *host, *hend, *port;
	struct addrinfo hints, *res = NULL;
	size_t hlen;
	int rc;

	memset(e, 0, sizeof(*e));
	if (*s == '[') {
		host = s + 1;
		if ((hend = strchr(host, ']')) == NULL || hend[1] != ':') {
			snprintf(err, errlen, "'%s': IPv6 address must be [ADDR]:PORT", spec);
			return -1;
		}
		port = hend + 2;
	} else {
		host = s;
		if ((hend = strrchr(host, ':')) == NULL) {
			snprintf(err, errlen, "'%s': expected HOST:PORT", spec);
			return -1;
		}
		if (memchr(host, ':', (size_t)(hend - host)) != NULL) {
			snprintf(err, errlen, "'%s': put IPv6 addresses in brackets", spec);
			return -1;
		}
		port = hend + 1;
	}
	hlen = (size_t)(hend - host);
	if (hlen == 0 || hlen >= sizeof(e->host)) {
		snprintf(err, errlen, "'%s': bad host", spec);
		return -1;
	}
	memcpy(e->host, host, hlen);
	e->host[hlen] = '\0';
	{
		char *end;
		unsigned long v = strtoul(port, &end, 10);
		if (*port < '0' || *port > '9' || *end != '\0' || v == 0 || v > 65535) {
			snprintf(err, errlen, "'%s': port must be 1-65535", spec);
			return -1;
		}
		snprintf(e->port, sizeof(e->port), "%lu", v);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = socktype;
	if (passive && strcmp(e->host, "*") == 0) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&e->addr;
		a6->sin6_family = AF_INET6;
		a6->sin6_addr = in6addr_any;
		a6->sin6_port = htons((uint16_t)atoi(e->port));
		e->addrlen = sizeof(*a6);
		return 0;
	}
	if (passive)
		hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(e->host, e->port, &hints, &res)) != 0) {
		snprintf(err, errlen, "'%s': %s", spec, gai_strerror(rc));
		return -1;
	}
	memcpy(&e->addr, res->ai_addr, res->ai_addrlen);
	e->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

void endpoint_name(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, (unsigned)ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], a, sizeof(a));
			snprintf(buf, len, "%s:%u", a, (unsigned)ntohs(s6->sin6_port));
		} else {
			inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
			snprintf(buf, len, "[%s]:%u", a, (unsigned)ntohs(s6->sin6_port));
		}
	} else {
		snprintf(buf, len, "(unknown family %d)", sa->sa_family);
	}
}
