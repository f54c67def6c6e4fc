
/*
 * ngx_http_rum_module: Redis Cluster.
 *
 * "rum_redis cluster ADDRESS ..." configures a front: in each worker it
 * holds the slot map (which primary serves each of the 16384 slots) and
 * one server per primary, a node, made when the map or a redirection
 * names it.  A node is a server like any other (its own connection,
 * backoff and queue, ngx_http_rum_redis.c); only its entries come from
 * here, routed by their key's slot (ngx_http_rum_slot.c).
 *
 * The map comes from "CLUSTER SLOTS", asked on a short connection of the
 * front's own, to a known primary or a seed in turn: at start, after a
 * "MOVED", after a node's connection fails or it answers "CLUSTERDOWN",
 * and every second while a node that has entries is down, which is how a
 * replica promoted in a failover is found.  Entries whose slot has no
 * known owner wait in the front's queue.  After each map, the entries
 * waiting for a node that no longer serves their slot go to the one that
 * does; in-flight ones follow when their node answers or goes.
 *
 * "MOVED": the slot has a new owner; the entry goes to it, the map is
 * asked again.  "ASK": the slot is being migrated; the entry goes to the
 * node named, preceded by "ASKING".  An entry redirected 16 times waits
 * for the next map.  "TRYAGAIN", "CLUSTERDOWN": later, as any transient
 * error.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_rum_module.h"
#include "ngx_http_rum_redis.h"
#include "ngx_http_rum_cluster.h"
#include "ngx_http_rum_slot.h"


#define NGX_HTTP_RUM_CLUSTER_REFRESH_MIN   100    /* between two maps */
#define NGX_HTTP_RUM_CLUSTER_DOWN_CHECK    1000   /* a node down: ask */
#define NGX_HTTP_RUM_CLUSTER_MAX_REDIRECTS 16


struct ngx_http_rum_cluster_s {
    ngx_http_rum_redis_server_t  *owner[NGX_HTTP_RUM_SLOTS];
    ngx_queue_t                   nodes;
    ngx_uint_t                    nnodes;
    char                          asked[NGX_SOCKADDR_STRLEN + 1];
    ngx_msec_t                    refreshed;  /* the last map asked */
    time_t                        named;      /* a host name, logged */
    unsigned                      stale:1;    /* ask again when done */
    unsigned                      mapped:1;   /* a map was read */
    unsigned                      answered:1; /* by the node asked now */
};


static ngx_int_t ngx_http_rum_cluster_init(
    ngx_http_rum_redis_server_t *front);
static void ngx_http_rum_cluster_connected(const redisAsyncContext *ac,
    int status);
