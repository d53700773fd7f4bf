# series.gp — time series: one line per (run, metric).
#
#   gnuplot -e "datafile='d.dat'; outfile='o.png'; term='pngcairo'; nblocks=2; \
#               array titles[2]; titles[1]='run 1'; titles[2]='run 2'; \
#               scriptdir='analysis'" analysis/series.gp
#
# Data: one block per line, blocks separated by two blank lines; columns
#   1  window end, virtual seconds
#   2  value (window mean; for counters the rate per virtual second)
load scriptdir.'/common.gp'
set xrange [0:*]
plot for [i=1:nblocks] datafile index (i-1) using 1:2 with lines lw 1.5 title titles[i]
