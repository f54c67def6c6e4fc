
/*
 * ngx_http_rum_module: the spool.
 *
 * A worker that exits with entries Redis has not acknowledged (Redis is
 * away, or slower than the exit flush time) writes them to a file in the
 * spool directory instead of dropping them.  The workers that run then,
 * after a reload or at the next start of nginx, look into the directory
 * every second, take the files of the Redis servers they know and queue
 * their entries again, in order, ahead of nothing: they are simply the
 * oldest entries of the queue that takes them.
 *
 * A file is written as ".rum-PID-N.tmp", synced, and renamed to
 * "rum-KEY-PID-N.spool" when complete, so that no reader sees half a file;
 * KEY names the server (its address as configured, and db).  The file:
 *
 *     RUMSPOOL 1 <server>\n
 *     <length>\n<the XADD command in the Redis protocol>\n    per entry
 *     END <entries> <crc32 of everything before "END">\n
 *
 * A worker takes a file by reading it, then unlinking it: when two
 * workers read one file, one unlink succeeds, and only that worker queues
 * the entries.  A file that does not check (torn, a wrong checksum or
 * count, a record that is not a command) is renamed to "*.corrupt",
 * logged and counted, and none of its entries is queued.
 *
 * The spool files together stay within max_size (two workers exiting at
 * once may each fill what is left); what does not fit is dropped and
 * counted by the caller.  The file work blocks the worker: at exit that
 * is all it does, and a file is taken at most once, from the page cache.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_rum_module.h"
#include "ngx_http_rum_spool.h"
#include "ngx_http_rum_spool_check.h"


#define NGX_HTTP_RUM_SPOOL_BUFFER     65536
#define NGX_HTTP_RUM_SPOOL_DEFAULT    (256 * 1024 * 1024)

/* "rum-" 8 hex "-" pid "-" n ".spool", ".corrupt" */
#define NGX_HTTP_RUM_SPOOL_NAME_LEN                                          \
    (sizeof("rum--") - 1 + 8 + NGX_INT64_LEN + 1 + NGX_INT_T_LEN            \
     + sizeof(".corrupt"))


static ngx_http_rum_main_conf_t *ngx_http_rum_spool_main_conf(void);
static ngx_int_t ngx_http_rum_spool_flush(ngx_http_rum_spool_file_t *f);
static off_t ngx_http_rum_spool_used(ngx_str_t *dir, ngx_log_t *log);
static ngx_int_t ngx_http_rum_spool_is_file(u_char *name, size_t len,
    uint32_t *key);
static void ngx_http_rum_spool_take(ngx_str_t *dir, u_char *name,
    uint32_t key, ngx_http_rum_spool_take_pt take,
    ngx_http_rum_spool_entry_pt entry, ngx_log_t *log);
static void ngx_http_rum_spool_corrupt(u_char *path, const char *why,
    ngx_log_t *log);


static u_char      ngx_http_rum_spool_buf[NGX_HTTP_RUM_SPOOL_BUFFER];
static size_t      ngx_http_rum_spool_buffered;
static ngx_uint_t  ngx_http_rum_spool_seq;


char *
ngx_http_rum_spool_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rum_main_conf_t *rmcf = conf;

    off_t        size;
    ngx_str_t   *value, s;
    ngx_uint_t   i;
    ngx_path_t  *path;

    if (rmcf->spool != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (cf->args->nelts > 2) {
            return "takes no parameters with \"off\"";
        }

        rmcf->spool = NULL;
        return NGX_CONF_OK;
    }

    path = ngx_pcalloc(cf->pool, sizeof(ngx_path_t));
    if (path == NULL) {
        return NGX_CONF_ERROR;
    }

    path->name = value[1];

    if (path->name.len > 1 && path->name.data[path->name.len - 1] == '/') {
        path->name.len--;
    }

    if (ngx_conf_full_name(cf->cycle, &path->name, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    path->conf_file = cf->conf_file->file.name.data;
    path->line = cf->conf_file->line;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "max_size=", 9) == 0) {
            s.data = value[i].data + 9;
            s.len = value[i].len - 9;

            size = ngx_parse_offset(&s);
            if (size == NGX_ERROR || size == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid \"max_size\" \"%V\" in "
                                   "\"rum_spool\", it must be a size "
                                   "above 0", &s);
                return NGX_CONF_ERROR;
            }

            rmcf->spool_max = size;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\" in \"rum_spool\"",
                           &value[i]);
        return NGX_CONF_ERROR;
    }

    rmcf->spool = path;

    return NGX_CONF_OK;
}


