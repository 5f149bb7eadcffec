# Feature distance and P(true class) under transformations (cf. Zeiler & Fergus Fig. 5)
# Reads only invariance_curves.data.csv; run `gnuplot invariance_curves.gp` in this folder to redraw invariance_curves.png and invariance_curves.svg.
set datafile separator ','
set datafile columnheaders
set datafile missing NaN
set encoding utf8
do for [format in "png svg"] {
  if (format eq "png") {
    set terminal pngcairo size 1260,960 noenhanced font 'sans,10'
  } else {
    set terminal svg size 1260,960 noenhanced font 'sans,10' background '#ffffff'
  }
  set output 'invariance_curves.'.format
  set multiplot layout 3,3 title 'Feature distance and P(true class) under transformations (cf. Zeiler & Fergus Fig. 5)'
  set title 'translation: layer 1'
  set xlabel 'vertical translation (pixels)'
  set ylabel 'normalised distance'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [*:*] noreverse
  set yrange [0:*] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'translation:image0' ? column('bottom_distance') : NaN) with linespoints title '0 (Ankle boot)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'translation:image13' ? column('bottom_distance') : NaN) with linespoints title '13 (Dress)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'translation:image18' ? column('bottom_distance') : NaN) with linespoints title '18 (Bag)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'translation:image2' ? column('bottom_distance') : NaN) with linespoints title '2 (Trouser)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'translation:image8' ? column('bottom_distance') : NaN) with linespoints title '8 (Sandal)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'translation:mean' ? column('bottom_distance') : NaN) with lines title 'mean'
  set title 'translation: layer 7'
  set xlabel 'vertical translation (pixels)'
  set ylabel 'normalised distance'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [*:*] noreverse
  set yrange [0:*] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'translation:image0' ? column('top_distance') : NaN) with linespoints title '0 (Ankle boot)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'translation:image13' ? column('top_distance') : NaN) with linespoints title '13 (Dress)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'translation:image18' ? column('top_distance') : NaN) with linespoints title '18 (Bag)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'translation:image2' ? column('top_distance') : NaN) with linespoints title '2 (Trouser)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'translation:image8' ? column('top_distance') : NaN) with linespoints title '8 (Sandal)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'translation:mean' ? column('top_distance') : NaN) with lines title 'mean'
  set title 'translation: P(true class)'
  set xlabel 'vertical translation (pixels)'
  set ylabel 'P(true class)'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [*:*] noreverse
  set yrange [0:1] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'translation:image0' ? column('p_true') : NaN) with linespoints title '0 (Ankle boot)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'translation:image13' ? column('p_true') : NaN) with linespoints title '13 (Dress)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'translation:image18' ? column('p_true') : NaN) with linespoints title '18 (Bag)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'translation:image2' ? column('p_true') : NaN) with linespoints title '2 (Trouser)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'translation:image8' ? column('p_true') : NaN) with linespoints title '8 (Sandal)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'translation:mean' ? column('p_true') : NaN) with lines title 'mean'
  set title 'scale: layer 1'
  set xlabel 'scale factor'
  set ylabel 'normalised distance'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [*:*] noreverse
  set yrange [0:*] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'scale:image0' ? column('bottom_distance') : NaN) with linespoints title '0 (Ankle boot)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'scale:image13' ? column('bottom_distance') : NaN) with linespoints title '13 (Dress)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'scale:image18' ? column('bottom_distance') : NaN) with linespoints title '18 (Bag)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'scale:image2' ? column('bottom_distance') : NaN) with linespoints title '2 (Trouser)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'scale:image8' ? column('bottom_distance') : NaN) with linespoints title '8 (Sandal)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'scale:mean' ? column('bottom_distance') : NaN) with lines title 'mean'
  set title 'scale: layer 7'
  set xlabel 'scale factor'
  set ylabel 'normalised distance'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [*:*] noreverse
  set yrange [0:*] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'scale:image0' ? column('top_distance') : NaN) with linespoints title '0 (Ankle boot)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'scale:image13' ? column('top_distance') : NaN) with linespoints title '13 (Dress)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'scale:image18' ? column('top_distance') : NaN) with linespoints title '18 (Bag)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'scale:image2' ? column('top_distance') : NaN) with linespoints title '2 (Trouser)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'scale:image8' ? column('top_distance') : NaN) with linespoints title '8 (Sandal)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'scale:mean' ? column('top_distance') : NaN) with lines title 'mean'
  set title 'scale: P(true class)'
  set xlabel 'scale factor'
  set ylabel 'P(true class)'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [*:*] noreverse
  set yrange [0:1] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'scale:image0' ? column('p_true') : NaN) with linespoints title '0 (Ankle boot)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'scale:image13' ? column('p_true') : NaN) with linespoints title '13 (Dress)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'scale:image18' ? column('p_true') : NaN) with linespoints title '18 (Bag)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'scale:image2' ? column('p_true') : NaN) with linespoints title '2 (Trouser)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'scale:image8' ? column('p_true') : NaN) with linespoints title '8 (Sandal)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'scale:mean' ? column('p_true') : NaN) with lines title 'mean'
  set title 'rotation: layer 1'
  set xlabel 'rotation (degrees)'
  set ylabel 'normalised distance'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [*:*] noreverse
  set yrange [0:*] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'rotation:image0' ? column('bottom_distance') : NaN) with linespoints title '0 (Ankle boot)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'rotation:image13' ? column('bottom_distance') : NaN) with linespoints title '13 (Dress)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'rotation:image18' ? column('bottom_distance') : NaN) with linespoints title '18 (Bag)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'rotation:image2' ? column('bottom_distance') : NaN) with linespoints title '2 (Trouser)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'rotation:image8' ? column('bottom_distance') : NaN) with linespoints title '8 (Sandal)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'rotation:mean' ? column('bottom_distance') : NaN) with lines title 'mean'
  set title 'rotation: layer 7'
  set xlabel 'rotation (degrees)'
  set ylabel 'normalised distance'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [*:*] noreverse
  set yrange [0:*] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'rotation:image0' ? column('top_distance') : NaN) with linespoints title '0 (Ankle boot)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'rotation:image13' ? column('top_distance') : NaN) with linespoints title '13 (Dress)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'rotation:image18' ? column('top_distance') : NaN) with linespoints title '18 (Bag)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'rotation:image2' ? column('top_distance') : NaN) with linespoints title '2 (Trouser)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'rotation:image8' ? column('top_distance') : NaN) with linespoints title '8 (Sandal)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'rotation:mean' ? column('top_distance') : NaN) with lines title 'mean'
  set title 'rotation: P(true class)'
  set xlabel 'rotation (degrees)'
  set ylabel 'P(true class)'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [*:*] noreverse
  set yrange [0:1] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'rotation:image0' ? column('p_true') : NaN) with linespoints title '0 (Ankle boot)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'rotation:image13' ? column('p_true') : NaN) with linespoints title '13 (Dress)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'rotation:image18' ? column('p_true') : NaN) with linespoints title '18 (Bag)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'rotation:image2' ? column('p_true') : NaN) with linespoints title '2 (Trouser)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'rotation:image8' ? column('p_true') : NaN) with linespoints title '8 (Sandal)', \
       'invariance_curves.data.csv' using (column('amount')):(strcol('curve') eq 'rotation:mean' ? column('p_true') : NaN) with lines title 'mean'
  unset multiplot
  unset output
}