static void ngx_http_rum_cluster_slots(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_http_rum_cluster_disconnected(const redisAsyncContext *ac,
    int status);
static void ngx_http_rum_cluster_apply(ngx_http_rum_redis_server_t *front,
    ngx_http_rum_slot_range_t *ranges, ngx_uint_t n);
static void ngx_http_rum_cluster_reroute(ngx_http_rum_redis_server_t *front,
    ngx_http_rum_redis_server_t *server);
static ngx_http_rum_redis_server_t *ngx_http_rum_cluster_node(
    ngx_http_rum_redis_server_t *front, const char *host, size_t len,
    int port);
static void ngx_http_rum_cluster_retire(ngx_http_rum_redis_server_t *node);
static ngx_uint_t ngx_http_rum_cluster_counters(ngx_str_t *name,
    ngx_uint_t parent);


static ngx_int_t
ngx_http_rum_cluster_init(ngx_http_rum_redis_server_t *front)
{
    ngx_http_rum_cluster_t  *cluster;

    cluster = ngx_calloc(sizeof(ngx_http_rum_cluster_t), front->log);
    if (cluster == NULL) {
        return NGX_ERROR;
    }

    ngx_queue_init(&cluster->nodes);

    front->cluster = cluster;

    return NGX_OK;
}


void
ngx_http_rum_cluster_stop(ngx_http_rum_redis_server_t *front)
{
    ngx_queue_t                  *q;
    ngx_http_rum_cluster_t       *cluster;
    ngx_http_rum_redis_server_t  *node;

    cluster = front->cluster;

    if (cluster == NULL) {
        return;
    }

    while (!ngx_queue_empty(&cluster->nodes)) {
        q = ngx_queue_head(&cluster->nodes);
        node = ngx_queue_data(q, ngx_http_rum_redis_server_t, node);

        ngx_queue_remove(q);

        if (node->started) {
            ngx_http_rum_redis_stop(node);
        }

        ngx_free(node);
    }

    front->cluster = NULL;
    ngx_free(cluster);
}


/*
 * One short connection to a node that knows the cluster: a primary of the
 * map, or a seed, the next one after each failure.
 */

void
ngx_http_rum_cluster_ask(ngx_http_rum_redis_server_t *front)
{
    int                           port;
    char                         *host;
    ngx_uint_t                    i;
    ngx_queue_t                  *q;
    redisAsyncContext            *ac;
    ngx_http_rum_cluster_t       *cluster;
    ngx_http_rum_redis_server_t  *node;

    /* front->host counts the failures: the next node or seed after one */

    if (front->cluster == NULL
        && ngx_http_rum_cluster_init(front) != NGX_OK)
    {
        ngx_http_rum_redis_failure(front, "cannot ask for the slot map",
                                   "out of memory");
        ngx_http_rum_redis_lost(front);
        return;
    }

    cluster = front->cluster;

    i = front->host % (cluster->nnodes + front->nhosts);

    if (i < cluster->nnodes) {
        q = ngx_queue_head(&cluster->nodes);

        while (i--) {
            q = ngx_queue_next(q);
        }

        node = ngx_queue_data(q, ngx_http_rum_redis_server_t, node);
        host = node->hosts[0];
        port = node->ports[0];

    } else {
        i -= cluster->nnodes;
        host = front->hosts[i];
        port = front->ports[i];
    }

    cluster->refreshed = ngx_current_msec;
    cluster->stale = 0;
    cluster->answered = 0;

    /* an empty host in the map is the host of the node asked */
    (void) ngx_cpystrn((u_char *) cluster->asked, (u_char *) host,
                       sizeof(cluster->asked));

    ac = ngx_http_rum_redis_open(front, host, port, "cannot connect to a node",
                                 ngx_http_rum_cluster_connected,
                                 ngx_http_rum_cluster_disconnected);
    if (ac == NULL) {
        ngx_http_rum_redis_lost(front);
        return;
    }

    front->ac = ac;
    front->state = NGX_HTTP_RUM_REDIS_RESOLVING;

    /* for the connect and the answer together */
    ngx_add_timer(&front->timer, front->connect_timeout);
}


static void
ngx_http_rum_cluster_connected(const redisAsyncContext *ac, int status)
{
    ngx_http_rum_redis_server_t  *front;

    front = ac->data;

    if (status != REDIS_OK) {
        ngx_http_rum_redis_not_open(front, "cannot connect to a node", ac);
        return;
    }

    /* a refused AUTH makes CLUSTER SLOTS fail too: its error tells */

    if (front->password.len) {
        (void) ngx_http_rum_redis_auth(front, NULL);
    }

    if (redisAsyncCommand(front->ac, ngx_http_rum_cluster_slots, front,
                          "CLUSTER SLOTS")
        != REDIS_OK)
    {
        redisAsyncDisconnect(front->ac);
    }
}


static void
ngx_http_rum_cluster_slots(redisAsyncContext *ac, void *r, void *privdata)
{
    redisReply                   *reply = r;
    ngx_http_rum_redis_server_t  *front = privdata;

    ngx_int_t                   n;
    ngx_http_rum_slot_range_t  *ranges;

    if (reply == NULL) {
        /* the connection goes */
        return;
    }

    ranges = NULL;
    n = -1;

    if (reply->type == REDIS_REPLY_ARRAY && reply->elements) {
        ranges = ngx_alloc(reply->elements
                           * sizeof(ngx_http_rum_slot_range_t), front->log);
        if (ranges == NULL) {
            redisAsyncDisconnect(ac);
            return;
        }

        n = ngx_http_rum_slot_ranges(reply, ranges);
    }

    if (n <= 0) {
        ngx_http_rum_redis_failure(front, "a node gives no slot map",
                                   reply->type == REDIS_REPLY_ERROR
                                   ? reply->str
                                   : (n == 0 ? "no slots are served"
                                             : "not a slot map"));
        if (ranges) {
            ngx_free(ranges);
        }

        redisAsyncDisconnect(ac);
        return;
    }

    ngx_http_rum_cluster_apply(front, ranges, n);
    ngx_free(ranges);

    front->cluster->answered = 1;

    redisAsyncDisconnect(ac);
}


static void
ngx_http_rum_cluster_disconnected(const redisAsyncContext *ac, int status)
{
    ngx_msec_t                    delay;
    ngx_http_rum_cluster_t       *cluster;
    ngx_http_rum_redis_server_t  *front;

    front = ac->data;

    if (front->ac != ac) {
        /* freed by us: a timeout, or the worker stops */
        return;
    }

    front->ac = NULL;
    cluster = front->cluster;

    if (front->timer.timer_set) {
        ngx_del_timer(&front->timer);
    }

    if (!cluster->answered) {
        if (front->logged != NGX_HTTP_RUM_REDIS_LOGGED_DOWN
            || (ac->errstr && ac->errstr[0]))
        {
            ngx_http_rum_redis_failure(front, "a node closed the connection",
                                       (ac->errstr && ac->errstr[0])
                                       ? ac->errstr : "no answer");
        }

        ngx_http_rum_redis_lost(front);
        return;
    }

    front->state = NGX_HTTP_RUM_REDIS_DISCONNECTED;
    front->backoff = NGX_HTTP_RUM_REDIS_BACKOFF_MIN;
    front->failures = 0;

    if (cluster->stale) {
        delay = NGX_HTTP_RUM_CLUSTER_REFRESH_MIN;

        ngx_add_timer(&front->timer, delay);
    }
}


/* the new map: owners, entries that wait for another node, idle nodes */

static void
ngx_http_rum_cluster_apply(ngx_http_rum_redis_server_t *front,
    ngx_http_rum_slot_range_t *ranges, ngx_uint_t n)
{
    size_t                        len;
    ngx_uint_t                    i, s;
    const char                   *host;
    ngx_queue_t                  *q, *next;
    ngx_http_rum_cluster_t       *cluster;
    ngx_http_rum_redis_server_t  *node;

    cluster = front->cluster;

    ngx_memzero(cluster->owner, sizeof(cluster->owner));

    for (q = ngx_queue_head(&cluster->nodes);
         q != ngx_queue_sentinel(&cluster->nodes);
         q = ngx_queue_next(q))
    {
        node = ngx_queue_data(q, ngx_http_rum_redis_server_t, node);
        node->serving = 0;
    }

    for (i = 0; i < n; i++) {
        host = ranges[i].host;
        len = ranges[i].host_len;

        if (len == 0) {
            host = cluster->asked;
            len = ngx_strlen(cluster->asked);
        }

        node = ngx_http_rum_cluster_node(front, host, len, ranges[i].port);
        if (node == NULL) {
            continue;
        }

        node->serving = 1;

        for (s = ranges[i].start; s <= ranges[i].end; s++) {
            cluster->owner[s] = node;
        }
    }

    ngx_http_rum_count(cluster_maps);

    if (!front->connected) {
        /* the front counts as connected once it has a map */
        front->connected = 1;
        ngx_http_rum_redis_connected_count(1);
        ngx_http_rum_server_count(front->slot, workers_connected);
    }

    /* entries waiting where their slot is no longer served */

    ngx_http_rum_cluster_reroute(front, front);

    for (q = ngx_queue_head(&cluster->nodes);
         q != ngx_queue_sentinel(&cluster->nodes);
         q = next)
    {
        next = ngx_queue_next(q);
        node = ngx_queue_data(q, ngx_http_rum_redis_server_t, node);

        ngx_http_rum_cluster_reroute(front, node);

        if (!node->serving
            && ngx_queue_empty(&node->pending)
            && ngx_queue_empty(&node->inflight))
        {
            ngx_http_rum_cluster_retire(node);
        }
    }

    if (!cluster->mapped || front->logged != NGX_HTTP_RUM_REDIS_LOGGED_UP) {
        ngx_log_error(NGX_LOG_INFO, front->log, 0,
                      "rum: Redis \"%V\": a slot map of %ui ranges, "
                      "%ui primaries", &front->name, n, cluster->nnodes);

        front->logged = NGX_HTTP_RUM_REDIS_LOGGED_UP;
    }

    cluster->mapped = 1;
}


static void
ngx_http_rum_cluster_reroute(ngx_http_rum_redis_server_t *front,
    ngx_http_rum_redis_server_t *server)
{
    ngx_queue_t                  *q, *next, moved;
    ngx_http_rum_entry_t         *e;
    ngx_http_rum_redis_server_t  *owner;

    ngx_queue_init(&moved);

    for (q = ngx_queue_head(&server->pending);
         q != ngx_queue_sentinel(&server->pending);
         q = next)
    {
        next = ngx_queue_next(q);
        e = ngx_queue_data(q, ngx_http_rum_entry_t, queue);

        owner = front->cluster->owner[e->slot];

        if (owner == NULL || owner == server) {
            continue;
        }

        ngx_queue_remove(q);
        ngx_queue_insert_tail(&moved, q);
    }

    /* in their order, after the queue is walked */

    while (!ngx_queue_empty(&moved)) {
        q = ngx_queue_head(&moved);
        e = ngx_queue_data(q, ngx_http_rum_entry_t, queue);

        ngx_queue_remove(q);

        e->asking = 0;
        e->redirects = 0;

        ngx_http_rum_redis_move(e, front->cluster->owner[e->slot]);
    }
}


ngx_http_rum_redis_server_t *
ngx_http_rum_cluster_route(ngx_http_rum_redis_server_t *front,
    ngx_http_rum_entry_t *e)
{
    size_t                        len;
    const u_char                 *key;
    ngx_http_rum_redis_server_t  *node;

    if (ngx_http_rum_slot_key(e->data, e->len, &key, &len) != 0) {
        /* not from us: a spool file that checked holds commands */
        key = (u_char *) "";
        len = 0;
    }

    e->slot = ngx_http_rum_slot(key, len);
    e->asking = 0;
    e->redirects = 0;

    node = front->cluster ? front->cluster->owner[e->slot] : NULL;

    if (node == NULL) {
        /* no map yet, or the slot is not served: wait for one */
        ngx_http_rum_cluster_refresh(front);
        return front;
    }

    return node;
}


ngx_uint_t
ngx_http_rum_cluster_redirect(ngx_http_rum_redis_server_t *node,
    ngx_http_rum_entry_t *e, redisReply *reply)
{
    int                           port;
    size_t                        len;
    unsigned                      slot;
    ngx_int_t                     kind;
    const char                   *host;
    ngx_http_rum_redis_server_t  *front, *to;

    kind = ngx_http_rum_slot_redirect(reply->str, reply->len, &slot, &host,
                                      &len, &port);
    if (kind == 0) {
        return 0;
    }

    front = node->front;

    if (len == 0) {
        host = node->hosts[0];
        len = ngx_strlen(host);
    }

    node->inflight_n--;
    node->inflight_bytes -= e->len;
    ngx_queue_remove(&e->queue);

    ngx_http_rum_server_count(node->slot, redirected);

    to = NULL;

    if (++e->redirects < NGX_HTTP_RUM_CLUSTER_MAX_REDIRECTS) {
        to = ngx_http_rum_cluster_node(front, host, len, port);
    }

    if (kind == 1) {
        ngx_http_rum_count(cluster_moved);

        if (to) {
            front->cluster->owner[slot] = to;
        }

        ngx_http_rum_cluster_refresh(front);

    } else {
        ngx_http_rum_count(cluster_asked);
    }

    if (to == NULL) {
        /* redirected in circles: it waits for the next map */
        to = front;
        e->redirects = 0;
        ngx_http_rum_cluster_refresh(front);
    }

    e->asking = (kind == 2 && to != front);

    ngx_http_rum_redis_move(e, to);

    return 1;
}


void
ngx_http_rum_cluster_refresh(ngx_http_rum_redis_server_t *front)
{
    ngx_msec_t               delay, since;
    ngx_http_rum_cluster_t  *cluster;

    cluster = front->cluster;

    if (cluster == NULL || front->stopping) {
        return;
    }

    cluster->stale = 1;

    if (front->state != NGX_HTTP_RUM_REDIS_DISCONNECTED
        || front->timer.timer_set)
    {
        /* asking now, or after a failure: the answer will do */
        return;
    }

    since = ngx_current_msec - cluster->refreshed;

    delay = (since >= NGX_HTTP_RUM_CLUSTER_REFRESH_MIN)
            ? 1 : NGX_HTTP_RUM_CLUSTER_REFRESH_MIN - since;

    ngx_add_timer(&front->timer, delay);
}


void
ngx_http_rum_cluster_tick(ngx_http_rum_redis_server_t *front)
{
    ngx_queue_t                  *q;
    ngx_http_rum_cluster_t       *cluster;
    ngx_http_rum_redis_server_t  *node;

    cluster = front->cluster;

    if (cluster == NULL
        || ngx_current_msec - cluster->refreshed
           < NGX_HTTP_RUM_CLUSTER_DOWN_CHECK)
    {
        return;
    }

    if (!ngx_queue_empty(&front->pending)) {
        ngx_http_rum_cluster_refresh(front);
        return;
    }

    for (q = ngx_queue_head(&cluster->nodes);
         q != ngx_queue_sentinel(&cluster->nodes);
         q = ngx_queue_next(q))
    {
        node = ngx_queue_data(q, ngx_http_rum_redis_server_t, node);

        if (node->state != NGX_HTTP_RUM_REDIS_READY
            && (!ngx_queue_empty(&node->pending)
                || !ngx_queue_empty(&node->inflight)))
        {
            ngx_http_rum_cluster_refresh(front);
            return;
        }
    }
}


/* the node at host:port, made and started when new */

static ngx_http_rum_redis_server_t *
ngx_http_rum_cluster_node(ngx_http_rum_redis_server_t *front,
    const char *host, size_t len, int port)
{
    u_char                       *p;
    size_t                        size;
    ngx_uint_t                    ipv6;
    ngx_queue_t                  *q;
    ngx_http_rum_cluster_t       *cluster;
    ngx_http_rum_redis_server_t  *node;

    cluster = front->cluster;

    if (len > NGX_SOCKADDR_STRLEN) {
        return NULL;
    }

    if (!ngx_http_rum_redis_numeric(host, len)) {
        /* its slots stay without an owner: their entries wait */

        if (cluster->named != ngx_time()) {
            cluster->named = ngx_time();

            ngx_log_error(NGX_LOG_ERR, front->log, 0,
                          "rum: Redis \"%V\": a node is named \"%*s\", a "
                          "host name a worker cannot resolve without "
                          "blocking: set the nodes' "
                          "cluster-preferred-endpoint-type to ip",
                          &front->name, len, host);
        }

        return NULL;
    }

    for (q = ngx_queue_head(&cluster->nodes);
         q != ngx_queue_sentinel(&cluster->nodes);
         q = ngx_queue_next(q))
    {
        node = ngx_queue_data(q, ngx_http_rum_redis_server_t, node);

        if (node->ports[0] == port
            && ngx_strlen(node->hosts[0]) == len
            && ngx_strncmp(node->hosts[0], host, len) == 0)
        {
            return node;
        }
    }

    /* the server, its address, and its name: "host:port", "[ipv6]:port" */

    ipv6 = (ngx_strlchr((u_char *) host, (u_char *) host + len, ':')
            != NULL);

    size = sizeof(ngx_http_rum_redis_server_t) + sizeof(char *)
           + sizeof(int) + len + 1 + len + sizeof("[]:65535");

    node = ngx_calloc(size, front->log);
    if (node == NULL) {
        return NULL;
    }

    node->hosts = (char **) (node + 1);
    node->ports = (int *) (node->hosts + 1);
    node->nhosts = 1;

    p = (u_char *) (node->ports + 1);
    node->hosts[0] = (char *) p;
    p = ngx_cpymem(p, host, len);
    *p++ = '\0';
    node->ports[0] = port;

    node->name.data = p;
    node->name.len = (ipv6 ? ngx_sprintf(p, "[%*s]:%d", len, host, port)
                           : ngx_sprintf(p, "%*s:%d", len, host, port))
                     - p;

    node->rmcf = front->rmcf;
    node->user = front->user;
    node->password = front->password;
    node->db = -1;
    node->connect_timeout = front->connect_timeout;

    /* spooled, its entries come back to the cluster, routed anew */
    node->spool_key = front->spool_key;
    node->slot = ngx_http_rum_cluster_counters(&node->name, front->slot);

    node->front = front;

    ngx_queue_insert_tail(&cluster->nodes, &node->node);
    cluster->nnodes++;

    ngx_log_error(NGX_LOG_INFO, front->log, 0,
                  "rum: Redis \"%V\": a primary at %V",
                  &front->name, &node->name);

    ngx_http_rum_redis_start(node, front->log);

    return node;
}


/* a node that serves no slot and holds nothing goes */

static void
ngx_http_rum_cluster_retire(ngx_http_rum_redis_server_t *node)
{
    ngx_http_rum_cluster_t  *cluster;

    cluster = node->front->cluster;

    ngx_log_error(NGX_LOG_INFO, node->log, 0,
                  "rum: Redis \"%V\": %V serves no slot now",
                  &node->front->name, &node->name);

    ngx_queue_remove(&node->node);
    cluster->nnodes--;
    node->front->host = 0;

    ngx_http_rum_redis_stop(node);
    ngx_free(node);
}


/*
 * A node's counters in shared memory: found by its name, or a free slot
 * taken (the first worker to name a node takes it, the others find it).
 */

static ngx_uint_t
ngx_http_rum_cluster_counters(ngx_str_t *name, ngx_uint_t parent)
{
    size_t                           len;
    uint32_t                         key;
    ngx_uint_t                       n;
    ngx_http_rum_server_counters_t  *c;

    if (ngx_http_rum_counters == NULL || parent == 0) {
        return 0;
    }

    key = ngx_crc32_short(name->data, name->len) | 1;

    for (n = 1; n <= NGX_HTTP_RUM_MAX_SERVERS; n++) {
        c = &ngx_http_rum_counters->servers[n];

        if (c->key == key && c->parent == parent) {
            return n;
        }

        if (c->key == 0 && ngx_atomic_cmp_set(&c->key, 0, key)) {
            len = ngx_min(name->len, sizeof(c->name) - 1);
            ngx_memcpy(c->name, name->data, len);
            c->name[len] = '\0';
            c->parent = parent;
            return n;
        }
    }

    return 0;
}


size_t
ngx_http_rum_cluster_status_size(ngx_http_rum_redis_server_t *front)
{
    size_t      size;
    ngx_uint_t  n;

    size = 0;

    for (n = 1; n <= NGX_HTTP_RUM_MAX_SERVERS; n++) {
        if (front->slot
            && ngx_http_rum_counters->servers[n].parent == front->slot)
        {
            /* JSON and each Prometheus family, the names escaped */
            size += 1024 + 11 * (256 + 6 * (64 + front->name.len));
        }
    }

    return size;
}


u_char *
ngx_http_rum_cluster_status_json(u_char *p, u_char *last,
    ngx_http_rum_redis_server_t *front)
{
    ngx_str_t                        name;
    ngx_uint_t                       n;
    ngx_http_rum_server_counters_t  *c;

    for (n = 1; n <= NGX_HTTP_RUM_MAX_SERVERS; n++) {
        c = &ngx_http_rum_counters->servers[n];

        if (front->slot == 0 || c->parent != front->slot
            || c->name[0] == '\0' || last - p < 1024)
        {
            continue;
        }

        name.data = c->name;
        name.len = ngx_strnlen(c->name, sizeof(c->name));

        *p++ = ',';
        p = ngx_http_rum_redis_server_json(p, &name, &front->name, c);
    }

    return p;
}


u_char *
ngx_http_rum_cluster_status_prometheus(u_char *p, u_char *last,
    ngx_http_rum_redis_server_t *front, char *family, size_t offset)
{
    ngx_str_t                        name;
    ngx_uint_t                       n;
    ngx_http_rum_server_counters_t  *c;

    for (n = 1; n <= NGX_HTTP_RUM_MAX_SERVERS; n++) {
        c = &ngx_http_rum_counters->servers[n];

        if (front->slot == 0 || c->parent != front->slot
            || c->name[0] == '\0'
            || last - p < 256 + 6 * (ssize_t) front->name.len)
        {
            continue;
        }

        name.data = c->name;
        name.len = ngx_strnlen(c->name, sizeof(c->name));

        p = ngx_http_rum_redis_server_sample(p, family, &name, &front->name,
                                             (ngx_atomic_t *)
                                                 ((u_char *) c + offset));
    }

    return p;
}
