// make test-demo: the demo (scripts/demo.sh) with headless Chromium browsing
// the shop, then the live page (/live/, served by the example consumer)
// opened in Chromium: its p75 per view and its good / needs improvement /
// poor counts per metric must be what the stream says, computed here the
// way README describes (per page view, the value of the beacon with the
// highest seq; duplicates by beacon id dropped; nearest-rank p75), over the
// entries up to the last one the page says it has read.  The screenshot
// goes to docs/live.png.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, execFileSync } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { launch, root, sleep, waitFor } from '../browser/lib.mjs'

const METRICS = ['lcp', 'inp', 'cls', 'fcp', 'ttfb']
const THRESHOLDS = { lcp: [2500, 4000], inp: [200, 500], cls: [0.1, 0.25], fcp: [1800, 3000], ttfb: [800, 1800] }

const freePort = () => new Promise(r => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address()
    s.close(() => r(port))
  })
})

const p75 = values => {
  if (!values.length) return null
  const v = [...values].sort((a, b) => a - b)
  return v[Math.max(0, Math.ceil(0.75 * v.length) - 1)]
}
const num = s => {
  const v = s == null || s === '' ? NaN : Number(s)
  return Number.isFinite(v) ? v : null
}

// what the page must show, from the stream entries up to `last`
function expected(entries) {
  const seen = new Set(), inst = new Map()
  for (const f of entries) {
    const beacon = f.id ?? f._id
    if (seen.has(beacon)) continue
    seen.add(beacon)
    const metrics = Object.fromEntries(METRICS.map(m => [m, num(f[m])]).filter(([, v]) => v !== null))
    if (!Object.keys(metrics).length) continue
    const view = f.view || '?'
    let start = f.view_start
    if (start === undefined) {
      try { start = JSON.parse(f.payload || '{}').view?.startTime } catch {}
    }
    const key = JSON.stringify([f.session ?? null, view, start ?? null])
    const seq = num(f.seq) ?? -1
    const i = inst.get(key) || { view, m: {} }
    for (const [m, v] of Object.entries(metrics)) {
      if (!i.m[m] || seq >= i.m[m][0]) i.m[m] = [seq, v]
    }
    inst.set(key, i)
  }
  const perView = {}, shares = Object.fromEntries(METRICS.map(m => [m, { good: 0, ni: 0, poor: 0 }]))
  for (const i of inst.values()) {
    perView[i.view] ??= Object.fromEntries(METRICS.map(m => [m, []]))
    for (const [m, [, v]] of Object.entries(i.m)) {
      perView[i.view][m].push(v)
      const [good, poor] = THRESHOLDS[m]
      shares[m][v <= good ? 'good' : v > poor ? 'poor' : 'ni']++
    }
  }
  const views = Object.fromEntries(Object.entries(perView).map(([view, ms]) =>
    [view, Object.fromEntries(METRICS.map(m => [m, p75(ms[m])]))]))
  return { views, shares, instances: inst.size }
}

test('the live page shows what the stream holds', { timeout: 240000 }, async () => {
  const [port, backend, live, redis] = [await freePort(), await freePort(), await freePort(), await freePort()]
  const demo = spawn(join(root, 'scripts/demo.sh'), {
    env: { ...process.env, HEADLESS: '1', DEMO_SECONDS: '0', DEMO_PORT: port, DEMO_BACKEND_PORT: backend,
      DEMO_LIVE_PORT: live, DEMO_REDIS_PORT: redis },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  })
  const exited = new Promise(r => demo.once('exit', r))
  let browser
  try {
    const liveUrl = `http://127.0.0.1:${port}/live/`
    // page views with LCP from a few rounds of the headless browser
    await waitFor(async () => {
      try {
        const d = await (await fetch(liveUrl + 'data.json')).json()
        return d.shares.lcp.good + d.shares.lcp.ni + d.shares.lcp.poor >= 6 && d.p75.length >= 3
      } catch { return false }
    }, 'page views in the live data', 150000)

    browser = await launch()
    const page = await browser.newPage({ viewport: { width: 1200, height: 720 } })
    await page.goto(liveUrl)
    await page.waitForSelector('td[data-metric="lcp"]')
    // one render, read whole: the table, the shares and the last entry id
    const shown = await page.evaluate(() => ({
      last: JSON.parse(document.body.dataset.last || '{}'),
      cells: [...document.querySelectorAll('td[data-metric]')].map(td =>
        [td.dataset.view, td.dataset.metric, td.dataset.value]),
      shares: Object.fromEntries([...document.querySelectorAll('.share')].map(e =>
        [e.dataset.metric, { good: +e.dataset.good, ni: +e.dataset.ni, poor: +e.dataset.poor }])),
    }))
    const last = shown.last['rum:beacons']
    assert.ok(last, 'the page says how far it has read')

    const rows = JSON.parse(execFileSync('redis-cli', ['-p', String(redis), '--json', 'XRANGE', 'rum:beacons', '-', last],
      { encoding: 'utf8', maxBuffer: 1 << 28 }))
    const entries = rows.map(([id, kv]) => {
      const f = { _id: id }
      for (let i = 0; i < kv.length; i += 2) f[kv[i]] = kv[i + 1]
      return f
    })
    const want = expected(entries)

    assert.deepEqual(shown.shares, want.shares, 'good / needs improvement / poor per metric')
    const got = {}
    for (const [view, m, v] of shown.cells) {
      got[view] ??= {}
      got[view][m] = v === '' ? null : Number(v)
    }
    assert.deepEqual(Object.keys(got).sort(), Object.keys(want.views).sort(), 'the views')
    for (const view of Object.keys(want.views)) {
      for (const m of METRICS) {
        const [a, b] = [got[view][m], want.views[view][m]]
        assert.ok(a === b || (a !== null && b !== null && Math.abs(a - b) < 1e-9),
          `${view} ${m}: the page shows ${a}, the stream gives ${b}`)
      }
    }
    await sleep(300)
    await page.screenshot({ path: join(root, 'docs/live.png'), fullPage: true })
    process.stderr.write(`live: ${want.instances} page views over ${entries.length} entries, ` +
      `${Object.keys(want.views).length} views; docs/live.png\n`)
  } finally {
    await browser?.close()
    try { process.kill(-demo.pid, 'SIGTERM') } catch {}
    await Promise.race([exited, sleep(20000)])
  }
})