/*
 * By default the spool is "rum_temp" beside the default server's
 * client_body_temp_path: /var/lib/nginx/rum_temp on Debian, PREFIX/rum_temp
 * for nginx built from source.  nginx creates it, owned by the workers'
 * user, as it creates its own temporary directories.
 */

ngx_int_t
ngx_http_rum_spool_init(ngx_conf_t *cf)
{
    u_char                     *p;
    ngx_str_t                  *temp;
    ngx_path_t                 *path;
    ngx_http_core_loc_conf_t   *clcf;
    ngx_http_core_srv_conf_t  **cscf;
    ngx_http_core_main_conf_t  *cmcf;
    ngx_http_rum_main_conf_t   *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_rum_module);

    ngx_conf_init_value(rmcf->spool_max, NGX_HTTP_RUM_SPOOL_DEFAULT);

    if (rmcf->spool == NGX_CONF_UNSET_PTR) {
        rmcf->spool = NULL;

        /* nothing is ever queued without an endpoint */

        cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

        if (rmcf->endpoints == 0 || cmcf->servers.nelts == 0) {
            return NGX_OK;
        }

        cscf = cmcf->servers.elts;
        clcf = cscf[0]->ctx->loc_conf[ngx_http_core_module.ctx_index];

        if (clcf->client_body_temp_path == NULL) {
            return NGX_OK;
        }

        temp = &clcf->client_body_temp_path->name;

        for (p = temp->data + temp->len; p > temp->data; p--) {
            if (p[-1] == '/') {
                break;
            }
        }

        path = ngx_pcalloc(cf->pool, sizeof(ngx_path_t));
        if (path == NULL) {
            return NGX_ERROR;
        }

        path->name.len = (p - temp->data) + sizeof("rum_temp") - 1;
        path->name.data = ngx_pnalloc(cf->pool, path->name.len + 1);
        if (path->name.data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(ngx_cpymem(path->name.data, temp->data, p - temp->data),
                   "rum_temp", sizeof("rum_temp"));

        if (ngx_conf_full_name(cf->cycle, &path->name, 0) != NGX_OK) {
            return NGX_ERROR;
        }

        rmcf->spool = path;
    }

    if (rmcf->spool == NULL) {
        return NGX_OK;
    }

    return ngx_add_path(cf, &rmcf->spool);
}


uint32_t
ngx_http_rum_spool_key(ngx_str_t *name, ngx_int_t db)
{
    u_char    buf[NGX_INT_T_LEN + sizeof(" db=")];
    uint32_t  key;

    ngx_crc32_init(key);
    ngx_crc32_update(&key, name->data, name->len);

    if (db >= 0) {
        ngx_crc32_update(&key, buf, ngx_sprintf(buf, " db=%i", db) - buf);
    }

    ngx_crc32_final(key);

    return key;
}


ngx_int_t
ngx_http_rum_spool_open(ngx_http_rum_spool_file_t *f, ngx_str_t *name,
    uint32_t key, ngx_log_t *log)
{
    u_char                    *p;
    size_t                     len;
    ngx_str_t                 *dir;
    ngx_http_rum_main_conf_t  *rmcf;

    rmcf = ngx_http_rum_spool_main_conf();

    if (rmcf == NULL || rmcf->spool == NULL) {
        return NGX_DECLINED;
    }

    dir = &rmcf->spool->name;

    ngx_memzero(f, sizeof(ngx_http_rum_spool_file_t));

    f->fd = NGX_INVALID_FILE;
    f->server = name;
    f->log = log;
    f->room = rmcf->spool_max - ngx_http_rum_spool_used(dir, log);

    len = sizeof(NGX_HTTP_RUM_SPOOL_MAGIC) + name->len
          + sizeof("END  ffffffff\n") - 1 + NGX_INT_T_LEN;

    if (f->room < (off_t) len) {
        return NGX_DECLINED;
    }

    len = dir->len + 1 + NGX_HTTP_RUM_SPOOL_NAME_LEN + 1;

    f->tmp = ngx_alloc(2 * len, log);
    if (f->tmp == NULL) {
        return NGX_ERROR;
    }

    f->name = f->tmp + len;

    ngx_http_rum_spool_seq++;

    ngx_sprintf(f->tmp, "%V/.rum-%P-%ui.tmp%Z", dir, ngx_pid,
                ngx_http_rum_spool_seq);
    ngx_sprintf(f->name, "%V/rum-%08xD-%P-%ui.spool%Z", dir, key, ngx_pid,
                ngx_http_rum_spool_seq);

    f->fd = ngx_open_file(f->tmp, NGX_FILE_WRONLY, NGX_FILE_TRUNCATE,
                          NGX_FILE_OWNER_ACCESS);

    if (f->fd == NGX_INVALID_FILE) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      ngx_open_file_n " \"%s\" failed", f->tmp);
        ngx_free(f->tmp);
        f->tmp = NULL;
        return NGX_ERROR;
    }

    ngx_crc32_init(f->crc);
    ngx_http_rum_spool_buffered = 0;

    p = ngx_cpymem(ngx_http_rum_spool_buf, NGX_HTTP_RUM_SPOOL_MAGIC,
                   sizeof(NGX_HTTP_RUM_SPOOL_MAGIC) - 1);
    p = ngx_cpymem(p, name->data, ngx_min(name->len, 1024));
    *p++ = LF;

    ngx_http_rum_spool_buffered = p - ngx_http_rum_spool_buf;
    f->size = ngx_http_rum_spool_buffered;

    return NGX_OK;
}


