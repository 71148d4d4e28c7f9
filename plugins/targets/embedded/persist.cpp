#include "persist.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include <faiss/impl/FaissException.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>

#include <vmon/target.h>

#include "blob.hpp"
#include "emb_api.h"
#include "error.hpp"

namespace emb
{

namespace
{

const char META_FILE[] = "collection.vmon";

struct SegmentHeader {
    uint64_t rows;
    uint32_t dim;
    uint32_t reserved;
};

void put(std::vector<uint8_t> &out, const void *p, size_t n)
{
    const uint8_t *c = static_cast<const uint8_t *>(p);
    out.insert(out.end(), c, c + n);
}

std::vector<std::string> list_dir(const std::string &dir)
{
    std::vector<std::string> names;
    DIR *d = ::opendir(dir.c_str());
    if (!d)
        return names;
    while (struct dirent *e = ::readdir(d))
        names.emplace_back(e->d_name);
    ::closedir(d);
    return names;
}

} // namespace

std::string collection_dir(const std::string &data_dir, const std::string &name)
{
    return data_dir + "/" + name;
}

std::string segment_path(const std::string &dir, int64_t id)
{
    return dir + "/seg_" + std::to_string(id) + ".vmon";
}

std::string index_path(const std::string &dir, int64_t id)
{
    return dir + "/seg_" + std::to_string(id) + ".index.vmon";
}

std::string deletes_path(const std::string &dir, int64_t id)
{
    return dir + "/seg_" + std::to_string(id) + ".deletes.vmon";
}

void save_deletes(const std::string &dir, const Segment &seg)
{
    std::vector<int64_t> ids;
    std::vector<uint8_t> deleted;
    seg.snapshot(ids, deleted);
    uint64_t rows = deleted.size();
    std::vector<uint8_t> out;
    put(out, &rows, sizeof rows);
    put(out, deleted.data(), deleted.size());
    write_blob(deletes_path(dir, seg.id()), BLOB_DELETES, out.data(), out.size());
}

std::vector<uint8_t> load_deletes(const std::string &path, uint64_t rows)
{
    std::vector<uint8_t> b = read_blob(path, BLOB_DELETES);
    uint64_t n = 0;
    if (b.size() >= sizeof n)
        std::memcpy(&n, b.data(), sizeof n);
    if (b.size() != sizeof n + rows || n != rows)
        fail(VMON_ERROR, "%s: deletes for %llu rows, segment has %llu", path.c_str(),
             (unsigned long long)n, (unsigned long long)rows);
    return std::vector<uint8_t>(b.begin() + sizeof n, b.end());
}

void save_meta(const std::string &dir, const std::string &name, const IndexSpec &spec)
{
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        fail(VMON_ERROR, "%s: cannot create folder: %s", dir.c_str(), std::strerror(errno));
    std::ostringstream o;
    o << "name=" << name << "\ndim=" << spec.dim << "\nmetric=" << spec.metric
      << "\nindex=" << emb_index_type_name(spec.type) << "\nnlist=" << spec.nlist
      << "\nm=" << spec.m << "\nef_construction=" << spec.ef_construction << "\n";
    std::string s = o.str();
    write_blob(dir + "/" + META_FILE, BLOB_META, s.data(), s.size());
}

void load_meta(const std::string &dir, std::string &name, IndexSpec &spec)
{
    std::string path = dir + "/" + META_FILE;
    std::vector<uint8_t> b = read_blob(path, BLOB_META);
    std::istringstream in(std::string(b.begin(), b.end()));
    std::string line;
    int index = -1;
    while (std::getline(in, line)) {
        size_t eq = line.find('=');
        if (eq == std::string::npos)
            continue;
        std::string k = line.substr(0, eq), v = line.substr(eq + 1);
        unsigned long n = std::strtoul(v.c_str(), nullptr, 10);
        if (k == "name")
            name = v;
        else if (k == "dim")
            spec.dim = static_cast<uint32_t>(n);
        else if (k == "metric")
            spec.metric = static_cast<uint32_t>(n);
        else if (k == "index")
            index = emb_index_type_parse(v.c_str());
        else if (k == "nlist")
            spec.nlist = static_cast<uint32_t>(n);
        else if (k == "m")
            spec.m = static_cast<uint32_t>(n);
        else if (k == "ef_construction")
            spec.ef_construction = static_cast<uint32_t>(n);
    }
    if (name.empty() || spec.dim == 0 || index < 0 || spec.metric > VMON_METRIC_COSINE)
        fail(VMON_ERROR, "%s: incomplete collection description", path.c_str());
    spec.type = static_cast<uint32_t>(index);
}

void save_segment(const std::string &dir, const Segment &seg)
{
    std::vector<int64_t> ids;
    std::vector<uint8_t> deleted;
    seg.snapshot(ids, deleted);
    SegmentHeader h{ids.size(), seg.dim(), 0};
    std::vector<uint8_t> out;
    out.reserve(sizeof h + ids.size() * (9 + seg.dim() * sizeof(float)));
    put(out, &h, sizeof h);
    put(out, ids.data(), ids.size() * sizeof(int64_t));
    put(out, deleted.data(), deleted.size());
    put(out, seg.sealed_data(), ids.size() * seg.dim() * sizeof(float));
    write_blob(segment_path(dir, seg.id()), BLOB_SEGMENT, out.data(), out.size());
}

SegmentPtr load_segment(const std::string &path, int64_t id, const IndexSpec &spec)
{
    std::vector<uint8_t> b = read_blob(path, BLOB_SEGMENT);
    SegmentHeader h;
    if (b.size() < sizeof h)
        fail(VMON_ERROR, "%s: segment header missing", path.c_str());
    std::memcpy(&h, b.data(), sizeof h);
    if (h.dim != spec.dim)
        fail(VMON_ERROR, "%s: dimension %u, collection has %u", path.c_str(), h.dim, spec.dim);
    uint64_t need = sizeof h + h.rows * (sizeof(int64_t) + 1 + uint64_t(h.dim) * sizeof(float));
    if (h.rows > (1ull << 40) || b.size() != need)
        fail(VMON_ERROR, "%s: %llu rows do not fit the %zu-byte payload", path.c_str(),
             (unsigned long long)h.rows, b.size());
    const uint8_t *p = b.data() + sizeof h;
    std::vector<int64_t> ids(h.rows);
    std::memcpy(ids.data(), p, h.rows * sizeof(int64_t));
    p += h.rows * sizeof(int64_t);
    std::vector<uint8_t> deleted(p, p + h.rows);
    p += h.rows;
    std::vector<float> x(h.rows * h.dim);
    std::memcpy(x.data(), p, x.size() * sizeof(float));
    auto seg = std::make_shared<Segment>(id, spec.dim, spec.metric);
    seg->adopt(std::move(x), std::move(ids), std::move(deleted));
    return seg;
}

void save_index(const std::string &dir, int64_t id, const faiss::Index &index)
{
    faiss::VectorIOWriter w;
    faiss::write_index(&index, &w);
    write_blob(index_path(dir, id), BLOB_INDEX, w.data.data(), w.data.size());
}

std::unique_ptr<faiss::Index> load_index(const std::string &path, const IndexSpec &spec,
                                         uint64_t rows)
{
    faiss::VectorIOReader r;
    r.data = read_blob(path, BLOB_INDEX);
    std::unique_ptr<faiss::Index> index;
    try {
        index.reset(faiss::read_index(&r));
    } catch (const faiss::FaissException &e) {
        fail(VMON_ERROR, "%s: FAISS cannot read it: %s", path.c_str(), e.what());
    }
    if (index->d != static_cast<int>(spec.dim) || static_cast<uint64_t>(index->ntotal) != rows)
        fail(VMON_ERROR, "%s: index has dim %d and %lld rows, segment has %u and %llu",
             path.c_str(), index->d, (long long)index->ntotal, spec.dim, (unsigned long long)rows);
    return index;
}

std::vector<int64_t> list_segments(const std::string &dir)
{
    std::vector<int64_t> ids;
    for (const std::string &n : list_dir(dir)) {
        long long id;
        char tail[16];
        if (std::sscanf(n.c_str(), "seg_%lld.%15s", &id, tail) == 2 &&
            std::strcmp(tail, "vmon") == 0)
            ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

std::vector<std::string> list_collection_dirs(const std::string &data_dir)
{
    std::vector<std::string> dirs;
    for (const std::string &n : list_dir(data_dir)) {
        std::string d = data_dir;
        d.append("/").append(n);
        std::string meta = d;
        meta.append("/").append(META_FILE);
        if (n[0] != '.' && ::access(meta.c_str(), F_OK) == 0)
            dirs.push_back(d);
    }
    std::sort(dirs.begin(), dirs.end());
    return dirs;
}

void remove_collection_dir(const std::string &dir)
{
    for (const std::string &n : list_dir(dir))
        if (n != "." && n != "..") {
            std::string path = dir;
            path.append("/").append(n);
            ::unlink(path.c_str());
        }
    ::rmdir(dir.c_str());
}

} // namespace emb
