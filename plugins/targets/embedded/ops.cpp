// The C boundary: every target operation catches what the engine throws and
// turns it into a vmon_status and one line in `err`.
#include <cstdio>
#include <cstring>
#include <new>

#include "emb_api.h"
#include "engine.hpp"

using emb::Engine;

namespace
{

const char *const INDEX_NAMES[] = {"FLAT", "IVF_FLAT", "IVF_SQ8", "HNSW"};

void set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        std::snprintf(err, errlen, "%s", msg);
}

template <typename F> int guard(char *err, size_t errlen, F f)
{
    try {
        f();
        return VMON_OK;
    } catch (const emb::Error &e) {
        set_err(err, errlen, e.what());
        return e.status();
    } catch (const std::bad_alloc &) {
        set_err(err, errlen, "out of memory");
        return VMON_ENOMEM;
    } catch (const std::exception &e) {
        set_err(err, errlen, e.what());
        return VMON_ERROR;
    } catch (...) {
        set_err(err, errlen, "unknown engine failure");
        return VMON_ERROR;
    }
}

Engine &eng(void *ctx)
{
    return *static_cast<Engine *>(ctx);
}

// Copy what the caller's (possibly older, smaller) struct can hold.
template <typename T> void copy_out(T *out, T &full)
{
    uint32_t n = out->struct_size < sizeof(T) ? out->struct_size : sizeof(T);
    full.struct_size = n;
    std::memcpy(out, &full, n);
}

int health(void *ctx, char *err, size_t errlen)
{
    return guard(err, errlen, [&] { eng(ctx).check_serving(); });
}

int report(void *ctx, const char *component, vmon_emit_fn emit, void *arg, char *err, size_t errlen)
{
    int rc = VMON_OK;
    int g = guard(err, errlen, [&] { rc = eng(ctx).report(component, emit, arg); });
    return g != VMON_OK ? g : rc;
}

int list_collections(void *ctx, vmon_name_fn fn, void *arg, char *err, size_t errlen)
{
    return guard(err, errlen, [&] {
        for (auto &n : eng(ctx).names())
            if (fn(arg, n.c_str()))
                break;
    });
}

int collection_stats(void *ctx, const char *name, vmon_collection_stats *out, char *err,
                     size_t errlen)
{
    return guard(err, errlen, [&] {
        if (!out)
            emb::fail(VMON_EINVAL, "collection_stats: no output");
        vmon_collection_stats full;
        eng(ctx).get(name)->stats(full);
        copy_out(out, full);
    });
}

int segments(void *ctx, const char *name, vmon_segment_fn fn, void *arg, char *err, size_t errlen)
{
    return guard(err, errlen, [&] { eng(ctx).get(name)->walk_segments(fn, arg); });
}

int index_state(void *ctx, const char *name, vmon_index_state *out, char *err, size_t errlen)
{
    return guard(err, errlen, [&] {
        if (!out)
            emb::fail(VMON_EINVAL, "index_state: no output");
        vmon_index_state full;
        eng(ctx).get(name)->index_state(full);
        copy_out(out, full);
    });
}

int search(void *ctx, const char *name, const vmon_search_request *req, int64_t *ids,
           float *distances, char *err, size_t errlen)
{
    return guard(err, errlen, [&] {
        if (!req)
            emb::fail(VMON_EINVAL, "search: no request");
        eng(ctx).get(name)->search(*req, ids, distances, false);
    });
}

int exact_search(void *ctx, const char *name, const vmon_search_request *req, int64_t *ids,
                 float *distances, char *err, size_t errlen)
{
    return guard(err, errlen, [&] {
        if (!req)
            emb::fail(VMON_EINVAL, "exact_search: no request");
        eng(ctx).get(name)->search(*req, ids, distances, true);
    });
}

int insert(void *ctx, const char *name, const float *vectors, uint64_t n, uint32_t dim,
           const int64_t *ids, int64_t *out_ids, char *err, size_t errlen)
{
    return guard(err, errlen, [&] { eng(ctx).get(name)->insert(vectors, n, dim, ids, out_ids); });
}

int delete_rows(void *ctx, const char *name, const int64_t *ids, uint64_t n, uint64_t *n_deleted,
                char *err, size_t errlen)
{
    return guard(err, errlen, [&] {
        uint64_t d = eng(ctx).get(name)->remove(ids, n);
        if (n_deleted)
            *n_deleted = d;
    });
}

int flush(void *ctx, const char *name, char *err, size_t errlen)
{
    return guard(err, errlen, [&] { eng(ctx).get(name)->flush(); });
}

int create_collection(void *ctx, const vmon_collection_spec *spec, char *err, size_t errlen)
{
    return guard(err, errlen, [&] {
        if (!spec)
            emb::fail(VMON_EINVAL, "create_collection: no spec");
        eng(ctx).create(*spec);
    });
}

int drop_collection(void *ctx, const char *name, char *err, size_t errlen)
{
    return guard(err, errlen, [&] { eng(ctx).drop(name); });
}

int sample_queries(void *ctx, const char *name, uint32_t n, uint64_t seed, uint32_t dim, float *out,
                   char *err, size_t errlen)
{
    return guard(err, errlen, [&] { eng(ctx).sample_queries(name, n, seed, dim, out); });
}

} // namespace

extern "C" {

const vmon_target_ops emb_target_ops = {
    sizeof(vmon_target_ops),
    VMON_KIND_TARGET,
    health,
    report,
    list_collections,
    collection_stats,
    segments,
    index_state,
    search,
    insert,
    delete_rows,
    flush,
    create_collection,
    drop_collection,
    sample_queries,
    exact_search,
    nullptr, // sample_origin: the engine is in-process, no database metric behind a sample
};

int emb_engine_create(const emb_config *cfg, void **ctx, char *err, size_t errlen)
{
    return guard(err, errlen, [&] { *ctx = new Engine(*cfg); });
}

int emb_engine_start(void *ctx, char *err, size_t errlen)
{
    return guard(err, errlen, [&] { eng(ctx).start(); });
}

void emb_engine_stop(void *ctx)
{
    guard(nullptr, 0, [&] { eng(ctx).stop(); });
}

void emb_engine_destroy(void *ctx)
{
    guard(nullptr, 0, [&] { delete static_cast<Engine *>(ctx); });
}

const char *emb_index_type_name(uint32_t type)
{
    return type < 4 ? INDEX_NAMES[type] : "UNKNOWN";
}

int emb_index_type_parse(const char *name)
{
    for (int i = 0; name && i < 4; i++)
        if (strcasecmp(name, INDEX_NAMES[i]) == 0)
            return i;
    return -1;
}

} // extern "C"