ngx_int_t
ngx_http_rum_spool_write(ngx_http_rum_spool_file_t *f, u_char *data,
    size_t len)
{
    u_char  head[NGX_SIZE_T_LEN + 1];
    size_t  n, hlen;

    hlen = ngx_sprintf(head, "%uz\n", len) - head;

    /* the trailer must fit as well */

    if (f->size + (off_t) (hlen + len + 1)
        + (off_t) (sizeof("END  ffffffff\n") - 1 + NGX_INT_T_LEN)
        > f->room)
    {
        return NGX_DECLINED;
    }

    if (ngx_http_rum_spool_buffered + hlen > NGX_HTTP_RUM_SPOOL_BUFFER
        && ngx_http_rum_spool_flush(f) != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_memcpy(ngx_http_rum_spool_buf + ngx_http_rum_spool_buffered, head,
               hlen);
    ngx_http_rum_spool_buffered += hlen;

    while (len) {
        if (ngx_http_rum_spool_buffered == NGX_HTTP_RUM_SPOOL_BUFFER
            && ngx_http_rum_spool_flush(f) != NGX_OK)
        {
            return NGX_ERROR;
        }

        n = ngx_min(len,
                    NGX_HTTP_RUM_SPOOL_BUFFER - ngx_http_rum_spool_buffered);

        ngx_memcpy(ngx_http_rum_spool_buf + ngx_http_rum_spool_buffered,
                   data, n);

        ngx_http_rum_spool_buffered += n;
        data += n;
        len -= n;
        f->size += n;
    }

    if (ngx_http_rum_spool_buffered == NGX_HTTP_RUM_SPOOL_BUFFER
        && ngx_http_rum_spool_flush(f) != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_http_rum_spool_buf[ngx_http_rum_spool_buffered++] = LF;

    f->size += hlen + 1;
    f->entries++;

    return NGX_OK;
}


ngx_int_t
ngx_http_rum_spool_close(ngx_http_rum_spool_file_t *f)
{
    u_char    trailer[sizeof("END  ffffffff\n") + NGX_INT_T_LEN];
    size_t    len;
    uint32_t  crc;

    if (ngx_http_rum_spool_flush(f) != NGX_OK) {
        goto failed;
    }

    crc = f->crc;
    ngx_crc32_final(crc);

    len = ngx_sprintf(trailer, "END %ui %08xD\n", f->entries, crc) - trailer;

    if (ngx_write_fd(f->fd, trailer, len) != (ssize_t) len) {
        ngx_log_error(NGX_LOG_ERR, f->log, ngx_errno,
                      ngx_write_fd_n " \"%s\" failed", f->tmp);
        goto failed;
    }

    /* complete on disk before it gets the name readers look for */

    if (fsync(f->fd) == -1) {
        ngx_log_error(NGX_LOG_ERR, f->log, ngx_errno,
                      "fsync() \"%s\" failed", f->tmp);
        goto failed;
    }

    if (ngx_close_file(f->fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ERR, f->log, ngx_errno,
                      ngx_close_file_n " \"%s\" failed", f->tmp);
        f->fd = NGX_INVALID_FILE;
        goto failed;
    }

    f->fd = NGX_INVALID_FILE;

    if (ngx_rename_file(f->tmp, f->name) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ERR, f->log, ngx_errno,
                      ngx_rename_file_n " \"%s\" to \"%s\" failed",
                      f->tmp, f->name);
        goto failed;
    }

    ngx_log_error(NGX_LOG_NOTICE, f->log, 0,
                  "rum: %ui entries for Redis \"%V\" spooled to \"%s\"",
                  f->entries, f->server, f->name);

    ngx_free(f->tmp);
    f->tmp = NULL;

    return NGX_OK;

failed:

    ngx_http_rum_spool_abort(f);

    return NGX_ERROR;
}


void
ngx_http_rum_spool_abort(ngx_http_rum_spool_file_t *f)
{
    if (f->fd != NGX_INVALID_FILE) {
        (void) ngx_close_file(f->fd);
        f->fd = NGX_INVALID_FILE;
    }

    if (f->tmp) {
        (void) ngx_delete_file(f->tmp);
        ngx_free(f->tmp);
        f->tmp = NULL;
    }
}


void
ngx_http_rum_spool_replay(ngx_http_rum_spool_take_pt take,
    ngx_http_rum_spool_entry_pt entry, ngx_log_t *log)
{
    u_char                    *name;
    size_t                     len;
    uint32_t                   key;
    ngx_dir_t                  dir;
    ngx_http_rum_main_conf_t  *rmcf;

    rmcf = ngx_http_rum_spool_main_conf();

    if (rmcf == NULL || rmcf->spool == NULL) {
        return;
    }

    if (ngx_open_dir(&rmcf->spool->name, &dir) == NGX_ERROR) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      ngx_open_dir_n " \"%V\" failed", &rmcf->spool->name);
        return;
    }

    for ( ;; ) {
        ngx_set_errno(0);

        if (ngx_read_dir(&dir) == NGX_ERROR) {
            if (ngx_errno != NGX_ENOMOREFILES) {
                ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                              ngx_read_dir_n " \"%V\" failed",
                              &rmcf->spool->name);
            }

            break;
        }

        name = ngx_de_name(&dir);
        len = ngx_de_namelen(&dir);

        if (ngx_http_rum_spool_is_file(name, len, &key) != NGX_OK) {
            continue;
        }

        ngx_http_rum_spool_take(&rmcf->spool->name, name, key, take, entry,
                                log);
    }

    (void) ngx_close_dir(&dir);
}


