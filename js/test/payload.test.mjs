import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  LIMIT, size, byteLength, hasNews, fit, takeCount, resourceType, ignored, text, plain, flat, trunc,
} from '../src/payload.js'

const sample = (over = {}) => ({
  kind: 'sample', id: 'a', seq: 1,
  session: { id: 's', startTime: 1, lastLoop: 2, duration: 0 },
  view: { id: '/', startTime: 1, visibility: 'visible', usedMemory: 10, resourceTypes: { css: { count: 1 } },
    longTasks: [], marks: [], console: [], actions: [], events: [], fps: [], ...over.view },
  attributes: { labels: ['a=b'], browser: 'Chrome', connection: { rtt: 50 }, ...over.attributes },
  metrics: { fcp: 100, cls: 0.01, ...over.metrics },
})

test('savingMode: the same data is nothing new', () => {
  assert.equal(hasNews(sample(), sample()), false)
  assert.equal(hasNews(undefined, sample()), true, 'the first sample is new')
})

test('savingMode: volatile values are not new data', () => {
  const next = sample()
  Object.assign(next, { id: 'b', seq: 2 })
  Object.assign(next.session, { lastLoop: 99, duration: 3 })
  Object.assign(next.view, { usedMemory: 99, visibility: 'hidden', fps: [{ timeStamp: 1, fps: 60 }] })
  assert.equal(hasNews(sample(), next), false)
})

test('savingMode: events of a sample, changed metrics, labels and counts are new', () => {
  assert.equal(hasNews(sample(), sample({ view: { actions: [{ name: 'x' }] } })), true)
  assert.equal(hasNews(sample(), sample({ view: { events: [{ e: null }] } })), true)
  assert.equal(hasNews(sample(), sample({ metrics: { fcp: 101 } })), true)
  assert.equal(hasNews(sample(), sample({ metrics: { lcp: 5 } })), true)
  assert.equal(hasNews(sample(), sample({ attributes: { labels: ['a=b', 'c=d'] } })), true)
  assert.equal(hasNews(sample(), sample({ view: { resourceTypes: { css: { count: 2 } } } })), true)
  assert.equal(hasNews(sample(), sample({ attributes: { connection: { rtt: 75 } } })), true)
})

test('savingMode: events sent before do not make the next sample new', () => {
  const prev = sample({ view: { actions: [{ name: 'x' }], console: [{ type: 'warn' }] } })
  assert.equal(hasNews(prev, sample()), false)
})

test('fit: shrinks the largest arrays of view under the limit', () => {
  const p = sample({ view: { console: Array.from({ length: 400 }, (_, i) => ({ type: 'warn', value: { 0: 'x'.repeat(100) + i } })),
    marks: [{ name: 'HE-a' }] } })
  assert.ok(size(p) > LIMIT)
  fit(p)
  assert.ok(size(p) <= LIMIT)
  assert.equal(p.view.truncated, true)
  assert.deepEqual(p.view.marks, [{ name: 'HE-a' }], 'small arrays kept')
  assert.equal(p.view.console[0].value[0], 'x'.repeat(100) + 0, 'first items kept')
  const small = sample()
  fit(small)
  assert.equal(small.view.truncated, undefined)
})

test('byte sizes count UTF-8', () => {
  assert.equal(byteLength('aé€😀'), 1 + 2 + 3 + 4)
  assert.equal(size({ a: 'é' }), 10)
})

const wrap = list => ({ kind: 'entries', id: 'x'.repeat(36), seq: 1000, session: { id: 's' }, view: { id: '/', startTime: 1, resources: list } })
const entry = i => ({ name: 'https://example.com/' + 'p'.repeat(400) + i, startTime: i, duration: 1.5, initiatorType: 'img' })

test('entries: at most maxEntries per beacon', () => {
  const list = Array.from({ length: 120 }, (_, i) => ({ name: 'a' + i }))
  assert.equal(takeCount(list, 50, LIMIT, wrap), 50)
  assert.equal(takeCount(list.slice(0, 7), 50, LIMIT, wrap), 7)
  assert.equal(takeCount([], 50, LIMIT, wrap), 0)
})

