#include "env.hpp"

namespace emb
{

void Env::reserve(uint64_t bytes, const std::string &what)
{
    uint64_t cur = memory_used.load();
    do {
        if (memory_limit && cur + bytes > memory_limit)
            fail(VMON_ENOMEM,
                 "%s: memory limit reached: %llu bytes in use, %llu more needed, limit %llu "
                 "(raise memory_limit or delete rows)",
                 what.c_str(), (unsigned long long)cur, (unsigned long long)bytes,
                 (unsigned long long)memory_limit);
    } while (!memory_used.compare_exchange_weak(cur, cur + bytes));
}

} // namespace emb
