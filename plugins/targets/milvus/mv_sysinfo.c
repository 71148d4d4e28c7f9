/*
 * Node capacity from the proxy's legacy GetMetrics route:
 * GET :9091/api/v1/metrics {"request":"{\"metric_type\":\"system_info\"}"}
 * answers {"response":"<JSON text>"} whose nodes_info lists every node with
 * its hardware (memory, memory_usage). The query nodes' figures become
 * querynode.memory_capacity_bytes and querynode.node_memory_used_bytes per
 * node_id, so memory can be judged against the node, not the monitoring host.
 * Each node's infos.system_info.build_version ("v2.4.5") is the Milvus
 * version: the proxy's (else the first node's) is cached for sample_origin.
 */
#include <stdio.h>
#include <string.h>

#include "mv.h"

typedef struct sys_pass {
    mv_ctx *c;
    vmon_emit_fn fn; /* NULL: the version only */
    void *arg;
} sys_pass;

/* The build version of the proxy, else of the first node that gives one. */
static const char *build_version(json_object *nodes)
{
    const char *found = NULL;
    for (size_t i = 0; i < json_object_array_length(nodes); i++) {
        json_object *infos, *sys, *node = json_object_array_get_idx(nodes, i);
        if (!json_object_object_get_ex(node, "infos", &infos) ||
            !json_object_object_get_ex(infos, "system_info", &sys))
            continue;
        const char *v = mv_json_member_string(sys, "build_version");
        const char *type = mv_json_member_string(infos, "type");
        if (!v || !v[0])
            continue;
        if (type && strcmp(type, "proxy") == 0)
            return v;
        if (!found)
            found = v;
    }
    return found;
}

static void emit_node(const sys_pass *p, json_object *node)
{
    json_object *infos, *hw;
    if (!json_object_object_get_ex(node, "infos", &infos) ||
        !json_object_object_get_ex(infos, "hardware_infos", &hw))
        return;
    const char *type = mv_json_member_string(infos, "type");
    if (!type || strcmp(type, "querynode") != 0)
        return;
    int64_t id = mv_json_member_int64(node, "identifier", mv_json_member_int64(infos, "id", -1));
    char node_id[24];
    snprintf(node_id, sizeof node_id, "%lld", (long long)id);
    vmon_label l[] = {{"node_id", node_id}};
    int64_t memory = mv_json_member_int64(hw, "memory", -1);
    int64_t usage = mv_json_member_int64(hw, "memory_usage", -1);
    vmon_sample s = {.struct_size = sizeof s, .n_labels = 1, .labels = l};
    if (memory > 0) {
        s.name = "querynode.memory_capacity_bytes";
        s.value = (double)memory;
        p->fn(p->arg, &s);
    }
    if (usage >= 0) {
        s.name = "querynode.node_memory_used_bytes";
        s.value = (double)usage;
        p->fn(p->arg, &s);
    }
}

static int on_system_info(void *arg, long status, const char *body, size_t len, char *err,
                          size_t errlen)
{
    sys_pass *p = arg;
    if (status != 200) {
        mv_origin_version_read(p->c, NULL);
        snprintf(err, errlen, "/api/v1/metrics system_info: HTTP %ld", status);
        return VMON_ERROR;
    }
    json_object *root = len ? json_tokener_parse(body) : NULL;
    const char *text = mv_json_member_string(root, "response");
    json_object *topo = text ? json_tokener_parse(text) : NULL, *nodes;
    int rc = VMON_OK;
    if (topo && json_object_object_get_ex(topo, "nodes_info", &nodes) &&
        json_object_is_type(nodes, json_type_array)) {
        mv_origin_version_read(p->c, build_version(nodes));
        for (size_t i = 0; p->fn && i < json_object_array_length(nodes); i++)
            emit_node(p, json_object_array_get_idx(nodes, i));
    } else {
        mv_origin_version_read(p->c, NULL);
        snprintf(err, errlen, "/api/v1/metrics system_info: no nodes_info in the answer");
        rc = VMON_ERROR;
    }
    json_object_put(topo);
    json_object_put(root);
    return rc;
}

int mv_system_info(mv_ctx *c, vmon_emit_fn fn, void *arg, char *err, size_t errlen)
{
    char url[1100];
    snprintf(url, sizeof url, "%s/api/v1/metrics", c->endpoints[0]);
    sys_pass p = {c, fn, arg};
    return mv_get(c, url, "GET", "{\"request\":\"{\\\"metric_type\\\":\\\"system_info\\\"}\"}",
                  on_system_info, &p, err, errlen);
}
