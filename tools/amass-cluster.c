/* amass-cluster: group vectors with k-means. Options in, one library run
 * (src/cluster/cluster.h) out, a summary line on stderr. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cluster/cluster.h"

enum {
    OPT_CLUSTERS = 1,
    OPT_N_INIT,
    OPT_MAX_ITER,
    OPT_TOL,
    OPT_SEED,
    OPT_ALGORITHM,
    OPT_METRIC,
    OPT_MINI_BATCH,
    OPT_SAMPLE,
    OPT_FIELD,
    OPT_CENTROIDS,
    OPT_INIT,
    OPT_EMIT_STATS,
    OPT_MERGE_STATS
};

static const amass_cli_option cluster_options[] = {
    {"clusters", 'k', "K", OPT_CLUSTERS, "number of clusters; 'auto' or MIN..MAX chooses k by silhouette"},
    {"n-init", 0, "N", OPT_N_INIT, "run k-means++ seeding N times, keep the lowest inertia (default 1)"},
    {"max-iter", 0, "N", OPT_MAX_ITER, "at most N iterations (default 300; mini-batch: N passes, default 100)"},
    {"tol", 0, "X", OPT_TOL, "converged when centroids move less than X times the data variance (1e-4)"},
    {"seed", 0, "N", OPT_SEED, "random seed; the same seed gives the same output (default 0)"},
    {"algorithm", 0, "NAME", OPT_ALGORITHM, "auto (default), lloyd or hamerly"},
    {"metric", 0, "NAME", OPT_METRIC, "euclidean (default) or cosine (vectors scaled to unit length)"},
    {"mini-batch", 0, "B", OPT_MINI_BATCH, "mini-batch k-means with batches of B, in bounded memory"},
    {"sample", 0, "N", OPT_SAMPLE, "with -k auto, measure silhouettes on N vectors (default 10000)"},
    {"field", 0, "NAME", OPT_FIELD, "read vectors from the NDJSON member NAME (default embedding)"},
    {"centroids", 0, "FILE", OPT_CENTROIDS, "write the centroids to FILE as NDJSON"},
    {"init", 0, "FILE", OPT_INIT, "start from the centroids in FILE (--max-iter 0: assign only)"},
    {"emit-stats", 0, NULL, OPT_EMIT_STATS, "map step: write per-cluster sums for the --init centroids"},
    {"merge-stats", 0, NULL, OPT_MERGE_STATS, "reduce step: add up stats files, write new centroids"},
};

typedef struct {
    amass_cluster_job job;
    int max_iter_given;
    int emit_stats, merge_stats;
} cluster_tool;

static int parse_k(cluster_tool *tool, const char *text, amass_status *status)
{
    long k, k_min, k_max;
    const char *dots = strstr(text, "..");
    if (strcmp(text, "auto") == 0) {
        tool->job.k = 0;
        return AMASS_OK;
    }
    if (dots) {
        char low[32];
        if ((size_t)(dots - text) >= sizeof low)
            return amass_fail(status, AMASS_ERR_USAGE, "-k: '%s' is not a range like 2..20", text);
        memcpy(low, text, (size_t)(dots - text));
        low[dots - text] = '\0';
        if (amass_cli_parse_int("-k", low, 2, 1000, &k_min, status) != AMASS_OK ||
            amass_cli_parse_int("-k", dots + 2, k_min, 1000, &k_max, status) != AMASS_OK)
            return status->code;
        tool->job.k = 0;
        tool->job.k_min = (int)k_min;
        tool->job.k_max = (int)k_max;
        return AMASS_OK;
    }
    if (amass_cli_parse_int("-k", text, 1, 1000000, &k, status) != AMASS_OK)
        return status->code;
    tool->job.k = tool->job.kmeans.k = (int)k;
    return AMASS_OK;
}

static int on_option(void *context, int id, const char *argument, amass_status *status)
{
    cluster_tool *tool = context;
    amass_cluster_job *job = &tool->job;
    long number;
    switch (id) {
    case OPT_CLUSTERS: return parse_k(tool, argument, status);
    case OPT_N_INIT:
        if (amass_cli_parse_int("--n-init", argument, 1, 10000, &number, status) != AMASS_OK)
            return status->code;
        job->kmeans.n_init = (int)number;
        return AMASS_OK;
    case OPT_MAX_ITER:
        if (amass_cli_parse_int("--max-iter", argument, 0, 1000000, &number, status) != AMASS_OK)
            return status->code;
        job->kmeans.max_iter = (int)number;
        tool->max_iter_given = 1;
        return AMASS_OK;
    case OPT_TOL: return amass_cli_parse_double("--tol", argument, 0, 1e6, &job->kmeans.tol, status);
    case OPT_SEED:
        if (amass_cli_parse_int("--seed", argument, 0, 0x7fffffffL, &number, status) != AMASS_OK)
            return status->code;
        job->kmeans.seed = (uint64_t)number;
        return AMASS_OK;
    case OPT_ALGORITHM:
        if (strcmp(argument, "auto") == 0)
            job->kmeans.algorithm = AMASS_KMEANS_AUTO;
        else if (strcmp(argument, "lloyd") == 0)
            job->kmeans.algorithm = AMASS_KMEANS_LLOYD;
        else if (strcmp(argument, "hamerly") == 0 || strcmp(argument, "elkan") == 0)
            job->kmeans.algorithm = AMASS_KMEANS_HAMERLY;
        else
            return amass_fail(status, AMASS_ERR_USAGE, "--algorithm: '%s' is not auto, lloyd or hamerly", argument);
        return AMASS_OK;
    case OPT_METRIC:
        if (strcmp(argument, "euclidean") != 0 && strcmp(argument, "cosine") != 0)
            return amass_fail(status, AMASS_ERR_USAGE, "--metric: '%s' is not euclidean or cosine", argument);
        job->cosine = strcmp(argument, "cosine") == 0;
        return AMASS_OK;
    case OPT_MINI_BATCH:
        if (amass_cli_parse_int("--mini-batch", argument, 1, 10000000, &number, status) != AMASS_OK)
            return status->code;
        job->mini_batch = (size_t)number;
        return AMASS_OK;
    case OPT_SAMPLE:
        if (amass_cli_parse_int("--sample", argument, 10, 1000000, &number, status) != AMASS_OK)
            return status->code;
        job->sample = (size_t)number;
        return AMASS_OK;
    case OPT_FIELD: job->field = argument; return AMASS_OK;
    case OPT_CENTROIDS: job->centroids_path = argument; return AMASS_OK;
    case OPT_INIT: job->init_path = argument; return AMASS_OK;
    case OPT_EMIT_STATS: tool->emit_stats = 1; return AMASS_OK;
    case OPT_MERGE_STATS: tool->merge_stats = 1; return AMASS_OK;
    }
    return amass_fail(status, AMASS_ERR_USAGE, "internal: option %d", id);
}

/* Combinations that parse but mean nothing; said plainly before any work. */
static const char *check_combination(const cluster_tool *tool, int k_given)
{
    const amass_cluster_job *job = &tool->job;
    if (tool->emit_stats && tool->merge_stats)
        return "--emit-stats and --merge-stats are two steps; give one";
    if (tool->emit_stats && !job->init_path)
        return "--emit-stats needs --init FILE, the centroids to assign to";
    if (tool->merge_stats && (job->init_path || job->mini_batch))
        return "--merge-stats reads stats files only; drop --init and --mini-batch";
    if (!k_given && !job->init_path && !tool->merge_stats)
        return "say how many clusters: -k K, -k auto, or --init FILE";
    if (job->mini_batch && (job->k == 0 || job->init_path))
        return "--mini-batch needs a fixed -k and no --init";
    if (job->init_path && job->k == 0 && k_given)
        return "-k auto does not go with --init";
    return NULL;
}

