// The seed's formulas — MSE, cross-entropy, cross-entropy + λ·KL to a label prior, log loss —
// on bundled data, each with its gradient. Run: npm run build && node examples/seed-formulas.mjs
import { readFileSync } from 'node:fs';
import { meanSquaredError, crossEntropy, crossEntropyWithPriorKL, logLoss, getLoss, diagnoseLoss } from 'losskit';

const reg = JSON.parse(readFileSync(new URL('./data/regression-sample.json', import.meta.url), 'utf8'));
console.log(`Regression: ${reg.yTrue.length} predictions of cos(t)`);
const mse = meanSquaredError.valueAndGrad(reg.yTrue, reg.yPred);
console.log(`  MSE = (1/n)·Σ(yᵢ − ŷᵢ)²           = ${mse.value.toFixed(6)}   ∂/∂ŷ₀ = ${mse.grad.data[0].toFixed(6)}`);

// A 3-class problem: labels, logits, and a label prior.
const labels = [0, 0, 0, 1, 2, 0, 1, 0];
const logits = [[2.1, 0.3, -1.0], [1.5, 0.9, 0.1], [0.2, 0.1, -0.3], [0.1, 1.9, 0.4], [-0.5, 0.2, 1.1], [3.0, -0.2, 0.0], [0.4, 0.6, 0.2], [1.2, 1.0, 0.9]];
const prior = [0.5, 0.25, 0.25];
console.log(`Classification: ${labels.length} samples, 3 classes, prior [${prior}]`);
console.log(`  CE = −(1/N)·Σ log softmax(zᵢ)[yᵢ]   = ${crossEntropy(labels, logits).toFixed(6)}`);
for (const lambda of [0, 0.5, 2]) {
  const v = crossEntropyWithPriorKL(labels, logits, { lambda, prior });
  console.log(`  CE + ${lambda}·KL(prior ‖ mean softmax)   = ${v.toFixed(6)}`);
}
const probs = [0.9, 0.2, 0.65, 0.4, 0.05];
const binary = [1, 0, 1, 1, 0];
console.log(`  log loss (binary, ε-clipped)       = ${logLoss(binary, probs).toFixed(6)}`);
console.log(`  Keras 'categorical_crossentropy'   = ${getLoss('categorical_crossentropy')(labels.map((y) => [0, 1, 2].map((c) => +(c === y))), logits.map((z) => { const e = z.map(Math.exp); const s = e.reduce((a, b) => a + b); return e.map((x) => x / s); })).toFixed(6)} (probabilities in)`);
const d = diagnoseLoss('crossEntropy', labels, logits.map((z) => z.map((x) => 1 / (1 + Math.exp(-x)))));
console.log(`  diagnose: sigmoid outputs passed as logits → ${d.findings.map((f) => f.code).join(', ') || 'no findings'}`);
