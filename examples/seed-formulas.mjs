// The seed's formulas on bundled data: npm start (after npm run build).
import { readFileSync } from 'node:fs';
import { meanSquaredError, meanAbsoluteError, getLoss } from 'losskit';

const data = JSON.parse(readFileSync(new URL('./data/regression-sample.json', import.meta.url), 'utf8'));
const { yTrue, yPred } = data;
console.log(`losskit on examples/data/regression-sample.json (${yTrue.length} predictions)`);
console.log(`  MSE = (1/n)·Σ(yᵢ − ŷᵢ)²  = ${meanSquaredError(yTrue, yPred).toFixed(6)}`);
console.log(`  MAE = (1/n)·Σ|yᵢ − ŷᵢ|   = ${meanAbsoluteError(yTrue, yPred).toFixed(6)}`);
const { grad } = meanSquaredError.valueAndGrad(yTrue, yPred);
console.log(`  ∂MSE/∂ŷ[0..3]            = ${Array.from(grad.data.slice(0, 3), (g) => g.toFixed(6)).join(', ')}`);
console.log(`  Keras 'mse' alias         = ${getLoss('mse')(yTrue, yPred).toFixed(6)}`);
