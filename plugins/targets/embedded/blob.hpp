// Our own file wrapper: every file the engine saves carries a header with a
// magic, kind, payload length and checksum, verified in full before any
// parser (FAISS's read_index in particular) sees a byte of it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace emb
{

enum BlobKind : uint32_t {
    BLOB_META = 1,
    BLOB_SEGMENT = 2,
    BLOB_INDEX = 3,
    BLOB_DELETES = 4,
};

/** Write atomically (temp file, fsync, rename). Throws Error naming the path. */
void write_blob(const std::string &path, BlobKind kind, const void *data, uint64_t len);

/**
 * Read and verify. Throws Error (VMON_ERROR) naming the path and what is
 * wrong: missing, truncated, bad magic, wrong kind, length or checksum.
 */
std::vector<uint8_t> read_blob(const std::string &path, BlobKind kind);

uint64_t checksum64(const void *data, uint64_t len);

} // namespace emb
