# Transfer from A or B, frozen or fine-tuned (Yosinski et al. 2014, Fig. 2 analogue)
# Reads only accuracy_vs_depth.data.csv; run `gnuplot accuracy_vs_depth.gp` in this folder to redraw accuracy_vs_depth.png and accuracy_vs_depth.svg.
set datafile separator ','
set datafile columnheaders
set datafile missing NaN
set encoding utf8
do for [format in "png svg"] {
  if (format eq "png") {
    set terminal pngcairo size 640,480 noenhanced font 'sans,10'
  } else {
    set terminal svg size 640,480 noenhanced font 'sans,10' background '#ffffff'
  }
  set output 'accuracy_vs_depth.'.format
  set title 'accuracy on B vs copied layers'
  set xlabel 'layers n copied (0 = baseB)'
  set ylabel 'top-1 test accuracy on B (%)'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  set key bottom left
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [*:*] noreverse
  set yrange [*:*] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'accuracy_vs_depth.data.csv' using (column('n')):(strcol('series') eq 'base_b' ? column('accuracy') : NaN) with points linecolor rgb '#000000' title 'baseB', \
       'accuracy_vs_depth.data.csv' using (column('n')):(strcol('series') eq 'bnb' ? column('accuracy') : NaN) with points linecolor rgb '#1f77b4' title 'BnB', \
       'accuracy_vs_depth.data.csv' using (column('n')):(strcol('series') eq 'bnb_mean' ? column('accuracy') : NaN) with lines linecolor rgb '#1f77b4' title '', \
       'accuracy_vs_depth.data.csv' using (column('n')):(strcol('series') eq 'bnb_plus' ? column('accuracy') : NaN) with points linecolor rgb '#d62728' title 'BnB+', \
       'accuracy_vs_depth.data.csv' using (column('n')):(strcol('series') eq 'bnb_plus_mean' ? column('accuracy') : NaN) with lines linecolor rgb '#d62728' title '', \
       'accuracy_vs_depth.data.csv' using (column('n')):(strcol('series') eq 'anb' ? column('accuracy') : NaN) with points linecolor rgb '#2ca02c' title 'AnB', \
       'accuracy_vs_depth.data.csv' using (column('n')):(strcol('series') eq 'anb_mean' ? column('accuracy') : NaN) with lines linecolor rgb '#2ca02c' title '', \
       'accuracy_vs_depth.data.csv' using (column('n')):(strcol('series') eq 'anb_plus' ? column('accuracy') : NaN) with points linecolor rgb '#9467bd' title 'AnB+', \
       'accuracy_vs_depth.data.csv' using (column('n')):(strcol('series') eq 'anb_plus_mean' ? column('accuracy') : NaN) with lines linecolor rgb '#9467bd' title '', \
       89.35 with lines dashtype 2 linecolor rgb '#555555' title 'baseB mean'
  unset output
}
