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
const KL_LOG_ROOT_2PI = 0.5 * Math.log(2 * Math.PI);

// What KL(p‖q) needs of p on KL_GRID: Σp, Σp·x, Σp·x² and Σp·log p.
const KL_P_SUMS = KL_GRID.reduce(
  (sums, x, i) => {
    const p = Math.exp(KL_LOG_P[i]);
    return { p: sums.p + p, px: sums.px + p * x, pxx: sums.pxx + p * x * x, pLogP: sums.pLogP + p * KL_LOG_P[i] };
  },
  { p: 0, px: 0, pxx: 0, pLogP: 0 },
);

// KL(p‖q) = Σ p·(log p − log q)·dx with log q = −(x − m)²/2s² − log(s√2π): the same Riemann
// sum, expanded into p's sums above, so it costs nothing per grid point.
function forwardKl(mean, std) {
  const { p, px, pxx, pLogP } = KL_P_SUMS;
  const squares = pxx - 2 * mean * px + mean * mean * p; // Σ p·(x − m)²
  return (pLogP + squares / (2 * std * std) + p * (Math.log(std) + KL_LOG_ROOT_2PI)) * KL_DX;
}

// KL(q‖p) = Σ q·(log q − log p)·dx; q's normaliser is worked out once, not at every point.
function reverseKl(mean, std) {
  const logNormaliser = Math.log(std) + KL_LOG_ROOT_2PI;
  let total = 0;
  for (let i = 0; i < KL_GRID.length; i++) {
    const z = (KL_GRID[i] - mean) / std;
    const logQ = -0.5 * z * z - logNormaliser;
    total += Math.exp(logQ) * (logQ - KL_LOG_P[i]);
  }
  return total * KL_DX;
}

// drops.figures.gaussian_kls: [KL(p‖q), KL(q‖p)] in nats, Riemann sums on KL_GRID.
function gaussianKls(mean, std) {
  return [forwardKl(mean, std), reverseKl(mean, std)];
}

// drops.figures.fit_gaussians' search grid: means −4…4 and stds 0.2…4, in steps of 0.02.
const FIT_MEANS = Array.from({ length: 401 }, (_, i) => Math.round((-4 + 0.02 * i) * 100) / 100);
const FIT_STDS = Array.from({ length: 191 }, (_, j) => Math.round((0.2 + 0.02 * j) * 100) / 100);
const COARSE_STEP = 5; // every 0.1: the reverse fit's basins (one per teacher mode) are ≈ 1 wide
const FINE_REACH = 10; // then every 0.02 within ±0.2 of the coarse best

// The first (mean-major, as numpy's argmin) lowest ``kl`` over FIT_MEANS × FIT_STDS indices.
function lowest(kl, means, stds) {
  let best = { mean: 0, std: 0, kl: Infinity };
  for (const i of means) {
    for (const j of stds) {
      const value = kl(FIT_MEANS[i], FIT_STDS[j]);
      if (value < best.kl) best = { mean: FIT_MEANS[i], std: FIT_STDS[j], kl: value, i, j };
    }
  }
  return best;
}

const indices = (from, to, step = 1) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, k) => from + k * step);

// drops.figures.fit_gaussians: each direction's best Gaussian on the same grid, with the same
// result. KL(p‖q) costs nothing a point, so every point is tried; KL(q‖p) is tried on every
// fifth, then on every point around the best of those (3,600 sums instead of 76,600).
function fitGaussians() {
  const forward = lowest(forwardKl, indices(0, 400), indices(0, 190));
  const coarse = lowest(reverseKl, indices(0, 400, COARSE_STEP), indices(0, 190, COARSE_STEP));
  const near = (centre, last) => indices(Math.max(0, centre - FINE_REACH), Math.min(last, centre + FINE_REACH));
  const reverse = lowest(reverseKl, near(coarse.i, 400), near(coarse.j, 190));
  const fit = ({ mean, std, kl }) => ({ mean, std, kl });
  return { forward: fit(forward), reverse: fit(reverse) };
}
