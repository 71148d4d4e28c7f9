// Component figures as samples, named like the figures the milvus target
// reads from Milvus's /metrics, so probes treat both targets alike.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

#include "engine.hpp"

namespace emb
{

namespace
{

const char *const METRIC_NAMES[] = {"L2", "IP", "COSINE"};
const char *const SEGMENT_STATES[] = {"growing", "sealed", "indexing", "indexed", "failed"};

using Labels = std::vector<std::pair<const char *, std::string>>;

struct Emitter {
    vmon_emit_fn fn;
    void *arg;
    int rc = VMON_OK;

    void operator()(const char *name, double value, const Labels &labels,
                    uint32_t type = VMON_SAMPLE_GAUGE)
    {
        if (std::isnan(value))
            return;
        std::vector<vmon_label> l;
        for (auto &p : labels)
            l.push_back(vmon_label{p.first, p.second.c_str()});
        vmon_sample s{};
        s.struct_size = sizeof s;
        s.name = name;
        s.n_labels = static_cast<uint32_t>(l.size());
        s.labels = l.data();
        s.value = value;
        s.type = type;
        int r = fn(arg, &s);
        if (r != VMON_OK && rc == VMON_OK)
            rc = r;
    }
};

double rss_bytes()
{
    long pages = 0, resident = 0;
    FILE *f = std::fopen("/proc/self/statm", "r");
    if (!f)
        return NAN;
    int n = std::fscanf(f, "%ld %ld", &pages, &resident);
    std::fclose(f);
    return n == 2 ? double(resident) * double(sysconf(_SC_PAGESIZE)) : NAN;
}

std::string num(double v)
{
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
}

void proxy(Collection &c, Emitter &e)
{
    Labels l{{"collection", c.name()}};
    CollectionMetrics &m = c.metrics;
    e("proxy.search_requests_total", double(m.search_requests), l, VMON_SAMPLE_COUNTER);
    e("proxy.search_queries_total", double(m.search_queries), l, VMON_SAMPLE_COUNTER);
    e("proxy.search_failures_total", double(m.search_failures), l, VMON_SAMPLE_COUNTER);
    e("proxy.insert_requests_total", double(m.insert_requests), l, VMON_SAMPLE_COUNTER);
    e("proxy.insert_failures_total", double(m.insert_failures), l, VMON_SAMPLE_COUNTER);
    e("proxy.delete_requests_total", double(m.delete_requests), l, VMON_SAMPLE_COUNTER);
    std::vector<double> p = m.latency.percentiles({0.5, 0.95, 0.99});
    e("proxy.search_latency_p50_ms", p[0], l);
    e("proxy.search_latency_p95_ms", p[1], l);
    e("proxy.search_latency_p99_ms", p[2], l);
    std::vector<uint64_t> cum;
    double sum;
    uint64_t count;
    m.latency.histogram(cum, sum, count);
    for (size_t i = 0; i < cum.size(); i++) {
        std::string le = i < LATENCY_BOUNDS_MS.size() ? num(LATENCY_BOUNDS_MS[i]) : "+Inf";
        e("proxy.search_latency_ms_bucket", double(cum[i]), {{"collection", c.name()}, {"le", le}},
          VMON_SAMPLE_HISTOGRAM_BUCKET);
    }
    e("proxy.search_latency_ms_sum", sum, l, VMON_SAMPLE_HISTOGRAM_SUM);
    e("proxy.search_latency_ms_count", double(count), l, VMON_SAMPLE_HISTOGRAM_COUNT);
}

void querynode(Collection &c, Emitter &e)
{
    struct Walk {
        Collection *c;
        Emitter *e;
        uint64_t n = 0;
    } w{&c, &e};
    c.walk_segments(
        [](void *arg, const vmon_segment_info *s) {
            Walk *w = static_cast<Walk *>(arg);
            Labels l{{"collection", w->c->name()},
                     {"segment_id", std::to_string(s->id)},
                     {"state", SEGMENT_STATES[s->state % 5]},
                     {"index_type", s->index_type}};
            if (s->rows == 0 && s->state == VMON_SEGMENT_GROWING)
                return 0;
            (*w->e)("querynode.segment_rows", double(s->rows), l);
            (*w->e)("querynode.segment_memory_bytes", double(s->memory_bytes), l);
            w->n++;
            return 0;
        },
        &w);
    e("querynode.segments", double(w.n), {{"collection", c.name()}});
}

void datanode(Collection &c, Emitter &e)
{
    vmon_collection_stats st;
    c.stats(st);
    Labels l{{"collection", c.name()}};
    CollectionMetrics &m = c.metrics;
    e("datanode.rows_total", double(st.row_count), l);
    e("datanode.deleted_rows", double(st.deleted_rows), l);
    e("datanode.data_size_bytes", double(st.row_count + st.deleted_rows) * st.dim * 4, l);
    e("datanode.inserted_rows_total", double(m.inserted_rows), l, VMON_SAMPLE_COUNTER);
    e("datanode.insert_rows_per_second", m.insert_rate(monotonic_ns()), l);
    e("datanode.flushes_total", double(m.flushes), l, VMON_SAMPLE_COUNTER);
    e("datanode.flush_duration_ms", m.last_flush_ms, l);
    e("datanode.sealed_segments", double(st.n_sealed), l);
}

void indexnode(Collection &c, Emitter &e)
{
    const IndexSpec &s = c.spec();
    vmon_index_state st;
    c.index_state(st);
    Labels l{{"collection", c.name()}};
    e("indexnode.index_info", 1,
      {{"collection", c.name()},
       {"index_type", st.index_type},
       {"metric", METRIC_NAMES[s.metric % 3]},
       {"nlist", std::to_string(s.nlist)},
       {"m", std::to_string(s.m)},
       {"ef_construction", std::to_string(s.ef_construction)}});
    e("indexnode.build_state", st.state, l);
    e("indexnode.build_progress_ratio", st.progress, l);
    e("indexnode.indexed_rows", double(st.indexed_rows), l);
    e("indexnode.pending_rows", double(st.pending_rows), l);
    e("indexnode.pending_segments", st.pending_segments, l);
    e("indexnode.building_segments", st.building_segments, l);
    e("indexnode.build_duration_ms", st.last_build_ms, l);
    e("indexnode.build_rows_per_second", st.last_rows_per_second, l);
    e("indexnode.builds_total", double(c.metrics.builds_done), l, VMON_SAMPLE_COUNTER);
    e("indexnode.build_failures_total", double(c.metrics.builds_failed), l, VMON_SAMPLE_COUNTER);
}

} // namespace

int Engine::report(const char *component, vmon_emit_fn emit, void *arg)
{
    static const struct {
        const char *name;
        void (*fn)(Collection &, Emitter &);
    } parts[] = {{"proxy", proxy},
                 {"querynode", querynode},
                 {"datanode", datanode},
                 {"indexnode", indexnode}};
    bool known = component == nullptr;
    Emitter e{emit, arg};
    for (auto &p : parts) {
        if (component && std::strcmp(component, p.name) != 0)
            continue;
        known = true;
        for (auto &n : names()) {
            CollectionPtr c;
            try {
                c = get(n.c_str());
            } catch (const Error &) {
                continue; // dropped meanwhile
            }
            p.fn(*c, e);
        }
        if (p.fn == querynode) {
            e("querynode.memory_used_bytes", double(env.memory_used), {});
            e("querynode.process_rss_bytes", rss_bytes(), {});
            if (env.memory_limit)
                e("querynode.memory_limit_bytes", double(env.memory_limit), {});
        }
        if (p.fn == datanode)
            e("datanode.load_errors_total", double(env.load_errors), {}, VMON_SAMPLE_COUNTER);
    }
    if (!known)
        fail(VMON_ENOTSUP, "no component '%s' (proxy, querynode, datanode, indexnode)", component);
    return e.rc;
}

} // namespace emb
