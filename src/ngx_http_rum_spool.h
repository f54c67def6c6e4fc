
/*
 * ngx_http_rum_module: the spool, where an exiting worker leaves the
 * entries Redis has not acknowledged, for the next workers to send.
 */


#ifndef _NGX_HTTP_RUM_SPOOL_H_INCLUDED_
#define _NGX_HTTP_RUM_SPOOL_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


typedef struct {
    ngx_fd_t                      fd;
    u_char                       *tmp;        /* the name while written */
    u_char                       *name;       /* the name when complete */
    off_t                         size;
    off_t                         room;       /* what max_size leaves */
    ngx_uint_t                    entries;
    uint32_t                      crc;
    ngx_str_t                    *server;     /* for the log */
    ngx_log_t                    *log;
} ngx_http_rum_spool_file_t;


/* the file's entries go to the server this returns, or it is left */
typedef void *(*ngx_http_rum_spool_take_pt)(uint32_t key, off_t size);
typedef ngx_int_t (*ngx_http_rum_spool_entry_pt)(void *server, u_char *data,
    size_t len);


/* "rum_spool PATH [max_size=SIZE]" and "rum_spool off" */
char *ngx_http_rum_spool_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* postconfiguration: the default path, and the directory nginx creates */
ngx_int_t ngx_http_rum_spool_init(ngx_conf_t *cf);

/*
 * Opens a new spool file for the server named "name" (KEY in the file's
 * name).  NGX_DECLINED when the spool is off or full, NGX_ERROR when the
 * file cannot be made (logged).
 */
ngx_int_t ngx_http_rum_spool_open(ngx_http_rum_spool_file_t *f,
    ngx_str_t *name, uint32_t key, ngx_log_t *log);

/* NGX_DECLINED when the entry does not fit in max_size */
ngx_int_t ngx_http_rum_spool_write(ngx_http_rum_spool_file_t *f,
    u_char *data, size_t len);

/* completes the file (NGX_OK), or removes it (NGX_ERROR, logged) */
ngx_int_t ngx_http_rum_spool_close(ngx_http_rum_spool_file_t *f);

/* removes an unfinished file: none of its entries are kept */
void ngx_http_rum_spool_abort(ngx_http_rum_spool_file_t *f);

/* takes the complete files "take" accepts; "entry" queues each entry */
void ngx_http_rum_spool_replay(ngx_http_rum_spool_take_pt take,
    ngx_http_rum_spool_entry_pt entry, ngx_log_t *log);

/* the key of a server in spool file names */
uint32_t ngx_http_rum_spool_key(ngx_str_t *name, ngx_int_t db);


#endif /* _NGX_HTTP_RUM_SPOOL_H_INCLUDED_ */
