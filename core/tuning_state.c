#include "tuning_state.h"

#include "sqlite_lib.h"
#include "strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_FORMAT  1
#define STATE_BUSY_MS 5000
#define STATE_FILE    "tuning.db"

static const char *const state_names[] = {"no_params", "no_baseline", "watching", "running",
                                          "paused"};
#define N_STATES (sizeof state_names / sizeof state_names[0])

struct vmon_tuning_store {
    const vmon_sqlite_api *sq;
    sqlite3 *db;
    char *path;
};

/* ---- JSON ---- */

static json_object *params_json(const vmon_search_params *p)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "top_k", json_object_new_int64(p->top_k));
    json_object_object_add(o, "nprobe", json_object_new_int64(p->nprobe));
    json_object_object_add(o, "ef", json_object_new_int64(p->ef));
    return o;
}

static void add_number(json_object *o, const char *key, double v)
{
    if (isfinite(v)) /* NaN (not measured) is left out: JSON has no NaN */
        json_object_object_add(o, key, json_object_new_double(v));
}

static json_object *figures_json(const vmon_arm_figures *f)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "samples", json_object_new_int64(f->samples));
    json_object_object_add(o, "errors", json_object_new_int64(f->errors));
    json_object_object_add(o, "recall_exact", json_object_new_int64(f->recall_exact));
    json_object_object_add(o, "recall_queries", json_object_new_int64(f->recall_queries));
    add_number(o, "mean_ms", f->mean_ms);
    add_number(o, "p50_ms", f->p50_ms);
    add_number(o, "p95_ms", f->p95_ms);
    add_number(o, "p99_ms", f->p99_ms);
    add_number(o, "qps", f->qps);
    add_number(o, "recall", f->recall);
    add_number(o, "recall_low", f->recall_low);
    add_number(o, "recall_high", f->recall_high);
    return o;
}

char *vmon_exp_snapshot_to_json(const vmon_exp_snapshot *s)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "format", json_object_new_int(STATE_FORMAT));
    json_object_object_add(
        o, "state", json_object_new_string(s->state < N_STATES ? state_names[s->state] : "?"));
    json_object_object_add(o, "step", json_object_new_int64(s->step));
    json_object_object_add(o, "experiment", json_object_new_int64((int64_t)s->experiment));
    json_object_object_add(o, "started_ms", json_object_new_int64(s->started_ms));
    json_object_object_add(o, "current", params_json(&s->current));
    if (s->has_previous)
        json_object_object_add(o, "previous", params_json(&s->previous));
    json_object_object_add(o, "candidate", params_json(&s->candidate));
    if (s->has_baseline)
        json_object_object_add(o, "baseline", figures_json(&s->baseline));
    char *text = vmon_strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return text;
}

static int get_u32(json_object *o, const char *key, uint32_t *out)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
        return -1;
    int64_t i = json_object_get_int64(v);
    if (i < 0 || i > UINT32_MAX)
        return -1;
    *out = (uint32_t)i;
    return 0;
}

static double get_number(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return NAN;
    return json_object_get_double(v);
}

static int params_from(json_object *o, const char *key, vmon_search_params *p)
{
    json_object *v;
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    if (!json_object_object_get_ex(o, key, &v))
        return -1;
    return get_u32(v, "top_k", &p->top_k) || get_u32(v, "nprobe", &p->nprobe) ||
                   get_u32(v, "ef", &p->ef)
               ? -1
               : 0;
}

static int figures_from(json_object *o, vmon_arm_figures *f)
{
    memset(f, 0, sizeof *f);
    f->struct_size = sizeof *f;
    if (get_u32(o, "samples", &f->samples) || get_u32(o, "errors", &f->errors) ||
        get_u32(o, "recall_exact", &f->recall_exact) ||
        get_u32(o, "recall_queries", &f->recall_queries))
        return -1;
    f->mean_ms = get_number(o, "mean_ms");
    f->p50_ms = get_number(o, "p50_ms");
    f->p95_ms = get_number(o, "p95_ms");
    f->p99_ms = get_number(o, "p99_ms");
    f->qps = get_number(o, "qps");
    f->recall = get_number(o, "recall");
    f->recall_low = get_number(o, "recall_low");
    f->recall_high = get_number(o, "recall_high");
    return 0;
}

static int state_from(json_object *o, uint32_t *out)
{
    json_object *v;
    if (!json_object_object_get_ex(o, "state", &v) || !json_object_is_type(v, json_type_string))
        return -1;
    for (uint32_t i = 0; i < N_STATES; i++)
        if (!strcmp(json_object_get_string(v), state_names[i])) {
            *out = i;
            return 0;
        }
    return -1;
}

static int snapshot_from(json_object *o, vmon_exp_snapshot *s, char *err, size_t errlen)
{
    uint32_t format = 0, experiment = 0;
    json_object *v;
    if (get_u32(o, "format", &format) || format != STATE_FORMAT) {
        snprintf(err, errlen, "format %u, this vmond reads format %d", format, STATE_FORMAT);
        return -1;
    }
    memset(s, 0, sizeof *s);
    if (state_from(o, &s->state) || get_u32(o, "step", &s->step) ||
        get_u32(o, "experiment", &experiment) || params_from(o, "current", &s->current) ||
        params_from(o, "candidate", &s->candidate)) {
        snprintf(err, errlen, "a field is missing or of the wrong type");
        return -1;
    }
    s->experiment = experiment;
    if (json_object_object_get_ex(o, "started_ms", &v))
        s->started_ms = json_object_get_int64(v);
    s->has_previous = params_from(o, "previous", &s->previous) == 0;
    if (json_object_object_get_ex(o, "baseline", &v)) {
        if (figures_from(v, &s->baseline)) {
            snprintf(err, errlen, "the baseline is incomplete");
            return -1;
        }
        s->has_baseline = 1;
    }
    return 0;
}

