dist_man_MANS += man/amass.7 man/amass-cluster.1
dist_man_MANS += man/amass-classify.1
dist_man_MANS += man/amass-embed.1
