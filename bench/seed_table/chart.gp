# chart.gp: seconds per configuration, the seed's vs ours (and the DDP peer),
# on a log-scale y axis; bench/seed_table.sh runs it with
#   gnuplot -e "datafile='F'; outfile='O.png'; peer='S or empty'; unshaped=0|1; what='TEXT'" chart.gp
# datafile rows: "label" seed_seconds our_seconds our_seconds_unshaped_link
# ("-" where a configuration was not re-run unshaped).
set terminal png size 1200,650 font ",11"
set output outfile
# Names hold underscores: no enhanced-text subscripts.
set termoption noenhanced
set title sprintf("The seed's table re-run: seconds to train mnist_cnn (ADAG, window 5, batch 16; ours: %s)", what)
set ylabel "seconds (log scale)"
set xlabel "configuration: hosts x workers"
set logscale y
# From the power of ten below the smallest bar (a quick run's few seconds)
# to above the seed's largest figure.
stats datafile using 3 nooutput
ymin = 10 ** floor(log10(STATS_min / 1.5))
set yrange [ymin:6000]
set grid ytics mytics
set datafile missing "-"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics nomirror
set key top right
peer_title = (peer ne "" ? sprintf("PyTorch DDP (gloo), 2 hosts, 1 Gbit/s: %.0f s", real(peer)) : "")
# Seconds above each bar: a cluster of n bars (gap 1) puts bar k at
# x + (k - (n - 1) / 2) / (n + 1).
if (unshaped) {
  plot datafile using 2:xtic(1) title "seed (dist-keras on Spark, AWS m4.xlarge)" lc rgb "#b03a2e", \
       '' using 3 title "ours, links 1 Gbit/s" lc rgb "#1f618d", \
       '' using 4 title "ours, links unshaped" lc rgb "#85c1e9", \
       '' using ($0 - 0.25):($2 * 1.15):(sprintf($2 < 10 ? "%.1f" : "%.0f", $2)) with labels notitle, \
       '' using ($0):($3 * 1.15):(sprintf($3 < 10 ? "%.1f" : "%.0f", $3)) with labels notitle, \
       '' using ($0 + 0.25):($4 * 1.15):(sprintf($4 < 10 ? "%.1f" : "%.0f", $4)) with labels notitle, \
       (peer ne "" ? real(peer) : 1/0) with lines dt 2 lw 2 lc rgb "#117a65" title peer_title
} else {
  plot datafile using 2:xtic(1) title "seed (dist-keras on Spark, AWS m4.xlarge)" lc rgb "#b03a2e", \
       '' using 3 title "ours, links 1 Gbit/s" lc rgb "#1f618d", \
       '' using ($0 - 1.0 / 6):($2 * 1.15):(sprintf($2 < 10 ? "%.1f" : "%.0f", $2)) with labels notitle, \
       '' using ($0 + 1.0 / 6):($3 * 1.15):(sprintf($3 < 10 ? "%.1f" : "%.0f", $3)) with labels notitle, \
       (peer ne "" ? real(peer) : 1/0) with lines dt 2 lw 2 lc rgb "#117a65" title peer_title
}
