import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compactTrace, fitTrace } from '../src/trace.js'
import { size } from '../src/payload.js'

// a Profiler trace: main -> a -> b, main -> c (from another script), idle samples
const trace = {
  resources: ['https://s/app.js', 'https://s/unused.js', 'https://s/lib.js'],
  frames: [
    { name: 'main', resourceId: 0, line: 1, column: 1 },
    { name: 'a', resourceId: 0, line: 10, column: 3 },
    { name: 'b', resourceId: 0, line: 20, column: 5 },
    { name: 'unused', resourceId: 1, line: 1, column: 1 },
    { name: 'c', resourceId: 2, line: 2, column: 2 },
    { name: 'Native' },
  ],
  stacks: [
    { frameId: 0 }, { frameId: 1, parentId: 0 }, { frameId: 2, parentId: 1 },
    { frameId: 3 }, { frameId: 4, parentId: 0 }, { frameId: 5, parentId: 2 },
  ],
  samples: [
    { timestamp: 100.04 }, { timestamp: 110.01, stackId: 2 }, { timestamp: 120, stackId: 4 },
    { timestamp: 130 }, { timestamp: 140.26, stackId: 5 },
  ],
}

// resolve a compact stack back to frame names, leaf first
const names = (c, s) => {
  const out = []
  for (let i = s; i !== undefined; i = c.stacks[i][1]) out.push(c.frames[c.stacks[i][0]][0])
  return out
}

test('compact: busy samples only, referenced items re-indexed', () => {
  const c = JSON.parse(JSON.stringify(compactTrace(trace)))
  assert.deepEqual(c.samples.map(s => s[0]), [110, 120, 140.3])
  assert.deepEqual(c.samples.map(([, s]) => names(c, s)), [['b', 'a', 'main'], ['c', 'main'], ['Native', 'b', 'a', 'main']])
  assert.deepEqual(c.resources, ['https://s/app.js', 'https://s/lib.js'], 'unused script left out')
  assert.equal(c.frames.length, 5)
  assert.ok(!c.frames.some(f => f[0] == 'unused'))
  assert.deepEqual(c.frames.find(f => f[0] == 'c'), ['c', 1, 2, 2])
  assert.deepEqual(c.frames.find(f => f[0] == 'Native'), ['Native', null, null, null])
  // parents come before children
  c.stacks.forEach(([, p], i) => assert.ok(p === undefined || p < i))
})

test('fit: only the samples inside long animation frames when too big', () => {
  const wrap = p => ({ kind: 'profile', profile: p })
  const big = { ...trace, samples: [] }
  for (let t = 0; t < 20000; t += 10) big.samples.push({ timestamp: t, stackId: t % 20 ? 2 : 4 })
  const loafs = [{ startTime: 1000, duration: 100 }]
  assert.deepEqual(fitTrace(trace, loafs, 16000, wrap), compactTrace(trace), 'small: all')
  const p = fitTrace(big, loafs, 16000, wrap)
  assert.ok(p.samples.length > 0 && p.samples.every(([t]) => t >= 1000 && t <= 1100))
  assert.ok(size(wrap(p)) <= 16000)
  const tiny = fitTrace(big, [{ startTime: 0, duration: 20000 }], 2000, wrap)
  assert.ok(size(wrap(tiny)) <= 2000 && tiny.truncated && tiny.samples[0][0] == 0)
})
