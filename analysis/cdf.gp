# cdf.gp — cumulative distribution from histogram buckets: one line per
# (run, metric).  Set logx=1 for a logarithmic x axis.
#
# Data: one block per line; columns
#   1  value (bucket upper bound, metric's unit)
#   2  share of records <= value (0..1)
load scriptdir.'/common.gp'
if (exists("logx") && logx) { set logscale x }
set yrange [0:1.02]
set ytics 0.1
plot for [i=1:nblocks] datafile index (i-1) using 1:2 with steps lw 1.5 title titles[i]
