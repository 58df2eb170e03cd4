// The Playground page: wires the controls to the WebAssembly module and
// draws what it returns. The network, the data and the training all live in
// Go (web/wasm); this file never computes a loss or a network output.
//
// The whole state lives in the URL hash with TensorFlow Playground's names
// and values, so a link copied from the Playground opens the same
// experiment here, and every change of a control writes the hash back:
//   #activation=tanh&batchSize=10&dataset=circle&regDataset=reg-plane
//   &learningRate=0.03&regularizationRate=0&noise=0&networkShape=4,2
//   &seed=0.123&showTestData=false&discretize=false&percTrainData=50
//   &x=true&y=true&xTimesY=false&xSquared=false&ySquared=false&cosX=false
//   &sinX=false&cosY=false&sinY=false&collectStats=false
//   &problem=classification&initZero=false&hideText=false
//   &regularization=none|L1|L2
// A key the hash does not name keeps the page's default (those of `ann
// playground`: ReLU, seed 1). cosX and cosY, which Playground's own page
// does not offer, are kept in the hash and otherwise ignored.
//
// Query parameters are this page's extensions, for tests and demos:
//   ?autoplay=1    start training when the module is ready
//   &epochs=N      pause after N epochs and set <body data-state="done">
//   &speed=K       epochs per frame (default 1)
//   &actions=A;B   after loading, click element A, then B (id; ~id moves
//                  the mouse onto it; id=value sets a control), as a user
//                  would
// and the older ?dataset=…&hidden=4,2&lr=…&reg=…&regRate=…&percent=…
// &noise=…&batch=…&seed=…&activation=…&showTest=1 still preset the
// controls (the hash wins).
'use strict';

