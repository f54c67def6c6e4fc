import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gunzipSync, gzipSync } from 'node:zlib'
import { createTransport, gzip } from '../src/transport.js'

function fake(statuses = []) {
  const calls = [], beacons = [], timers = []
  const env = {
    fetch: async (url, o) => {
      calls.push({ url, ...o })
      const s = statuses.shift() ?? 204
      if (s == 'network') throw new TypeError('Failed to fetch')
      return { status: s }
    },
    beacon: (url, body) => (beacons.push(body), true),
    gzip: async s => gzipSync(s),
    setTimeout: (fn, ms) => (timers.push({ fn, ms }), timers.length),
  }
  return { env, calls, beacons, timers }
}
const tick = () => new Promise(r => setImmediate(r))

test('small bodies: plain text/plain fetch with keepalive', async () => {
  const f = fake()
  const t = createTransport('/rum', f.env)
  t.send('{"a":1}')
  await tick()
  assert.equal(f.calls.length, 1)
  assert.deepEqual([f.calls[0].url, f.calls[0].method, f.calls[0].body, f.calls[0].keepalive, f.calls[0].headers],
    ['/rum', 'POST', '{"a":1}', true, undefined])
})

test('large bodies: gzip with Content-Encoding', async () => {
  const f = fake()
  const t = createTransport('/rum', f.env)
  const body = JSON.stringify({ x: 'y'.repeat(5000) })
  t.send(body)
  await tick()
  await tick()
  const c = f.calls[0]
  assert.equal(c.headers['Content-Encoding'], 'gzip')
  assert.match(c.headers['Content-Type'], /^text\/plain/)
  assert.equal(gunzipSync(c.body).toString(), body)
  assert.ok(c.body.byteLength < 200)
})

test('gzip: CompressionStream over the UTF-8 of the text, any characters', async () => {
  const body = JSON.stringify({ x: 'y'.repeat(5000), u: 'é€😀' })
  const z = Buffer.from(await gzip(new TextEncoder().encode(body)))
  assert.equal(z[0], 0x1f)
  assert.equal(gunzipSync(z).toString(), body)
  assert.ok(z.byteLength < 200)
})

test('unload: sendBeacon, never compressed', () => {
  const f = fake()
  const t = createTransport('/rum', f.env)
  const body = JSON.stringify({ x: 'y'.repeat(5000) })
  assert.equal(t.send(body, true), true)
  assert.deepEqual(f.beacons, [body])
  assert.equal(f.calls.length, 0)
})

test('the keep-alive budget covers everything in flight', () => {
  const f = fake()
  const t = createTransport('/rum', f.env)
  const body = JSON.stringify({ x: 'y'.repeat(15000) })
  let sent = 0
  while (t.send(body, true)) sent++
  assert.equal(sent, 3, 'about 60 KB of beacons at once')
  // the refused one waits for a retry, and the budget comes back later
  assert.equal(f.timers.length, 4)
  f.timers.filter(x => x.ms == 5000).forEach(x => x.fn())
  assert.equal(t.send(body, true), true)
})

test('retries with backoff on 503, 429 and network errors; not on 400', async () => {
  const f = fake([503, 429, 'network', 204, 400])
  const t = createTransport('/rum', f.env)
  t.send('{"n":1}')
  await tick()
  assert.equal(f.calls.length, 1)
  assert.equal(f.timers.length, 1)
  const first = f.timers[0].ms
  assert.ok(first >= 500 && first <= 1500)
  f.timers.shift().fn()
  await tick()
  assert.ok(f.timers[0].ms >= 1000 && f.timers[0].ms <= 3000, 'backs off')
  f.timers.shift().fn()
  await tick()
  f.timers.shift().fn()
  await tick()
  assert.equal(f.calls.length, 4, '503, 429, network error, then 204')
  assert.ok(f.calls.every(c => c.body == '{"n":1}'), 'same body, same id')
  t.send('{"n":2}')
  await tick()
  assert.equal(f.calls.length, 5)
  assert.equal(f.timers.length, 0, 'no retry of a 400')
  assert.equal(t.dropped, 0)
})

test('the retry queue is bounded: oldest dropped and counted', async () => {
  const f = fake(Array(100).fill(503))
  const t = createTransport('/rum', f.env)
  for (let i = 0; i < 25; i++) t.send(`{"n":${i}}`)
  await tick()
  assert.equal(t.dropped, 5)
  f.timers.shift().fn()
  await tick()
  assert.deepEqual(f.calls.slice(25).map(c => JSON.parse(c.body).n), Array.from({ length: 20 }, (_, i) => i + 5))
})

test('gives up after five tries', async () => {
  const f = fake(Array(10).fill(503))
  const t = createTransport('/rum', f.env)
  t.send('{}')
  for (let i = 0; i < 6; i++) {
    await tick()
    f.timers.shift()?.fn()
  }
  await tick()
  assert.equal(f.calls.length, 6)
  assert.equal(t.dropped, 1)
})

test('flush hands queued retries to sendBeacon', async () => {
  const f = fake(['network'])
  const t = createTransport('/rum', f.env)
  t.send('{"late":1}')
  await tick()
  t.flush()
  assert.deepEqual(f.beacons, ['{"late":1}'])
})

test('dry run sends nothing', async () => {
  const f = fake()
  const t = createTransport('/rum', { ...f.env, dry: true })
  t.send('{}')
  t.send('{}', true)
  await tick()
  assert.equal(f.calls.length + f.beacons.length, 0)
})
