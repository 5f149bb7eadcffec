# Fig. 1a: learning curves per condition
# Reads only fig1a.data.csv; run `gnuplot fig1a.gp` in this folder to redraw fig1a.png and fig1a.svg.
set datafile separator ','
set datafile columnheaders
set datafile missing NaN
set encoding utf8
do for [format in "png svg"] {
  if (format eq "png") {
    set terminal pngcairo size 840,320 noenhanced font 'sans,10'
  } else {
    set terminal svg size 840,320 noenhanced font 'sans,10' background '#ffffff'
  }
  set output 'fig1a.'.format
  set multiplot layout 1,2 title 'Fig. 1a: learning curves per condition'
  set title 'ZF-style ConvNet'
  set xlabel 'training step'
  set ylabel 'average training loss'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [*:*] noreverse
  set yrange [*:*] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'fig1a.data.csv' using (column('step')):(strcol('curve') eq 'zf|true labels' ? column('loss') : NaN) with lines title 'true labels', \
       'fig1a.data.csv' using (column('step')):(strcol('curve') eq 'zf|random labels' ? column('loss') : NaN) with lines title 'random labels', \
       'fig1a.data.csv' using (column('step')):(strcol('curve') eq 'zf|shuffled pixels' ? column('loss') : NaN) with lines title 'shuffled pixels', \
       'fig1a.data.csv' using (column('step')):(strcol('curve') eq 'zf|random pixels' ? column('loss') : NaN) with lines title 'random pixels', \
       'fig1a.data.csv' using (column('step')):(strcol('curve') eq 'zf|Gaussian' ? column('loss') : NaN) with lines title 'Gaussian'
  set title 'MLP 1x512'
  set xlabel 'training step'
  set ylabel 'average training loss'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [*:*] noreverse
  set yrange [*:*] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'fig1a.data.csv' using (column('step')):(strcol('curve') eq 'mlp|true labels' ? column('loss') : NaN) with lines title 'true labels', \
       'fig1a.data.csv' using (column('step')):(strcol('curve') eq 'mlp|random labels' ? column('loss') : NaN) with lines title 'random labels', \
       'fig1a.data.csv' using (column('step')):(strcol('curve') eq 'mlp|shuffled pixels' ? column('loss') : NaN) with lines title 'shuffled pixels', \
       'fig1a.data.csv' using (column('step')):(strcol('curve') eq 'mlp|random pixels' ? column('loss') : NaN) with lines title 'random pixels', \
       'fig1a.data.csv' using (column('step')):(strcol('curve') eq 'mlp|Gaussian' ? column('loss') : NaN) with lines title 'Gaussian'
  unset multiplot
  unset output
}
