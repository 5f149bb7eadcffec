# Occlusion maps (cf. Zeiler & Fergus Fig. 7)
# Reads only occlusion_maps.data.csv; run `gnuplot occlusion_maps.gp` in this folder to redraw occlusion_maps.png and occlusion_maps.svg.
set datafile separator ','
set datafile columnheaders
set datafile missing NaN
set encoding utf8
do for [format in "png svg"] {
  if (format eq "png") {
    set terminal pngcairo size 1440,1280 noenhanced font 'sans,10'
  } else {
    set terminal svg size 1440,1280 noenhanced font 'sans,10' background '#ffffff'
  }
  set output 'occlusion_maps.'.format
  set multiplot layout 4,4 title 'Occlusion maps (cf. Zeiler & Fergus Fig. 7)'
  set title '0 Ankle boot: input'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  set xrange [-0.5:27.5] noreverse
  set yrange [27.5:-0.5] noreverse
  set palette gray
  set cblabel 'pixel'
  plot 'occlusion_maps.data.csv' every ::0::783 using (column('col')):(column('row')):(column('value')) with image notitle
  set title '0 Ankle boot: P(true class)'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  set xrange [-0.5:10.5] noreverse
  set yrange [10.5:-0.5] noreverse
  set palette rgbformulae 21,22,23
  set cblabel 'P(true class)'
  plot 'occlusion_maps.data.csv' every ::784::904 using (column('col')):(column('row')):(column('value')) with image notitle
  set title '0 Ankle boot: most probable class (5 Sandal, 7 Sneaker, 8 Bag, 9 Ankle boot)'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  set xrange [-0.5:10.5] noreverse
  set yrange [10.5:-0.5] noreverse
  set palette rgbformulae 21,22,23
  set cblabel 'class'
  plot 'occlusion_maps.data.csv' every ::905::1025 using (column('col')):(column('row')):(column('value')) with image notitle
  set title '0 Ankle boot: layer-5 strongest map'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  set xrange [-0.5:10.5] noreverse
  set yrange [10.5:-0.5] noreverse
  set palette rgbformulae 21,22,23
  set cblabel 'total activation'
  plot 'occlusion_maps.data.csv' every ::1026::1146 using (column('col')):(column('row')):(column('value')) with image notitle
  set title '2 Trouser: input'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  set xrange [-0.5:27.5] noreverse
  set yrange [27.5:-0.5] noreverse
  set palette gray
  set cblabel 'pixel'
  plot 'occlusion_maps.data.csv' every ::1147::1930 using (column('col')):(column('row')):(column('value')) with image notitle
  set title '2 Trouser: P(true class)'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  set xrange [-0.5:10.5] noreverse
  set yrange [10.5:-0.5] noreverse
  set palette rgbformulae 21,22,23
  set cblabel 'P(true class)'
  plot 'occlusion_maps.data.csv' every ::1931::2051 using (column('col')):(column('row')):(column('value')) with image notitle
  set title '2 Trouser: most probable class (1 Trouser)'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  set xrange [-0.5:10.5] noreverse
  set yrange [10.5:-0.5] noreverse
  set palette rgbformulae 21,22,23
  set cblabel 'class'
  plot 'occlusion_maps.data.csv' every ::2052::2172 using (column('col')):(column('row')):(column('value')) with image notitle
  set title '2 Trouser: layer-5 strongest map'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  set xrange [-0.5:10.5] noreverse
  set yrange [10.5:-0.5] noreverse
  set palette rgbformulae 21,22,23
  set cblabel 'total activation'
  plot 'occlusion_maps.data.csv' every ::2173::2293 using (column('col')):(column('row')):(column('value')) with image notitle
  set title '8 Sandal: input'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  set xrange [-0.5:27.5] noreverse
  set yrange [27.5:-0.5] noreverse
  set palette gray
  set cblabel 'pixel'
  plot 'occlusion_maps.data.csv' every ::2294::3077 using (column('col')):(column('row')):(column('value')) with image notitle
  set title '8 Sandal: P(true class)'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  set xrange [-0.5:10.5] noreverse
  set yrange [10.5:-0.5] noreverse
  set palette rgbformulae 21,22,23
  set cblabel 'P(true class)'
  plot 'occlusion_maps.data.csv' every ::3078::3198 using (column('col')):(column('row')):(column('value')) with image notitle
  set title '8 Sandal: most probable class (0 T-shirt/top, 5 Sandal, 7 Sneaker, 8 Bag)'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  set xrange [-0.5:10.5] noreverse
  set yrange [10.5:-0.5] noreverse
  set palette rgbformulae 21,22,23
  set cblabel 'class'
  plot 'occlusion_maps.data.csv' every ::3199::3319 using (column('col')):(column('row')):(column('value')) with image notitle
  set title '8 Sandal: layer-5 strongest map'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  set xrange [-0.5:10.5] noreverse
  set yrange [10.5:-0.5] noreverse
  set palette rgbformulae 21,22,23
  set cblabel 'total activation'
  plot 'occlusion_maps.data.csv' every ::3320::3440 using (column('col')):(column('row')):(column('value')) with image notitle
  set title '18 Bag: input'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  set xrange [-0.5:27.5] noreverse
  set yrange [27.5:-0.5] noreverse
  set palette gray
  set cblabel 'pixel'
  plot 'occlusion_maps.data.csv' every ::3441::4224 using (column('col')):(column('row')):(column('value')) with image notitle
  set title '18 Bag: P(true class)'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  set xrange [-0.5:10.5] noreverse
  set yrange [10.5:-0.5] noreverse
  set palette rgbformulae 21,22,23
  set cblabel 'P(true class)'
  plot 'occlusion_maps.data.csv' every ::4225::4345 using (column('col')):(column('row')):(column('value')) with image notitle
  set title '18 Bag: most probable class (8 Bag)'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  set xrange [-0.5:10.5] noreverse
  set yrange [10.5:-0.5] noreverse
  set palette rgbformulae 21,22,23
  set cblabel 'class'
  plot 'occlusion_maps.data.csv' every ::4346::4466 using (column('col')):(column('row')):(column('value')) with image notitle
  set title '18 Bag: layer-5 strongest map'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  set xrange [-0.5:10.5] noreverse
  set yrange [10.5:-0.5] noreverse
  set palette rgbformulae 21,22,23
  set cblabel 'total activation'
  plot 'occlusion_maps.data.csv' every ::4467::4587 using (column('col')):(column('row')):(column('value')) with image notitle
  unset multiplot
  unset output
}
