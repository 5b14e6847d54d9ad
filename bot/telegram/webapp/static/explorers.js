// The explorers' numbers, computed in the page. Each function mirrors one in Python
// (drops/explorer.py, drops/figures.py); tests/webapp/test_browser.py holds them together.
"use strict";

// drops.explorer.soft_targets: softmax(z/T), entropy (nats), top-two ratio, 1 − p(label).
function softTargets(logits, temperature, label) {
  const scaled = logits.map((z) => z / temperature);
  const top = Math.max(...scaled);
  const weights = scaled.map((z) => Math.exp(z - top));
  const total = weights.reduce((a, b) => a + b, 0);
  const probabilities = weights.map((w) => w / total);
  const entropy = -probabilities.reduce((sum, p) => (p > 0 ? sum + p * Math.log(p) : sum), 0);
  const [first, second] = [...probabilities].sort((a, b) => b - a);
  return { probabilities, entropy, topTwoRatio: first / second, wrongMass: 1 - probabilities[label] };
}

// drops.figures._KL_GRID: 801 points on [−8, 8].
const KL_GRID = Array.from({ length: 801 }, (_, i) => -8 + (16 * i) / 800);
const KL_DX = KL_GRID[1] - KL_GRID[0];

function logNormal(x, mean, std) {
  return -0.5 * ((x - mean) / std) ** 2 - Math.log(std * Math.sqrt(2 * Math.PI));
}

function logAddExp(a, b) {
  const top = Math.max(a, b);
  return top + Math.log(Math.exp(a - top) + Math.exp(b - top));
}

// drops.figures.bimodal_log_density: the teacher 0.6·N(−2, 0.7²) + 0.4·N(2, 0.7²).
function bimodalLogDensity(x) {
  return logAddExp(Math.log(0.6) + logNormal(x, -2, 0.7), Math.log(0.4) + logNormal(x, 2, 0.7));
}

const KL_LOG_P = KL_GRID.map(bimodalLogDensity);

// drops.figures.gaussian_kls: [KL(p‖q), KL(q‖p)] in nats, Riemann sums on KL_GRID.
function gaussianKls(mean, std) {
  let forward = 0;
  let reverse = 0;
  for (let i = 0; i < KL_GRID.length; i++) {
    const logP = KL_LOG_P[i];
    const logQ = logNormal(KL_GRID[i], mean, std);
    forward += Math.exp(logP) * (logP - logQ);
    reverse += Math.exp(logQ) * (logQ - logP);
  }
  return [forward * KL_DX, reverse * KL_DX];
}

// drops.figures.fit_gaussians: the grid search for each direction's best Gaussian.
function fitGaussians() {
  const best = [
    { mean: 0, std: 0, kl: Infinity },
    { mean: 0, std: 0, kl: Infinity },
  ];
  for (let i = 0; i <= 400; i++) {
    const mean = Math.round((-4 + 0.02 * i) * 100) / 100;
    for (let j = 0; j <= 190; j++) {
      const std = Math.round((0.2 + 0.02 * j) * 100) / 100;
      const kls = gaussianKls(mean, std);
      for (const k of [0, 1]) {
        if (kls[k] < best[k].kl) best[k] = { mean, std, kl: kls[k] };
      }
    }
  }
  return { forward: best[0], reverse: best[1] };
}
