/* Defaults of an amass-cluster run. */
#include "config.h"

#include <string.h>

#include "cluster.h"

void amass_cluster_job_init(amass_cluster_job *job)
{
    memset(job, 0, sizeof *job);
    amass_kmeans_options_default(&job->kmeans);
    job->k_min = 2;
    job->k_max = 10;
    job->sample = 10000;
    job->summary.silhouette = -2; /* below any silhouette: none computed */
}
