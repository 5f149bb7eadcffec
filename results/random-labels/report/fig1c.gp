# Fig. 1c: generalisation error grows with label corruption
# Reads only fig1c.data.csv; run `gnuplot fig1c.gp` in this folder to redraw fig1c.png and fig1c.svg.
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
  set output 'fig1c.'.format
  set title 'Fig. 1c: generalisation error grows with label corruption'
  set xlabel 'label corruption p'
  set ylabel 'test error'
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
  plot 'fig1c.data.csv' using (column('label_corruption')):(strcol('series') eq 'zf|clean' ? column('test_error') : NaN) with linespoints title 'ZF-style ConvNet, clean test labels', \
       'fig1c.data.csv' using (column('label_corruption')):(strcol('series') eq 'zf|corrupted' ? column('test_error') : NaN) with linespoints title 'ZF-style ConvNet, corrupted test labels', \
       'fig1c.data.csv' using (column('label_corruption')):(strcol('series') eq 'mlp|clean' ? column('test_error') : NaN) with linespoints title 'MLP 1x512, clean test labels', \
       'fig1c.data.csv' using (column('label_corruption')):(strcol('series') eq 'mlp|corrupted' ? column('test_error') : NaN) with linespoints title 'MLP 1x512, corrupted test labels', \
       0.9 with lines dashtype 2 linecolor rgb '#555555' title 'chance'
  unset output
}