static ngx_http_rum_main_conf_t *
ngx_http_rum_spool_main_conf(void)
{
    if (ngx_cycle->conf_ctx == NULL) {
        return NULL;
    }

    return ngx_http_cycle_get_module_main_conf(ngx_cycle, ngx_http_rum_module);
}


static ngx_int_t
ngx_http_rum_spool_flush(ngx_http_rum_spool_file_t *f)
{
    ngx_crc32_update(&f->crc, ngx_http_rum_spool_buf,
                     ngx_http_rum_spool_buffered);

    if (ngx_write_fd(f->fd, ngx_http_rum_spool_buf,
                     ngx_http_rum_spool_buffered)
        != (ssize_t) ngx_http_rum_spool_buffered)
    {
        ngx_log_error(NGX_LOG_ERR, f->log, ngx_errno,
                      ngx_write_fd_n " \"%s\" failed", f->tmp);
        return NGX_ERROR;
    }

    ngx_http_rum_spool_buffered = 0;

    return NGX_OK;
}


/* the bytes of the spool files waiting in the directory */

static off_t
ngx_http_rum_spool_used(ngx_str_t *path, ngx_log_t *log)
{
    u_char     file[NGX_MAX_PATH];
    off_t      used;
    size_t     len;
    uint32_t   key;
    ngx_dir_t  dir;

    if (ngx_open_dir(path, &dir) == NGX_ERROR) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      ngx_open_dir_n " \"%V\" failed", path);
        return 0;
    }

    used = 0;

    for ( ;; ) {
        if (ngx_read_dir(&dir) == NGX_ERROR) {
            break;
        }

        len = ngx_de_namelen(&dir);

        if (ngx_http_rum_spool_is_file(ngx_de_name(&dir), len, &key)
            != NGX_OK
            || path->len + 1 + len + 1 > NGX_MAX_PATH)
        {
            continue;
        }

        ngx_sprintf(file, "%V/%s%Z", path, ngx_de_name(&dir));

        /* a file taken meanwhile is no longer there to count */

        if (ngx_de_info(file, &dir) == NGX_FILE_ERROR) {
            continue;
        }

        used += ngx_de_size(&dir);
    }

    (void) ngx_close_dir(&dir);

    return used;
}


