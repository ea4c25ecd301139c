// Extract TensorFlow.js's own loss/metric test cases as literal JSON fixtures.
//
// Usage: node scripts/port/tfjs_harness.mjs <tfjs-git-dir> <commit> <file> [<file> ...] > out.json
//
// Contains no TensorFlow.js code. It reads each named test file from the tfjs git directory at
// the given commit, transpiles it (TypeScript → CommonJS) and runs it against stand-ins: tensor
// constructors that keep their literal values, `tf.losses.*` / `metrics.*` functions that only
// record how they were called, and `expectArraysClose` / `expectTensorsClose` that record the
// expected value the test states (evaluated as written) and the tolerance the test uses.
import { execFileSync } from 'node:child_process';
import ts from 'typescript';

const [gitDir, commit, ...files] = process.argv.slice(2);
const cases = [];
let current = { test: '', k: 0 };

class T {
  constructor(values, shape, dtype = 'float32') {
    this.values = values;
    this.shape = shape;
    this.dtype = dtype;
  }
  data() {
    return Promise.resolve(this.values);
  }
  dataSync() {
    return this.values;
  }
  arraySync() {
    return nest(this.values, this.shape);
  }
  array() {
    return Promise.resolve(this.arraySync());
  }
  dispose() {}
}
function nest(flat, shape) {
  if (shape.length === 0) return flat[0];
  const [n, ...rest] = shape;
  const size = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => nest(flat.slice(i * size, (i + 1) * size), rest));
}
const flatten = (x) => (Array.isArray(x) || ArrayBuffer.isView(x) ? Array.from(x).flatMap(flatten) : [x]);
function shapeOf(x) {
  return Array.isArray(x) ? [x.length, ...shapeOf(x[0])] : [];
}
const num = (v) => (typeof v === 'boolean' ? Number(v) : v);
const mk = (data, shape, dtype) => {
  const values = flatten(data).map(num);
  return new T(values, shape ?? shapeOf(data), dtype ?? 'float32');
};
class Result {
  constructor(spec) {
    this.spec = spec;
  }
  data() {
    return this;
  }
  dataSync() {
    return this;
  }
  array() {
    return this;
  }
  arraySync() {
    return this;
  }
  get shape() {
    return 'opaque';
  }
  toBool() {
    return new Result({ ...this.spec, then: 'toBool' });
  }
  *[Symbol.iterator]() {
    yield new Marker(this);
  }
  dispose() {}
}
class Marker {
  constructor(r) {
    this.result = r;
  }
}
// Element-wise arithmetic on literal tensors, for expected values the tests build from tf ops.
const asT = (x) => (x instanceof T ? x : mk([x], []));
function binary(f) {
  return (a, b) => {
    const [x, y] = [asT(a), asT(b)];
    const big = x.values.length >= y.values.length ? x : y;
    const at = (t, i) => (t.values.length === 1 ? t.values[0] : t.values[i]);
    return new T(
      big.values.map((_, i) => f(at(x, i), at(y, i))),
      big.shape,
    );
  };
}
const unary = (f) => (a) => new T(asT(a).values.map(f), asT(a).shape);
function meanLast(a, axis) {
  if (axis !== -1 && axis !== a.shape.length - 1) throw new Error('mean over axis ' + axis);
  const n = a.shape[a.shape.length - 1];
  const out = [];
  for (let i = 0; i < a.values.length; i += n) out.push(a.values.slice(i, i + n).reduce((p, q) => p + q, 0) / n);
  return new T(out, a.shape.slice(0, -1));
}
function enc(x) {
  if (x instanceof Result) return { result: x.spec };
  if (x instanceof T) return { array: x.values.map(fin), shape: x.shape, dtype: x.dtype };
  if (x === undefined) return null;
  if (typeof x === 'number') return fin(x);
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return x;
  if (Array.isArray(x) || ArrayBuffer.isView(x))
    return { array: flatten(x).map(num).map(fin), shape: shapeOf(Array.from(x)) };
  throw new Error('cannot encode ' + typeof x);
}
const fin = (v) => (Number.isFinite(v) ? v : String(v));
function recorder(module) {
  return new Proxy(
    {},
    {
      get(_, name) {
        if (typeof name !== 'string') return undefined;
        return (...args) => new Result({ module, function: name, args: args.map(enc) });
      },
    },
  );
}
function record(kind, actual, expected, tol) {
  if (!(actual instanceof Result)) return;
  current.k += 1;
  cases.push({
    id: `${current.test}#${current.k}`,
    assert: kind,
    tolerance: tol,
    actual: actual.spec,
    expected: enc(expected),
  });
}
const Reduction = { NONE: 'NONE', MEAN: 'MEAN', SUM: 'SUM', SUM_BY_NONZERO_WEIGHTS: 'SUM_BY_NONZERO_WEIGHTS' };
const core = {
  Tensor: T,
  Reduction,
  tensor: (d, s, dt) => mk(d, s, dt),
  tensor1d: (d, dt) => mk(d, undefined, dt),
  tensor2d: (d, s, dt) => mk(d, s, dt),
  tensor3d: (d, s, dt) => mk(d, s, dt),
  tensor4d: (d, s, dt) => mk(d, s, dt),
  scalar: (v, dt) => mk([v], [], dt),
  zeros: (s) => new T(Array(s.reduce((a, b) => a * b, 1)).fill(0), s),
  ones: (s) => new T(Array(s.reduce((a, b) => a * b, 1)).fill(1), s),
  oneHot: (idx, depth) => {
    const v = idx instanceof T ? idx.values : flatten(idx);
    return new T(
      v.flatMap((i) => Array.from({ length: depth }, (_, j) => (j === i ? 1 : 0))),
      [v.length, depth],
    );
  },
  tidy: (f) => f(),
  add: binary((p, q) => p + q),
  sub: binary((p, q) => p - q),
  mul: binary((p, q) => p * q),
  div: binary((p, q) => p / q),
  neg: unary((p) => -p),
  log: unary(Math.log),
  exp: unary(Math.exp),
  sigmoid: unary((p) => 1 / (1 + Math.exp(-p))),
  mean: meanLast,
  dispose: () => {},
  memory: () => ({ numTensors: 0 }),
  losses: recorder('tf.losses'),
  util: { sizeFromShape: (s) => s.reduce((a, b) => a * b, 1) },
};
const metricsRec = recorder('tfl.metrics');
const lossesRec = recorder('tfl.losses');
const noop = () => {};
const matcher = new Proxy({}, { get: (_, n) => (n === 'not' ? matcher : noop) });
function expectFn(actual) {
  return new Proxy(
    {},
    {
      get(_, n) {
        if (n === 'not') return matcher;
        // error cases are not ported: losskit's errors are its own (LosskitError codes)
        if (n === 'toEqual' && Array.isArray(actual) && actual.length === 1 && actual[0] instanceof Marker) {
          return (e) => record('toEqual', actual[0].result, e, { atol: 0 });
        }
        return noop;
      },
    },
  );
}
const testUtil = {
  expectArraysClose: (a, e, eps) => record('expectArraysClose', a, e, { atol: eps ?? 1e-3 }),
  expectArraysEqual: (a, e) => record('expectArraysEqual', a, e, { atol: 0 }),
  expectTensorsClose: (a, e, eps) => record('expectTensorsClose', a, e, { atol: eps ?? 1e-3 }),
  describeMathCPUAndGPU: (n, f) => describe(n, f),
  describeMathCPU: (n, f) => describe(n, f),
  describeMathCPUAndWebGL2: (n, f) => describe(n, f),
  describeMathGPU: (n, f) => describe(n, f),
};
const stack = [];
const its = [];
function describe(name, fn) {
  stack.push(name);
  try {
    fn();
  } finally {
    stack.pop();
  }
}
function it(name, fn) {
  its.push({ name: [...stack, name].join(' > '), fn });
}
function requireMock(spec) {
  if (spec.includes('jasmine_util')) return { ALL_ENVS: {}, describeWithFlags: (n, _f, fn) => describe(n, fn) };
  if (spec.includes('test_util')) return testUtil;
  if (spec.includes('backend/common')) return { epsilon: () => 1e-7, setEpsilon: noop };
  if (spec === './losses') return lossesRec;
  if (spec === './metrics') return metricsRec;
  if (spec === './index') return { metrics: metricsRec, losses: lossesRec };
  if (spec.includes('tfjs-core') || spec.endsWith('/index')) return core;
  return new Proxy({}, { get: () => noop });
}

for (const file of files) {
  const src = execFileSync('git', ['--git-dir', gitDir, 'show', `${commit}:${file}`], { encoding: 'utf8' });
  const js = ts.transpileModule(src, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
  }).outputText;
  its.length = 0;
  const run = new Function('require', 'exports', 'describe', 'it', 'fit', 'expect', 'beforeEach', 'afterEach', js);
  run(requireMock, {}, describe, it, it, expectFn, noop, noop);
  for (const t of its) {
    current = { test: `${file}::${t.name}`, k: 0 };
    try {
      await t.fn();
    } catch (e) {
      process.stderr.write(`stopped ${current.test}: ${String(e).slice(0, 120)}\n`);
    }
  }
}
process.stdout.write(JSON.stringify({ source: { repository: 'tensorflow/tfjs', commit, files }, cases }));
