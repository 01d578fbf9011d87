// Draws the moat report's charts from the JSON in #moat-data with the inlined Chart.js, then
// records what was drawn in #moat-render-status (tests/reports/html_render_test.sh reads it).
// All text goes through textContent: nothing from the data is ever parsed as HTML.
(function () {
  'use strict';
  const status = document.getElementById('moat-render-status');
  const charts = [];
  const errors = [];

  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2',
                   '#7f7f7f', '#bcbd22', '#17becf'];
  const changeColors = { regression: '#d62728', improvement: '#2ca02c', accepted: '#7f7f7f' };

  function fmt(v) {
    if (typeof v !== 'number' || !isFinite(v)) return String(v);
    return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toPrecision(3);
  }

  function message(sectionId, text) {
    const host = document.getElementById(sectionId + '-charts');
    if (!host) return;
    const p = document.createElement('p');
    p.className = 'note';
    p.textContent = text;
    host.appendChild(p);
  }

  function panel(sectionId, title, subtitle) {
    const host = document.getElementById(sectionId + '-charts');
    const figure = document.createElement('figure');
    if (title) {
      const caption = document.createElement('figcaption');
      caption.textContent = title;
      if (subtitle) {
        const small = document.createElement('small');
        small.textContent = ' ' + subtitle;
        caption.appendChild(small);
      }
      figure.appendChild(caption);
    }
    const box = document.createElement('div');
    box.className = 'chart-box';
    const canvas = document.createElement('canvas');
    box.appendChild(canvas);
    figure.appendChild(box);
    host.appendChild(figure);
    return canvas;
  }

  // Log axes label only 1, 2 and 5 times a power of ten; Chart.js would label every minor tick.
  function logTick(v) {
    const mantissa = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
    return [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6) ? fmt(v) : '';
  }

  function axis(type, title) {
    return { type: type, title: { display: true, text: title },
             ticks: { autoSkip: false, callback: type === 'logarithmic' ? logTick : (v) => fmt(v) } };
  }

  const pointTooltip = {
    callbacks: {
      label: (ctx) => (ctx.raw && ctx.raw.label ? ctx.raw.label + ': ' : ctx.dataset.label + ': ') +
                      '(' + fmt(ctx.parsed.x) + ', ' + fmt(ctx.parsed.y) + ')',
    },
  };

  function draw(canvas, config) {
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false },
                                   config.options || {});
    charts.push(new Chart(canvas, config));
  }

  function roofline(d) {
    if (!d.points.length) return message('roofline', 'No ok case carries work.flops_* and work.bytes_dram.');
    const datasets = [{ label: 'cases', data: d.points, backgroundColor: palette[0], pointRadius: 4 }];
    d.roofs.forEach((roof, i) => datasets.push({
      type: 'line', label: roof.label, data: roof.points, showLine: true, fill: false, pointRadius: 0,
      borderWidth: roof.main_memory ? 2 : 1, borderDash: roof.main_memory ? [] : [6, 4],
      borderColor: palette[(i + 1) % palette.length],
    }));
    draw(panel('roofline'), {
      type: 'scatter', data: { datasets: datasets },
      options: { scales: { x: axis('logarithmic', 'arithmetic intensity (FLOP/byte)'),
                           y: axis('logarithmic', 'achieved FLOP/s') },
                 plugins: { tooltip: pointTooltip } },
    });
    d.notes.forEach((n) => message('roofline', n));
  }

  function prediction(d) {
    if (!d.points.length) return message('prediction', 'No ok case carries a prediction.');
    const values = d.points.flatMap((p) => [p.x, p.y]);
    const lo = Math.min.apply(null, values) / 1.5, hi = Math.max.apply(null, values) * 1.5;
    draw(panel('prediction'), {
      type: 'scatter',
      data: { datasets: [
        { label: 'cases', data: d.points, backgroundColor: palette[0], pointRadius: 4 },
        { type: 'line', label: 'measured = predicted', data: [{ x: lo, y: lo }, { x: hi, y: hi }],
          showLine: true, pointRadius: 0, borderColor: palette[7], borderDash: [6, 4] },
      ] },
      options: { scales: { x: axis('logarithmic', 'predicted (s)'), y: axis('logarithmic', 'measured median (s)') },
                 plugins: { tooltip: pointTooltip } },
    });
  }

  function sweeps(d) {
    if (!d.charts.length) return message('sweeps', 'No group of cases differs in exactly one numeric parameter.');
    d.charts.forEach((s) => {
      const positive = s.x.every((x) => x > 0);
      const wide = positive && Math.max.apply(null, s.x) / Math.min.apply(null, s.x) >= 8;
      const measured = s.x.map((x, i) => ({ x: x, y: s.measured_s[i] }));
      const predicted = s.x.map((x, i) => ({ x: x, y: s.predicted_s[i] })).filter((p) => p.y !== null);
      const datasets = [{ label: 'measured median (s)', data: measured, showLine: true,
                          borderColor: palette[0], backgroundColor: palette[0] }];
      if (predicted.length)
        datasets.push({ label: 'predicted (s)', data: predicted, showLine: true, borderDash: [6, 4],
                        borderColor: palette[1], backgroundColor: palette[1] });
      draw(panel('sweeps', s.title, s.subtitle), {
        type: 'scatter', data: { datasets: datasets },
        options: { scales: { x: axis(wide ? 'logarithmic' : 'linear', s.axis),
                             y: axis('logarithmic', 'time (s)') } },
      });
    });
    if (d.omitted) message('sweeps', d.omitted + ' more sweeps not shown.');
  }

  function distributions(d) {
    if (!d.labels.length) return message('distributions', 'No ok case has samples.');
    // Strip plot: case i at x = i, base samples left of it, head samples right; a fixed jitter
    // pattern keeps the picture identical between renders.
    const strip = (rows, offset) => rows.flatMap((samples, i) => samples.map((v, k) =>
      ({ x: i + offset + ((k % 5) - 2) * 0.03, y: v, label: d.labels[i] })));
    const datasets = [];
    if (d.has_base) datasets.push({ label: 'base', data: strip(d.base, -0.18), backgroundColor: palette[7], pointRadius: 2.5 });
    datasets.push({ label: 'head', data: strip(d.head, d.has_base ? 0.18 : 0), backgroundColor: palette[0], pointRadius: 2.5 });
    const canvas = panel('distributions');
    canvas.parentNode.style.height = Math.max(320, 14 * d.labels.length) + 'px';
    draw(canvas, {
      type: 'scatter', data: { datasets: datasets },
      options: {
        indexAxis: 'x',
        scales: {
          x: { type: 'linear', min: -0.5, max: d.labels.length - 0.5,
               ticks: { stepSize: 1, autoSkip: false, maxRotation: 60, minRotation: 30,
                        callback: (v) => Number.isInteger(v) && d.labels[v] ? d.labels[v].slice(0, 40) : '' } },
          y: axis('linear', 'sample / reference median'),
        },
        plugins: { tooltip: pointTooltip },
      },
    });
    if (d.omitted) message('distributions', d.omitted + ' more cases not shown (largest changes first).');
  }

  function history(d) {
    if (!document.getElementById('history-charts')) return;
    if (!d.charts.length) return message('history', 'The history store holds no case of this run.');
    d.charts.forEach((h) => {
      const markers = h.values.map(() => null);
      const markerColors = h.values.map(() => 'transparent');
      h.changes.forEach((c) => { markers[c.index] = h.values[c.index]; markerColors[c.index] = changeColors[c.kind]; });
      const datasets = [
        { label: h.metric, data: h.values, showLine: false, backgroundColor: palette[0], pointRadius: 3 },
        { label: 'level between change points', data: h.level, stepped: true, pointRadius: 0, borderColor: palette[1] },
      ];
      if (h.changes.length)
        datasets.push({ label: 'change point', data: markers, showLine: false, pointRadius: 8, pointStyle: 'triangle',
                        backgroundColor: markerColors, borderColor: markerColors });
      draw(panel('history', h.case_id), {
        type: 'line', data: { labels: h.labels, datasets: datasets },
        options: { scales: { x: { title: { display: true, text: 'commit (run order)' } },
                             y: axis('logarithmic', h.metric === 'instructions' ? 'instructions' : 'median (s)') } },
      });
    });
    if (d.omitted) message('history', d.omitted + ' more cases not shown.');
  }

  // A chart counts as drawn when its datasets produced elements and its canvas has ink on it.
  function isBlank(chart) {
    const elements = chart.data.datasets.reduce((n, _, i) => n + chart.getDatasetMeta(i).data.length, 0);
    const c = chart.canvas;
    const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let inked = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) inked++;
    return elements === 0 || inked < 0.002 * c.width * c.height;
  }

  try {
    if (typeof Chart === 'undefined') throw new Error('Chart.js is not loaded');
    const data = JSON.parse(document.getElementById('moat-data').textContent);
    [[roofline, data.roofline], [prediction, data.prediction], [sweeps, data.sweeps],
     [distributions, data.distributions], [history, data.history]].forEach(([fn, d]) => {
      try { fn(d); } catch (e) { errors.push(fn.name + ': ' + e.message); }
    });
  } catch (e) {
    errors.push(e.message);
  }
  const blank = charts.filter(isBlank).length;
  status.dataset.state = errors.length ? 'error' : 'rendered';
  status.dataset.charts = String(charts.length);
  status.dataset.blank = String(blank);
  status.dataset.errors = String(errors.length);
  status.textContent = 'rendered ' + charts.length + ' charts, ' + blank + ' blank' +
                       (errors.length ? '; errors: ' + errors.join('; ') : '');
  document.title += ' [rendered ' + charts.length + ' charts]';
  errors.forEach((e) => console.error('moat report: ' + e));
})();