static void print_summary(amass_cli *cli, const cluster_tool *tool)
{
    const amass_cluster_summary *s = &tool->job.summary;
    char extra[96] = "";
    if (s->silhouette > -2)
        snprintf(extra, sizeof extra, " silhouette=%.4f", s->silhouette);
    if (tool->merge_stats)
        snprintf(extra, sizeof extra, " shift=%.9g", s->shift);
    amass_cli_note(cli, "n=%zu dim=%zu k=%d inertia=%.9g iterations=%d converged=%s%s n_init=%d read=%.3fs fit=%.3fs",
                   s->n, s->dim, s->k, s->inertia, s->iterations, s->converged ? "yes" : "no", extra,
                   tool->job.kmeans.n_init, s->read_seconds, s->fit_seconds);
}

int main(int argc, char **argv)
{
    static cluster_tool tool;
    amass_cli_common common;
    amass_cli_spec spec = {"amass-cluster", "-k K [OPTIONS] [INPUT...]",
                           "Group vectors (NDJSON \"embedding\" records or TSV rows) with k-means.",
                           cluster_options, sizeof cluster_options / sizeof cluster_options[0], on_option, &tool};
    amass_cli *cli;
    amass_input_list *inputs;
    amass_name_set *done = NULL;
    amass_status status;
    const char *problem;
    int parsed, code, k_given;

    amass_cluster_job_init(&tool.job);
    tool.job.k = -1;
    parsed = amass_cli_parse(&spec, argc, argv, &common);
    if (parsed >= 0)
        return parsed;
    k_given = tool.job.k != -1;
    if (!k_given)
        tool.job.k = 0;
    if ((problem = check_combination(&tool, k_given))) {
        fprintf(stderr, "amass-cluster: %s\nTry 'amass-cluster --help' for more information.\n", problem);
        return AMASS_EXIT_FATAL;
    }
    if (tool.job.mini_batch && !tool.max_iter_given)
        tool.job.kmeans.max_iter = 100; /* passes over the data, as scikit-learn's MiniBatchKMeans */
    if (!(cli = amass_cli_start(&spec, &common)))
        return AMASS_EXIT_FATAL;

    amass_status_clear(&status);
    tool.job.writer = amass_cli_writer(cli);
    tool.job.reporter = amass_cli_reporter(cli);
    tool.job.shard = common.shard.count ? &common.shard : NULL;
    tool.job.precision = common.precision;
    if (common.resume_path && !(done = amass_io_resume_load(common.resume_path, &status))) {
        amass_cli_error(cli, "%s", status.message);
        return amass_cli_finish(cli, 1);
    }
    tool.job.done = done;
    inputs = amass_io_inputs_open(common.inputs, common.n_inputs, common.files_from, common.recursive, &status);
    if (!inputs)
        code = status.code;
    else if (tool.merge_stats)
        code = amass_cluster_run_merge_stats(&tool.job, inputs, &status);
    else if (tool.emit_stats)
        code = amass_cluster_run_emit_stats(&tool.job, inputs, &status);
    else if (tool.job.mini_batch)
        code = amass_cluster_run_minibatch(&tool.job, inputs, &status);
    else
        code = amass_cluster_run_kmeans(&tool.job, inputs, &status);
    amass_io_inputs_close(inputs);
    amass_io_name_set_free(done);
    if (code != AMASS_OK)
        amass_cli_error(cli, "%s", status.message);
    else if (tool.job.summary.n > 0)
        print_summary(cli, &tool);
    return amass_cli_finish(cli, code != AMASS_OK);
}