/* "rum-KEY-PID-N.spool" */

static ngx_int_t
ngx_http_rum_spool_is_file(u_char *name, size_t len, uint32_t *key)
{
    ngx_int_t  n;

    if (len < sizeof("rum-ffffffff-.spool") - 1
        || ngx_strncmp(name, "rum-", 4) != 0
        || name[12] != '-'
        || ngx_strncmp(name + len - 6, ".spool", 6) != 0)
    {
        return NGX_DECLINED;
    }

    n = ngx_hextoi(name + 4, 8);
    if (n == NGX_ERROR) {
        return NGX_DECLINED;
    }

    *key = (uint32_t) n;

    return NGX_OK;
}


static void
ngx_http_rum_spool_take(ngx_str_t *dir, u_char *name, uint32_t key,
    ngx_http_rum_spool_take_pt take, ngx_http_rum_spool_entry_pt entry,
    ngx_log_t *log)
{
    u_char           *data, *path;
    size_t            len, size, entries;
    void             *server;
    ssize_t           n;
    ngx_fd_t          fd;
    ngx_uint_t        queued;
    ngx_file_info_t   fi;
    const u_char     *p, *first;

    path = ngx_alloc(dir->len + 1 + ngx_strlen(name) + sizeof(".corrupt"),
                     log);
    if (path == NULL) {
        return;
    }

    ngx_sprintf(path, "%V/%s%Z", dir, name);

    data = NULL;

    fd = ngx_open_file(path, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        /* another worker took it */
        goto done;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      ngx_fd_info_n " \"%s\" failed", path);
        goto done;
    }

    size = (size_t) ngx_file_size(&fi);

    /* a server of this configuration, with room in the queue for it */

    server = take(key, ngx_file_size(&fi));
    if (server == NULL) {
        goto done;
    }

    data = ngx_alloc(size + 1, log);
    if (data == NULL) {
        goto done;
    }

    for (len = 0; len < size; len += n) {
        n = ngx_read_fd(fd, data + len, size - len);

        if (n == -1) {
            ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                          ngx_read_fd_n " \"%s\" failed", path);
            goto done;
        }

        if (n == 0) {
            break;
        }
    }

    (void) ngx_close_file(fd);
    fd = NGX_INVALID_FILE;

    if (len != size
        || ngx_http_rum_spool_check(data, size, &entries, &first) != 0)
    {
        ngx_http_rum_spool_corrupt(path, len != size ? "shorter than it was"
                                                     : "does not check",
                                   log);
        goto done;
    }

    /* the file is ours only when our unlink removes it */

    if (ngx_delete_file(path) == NGX_FILE_ERROR) {
        goto done;
    }

    queued = 0;
    p = first;

    while (entries--) {
        len = ngx_http_rum_spool_record(&p);

        if (entry(server, (u_char *) p, len) != NGX_OK) {
            ngx_log_error(NGX_LOG_ALERT, log, 0,
                          "rum: %uz entries of the spool file \"%s\" "
                          "could not be queued", entries + 1, path);
            break;
        }

        queued++;
        p += len + 1;
    }

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "rum: %ui entries taken from the spool file \"%s\"",
                  queued, path);

done:

    if (fd != NGX_INVALID_FILE) {
        (void) ngx_close_file(fd);
    }

    if (data) {
        ngx_free(data);
    }

    ngx_free(path);
}


/* set aside for a look, never replayed: "*.spool.corrupt" */

static void
ngx_http_rum_spool_corrupt(u_char *path, const char *why, ngx_log_t *log)
{
    u_char  *corrupt;
    size_t   len;

    len = ngx_strlen(path);

    corrupt = ngx_alloc(len + sizeof(".corrupt"), log);
    if (corrupt == NULL) {
        return;
    }

    ngx_sprintf(corrupt, "%s.corrupt%Z", path);

    if (ngx_rename_file(path, corrupt) == NGX_FILE_ERROR) {
        /* another worker set it aside */
        ngx_free(corrupt);
        return;
    }

    ngx_http_rum_count(spool_corrupt);

    ngx_log_error(NGX_LOG_ERR, log, 0,
                  "rum: the spool file \"%s\" %s, none of its entries is "
                  "sent; renamed to \"%s\"", path, why, corrupt);

    ngx_free(corrupt);
}
