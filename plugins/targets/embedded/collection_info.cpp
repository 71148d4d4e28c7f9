// What a collection reports about itself: stats, segments, index state.
#include "collection.hpp"

#include <cstdio>

#include "emb_api.h"

namespace emb
{

namespace
{
void copy_name(char *dst, const char *src)
{
    std::snprintf(dst, VMON_INDEX_TYPE_LEN, "%s", src);
}
} // namespace

void Collection::stats(vmon_collection_stats &out) const
{
    out = vmon_collection_stats{};
    out.struct_size = sizeof out;
    out.dim = spec_.dim;
    out.metric = spec_.metric;
    bool ivf = spec_.type == EMB_INDEX_IVF_FLAT || spec_.type == EMB_INDEX_IVF_SQ8;
    out.nlist = ivf ? spec_.nlist : 0;
    out.m = spec_.type == EMB_INDEX_HNSW ? spec_.m : 0;
    out.ef_construction = spec_.type == EMB_INDEX_HNSW ? spec_.ef_construction : 0;
    copy_name(out.index_type, emb_index_type_name(spec_.type));
    for (auto &s : snapshot()) {
        uint64_t rows = s->rows(), del = s->deleted_rows();
        if (rows == 0 && !s->sealed())
            continue;
        out.n_segments++;
        out.n_sealed += s->sealed() ? 1 : 0;
        out.row_count += rows - del;
        out.deleted_rows += del;
        out.memory_bytes += s->memory_bytes();
    }
}

void Collection::walk_segments(vmon_segment_fn fn, void *arg) const
{
    for (auto &s : snapshot()) {
        vmon_segment_info info{};
        info.struct_size = sizeof info;
        info.state = static_cast<uint32_t>(s->state.load());
        info.id = s->id();
        info.rows = s->rows();
        info.indexed_rows = s->has_index() ? info.rows : s->indexed_rows.load();
        info.deleted_rows = s->deleted_rows();
        info.memory_bytes = s->memory_bytes();
        copy_name(info.index_type, s->has_index() ? emb_index_type_name(spec_.type) : "FLAT");
        info.node_id = 1; // one in-process query node, id 1 (docs/embedded.md)
        if (fn(arg, &info))
            return;
    }
}

void Collection::index_state(vmon_index_state &out) const
{
    out = vmon_index_state{};
    out.struct_size = sizeof out;
    copy_name(out.index_type, emb_index_type_name(spec_.type));
    bool failed = false;
    for (auto &s : snapshot()) {
        int st = s->state.load();
        if (st != VMON_SEGMENT_INDEXING && st != VMON_SEGMENT_INDEXED && st != VMON_SEGMENT_FAILED)
            continue;
        out.total_rows += s->rows();
        out.indexed_rows += st == VMON_SEGMENT_INDEXED ? s->rows() : s->indexed_rows.load();
        failed |= st == VMON_SEGMENT_FAILED;
        if (st == VMON_SEGMENT_INDEXING)
            (s->building ? out.building_segments : out.pending_segments)++;
    }
    out.pending_rows = out.total_rows - out.indexed_rows;
    out.progress = out.total_rows ? static_cast<double>(out.indexed_rows) / out.total_rows : 1.0;
    out.last_build_ms = metrics.last_build_ms;
    out.last_rows_per_second = metrics.last_build_rows_per_s;
    if (out.total_rows == 0)
        out.state = VMON_INDEX_NONE;
    else if (failed)
        out.state = VMON_INDEX_FAILED;
    else if (out.building_segments)
        out.state = VMON_INDEX_BUILDING;
    else if (out.pending_segments)
        out.state = VMON_INDEX_PENDING;
    else
        out.state = VMON_INDEX_FINISHED;
}

} // namespace emb