test('entries: split under the byte limit, exactly', () => {
  const list = Array.from({ length: 200 }, (_, i) => entry(i))
  const n = takeCount(list, 200, LIMIT, wrap)
  assert.ok(n > 1 && n < 200)
  assert.ok(size(wrap(list.slice(0, n))) <= LIMIT)
  assert.ok(size(wrap(list.slice(0, n + 1))) > LIMIT, 'as many as fit')
  // splitting the whole queue the way the client drains it
  const queue = list.slice(), beacons = []
  while (queue.length) beacons.push(wrap(queue.splice(0, takeCount(queue, 50, LIMIT, wrap))))
  assert.deepEqual(beacons.flatMap(b => b.view.resources), list, 'nothing lost, order kept')
  assert.ok(beacons.every(b => size(b) <= LIMIT && b.view.resources.length <= 50))
  // a single huge entry still goes (alone)
  assert.equal(takeCount([{ name: 'x'.repeat(LIMIT * 2) }, entry(1)], 50, LIMIT, wrap), 1)
})

test('resource types', () => {
  assert.equal(resourceType('https://a.b/x/app.css?v=1', 'link'), 'css')
  assert.equal(resourceType('https://a.b/app.js', 'script'), 'javascript')
  assert.equal(resourceType('https://a.b/m.mjs#x', 'other'), 'javascript')
  assert.equal(resourceType('https://a.b/loader', 'script'), 'javascript')
  assert.equal(resourceType('https://a.b/p.JPG', 'css'), 'image')
  assert.equal(resourceType('https://a.b/img', 'img'), 'image')
  assert.equal(resourceType('https://a.b/f.woff2', 'css'), 'font')
  assert.equal(resourceType('https://a.b/api/items', 'fetch'), 'fetch')
  assert.equal(resourceType('https://a.b/api/items', 'xmlhttprequest'), 'fetch')
  assert.equal(resourceType('https://a.b/video.mp4', 'video'), 'other')
  assert.equal(resourceType('https://cdn.js/thing', 'iframe'), 'other', 'a host is not an extension')
})

test('ignoreResources', () => {
  assert.equal(ignored('https://a.b/rum', '/rum', 'https://a.b/rum'), true)
  assert.equal(ignored('https://a.b/x/rum?x', '/rum', 'https://c.d/collect'), true)
  assert.equal(ignored('https://a.b/app.js', '/rum', 'https://c.d/collect'), false)
  assert.equal(ignored('https://a.b/rum', 'no', 'https://c.d/collect'), false, "'no' collects all")
  assert.equal(ignored('https://c.d/collect', 'no', 'https://c.d/collect'), true, 'never our own beacons')
})

test('text, plain, flat, trunc', () => {
  assert.equal(text('a'), 'a')
  assert.equal(text({ a: 1 }), '{"a":1}')
  assert.equal(text(undefined), 'undefined')
  assert.match(text(new Error('boom')), /^Error: boom/)
  const cyc = {}
  cyc.self = cyc
  assert.equal(text(cyc), '[object Object]')
  assert.equal(text('x'.repeat(600)).length, 500)
  assert.equal(plain(undefined), null)
  assert.deepEqual(plain({ a: [1, { b: true }] }), { a: [1, { b: true }] })
  assert.equal(plain(cyc), '[object Object]')
  assert.deepEqual(flat({ a: 1.234, b: 'x'.repeat(400), c: true, d: [1], e: null }), { a: 1.2, b: 'x'.repeat(300), c: true })
  assert.equal(trunc(null), '')
})

test('plain: user data cut to what the endpoint accepts', () => {
  let deep = 'leaf'
  for (let i = 0; i < 40; i++) deep = { d: deep }
  const out = plain(deep)
  let depth = 0
  for (let v = out; v && typeof v == 'object'; v = v.d) depth++
  assert.ok(depth <= 9, `depth ${depth}`)
  assert.ok(JSON.stringify(out).includes('leaf'), 'the rest as text')
  const long = plain({ ['k'.repeat(300)]: 'v'.repeat(5000), list: Array(500).fill(1) })
  assert.deepEqual(Object.keys(long).map(k => k.length), [64, 4])
  assert.equal(long['k'.repeat(64)].length, 1000)
  assert.equal(long.list.length, 100)
  assert.equal(plain(() => 1), '() => 1')
  assert.equal(plain(10n), '10')
})
