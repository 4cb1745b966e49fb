# chart.gp: bench/scaling_model's predicted efficiency T1 / (H x T_H)
# against hosts, per link rate, int8: one server (dashed) and the best
# shard count (solid); left the measured model, right 10x larger.
#   gnuplot -e "datafile='F'; outfile='O.png'" chart.gp
# datafile rows: scale hosts, then per link (1, 10, 25 Gbit/s) the int8
# efficiency with 1 shard and with the best of 1-64 shards.
set terminal pngcairo size 1300,640 font ",10"
set output outfile
set termoption noenhanced
set multiplot layout 1,2 title "Predicted efficiency T1 / (H x T_H), int8, one epoch, one core per host (bench/scaling_model)"
set logscale x 2
set xrange [7:72]
set yrange [0:1.05]
set xtics (8, 16, 32, 64)
set grid
set xlabel "hosts"
set ylabel "efficiency"
set key below horizontal maxrows 3
set datafile missing "-"
do for [s in "1 10"] {
  set title sprintf("model x%s (values)", s)
  plot datafile using ($1 == s ? $2 : NaN):3 with linespoints dt 2 pt 4 lc rgb "#b03a2e" title "1 Gbit/s, 1 shard", \
       '' using ($1 == s ? $2 : NaN):4 with linespoints pt 5 lc rgb "#b03a2e" title "1 Gbit/s, best shards", \
       '' using ($1 == s ? $2 : NaN):5 with linespoints dt 2 pt 6 lc rgb "#1f618d" title "10 Gbit/s, 1 shard", \
       '' using ($1 == s ? $2 : NaN):6 with linespoints pt 7 lc rgb "#1f618d" title "10 Gbit/s, best shards", \
       '' using ($1 == s ? $2 : NaN):7 with linespoints dt 2 pt 8 lc rgb "#117a65" title "25 Gbit/s, 1 shard", \
       '' using ($1 == s ? $2 : NaN):8 with linespoints pt 9 lc rgb "#117a65" title "25 Gbit/s, best shards", \
       0.8 with lines lc rgb "#555555" dt 3 lw 1.5 title "80 %"
}
unset multiplot
