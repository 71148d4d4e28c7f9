// Saving and loading collections under data_dir: one folder per collection
// holding its description, one file per sealed segment and one per index,
// each wrapped by blob.hpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <faiss/Index.h>

#include "segment.hpp"

namespace emb
{

std::string collection_dir(const std::string &data_dir, const std::string &name);
std::string segment_path(const std::string &dir, int64_t id);
std::string index_path(const std::string &dir, int64_t id);
std::string deletes_path(const std::string &dir, int64_t id);

void save_meta(const std::string &dir, const std::string &name, const IndexSpec &spec);
/** Throws Error naming the path when the file is missing, corrupt or inconsistent. */
void load_meta(const std::string &dir, std::string &name, IndexSpec &spec);

void save_segment(const std::string &dir, const Segment &seg);
SegmentPtr load_segment(const std::string &path, int64_t id, const IndexSpec &spec);

/**
 * Deletes made after a segment was sealed live beside it (a delta, as in
 * Milvus): the segment file stays immutable and its vectors may already be
 * released from memory.
 */
void save_deletes(const std::string &dir, const Segment &seg);
std::vector<uint8_t> load_deletes(const std::string &path, uint64_t rows);

void save_index(const std::string &dir, int64_t id, const faiss::Index &index);
/** The index, checked against the spec and row count before use. */
std::unique_ptr<faiss::Index> load_index(const std::string &path, const IndexSpec &spec,
                                         uint64_t rows);

/** Segment ids with a segment file in `dir`, ascending. */
std::vector<int64_t> list_segments(const std::string &dir);
/** Collection folders (those holding a description) under data_dir. */
std::vector<std::string> list_collection_dirs(const std::string &data_dir);
/** Remove a collection's folder and its files. */
void remove_collection_dir(const std::string &dir);

} // namespace emb
