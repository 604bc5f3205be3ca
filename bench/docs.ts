// `npm run bench:docs [-- bench/results/<file>.json]`: rewrites the results section of
// docs/performance.md (between the bench:results markers) from a results file; the newest
// file in bench/results when none is named. The prose around it is written by hand.
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as prettier from 'prettier';
import { ROOT } from './processes.js';
import { type Results, markdownReport } from './report.js';

const START = '<!-- bench:results:start (npm run bench:docs writes this section) -->';
const END = '<!-- bench:results:end -->';

async function newestResults(): Promise<string> {
  const dir = path.join(ROOT, 'bench/results');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  const dated = await Promise.all(files.map(async (f) => ({ f, mtime: (await stat(path.join(dir, f))).mtimeMs })));
  const newest = dated.sort((a, b) => b.mtime - a.mtime)[0];
  if (!newest) throw new Error('no results in bench/results: run npm run bench first');
  return path.join('bench/results', newest.f);
}

const file = process.argv[2] ?? (await newestResults());
const relative = path.relative(ROOT, path.resolve(process.cwd(), file));
const results = JSON.parse(await readFile(path.join(ROOT, relative), 'utf8')) as Results;
const docPath = path.join(ROOT, 'docs/performance.md');
const doc = await readFile(docPath, 'utf8');
const start = doc.indexOf(START);
const end = doc.indexOf(END);
if (start === -1 || end < start) throw new Error(`docs/performance.md has no ${START} … ${END} section`);
const section = `${START}\n\n${markdownReport(results, relative)}\n\n${END}`;
const next = doc.slice(0, start) + section + doc.slice(end + END.length);
const options = (await prettier.resolveConfig(docPath)) ?? {};
await writeFile(docPath, await prettier.format(next, { ...options, filepath: docPath }));
console.log(`docs/performance.md: results section rewritten from ${relative}`);