int vmon_exp_snapshot_from_json(const char *text, vmon_exp_snapshot *out, char *err, size_t errlen)
{
    json_object *o = json_tokener_parse(text);
    if (!o || !json_object_is_type(o, json_type_object)) {
        snprintf(err, errlen, "not a JSON object");
        json_object_put(o);
        return -1;
    }
    int rc = snapshot_from(o, out, err, errlen);
    json_object_put(o);
    return rc;
}

/* ---- SQLite ---- */

static const char schema_sql[] = "PRAGMA journal_mode = WAL;"
                                 "PRAGMA synchronous = FULL;"
                                 "CREATE TABLE IF NOT EXISTS tuning ("
                                 "  pipeline TEXT NOT NULL,"
                                 "  collection TEXT NOT NULL,"
                                 "  snapshot TEXT NOT NULL,"
                                 "  updated_ms INTEGER NOT NULL,"
                                 "  PRIMARY KEY (pipeline, collection));";

static int make_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (mkdir(dir, 0700) == 0 || (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)))
        return 0;
    snprintf(err, errlen, "state_dir %s: %s; create it as a folder or fix [daemon] state_dir", dir,
             errno == EEXIST ? "exists and is not a folder" : strerror(errno));
    return -1;
}

vmon_tuning_store *vmon_tuning_store_open(const char *dir, char *err, size_t errlen)
{
    char why[512];
    const vmon_sqlite_api *sq = vmon_sqlite(why, sizeof why);
    if (!sq) {
        snprintf(err, errlen, "state_dir %s: %s", dir, why);
        return NULL;
    }
    if (make_dir(dir, err, errlen))
        return NULL;
    vmon_tuning_store *st = vmon_calloc(1, sizeof *st);
    st->sq = sq;
    st->path = vmon_asprintf("%s/%s", dir, STATE_FILE);
    int fd = open(st->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600); /* not the umask's mode */
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create: %s", st->path, strerror(errno));
        vmon_tuning_store_close(st);
        return NULL;
    }
    close(fd);
    /* One store serves every pipeline's tuning thread: SQLite serialises them (FULLMUTEX). */
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    if (sq->open_v2(st->path, &st->db, flags, NULL) != SQLITE_OK ||
        (sq->busy_timeout(st->db, STATE_BUSY_MS),
         sq->exec(st->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK)) {
        snprintf(err, errlen, "%s: %s", st->path, st->db ? sq->errmsg(st->db) : "out of memory");
        vmon_tuning_store_close(st);
        return NULL;
    }
    return st;
}

void vmon_tuning_store_close(vmon_tuning_store *st)
{
    if (!st)
        return;
    if (st->db)
        st->sq->close(st->db);
    free(st->path);
    free(st);
}

static sqlite3_stmt *prepare(vmon_tuning_store *st, const char *sql, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    if (st->sq->prepare_v3(st->db, sql, -1, 0, &s, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", st->path, st->sq->errmsg(st->db));
        return NULL;
    }
    return s;
}

int vmon_tuning_store_save(vmon_tuning_store *st, const char *pipeline, const char *collection,
                           const vmon_exp_snapshot *snap, char *err, size_t errlen)
{
    sqlite3_stmt *s = prepare(
        st,
        "INSERT INTO tuning(pipeline, collection, snapshot, updated_ms) "
        "VALUES (?1, ?2, ?3, CAST(strftime('%s', 'now') AS INTEGER) * 1000) ON CONFLICT(pipeline, "
        "collection) DO UPDATE SET snapshot = ?3, updated_ms = "
        "CAST(strftime('%s', 'now') AS INTEGER) * 1000",
        err, errlen);
    if (!s)
        return -1;
    char *text = vmon_exp_snapshot_to_json(snap);
    st->sq->bind_text(s, 1, pipeline, -1, SQLITE_STATIC);
    st->sq->bind_text(s, 2, collection ? collection : "", -1, SQLITE_STATIC);
    st->sq->bind_text(s, 3, text, -1, SQLITE_STATIC);
    int rc = st->sq->step(s);
    if (rc != SQLITE_DONE)
        snprintf(err, errlen, "%s: save %s: %s", st->path, pipeline, st->sq->errmsg(st->db));
    st->sq->finalize(s);
    free(text);
    return rc == SQLITE_DONE ? 0 : -1;
}

int vmon_tuning_store_load(vmon_tuning_store *st, const char *pipeline, const char *collection,
                           vmon_exp_snapshot *out, char *err, size_t errlen)
{
    sqlite3_stmt *s = prepare(
        st, "SELECT snapshot FROM tuning WHERE pipeline = ?1 AND collection = ?2", err, errlen);
    if (!s)
        return -1;
    st->sq->bind_text(s, 1, pipeline, -1, SQLITE_STATIC);
    st->sq->bind_text(s, 2, collection ? collection : "", -1, SQLITE_STATIC);
    int rc = st->sq->step(s), found = 0;
    if (rc == SQLITE_ROW) {
        const char *bytes = st->sq->column_blob(s, 0);
        int n = st->sq->column_bytes(s, 0);
        char *text = vmon_strndup(bytes ? bytes : "", (size_t)n);
        char why[200];
        found = vmon_exp_snapshot_from_json(text, out, why, sizeof why) == 0;
        if (!found)
            snprintf(err, errlen,
                     "%s: the saved state of %s is unreadable (%s); tuning starts "
                     "afresh",
                     st->path, pipeline, why);
        free(text);
    } else if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s: load %s: %s", st->path, pipeline, st->sq->errmsg(st->db));
        found = -1;
    }
    st->sq->finalize(s);
    return found;
}
