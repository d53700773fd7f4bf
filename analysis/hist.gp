# hist.gp — histogram from histogram buckets: one set of boxes per
# (run, metric), translucent so overlaid runs stay readable.  Set logx=1
# for a logarithmic x axis (buckets are log-linear).
#
# Data: one block per set; columns
#   1  bucket lower bound (metric's unit)
#   2  bucket upper bound
#   3  density: share of records in the bucket per unit of the value
load scriptdir.'/common.gp'
if (exists("logx") && logx) { set logscale x }
set yrange [0:*]
set style fill transparent solid 0.35 border
plot for [i=1:nblocks] datafile index (i-1) using (($1+$2)/2):3:1:2:(0):3 \
     with boxxyerror title titles[i]
