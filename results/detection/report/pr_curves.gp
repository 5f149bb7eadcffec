# Precision-recall per class (IoU > 0.5)
# Reads only pr_curves.data.csv; run `gnuplot pr_curves.gp` in this folder to redraw pr_curves.png and pr_curves.svg.
set datafile separator ','
set datafile columnheaders
set datafile missing NaN
set encoding utf8
do for [format in "png svg"] {
  if (format eq "png") {
    set terminal pngcairo size 1260,640 noenhanced font 'sans,10'
  } else {
    set terminal svg size 1260,640 noenhanced font 'sans,10' background '#ffffff'
  }
  set output 'pr_curves.'.format
  set multiplot layout 2,3 title 'Precision-recall per class (IoU > 0.5)'
  set title 'digit-7'
  set xlabel 'recall'
  set ylabel 'precision'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  set key bottom left
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [0:1] noreverse
  set yrange [0:1.02] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'pr_curves.data.csv' using (column('recall')):(strcol('curve') eq 'rcnn|digit-7' ? column('precision') : NaN) with lines title 'R-CNN', \
       'pr_curves.data.csv' using (column('recall')):(strcol('curve') eq 'fast-rcnn|digit-7' ? column('precision') : NaN) with lines title 'Fast R-CNN', \
       'pr_curves.data.csv' using (column('recall')):(strcol('curve') eq 'faster-rcnn|digit-7' ? column('precision') : NaN) with lines title 'Faster R-CNN'
  set title 'bag'
  set xlabel 'recall'
  set ylabel 'precision'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  set key bottom left
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [0:1] noreverse
  set yrange [0:1.02] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'pr_curves.data.csv' using (column('recall')):(strcol('curve') eq 'rcnn|bag' ? column('precision') : NaN) with lines title 'R-CNN', \
       'pr_curves.data.csv' using (column('recall')):(strcol('curve') eq 'fast-rcnn|bag' ? column('precision') : NaN) with lines title 'Fast R-CNN', \
       'pr_curves.data.csv' using (column('recall')):(strcol('curve') eq 'faster-rcnn|bag' ? column('precision') : NaN) with lines title 'Faster R-CNN'
  set title 'sneaker'
  set xlabel 'recall'
  set ylabel 'precision'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  set key bottom left
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [0:1] noreverse
  set yrange [0:1.02] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'pr_curves.data.csv' using (column('recall')):(strcol('curve') eq 'rcnn|sneaker' ? column('precision') : NaN) with lines title 'R-CNN', \
       'pr_curves.data.csv' using (column('recall')):(strcol('curve') eq 'fast-rcnn|sneaker' ? column('precision') : NaN) with lines title 'Fast R-CNN', \
       'pr_curves.data.csv' using (column('recall')):(strcol('curve') eq 'faster-rcnn|sneaker' ? column('precision') : NaN) with lines title 'Faster R-CNN'
  set title 'digit-3'
  set xlabel 'recall'
  set ylabel 'precision'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  set key bottom left
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [0:1] noreverse
  set yrange [0:1.02] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'pr_curves.data.csv' using (column('recall')):(strcol('curve') eq 'rcnn|digit-3' ? column('precision') : NaN) with lines title 'R-CNN', \
       'pr_curves.data.csv' using (column('recall')):(strcol('curve') eq 'fast-rcnn|digit-3' ? column('precision') : NaN) with lines title 'Fast R-CNN', \
       'pr_curves.data.csv' using (column('recall')):(strcol('curve') eq 'faster-rcnn|digit-3' ? column('precision') : NaN) with lines title 'Faster R-CNN'
  set title 'digit-0'
  set xlabel 'recall'
  set ylabel 'precision'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  set key bottom left
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [0:1] noreverse
  set yrange [0:1.02] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'pr_curves.data.csv' using (column('recall')):(strcol('curve') eq 'rcnn|digit-0' ? column('precision') : NaN) with lines title 'R-CNN', \
       'pr_curves.data.csv' using (column('recall')):(strcol('curve') eq 'fast-rcnn|digit-0' ? column('precision') : NaN) with lines title 'Fast R-CNN', \
       'pr_curves.data.csv' using (column('recall')):(strcol('curve') eq 'faster-rcnn|digit-0' ? column('precision') : NaN) with lines title 'Faster R-CNN'
  set title 'trouser'
  set xlabel 'recall'
  set ylabel 'precision'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  set key bottom left
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [0:1] noreverse
  set yrange [0:1.02] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'pr_curves.data.csv' using (column('recall')):(strcol('curve') eq 'rcnn|trouser' ? column('precision') : NaN) with lines title 'R-CNN', \
       'pr_curves.data.csv' using (column('recall')):(strcol('curve') eq 'fast-rcnn|trouser' ? column('precision') : NaN) with lines title 'Fast R-CNN', \
       'pr_curves.data.csv' using (column('recall')):(strcol('curve') eq 'faster-rcnn|trouser' ? column('precision') : NaN) with lines title 'Faster R-CNN'
  unset multiplot
  unset output
}
