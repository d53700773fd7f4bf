# common.gp — terminal and output set-up shared by peerlab's plot scripts.
#
# Loaded by series.gp, cdf.gp, hist.gp and sweep.gp.  Variables (set with
# gnuplot -e by `peerlab plot`, or by hand):
#   term      'pngcairo', 'png' or 'svg'
#   outfile   output file
#   plottitle title above the plot ('' for none)
#   xlabel_text, ylabel_text   axis labels
#   nblocks   number of lines (data blocks, separated by two blank lines)
#   titles    array of nblocks line titles
# Text is never interpreted (noenhanced), so names like peer_count show as is.
if (!exists("plottitle")) plottitle = ''
if (!exists("xlabel_text")) xlabel_text = ''
if (!exists("ylabel_text")) ylabel_text = ''
if (term eq 'svg') {
  set terminal svg size 900,540 dynamic noenhanced font 'Sans,12' background '#ffffff'
} else {
  if (term eq 'pngcairo') {
    set terminal pngcairo size 900,540 noenhanced font 'Sans,10' background '#ffffff'
  } else {
    set terminal png size 900,540 noenhanced background '#ffffff'
  }
}
set output outfile
set title plottitle noenhanced
set xlabel xlabel_text noenhanced
set ylabel ylabel_text noenhanced
set grid lc rgb '#dddddd'
set border 3
set tics nomirror
set key outside below left vertical noenhanced
if (nblocks > 16) { unset key }
