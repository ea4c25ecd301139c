/**
 * The sharded-evaluation recipes of README.md and docs/eval.md, run as written (`sh`, with
 * `losskit` on PATH pointing at the built CLI) on gzipped CSV shards: `merge` must give the values
 * of one pass over all the rows (bit for bit for counts and exact AUROC / AP).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { binaryData, csvText } from './eval-helpers.js';

const root = resolve(__dirname, '..', '..');
const cli = join(root, 'dist/esm/node/cli.js');

/** The ```sh block of `doc` that runs `losskit merge states/*.json`. */
function recipe(doc: string): string {
  const text = readFileSync(join(root, doc), 'utf8');
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  const found = blocks.filter((b) => b.includes('losskit merge states/*.json'));
  expect(found, `${doc} has one sharding recipe`).toHaveLength(1);
  return found[0];
}

interface Out {
  rows: number;
  results: { metric: string; value: number }[];
  report?: unknown;
}

describe('the sharded-evaluation recipe runs end to end', () => {
  for (const doc of ['README.md', 'docs/eval.md'])
    it(doc, () => {
      const dir = mkdtempSync(join(tmpdir(), 'losskit-recipe-'));
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'losskit'), `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`);
      chmodSync(join(bin, 'losskit'), 0o755);
      // Three gzipped shards of one data set, and the whole file for comparison.
      const d = binaryData(3000, 13);
      const text = csvText(d).trimEnd().split('\n');
      mkdirSync(join(dir, 'shards'));
      for (let s = 0; s < 3; s++) {
        const part = [text[0], ...text.slice(1 + s * 1000, 1 + (s + 1) * 1000)].join('\n') + '\n';
        writeFileSync(join(dir, 'shards', `part-${s}.csv.gz`), gzipSync(part));
      }
      writeFileSync(join(dir, 'whole.csv'), text.join('\n') + '\n');
      const r = spawnSync('sh', ['-e', '-c', recipe(doc)], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
      });
      expect(r.status, r.stderr).toBe(0);
      const merged = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Out;
      const one = spawnSync(process.execPath, [cli, 'eval', 'whole.csv', '--json', '--quiet', '--report'], {
        cwd: dir,
        encoding: 'utf8',
      });
      expect(one.status, one.stderr).toBe(0);
      const whole = JSON.parse(one.stdout) as Out;
      expect(merged.rows).toBe(3000);
      expect(merged.results.map((x) => x.metric)).toEqual(whole.results.map((x) => x.metric));
      merged.results.forEach((x, i) => {
        if (['accuracy', 'precision', 'recall', 'f1', 'auroc', 'averagePrecision'].includes(x.metric))
          expect(x.value, x.metric).toBe(whole.results[i].value);
        else expect(x.value, x.metric).toBeCloseTo(whole.results[i].value, 12);
      });
      if (doc === 'README.md') expect(merged.report).toEqual(whole.report);
    });
});
