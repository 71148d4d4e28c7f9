/* The operations table of target_milvus (each in its own file by concern). */
#include "mv.h"

const vmon_target_ops mv_target_ops = {
    .struct_size = sizeof(vmon_target_ops),
    .kind = VMON_KIND_TARGET,
    .health = mv_health,
    .report = mv_report,
    .list_collections = mv_list_collections,
    .collection_stats = mv_collection_stats,
    .segments = mv_segments,
    .index_state = mv_index_state,
    .search = mv_search,
    .insert = mv_insert,
    .delete_rows = mv_delete_rows,
    .flush = mv_flush,
    .create_collection = mv_create_collection,
    .drop_collection = mv_drop_collection,
    .sample_origin = mv_sample_origin,
};
