// The Playground page: wires the controls to the WebAssembly module and
// draws what it returns. The network, the data and the training all live in
// Go (web/wasm); this file never computes a loss or an output itself.
//
// URL parameters preset the controls and can start training on their own,
// which is how the headless-browser test drives the page:
//   ?dataset=circle&noise=0&percent=50&batch=10&seed=1&hidden=4,2
//   &activation=relu&lr=0.03&reg=none&regRate=0
//   &autoplay=1    start training when the module is ready
//   &epochs=N      pause after N epochs and set <body data-state="done">
//   &speed=K       epochs per frame (default 1)
'use strict';

(() => {
  const GRID = 100; // heat-map resolution, Playground's density
  const DOMAIN = 6; // the plane is −6..6 in both directions
  const MAX_UNITS = 8;

  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);

  // Playground's palette (heatmap.ts), as cmd/ann's PNG uses it: 31 shades
  // from orange (−1) through light grey (0) to blue (+1), at alpha 160/255
  // over white.
  const ORANGE = [0xf5, 0x93, 0x22], MIDDLE = [0xe8, 0xea, 0xeb], BLUE = [0x08, 0x77, 0xbd];
  const WHITE = [255, 255, 255];
  const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));
  const SHADES = 30;
  const palette = [];
  for (let i = 0; i <= SHADES; i++) {
    const t = i / SHADES;
    const c = t < 0.5 ? mix(ORANGE, MIDDLE, t / 0.5) : mix(MIDDLE, BLUE, (t - 0.5) / 0.5);
    palette.push(mix(WHITE, c, 160 / 255));
  }
  const shade = (v) => {
    if (!Number.isFinite(v)) return [0x9e, 0x9e, 0x9e];
    const c = Math.max(-1, Math.min(1, v));
    return palette[Math.min(Math.floor((c + 1) / 2 * (SHADES + 1)), SHADES)];
  };
  const rgb = (c) => `rgb(${c[0]},${c[1]},${c[2]})`;

  const ui = {
    reset: $('reset'), play: $('play'), step: $('step'),
    dataset: $('dataset'), percent: $('train-percent'), noise: $('noise'), batch: $('batch'),
    seed: $('seed'), layers: $('layers'), units: $('units'), activation: $('activation'),
    lr: $('learning-rate'), reg: $('regularization'), regRate: $('reg-rate'), showTest: $('show-test'),
    heatmap: $('heatmap'), chart: $('chart'), epoch: $('epoch'), trainLoss: $('train-loss'),
    testLoss: $('test-loss'), network: $('network'), status: $('status'),
  };

  const state = {
    ready: false, running: false, timer: 0,
    train: [], test: [], history: [],
    stopAt: Math.max(0, parseInt(params.get('epochs') || '0', 10) || 0),
    perFrame: Math.max(1, Math.min(100, parseInt(params.get('speed') || '1', 10) || 1)),
    unitCounts: [4, 2],
  };

  // ------------------------------------------------------------ controls

  function setSelect(sel, value) {
    if (value === null) return;
    for (const o of sel.options) {
      if ((o.value || o.text) === value) { sel.value = o.value || o.text; return; }
    }
  }

  function presetFromURL() {
    setSelect(ui.dataset, params.get('dataset'));
    setSelect(ui.activation, params.get('activation'));
    setSelect(ui.lr, params.get('lr'));
    setSelect(ui.reg, params.get('reg'));
    setSelect(ui.regRate, params.get('regRate'));
    for (const [key, input] of [['percent', ui.percent], ['noise', ui.noise], ['batch', ui.batch], ['seed', ui.seed]]) {
      if (params.has(key)) input.value = params.get(key);
    }
    if (params.has('hidden')) {
      const h = params.get('hidden');
      state.unitCounts = h === '' ? [] : h.split(',').map((s) => parseInt(s, 10)).filter((u) => u > 0).slice(0, 6);
      ui.layers.value = state.unitCounts.length;
    }
    ui.showTest.checked = params.get('showTest') === '1';
  }

  // renderUnits keeps one labelled number input per hidden layer.
  function renderUnits() {
    const n = Math.max(0, Math.min(6, parseInt(ui.layers.value, 10) || 0));
    while (state.unitCounts.length < n) state.unitCounts.push(state.unitCounts.at(-1) || 4);
    state.unitCounts.length = n;
    ui.units.replaceChildren();
    state.unitCounts.forEach((u, i) => {
      const id = `units-${i + 1}`;
      const label = document.createElement('label');
      label.htmlFor = id;
      label.textContent = `Neurons in layer ${i + 1}`;
      const input = document.createElement('input');
      Object.assign(input, { type: 'number', id, min: 1, max: MAX_UNITS, step: 1, value: u });
      input.addEventListener('change', () => {
        state.unitCounts[i] = Math.max(1, Math.min(MAX_UNITS, parseInt(input.value, 10) || 1));
        input.value = state.unitCounts[i];
        reset();
      });
      ui.units.append(label, input);
    });
  }

  function showRanges() {
    for (const input of [ui.percent, ui.noise, ui.batch]) $(`${input.id}-out`).value = input.value;
  }

  function config() {
    return {
      dataset: ui.dataset.value,
      noise: Number(ui.noise.value),
      trainPercent: Number(ui.percent.value),
      hidden: state.unitCounts.slice(),
      activation: ui.activation.value,
      learningRate: Number(ui.lr.value),
      regularization: ui.reg.value,
      regRate: Number(ui.regRate.value),
      batch: Number(ui.batch.value),
      seed: Math.max(0, Math.floor(Number(ui.seed.value) || 0)),
    };
  }

  // ------------------------------------------------------------ the model

  // call parses a reply of the module; errors go to the status line.
  function call(reply) {
    const r = JSON.parse(reply);
    if (r.error) {
      ui.status.textContent = r.error;
      document.body.dataset.state = 'error';
      return null;
    }
    return r;
  }

  function reset() {
    setRunning(false);
    showRanges();
    if (!state.ready) return;
    // A rejected configuration leaves nothing to train: the module keeps
    // its previous network, which no longer matches the controls.
    state.history = [];
    const r = call(globalThis.annReset(JSON.stringify(config())));
    if (!r) return;
    state.train = r.train;
    state.test = r.test;
    state.history = [];
    ui.network.textContent = r.network;
    ui.status.textContent = 'Ready. Press Play to train.';
    document.body.dataset.state = 'ready';
    record(r.stats);
    ui.testLoss.dataset.initial = String(r.stats.testLoss);
    ui.trainLoss.dataset.initial = String(r.stats.trainLoss);
    draw();
  }

  function record(s) {
    state.history.push(s);
    ui.epoch.value = String(s.epoch);
    ui.epoch.dataset.value = String(s.epoch);
    for (const [el, v] of [[ui.trainLoss, s.trainLoss], [ui.testLoss, s.testLoss]]) {
      el.textContent = v.toFixed(3);
      el.dataset.value = String(v);
    }
  }

  // train runs n epochs in the module; false on error.
  function train(n) {
    const r = call(globalThis.annStep(n));
    if (!r) return false;
    record(r);
    return true;
  }

  function frame() {
    state.timer = 0;
    if (!state.running) return;
    const epoch = state.history.at(-1).epoch;
    const n = state.stopAt > 0 ? Math.min(state.perFrame, state.stopAt - epoch) : state.perFrame;
    const ok = n > 0 && train(n);
    draw();
    if (!ok) { setRunning(false); return; }
    if (state.stopAt > 0 && state.history.at(-1).epoch >= state.stopAt) {
      setRunning(false);
      ui.status.textContent = `Paused after ${state.stopAt} epochs.`;
      document.body.dataset.state = 'done';
      return;
    }
    // A timer rather than requestAnimationFrame keeps training going in
    // a background tab and in a headless browser.
    state.timer = setTimeout(frame, 10);
  }

  function setRunning(on) {
    state.running = on && state.ready && state.history.length > 0;
    ui.play.textContent = state.running ? 'Pause' : 'Play';
    ui.play.setAttribute('aria-pressed', String(state.running));
    if (state.running) {
      ui.status.textContent = 'Training…';
      document.body.dataset.state = 'running';
      if (!state.timer) state.timer = setTimeout(frame, 0);
    } else if (state.timer) {
      clearTimeout(state.timer);
      state.timer = 0;
    }
  }

  // ------------------------------------------------------------ drawing

  const gridCanvas = document.createElement('canvas');
  gridCanvas.width = gridCanvas.height = GRID;

  function draw() {
    drawHeatmap();
    drawChart();
  }

  function drawHeatmap() {
    const ctx = ui.heatmap.getContext('2d');
    const w = ui.heatmap.width, h = ui.heatmap.height;
    const out = globalThis.annGrid(GRID);
    if (typeof out === 'string') { call(out); return; }
    const gctx = gridCanvas.getContext('2d');
    const img = gctx.createImageData(GRID, GRID);
    for (let i = 0; i < out.length; i++) {
      const c = shade(out[i]);
      img.data[4 * i] = c[0];
      img.data[4 * i + 1] = c[1];
      img.data[4 * i + 2] = c[2];
      img.data[4 * i + 3] = 255;
    }
    gctx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(gridCanvas, 0, 0, w, h);
    const px = (x) => (x + DOMAIN) / (2 * DOMAIN) * w;
    const py = (y) => (DOMAIN - y) / (2 * DOMAIN) * h;
    const dots = (pts, stroke) => {
      ctx.strokeStyle = stroke;
      ctx.lineWidth = 1;
      for (const [x, y, label] of pts) {
        ctx.beginPath();
        ctx.arc(px(x), py(y), 3.5, 0, 2 * Math.PI);
        ctx.fillStyle = rgb(label > 0 ? BLUE : ORANGE);
        ctx.fill();
        ctx.stroke();
      }
    };
    // Playground's convention: training points outlined in white, test
    // points in black.
    dots(state.train, '#ffffff');
    if (ui.showTest.checked) dots(state.test, '#000000');
  }

  function drawChart() {
    const ctx = ui.chart.getContext('2d');
    const w = ui.chart.width, h = ui.chart.height;
    ctx.clearRect(0, 0, w, h);
    const hist = state.history;
    if (hist.length < 2) return;
    let top = 0;
    for (const s of hist) top = Math.max(top, s.trainLoss, s.testLoss);
    if (!(top > 0) || !Number.isFinite(top)) return;
    const last = hist.at(-1).epoch || 1;
    const line = (key, color) => {
      ctx.beginPath();
      hist.forEach((s, i) => {
        const x = s.epoch / last * (w - 2) + 1;
        const y = h - 1 - s[key] / top * (h - 2);
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.stroke();
    };
    line('trainLoss', '#999999');
    line('testLoss', '#000000');
  }

  // ------------------------------------------------------------ start

  function wire() {
    for (const el of [ui.dataset, ui.percent, ui.noise, ui.batch, ui.seed, ui.activation, ui.lr, ui.reg, ui.regRate]) {
      el.addEventListener('change', reset);
    }
    for (const el of [ui.percent, ui.noise, ui.batch]) el.addEventListener('input', showRanges);
    ui.layers.addEventListener('change', () => { renderUnits(); reset(); });
    ui.showTest.addEventListener('change', drawHeatmap);
    ui.reset.addEventListener('click', reset);
    ui.play.addEventListener('click', () => setRunning(!state.running));
    ui.step.addEventListener('click', () => {
      setRunning(false);
      if (state.ready && state.history.length > 0 && train(1)) draw();
    });
  }

  async function load() {
    const go = new Go();
    let result;
    try {
      result = await WebAssembly.instantiateStreaming(fetch('dist/ann.wasm'), go.importObject);
    } catch (err) {
      // A server that does not send application/wasm defeats streaming
      // compilation; compiling from the bytes still works.
      const resp = await fetch('dist/ann.wasm');
      if (!resp.ok) throw new Error(`dist/ann.wasm: ${resp.status} ${resp.statusText}`);
      result = await WebAssembly.instantiate(await resp.arrayBuffer(), go.importObject);
    }
    // run returns a promise that settles only when Go's main exits; by
    // the time it yields, main has installed the functions.
    go.run(result.instance);
    if (typeof globalThis.annReset !== 'function') throw new Error('the module did not start');
  }

  presetFromURL();
  renderUnits();
  showRanges();
  wire();
  load().then(() => {
    state.ready = true;
    reset();
    if (params.get('autoplay') === '1' && document.body.dataset.state === 'ready') setRunning(true);
  }, (err) => {
    ui.status.textContent = `Could not start the WebAssembly module: ${err.message}`;
    document.body.dataset.state = 'error';
  });
})();
