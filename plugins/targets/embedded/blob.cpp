#include "blob.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.hpp"

namespace emb
{

namespace
{

const char MAGIC[8] = {'V', 'M', 'O', 'N', 'B', 'L', 'O', 'B'};
const uint32_t VERSION = 1;

struct Header {
    char magic[8];
    uint32_t kind;
    uint32_t version;
    uint64_t length;
    uint64_t checksum;
    uint64_t header_checksum; // over the fields above
};
static_assert(sizeof(Header) == 40, "blob header layout");

uint64_t header_sum(const Header &h)
{
    return checksum64(&h, offsetof(Header, header_checksum));
}

void write_all(int fd, const void *p, uint64_t len, const std::string &path)
{
    const char *c = static_cast<const char *>(p);
    while (len > 0) {
        ssize_t w = ::write(fd, c, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            fail(VMON_ERROR, "%s: write failed: %s", path.c_str(), std::strerror(errno));
        c += w;
        len -= static_cast<uint64_t>(w);
    }
}

void read_all(int fd, void *p, uint64_t len, const std::string &path)
{
    char *c = static_cast<char *>(p);
    while (len > 0) {
        ssize_t r = ::read(fd, c, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            fail(VMON_ERROR, "%s: truncated while reading", path.c_str());
        c += r;
        len -= static_cast<uint64_t>(r);
    }
}

struct Fd {
    int fd;
    ~Fd()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

} // namespace

uint64_t checksum64(const void *data, uint64_t len)
{
    // FNV-1a over 8-byte words, then the tail bytes: fast enough for index
    // files of hundreds of MB and sensitive to every single-byte change.
    const uint64_t prime = 1099511628211ull;
    uint64_t h = 14695981039346656037ull;
    const unsigned char *p = static_cast<const unsigned char *>(data);
    uint64_t words = len / 8;
    for (uint64_t i = 0; i < words; i++) {
        uint64_t w;
        std::memcpy(&w, p + i * 8, 8);
        h = (h ^ w) * prime;
        h ^= h >> 29;
    }
    for (uint64_t i = words * 8; i < len; i++)
        h = (h ^ p[i]) * prime;
    return h;
}

void write_blob(const std::string &path, BlobKind kind, const void *data, uint64_t len)
{
    Header h;
    std::memcpy(h.magic, MAGIC, sizeof MAGIC);
    h.kind = kind;
    h.version = VERSION;
    h.length = len;
    h.checksum = checksum64(data, len);
    h.header_checksum = header_sum(h);
    std::string tmp = path + ".tmp";
    Fd f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (f.fd < 0)
        fail(VMON_ERROR, "%s: cannot create: %s", tmp.c_str(), std::strerror(errno));
    write_all(f.fd, &h, sizeof h, tmp);
    write_all(f.fd, data, len, tmp);
    if (::fsync(f.fd) != 0)
        fail(VMON_ERROR, "%s: fsync failed: %s", tmp.c_str(), std::strerror(errno));
    if (::rename(tmp.c_str(), path.c_str()) != 0)
        fail(VMON_ERROR, "%s: rename failed: %s", path.c_str(), std::strerror(errno));
}

std::vector<uint8_t> read_blob(const std::string &path, BlobKind kind)
{
    Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (f.fd < 0)
        fail(VMON_ERROR, "%s: cannot open: %s", path.c_str(), std::strerror(errno));
    struct stat st;
    if (::fstat(f.fd, &st) != 0)
        fail(VMON_ERROR, "%s: cannot stat: %s", path.c_str(), std::strerror(errno));
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (size < sizeof(Header))
        fail(VMON_ERROR, "%s: truncated: %llu bytes, shorter than the %zu-byte header",
             path.c_str(), (unsigned long long)size, sizeof(Header));
    Header h;
    read_all(f.fd, &h, sizeof h, path);
    if (std::memcmp(h.magic, MAGIC, sizeof MAGIC) != 0)
        fail(VMON_ERROR, "%s: not a vmon file (bad magic)", path.c_str());
    if (h.header_checksum != header_sum(h))
        fail(VMON_ERROR, "%s: corrupt header (checksum mismatch)", path.c_str());
    if (h.version != VERSION || h.kind != kind)
        fail(VMON_ERROR, "%s: unexpected version %u / kind %u (want %u / %u)", path.c_str(),
             h.version, h.kind, VERSION, static_cast<unsigned>(kind));
    if (h.length != size - sizeof(Header))
        fail(VMON_ERROR, "%s: truncated or padded: header says %llu payload bytes, file has %llu",
             path.c_str(), (unsigned long long)h.length,
             (unsigned long long)(size - sizeof(Header)));
    std::vector<uint8_t> payload(h.length);
    read_all(f.fd, payload.data(), h.length, path);
    if (checksum64(payload.data(), payload.size()) != h.checksum)
        fail(VMON_ERROR, "%s: corrupt: payload checksum mismatch", path.c_str());
    return payload;
}

} // namespace emb