(() => {
  const GRID = 100; // the big heat map's resolution, Playground's density
  const THUMB = 15; // a node's heat map resolution
  const NODE = 30; // a node's size in pixels, as Playground draws it
  const DOMAIN = 6; // the plane is −6..6 in both directions
  const MAX_UNITS = 8;
  const MAX_LAYERS = 6;

  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);

  // Playground's palette (heatmap.ts), as cmd/ann's PNG uses it: 31 shades
  // from orange (−1) through light grey (0) to blue (+1), at alpha 160/255
  // over white for the heat maps; the points use the full colours.
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
  // colour is Playground's colorScale: −1 orange, 0 grey, +1 blue, clamped;
  // points of a regression set take the colour of their value.
  const colour = (v) => {
    const c = Math.max(-1, Math.min(1, Number.isFinite(v) ? v : 0));
    return c < 0 ? mix(MIDDLE, ORANGE, -c) : mix(MIDDLE, BLUE, c);
  };
  const rgb = (c) => `rgb(${c[0]},${c[1]},${c[2]})`;

  // Playground's input features (playground.ts's INPUTS), in its order.
  // Their thumbnails are the features themselves, scaled to about −1..1.
  const FEATURES = [
    { name: 'x', label: 'X₁', f: (x, y) => x / 6 },
    { name: 'y', label: 'X₂', f: (x, y) => y / 6 },
    { name: 'xSquared', label: 'X₁²', f: (x, y) => x * x / 36 },
    { name: 'ySquared', label: 'X₂²', f: (x, y) => y * y / 36 },
    { name: 'xTimesY', label: 'X₁X₂', f: (x, y) => x * y / 36 },
    { name: 'sinX', label: 'sin(X₁)', f: (x, y) => Math.sin(x) },
    { name: 'sinY', label: 'sin(X₂)', f: (x, y) => Math.sin(y) },
  ];
  const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'linear'];
  const DATASETS = ['circle', 'xor', 'gauss', 'spiral'];
  const REG_DATASETS = ['reg-plane', 'reg-gauss'];
  const PROBLEMS = ['classification', 'regression'];
  const REGULARIZATIONS = ['none', 'L1', 'L2'];

  // S is the page's state under Playground's names. Its keys, in the
  // order of Playground's state.ts, are what the hash holds.
  const S = {
    activation: 'relu', regularization: 'none', batchSize: 10, dataset: 'circle', regDataset: 'reg-plane',
    learningRate: 0.03, regularizationRate: 0, noise: 0, networkShape: [4, 2], seed: '1',
    showTestData: false, discretize: false, percTrainData: 50,
    x: true, y: true, xTimesY: false, xSquared: false, ySquared: false, cosX: false, sinX: false, cosY: false, sinY: false,
    collectStats: false, problem: 'classification', initZero: false, hideText: false,
  };
  const NUMBERS = ['batchSize', 'learningRate', 'regularizationRate', 'noise', 'percTrainData'];
  const BOOLEANS = ['showTestData', 'discretize', 'x', 'y', 'xTimesY', 'xSquared', 'ySquared', 'cosX', 'sinX', 'cosY', 'sinY',
    'collectStats', 'initZero', 'hideText'];
  const CHOICES = { activation: ACTIVATIONS, regularization: REGULARIZATIONS, dataset: DATASETS, regDataset: REG_DATASETS, problem: PROBLEMS };
  let tutorial = null; // Playground's tutorial key, kept if a link has one
  const hidden = {}; // Playground's "…_hide" keys (controls it hides), kept

  const ui = {
    reset: $('reset'), play: $('play'), step: $('step'), regenerate: $('regenerate'), download: $('download'),
    share: $('share'), percent: $('train-percent'), noise: $('noise'), batch: $('batch'), seed: $('seed'),
    activation: $('activation'), lr: $('learning-rate'), reg: $('regularization'), regRate: $('reg-rate'),
    problem: $('problem'), showTest: $('show-test'), discretize: $('discretize'),
    addLayer: $('add-layer'), removeLayer: $('remove-layer'), layerCount: $('layer-count'), layerLabel: $('layer-label'),
    area: $('network-area'), links: $('links'), hovercard: $('hovercard'),
    heatmap: $('heatmap'), chart: $('chart'), epoch: $('epoch'), trainLoss: $('train-loss'),
    testLoss: $('test-loss'), network: $('network'), status: $('status'),
  };

  const state = {
    ready: false, running: false, timer: 0,
    train: [], test: [], history: [],
    stopAt: Math.max(0, parseInt(params.get('epochs') || '0', 10) || 0),
    perFrame: Math.max(1, Math.min(100, parseInt(params.get('speed') || '1', 10) || 1)),
    weights: null, // annWeights(): the drawn links
    hover: null, // the node shown in the big heat map, or null for the output
    features: [], // the active feature names, in Playground's order
  };

  // ------------------------------------------------------------ the hash

  // parseHash reads a Playground hash into S the way its state.ts does: a
  // key with an empty value is absent, except networkShape, where empty
  // means no hidden layer; a boolean is true unless it says "false".
  function parseHash(hash) {
    const map = {};
    for (const kv of hash.replace(/^#/, '').split('&')) {
      if (!kv) continue;
      const i = kv.indexOf('=');
      const k = i < 0 ? kv : kv.slice(0, i);
      let v = i < 0 ? '' : kv.slice(i + 1);
      try { v = decodeURIComponent(v); } catch (e) { /* keep it raw */ }
      map[k] = v;
    }
    const has = (k) => k in map && map[k].trim() !== '';
    for (const k of NUMBERS) {
      if (has(k) && Number.isFinite(+map[k])) S[k] = +map[k];
    }
    for (const k of BOOLEANS) {
      if (has(k)) S[k] = map[k] !== 'false';
    }
    for (const [k, list] of Object.entries(CHOICES)) {
      if (has(k) && list.includes(map[k])) S[k] = map[k];
    }
    if (has('seed')) S.seed = map.seed;
    if (has('tutorial')) tutorial = map.tutorial;
    for (const k of Object.keys(map)) {
      if (k.endsWith('_hide')) hidden[k] = map[k] === 'true';
    }
    if ('networkShape' in map) S.networkShape = parseShape(map.networkShape);
  }

  function parseShape(s) {
    if (s.trim() === '') return [];
    return s.split(',').map((u) => Math.max(1, Math.min(MAX_UNITS, Math.round(+u) || 1))).slice(0, MAX_LAYERS);
  }

  // hash writes S back in Playground's order.
  function hash() {
    const parts = [];
    for (const [k, v] of Object.entries(S)) {
      if (k === 'problem' && tutorial !== null) parts.push(`tutorial=${tutorial}`);
      parts.push(`${k}=${Array.isArray(v) ? v.join(',') : v}`);
    }
    for (const [k, v] of Object.entries(hidden)) parts.push(`${k}=${v}`);
    return parts.join('&');
  }

  function writeHash() {
    const h = hash();
    history.replaceState(null, '', `${location.pathname}${location.search}#${h}`);
    document.body.dataset.hash = h;
    ui.share.href = `#${h}`;
  }

  // presetFromQuery applies the page's older query parameters.
  function presetFromQuery() {
    const q = (k) => params.get(k);
    if (DATASETS.includes(q('dataset'))) S.dataset = q('dataset');
    if (ACTIVATIONS.includes(q('activation'))) S.activation = q('activation');
    if (q('lr') && Number.isFinite(+q('lr'))) S.learningRate = +q('lr');
    if (q('reg')) S.regularization = { l1: 'L1', l2: 'L2', none: 'none' }[q('reg').toLowerCase()] || S.regularization;
    if (q('regRate') && Number.isFinite(+q('regRate'))) S.regularizationRate = +q('regRate');
    for (const [key, name] of [['percent', 'percTrainData'], ['noise', 'noise'], ['batch', 'batchSize']]) {
      if (q(key) && Number.isFinite(+q(key))) S[name] = +q(key);
    }
    if (q('seed')) S.seed = q('seed');
    if (params.has('hidden')) S.networkShape = parseShape(q('hidden'));
    if (q('showTest') === '1') S.showTestData = true;
  }

  // ------------------------------------------------------------ controls

  // setSelect shows value in a list control, adding it when a link asks
  // for a value outside the Playground's list.
  function setSelect(sel, value) {
    const v = String(value);
    for (const o of sel.options) {
      if ((o.value || o.text) === v || Number(o.value || o.text) === Number(v)) { sel.value = o.value || o.text; return; }
    }
    const o = document.createElement('option');
    o.text = v;
    sel.add(o);
    sel.value = v;
  }

  // showState puts S into the controls.
  function showState() {
    setSelect(ui.activation, S.activation);
    setSelect(ui.lr, S.learningRate);
    setSelect(ui.reg, S.regularization);
    setSelect(ui.regRate, S.regularizationRate);
    setSelect(ui.problem, S.problem);
    ui.percent.value = S.percTrainData;
    ui.noise.value = S.noise;
    ui.batch.value = S.batchSize;
    for (const input of [ui.percent, ui.noise, ui.batch]) $(`${input.id}-out`).value = input.value;
    ui.seed.value = S.seed;
    ui.showTest.checked = S.showTestData;
    ui.discretize.checked = S.discretize;
    const regression = S.problem === 'regression';
    for (const b of document.querySelectorAll('button.dataset')) {
      const reg = b.dataset.regDataset !== undefined;
      b.hidden = reg !== regression;
      const sel = reg ? b.dataset.regDataset === S.regDataset : b.dataset.dataset === S.dataset;
      b.classList.toggle('selected', sel);
      b.setAttribute('aria-pressed', String(sel));
    }
    const n = S.networkShape.length;
    ui.layerCount.textContent = String(n);
    ui.layerLabel.textContent = n === 1 ? 'hidden layer' : 'hidden layers';
    ui.addLayer.disabled = n >= MAX_LAYERS;
    ui.removeLayer.disabled = n <= 0;
    document.querySelector('header').hidden = S.hideText;
  }

  // readControls takes the values of the list and range controls into S.
  function readControls() {
    S.activation = ui.activation.value;
    S.learningRate = Number(ui.lr.value);
    S.regularization = ui.reg.value;
    S.regularizationRate = Number(ui.regRate.value);
    S.problem = ui.problem.value;
    S.percTrainData = Number(ui.percent.value);
    S.noise = Number(ui.noise.value);
    S.batchSize = Number(ui.batch.value);
    S.seed = ui.seed.value.trim() || '0';
    S.showTestData = ui.showTest.checked;
    S.discretize = ui.discretize.checked;
  }

  function config() {
    return {
      problem: S.problem,
      dataset: S.dataset,
      regDataset: S.regDataset,
      noise: S.noise,
      trainPercent: S.percTrainData,
      hidden: S.networkShape.slice(),
      features: FEATURES.map((f) => f.name).filter((n) => S[n]),
      activation: S.activation,
      learningRate: S.learningRate,
      regularization: S.regularization.toLowerCase(),
      regRate: S.regularizationRate,
      batch: S.batchSize,
      seed: S.seed,
      initZero: S.initZero,
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
    showState();
    writeHash();
    if (!state.ready) return;
    state.history = [];
    state.hover = null;
    const cfg = config();
    document.body.dataset.config = JSON.stringify(cfg);
    if (cfg.features.length === 0) {
      ui.status.textContent = 'Select at least one input feature.';
      document.body.dataset.state = 'error';
      buildNetwork([]);
      return;
    }
    // A rejected configuration leaves nothing to train: the module keeps
    // its previous network, which no longer matches the controls.
    const r = call(globalThis.annReset(JSON.stringify(cfg)));
    if (!r) return;
    state.train = r.train;
    state.test = r.test;
    state.features = cfg.features;
    ui.network.textContent = r.network;
    ui.status.textContent = 'Ready. Press Play to train.';
    document.body.dataset.state = 'ready';
    record(r.stats);
    ui.testLoss.dataset.initial = String(r.stats.testLoss);
    ui.trainLoss.dataset.initial = String(r.stats.trainLoss);
    buildNetwork(cfg.features);
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

  // ------------------------------------------------------------ the network

  const SVG = 'http://www.w3.org/2000/svg';
  const net = { nodes: [], links: [] }; // nodes: {el, canvas, kind, layer, index}

  // layout returns each column's node count: all seven features, the
  // hidden layers, the output.
  function columns() {
    return [FEATURES.length, ...S.networkShape, 1];
  }

  // buildNetwork draws the nodes, the per-layer +/− buttons and the links
  // for the current shape; draw() fills in their colours.
  function buildNetwork(active) {
    for (const el of ui.area.querySelectorAll('.node, .units')) el.remove();
    ui.links.replaceChildren();
    net.nodes = [];
    net.links = [];
    const cols = columns();
    const width = ui.area.clientWidth || 480;
    const top = 34, gap = 12;
    const height = top + Math.max(...cols) * (NODE + gap);
    ui.area.style.height = `${height}px`;
    ui.links.setAttribute('width', String(width));
    ui.links.setAttribute('height', String(height));
    const left = 70; // room for the feature labels
    const colX = (c) => left + c * (width - left - NODE - 4) / (cols.length - 1);
    const nodeY = (k) => top + k * (NODE + gap);
    const pos = []; // pos[c][k] = {x, y} of the node's centre
    cols.forEach((count, c) => {
      pos.push([]);
      for (let k = 0; k < count; k++) {
        const x = colX(c), y = nodeY(k);
        pos[c].push({ x: x + NODE / 2, y: y + NODE / 2 });
        const el = document.createElement('div');
        el.className = 'node';
        el.style.left = `${x}px`;
        el.style.top = `${y}px`;
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = THUMB;
        el.append(canvas);
        const node = { el, canvas, col: c, index: k };
        if (c === 0) {
          const f = FEATURES[k];
          el.id = `feature-${f.name}`;
          el.classList.add('feature');
          el.classList.toggle('inactive', !S[f.name]);
          el.tabIndex = 0;
          el.setAttribute('role', 'switch');
          el.setAttribute('aria-checked', String(S[f.name]));
          el.setAttribute('aria-label', `Feature ${f.label}`);
          el.title = `${f.label}: click to ${S[f.name] ? 'remove' : 'use'} it`;
          const label = document.createElement('span');
          label.className = 'label';
          label.textContent = f.label;
          el.append(label);
          node.feature = f;
          const toggle = () => { S[f.name] = !S[f.name]; reset(); };
          el.addEventListener('click', toggle);
          el.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); } });
          drawFeature(canvas, f, THUMB);
        } else {
          el.id = c === cols.length - 1 ? 'node-output' : `node-${c}-${k}`;
          el.title = c === cols.length - 1 ? 'Output' : `Layer ${c}, neuron ${k + 1}`;
        }
        el.addEventListener('mouseenter', () => { state.hover = node; el.classList.add('hovered'); drawHeatmap(); });
        el.addEventListener('mouseleave', () => { state.hover = null; el.classList.remove('hovered'); drawHeatmap(); });
        ui.area.append(el);
        net.nodes.push(node);
      }
      // Per-layer +/− over each hidden column.
      if (c > 0 && c < cols.length - 1) {
        const box = document.createElement('div');
        box.className = 'units';
        box.style.left = `${colX(c) + NODE / 2 - 28}px`;
        const plus = document.createElement('button');
        plus.type = 'button';
        plus.className = 'round small-round';
        plus.id = `add-unit-${c - 1}`;
        plus.textContent = '+';
        plus.setAttribute('aria-label', `Add a neuron to layer ${c}`);
        plus.disabled = count >= MAX_UNITS;
        plus.addEventListener('click', () => { S.networkShape[c - 1] = Math.min(MAX_UNITS, count + 1); reset(); });
        const minus = document.createElement('button');
        minus.type = 'button';
        minus.className = 'round small-round';
        minus.id = `remove-unit-${c - 1}`;
        minus.textContent = '−';
        minus.setAttribute('aria-label', `Remove a neuron from layer ${c}`);
        minus.disabled = count <= 1;
        minus.addEventListener('click', () => { S.networkShape[c - 1] = Math.max(1, count - 1); reset(); });
        const n = document.createElement('span');
        n.className = 'small';
        n.textContent = String(count);
        box.append(plus, minus, n);
        ui.area.append(box);
      }
    });
    // Links: from each active feature to the first layer, then layer to
    // layer. A link is [layer, from, to] in the network's dense layers.
    const activeRows = FEATURES.map((f, k) => (active.includes(f.name) ? k : -1)).filter((k) => k >= 0);
    for (let c = 1; c < cols.length; c++) {
      const sources = c === 1 ? activeRows : [...Array(cols[c - 1]).keys()];
      sources.forEach((k, from) => {
        for (let to = 0; to < cols[c]; to++) {
          const a = pos[c - 1][k], b = pos[c][to];
          const x1 = a.x + NODE / 2, x2 = b.x - NODE / 2, mx = (x1 + x2) / 2;
          const d = `M${x1},${a.y} C${mx},${a.y} ${mx},${b.y} ${x2},${b.y}`;
          const path = document.createElementNS(SVG, 'path');
          path.setAttribute('d', d);
          path.setAttribute('class', 'link');
          const hit = document.createElementNS(SVG, 'path');
          hit.setAttribute('d', d);
          hit.setAttribute('class', 'link-hover');
          hit.id = `link-${c - 1}-${from}-${to}`;
          const link = { path, hit, layer: c - 1, from, to };
          hit.addEventListener('mouseenter', (e) => showCard(link, e, false));
          hit.addEventListener('mouseleave', () => { if (!ui.hovercard.classList.contains('editing')) ui.hovercard.hidden = true; });
          hit.addEventListener('click', (e) => showCard(link, e, true));
          ui.links.append(path, hit);
          net.links.push(link);
        }
      });
    }
  }

  function weightOf(link) {
    const l = state.weights && state.weights.layers[link.layer];
    return l ? l.w[link.from][link.to] : 0;
  }

  // showCard shows a link's weight by the mouse; editing shows an input
  // whose Enter sets the weight in the network.
  function showCard(link, e, editing) {
    const card = ui.hovercard;
    const box = ui.area.getBoundingClientRect();
    const w = weightOf(link);
    card.hidden = false;
    card.style.left = `${e.clientX - box.left + 14}px`;
    card.style.top = `${e.clientY - box.top + ui.area.offsetTop - 10}px`;
    card.querySelector('.value').textContent = w.toPrecision(2);
    card.classList.toggle('editing', editing);
    const input = card.querySelector('input');
    if (editing) {
      setRunning(false);
      input.value = w.toPrecision(2);
      const commit = () => {
        input.onkeydown = input.onchange = null;
        const v = Number(input.value);
        card.hidden = true;
        card.classList.remove('editing');
        if (input.value.trim() === '' || !Number.isFinite(v)) return;
        const r = call(globalThis.annSetWeight(link.layer, link.from, link.to, v));
        if (r) { state.weights = r; draw(); }
      };
      input.onkeydown = (ev) => {
        if (ev.key === 'Escape') { input.onkeydown = input.onchange = null; card.hidden = true; card.classList.remove('editing'); }
        if (ev.key === 'Enter') commit();
      };
      input.onchange = commit;
      input.focus();
      input.select();
    }
  }

  // ------------------------------------------------------------ drawing

  function paint(canvas, values, n, discretize) {
    const ctx = canvas.getContext('2d');
    const img = ctx.createImageData(n, n);
    for (let i = 0; i < n * n; i++) {
      let v = values[i];
      if (discretize) v = v >= 0 ? 1 : -1;
      const c = shade(v);
      img.data[4 * i] = c[0];
      img.data[4 * i + 1] = c[1];
      img.data[4 * i + 2] = c[2];
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }

  function featureValues(f, n) {
    const v = new Float32Array(n * n);
    const at = (k) => -DOMAIN + (k + 0.5) / n * 2 * DOMAIN;
    for (let py = 0; py < n; py++) {
      for (let px = 0; px < n; px++) v[py * n + px] = f.f(at(px), at(n - 1 - py));
    }
    return v;
  }

  function drawFeature(canvas, f, n) { paint(canvas, featureValues(f, n), n, false); }

  function draw() {
    if (!state.ready || state.history.length === 0) return;
    const w = call(globalThis.annWeights());
    if (w) state.weights = w;
    drawLinks();
    drawNodes();
    drawHeatmap();
    drawChart();
  }

  function drawLinks() {
    for (const link of net.links) {
      const w = weightOf(link);
      link.path.setAttribute('stroke', rgb(colour(w)));
      // Playground's linkWidthScale: |w| 0…5 → 1…10 px.
      link.path.setAttribute('stroke-width', String(1 + 9 * Math.min(Math.abs(w), 5) / 5));
      link.hit.dataset.weight = String(w);
    }
  }

  // nodeValues returns the hidden and output nodes' maps at resolution n,
  // in the order of net.nodes after the features.
  function nodeValues(n) {
    const out = globalThis.annNeurons(n);
    if (typeof out === 'string') { call(out); return null; }
    return out.subarray(state.features.length * n * n);
  }

  function drawNodes() {
    const v = nodeValues(THUMB);
    if (!v) return;
    let k = 0;
    for (const node of net.nodes) {
      if (node.col === 0) continue;
      paint(node.canvas, v.subarray(k * THUMB * THUMB, (k + 1) * THUMB * THUMB), THUMB, S.discretize);
      k++;
    }
  }

  const gridCanvas = document.createElement('canvas');
  gridCanvas.width = gridCanvas.height = GRID;

  function drawHeatmap() {
    if (!state.ready || state.history.length === 0) return;
    const ctx = ui.heatmap.getContext('2d');
    const w = ui.heatmap.width, h = ui.heatmap.height;
    let values;
    const hover = state.hover;
    if (hover && hover.feature) {
      values = featureValues(hover.feature, GRID);
    } else if (hover && hover.col < columns().length - 1) {
      const all = nodeValues(GRID);
      if (!all) return;
      const k = net.nodes.filter((nd) => nd.col > 0).indexOf(hover);
      values = all.subarray(k * GRID * GRID, (k + 1) * GRID * GRID);
    } else {
      values = globalThis.annGrid(GRID);
      if (typeof values === 'string') { call(values); return; }
    }
    ui.heatmap.dataset.node = hover ? hover.el.id : 'node-output';
    paint(gridCanvas, values, GRID, S.discretize && !(hover && hover.feature));
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
        ctx.fillStyle = rgb(colour(label));
        ctx.fill();
        ctx.stroke();
      }
    };
    // Playground's convention: training points outlined in white, test
    // points in black.
    dots(state.train, '#ffffff');
    if (S.showTestData) dots(state.test, '#000000');
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

  function drawThumbnails() {
    for (const b of document.querySelectorAll('button.dataset')) {
      const kind = b.dataset.regDataset || b.dataset.dataset;
      const pts = call(globalThis.annThumbnail(kind));
      if (!pts) continue;
      const canvas = b.querySelector('canvas');
      const ctx = canvas.getContext('2d');
      const w = canvas.width, h = canvas.height;
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, w, h);
      for (const [x, y, label] of pts) {
        ctx.fillStyle = rgb(colour(label));
        ctx.fillRect(w * (x + DOMAIN) / (2 * DOMAIN) - 1, h * (DOMAIN - y) / (2 * DOMAIN) - 1, 3, 3);
      }
    }
  }

  // ------------------------------------------------------------ actions

  function download() {
    if (!state.ready || state.history.length === 0) return;
    const bytes = globalThis.annModel();
    if (typeof bytes === 'string') { call(bytes); return; }
    const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
    const a = document.createElement('a');
    const kind = S.problem === 'regression' ? S.regDataset : S.dataset;
    a.href = url;
    a.download = `playground-${kind}-epoch${state.history.at(-1).epoch}.ann`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    ui.status.textContent = `Saved ${a.download}: load it with ann predict -model or ann.Load.`;
  }

  // runActions plays the ?actions= list: "id" clicks an element, "~id"
  // moves the mouse onto it, "id=value" sets a control and fires its
  // change event.
  function runActions(list) {
    for (let a of list.split(';').filter(Boolean)) {
      const hover = a.startsWith('~');
      if (hover) a = a.slice(1);
      const i = a.indexOf('=');
      const el = $(i < 0 ? a : a.slice(0, i));
      if (!el) { ui.status.textContent = `actions: no element ${a}`; document.body.dataset.state = 'error'; return; }
      if (hover) {
        el.dispatchEvent(new MouseEvent('mouseenter'));
      } else if (i < 0) {
        // SVG elements have no click(); a synthetic event reaches the
        // same listeners.
        const r = el.getBoundingClientRect();
        el.dispatchEvent(new MouseEvent('click', { bubbles: true, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 }));
      } else {
        if (el.type === 'checkbox') el.checked = a.slice(i + 1) === 'true'; else el.value = a.slice(i + 1);
        el.dispatchEvent(new Event('change', { bubbles: true }));
      }
    }
  }

  // ------------------------------------------------------------ start

  function wire() {
    // Changes that need a new network or new data reset.
    for (const el of [ui.percent, ui.noise, ui.batch, ui.seed, ui.activation, ui.lr, ui.reg, ui.regRate, ui.problem]) {
      el.addEventListener('change', () => { readControls(); reset(); });
    }
    for (const el of [ui.percent, ui.noise, ui.batch]) {
      el.addEventListener('input', () => { $(`${el.id}-out`).value = el.value; });
    }
    // Display-only switches redraw and update the hash.
    for (const el of [ui.showTest, ui.discretize]) {
      el.addEventListener('change', () => { readControls(); writeHash(); draw(); });
    }
    for (const b of document.querySelectorAll('button.dataset')) {
      b.addEventListener('click', () => {
        if (b.dataset.regDataset) S.regDataset = b.dataset.regDataset; else S.dataset = b.dataset.dataset;
        reset();
      });
    }
    ui.addLayer.addEventListener('click', () => {
      if (S.networkShape.length < MAX_LAYERS) { S.networkShape.push(2); reset(); }
    });
    ui.removeLayer.addEventListener('click', () => {
      if (S.networkShape.length > 0) { S.networkShape.pop(); reset(); }
    });
    ui.regenerate.addEventListener('click', () => { S.seed = Math.random().toFixed(5); reset(); });
    ui.download.addEventListener('click', download);
    ui.reset.addEventListener('click', reset);
    ui.play.addEventListener('click', () => setRunning(!state.running));
    ui.step.addEventListener('click', () => {
      setRunning(false);
      if (state.ready && state.history.length > 0 && train(1)) draw();
    });
    window.addEventListener('hashchange', () => {
      if (location.hash.slice(1) === document.body.dataset.hash) return;
      parseHash(location.hash);
      reset();
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

  presetFromQuery();
  parseHash(location.hash);
  showState();
  wire();
  buildNetwork([]);
  writeHash();
  load().then(() => {
    state.ready = true;
    drawThumbnails();
    reset();
    if (params.get('actions')) runActions(params.get('actions'));
    if (params.get('autoplay') === '1' && document.body.dataset.state === 'ready') setRunning(true);
  }, (err) => {
    ui.status.textContent = `Could not start the WebAssembly module: ${err.message}`;
    document.body.dataset.state = 'error';
  });
})();
