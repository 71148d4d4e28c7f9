// The ANN benchmark formats: each row is an int32 dimension followed by that
// many float32 (.fvecs) or int32 (.ivecs) values.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>

#include <vmon/abi.h>

#include "emb_api.h"

namespace
{

struct File {
    FILE *f;
    ~File()
    {
        if (f)
            std::fclose(f);
    }
};

int bad(char *err, size_t errlen, const char *path, const char *what)
{
    std::snprintf(err, errlen, "%s: %s", path, what);
    return VMON_EINVAL;
}

} // namespace

extern "C" int emb_read_vecs(const char *path, int ints, uint64_t max_rows, uint32_t *dim,
                             uint64_t *rows, void **out, char *err, size_t errlen)
{
    (void)ints; // both formats have 4-byte values; the caller interprets them
    *out = nullptr;
    File f{std::fopen(path, "rb")};
    if (!f.f) {
        std::snprintf(err, errlen, "%s: cannot open: %s", path, std::strerror(errno));
        return VMON_EINVAL;
    }
    struct stat st;
    int32_t d = 0;
    if (fstat(fileno(f.f), &st) != 0 || std::fread(&d, 4, 1, f.f) != 1)
        return bad(err, errlen, path, "empty or unreadable");
    if (d <= 0 || d > 65536)
        return bad(err, errlen, path, "first row's dimension is not in 1..65536");
    uint64_t row_bytes = 4 + uint64_t(d) * 4;
    if (uint64_t(st.st_size) % row_bytes != 0)
        return bad(err, errlen, path, "size is not a whole number of rows (truncated?)");
    uint64_t n = uint64_t(st.st_size) / row_bytes;
    if (max_rows && max_rows < n)
        n = max_rows;
    float *x = static_cast<float *>(std::malloc(n * uint64_t(d) * 4 + 1));
    if (!x)
        return bad(err, errlen, path, "out of memory");
    std::rewind(f.f);
    for (uint64_t i = 0; i < n; i++) {
        int32_t di = 0;
        if (std::fread(&di, 4, 1, f.f) != 1 || di != d ||
            std::fread(x + i * uint64_t(d), 4, size_t(d), f.f) != size_t(d)) {
            std::free(x);
            return bad(err, errlen, path, "rows disagree on their dimension or are short");
        }
    }
    *dim = static_cast<uint32_t>(d);
    *rows = n;
    *out = x;
    return VMON_OK;
}
