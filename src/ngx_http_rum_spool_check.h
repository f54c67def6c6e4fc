
/*
 * ngx_http_rum_module: the check of a spool file before it is replayed.
 *
 * Pure: libc and zlib only, so that the fuzz target links it alone.  The
 * file (see ngx_http_rum_spool.c):
 *
 *     RUMSPOOL 1 <server>\n
 *     <length>\n<the XADD command in the Redis protocol>\n    per entry
 *     END <entries> <crc32 of everything before "END", 8 hex digits>\n
 */


#ifndef _NGX_HTTP_RUM_SPOOL_CHECK_H_INCLUDED_
#define _NGX_HTTP_RUM_SPOOL_CHECK_H_INCLUDED_


#include <stddef.h>


#define NGX_HTTP_RUM_SPOOL_MAGIC  "RUMSPOOL 1 "


/*
 * 0 when the whole file checks: the magic line, each record a Redis
 * command (an array) of the length it says, the trailer's count and
 * checksum; then *first is the first record and *entries their number.
 * -1 otherwise.
 */
int ngx_http_rum_spool_check(const unsigned char *p, size_t size,
    size_t *entries, const unsigned char **first);

/* a record of a file that checked: its length, *p moved to its data */
size_t ngx_http_rum_spool_record(const unsigned char **p);


#endif /* _NGX_HTTP_RUM_SPOOL_CHECK_H_INCLUDED_ */
