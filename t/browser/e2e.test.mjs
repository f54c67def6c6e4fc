// Browser end-to-end: Chromium loads the site through a backend (a node
// stand-in, and nginx + the module + Redis when the module is built), and
// the beacons that arrive are checked against the seed's sections.
//
//   node --test t/browser/                 node backend (+ nginx when built)
//   RUM_BACKEND=nginx node --test t/browser/

import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { launch, webVitalsProbe, waitFor, sleep, backends, startBackend } from './lib.mjs'

const names = await backends()
if (!names.includes('nginx')) {
  test('e2e with the nginx backend', { skip: 'build/nginx/objs/ngx_http_rum_module.so not built (make)' }, () => {})
}

for (const name of names) {
  describe(`e2e with the ${name} backend`, { timeout: 180000 }, () => {
    let backend, browser, context, home
    const all = async () => (await backend.beacons()).filter(b => b.payload)
    const find = (pred, what, ms) => waitFor(async () => (await all()).find(b => pred(b.payload, b)), what, ms)
    const samplesOf = (list, view) => list.filter(b => b.payload.kind == 'sample' &&
      b.payload.view.startTime == view.startTime && b.payload.view.pathname == view.pathname)
    const merged = (list, key) => list.flatMap(b => b.payload.view[key] || [])

    before(async () => {
      backend = await startBackend(name)
      browser = await launch()
      context = await browser.newContext()
      await context.addInitScript({ content: webVitalsProbe })
    })
    after(async () => {
      await browser?.close()
      await backend?.stop()
    })

    test('home page: every section of the seed, the last beacon after leaving', async () => {
      const page = await context.newPage()
      const errors = []
      page.on('pageerror', e => errors.push(e.message))
      await page.goto(backend.origin + '/index.html')
      const first = await find(p => p.kind == 'sample' && p.view.pathname == '/index.html', 'first sample')
      const p = first.payload
      home = p

      // top level
      assert.match(p.id, /^[A-Za-z0-9._:-]{1,64}$/)
      assert.equal(p.seq, 0)
      // session
      assert.match(p.session.id, /^[0-9a-f-]{36}$/)
      assert.ok(p.session.startTime <= p.session.lastLoop)
      assert.equal(typeof p.session.duration, 'number')
      // view
      const v = p.view
      assert.equal(v.id, '/index.html')
      assert.ok(Math.abs(v.startTime - Date.now()) < 60000)
      assert.equal(v.href, backend.origin + '/index.html')
      for (const k of ['protocol', 'host', 'hostname', 'port', 'pathname', 'search', 'hash', 'origin', 'referer']) {
        assert.equal(typeof v[k], 'string', k)
      }
      assert.equal(v.protocol, 'http:')
      assert.equal(v.visibility, 'visible')
      assert.equal(typeof v.usedMemory, 'number')
      assert.ok(v.longTasks.some(t => t.duration >= 100), 'long task')
      const hero = v.marks.find(m => m.name == 'HE-title')
      assert.deepEqual([hero.detail, typeof hero.startTime], ['Title painted.', 'number'])
      assert.deepEqual(v.events, [{ early: { step: 1 } }], 'queued addEvent replayed')
      assert.ok(v.resourceTypes.image.count >= 1 && v.resourceTypes.css.count >= 1, 'resourceTypes')
      // attributes
      const a = p.attributes
      assert.deepEqual(a.labels, ['env=test', 'app=e2e', 'user=alice'])
      assert.ok(a.browser && a.browserVersion, 'browser')
      assert.ok(['userAgent', 'userAgentData'].includes(a.uaParser))
      assert.equal(a.ua.length > 0, true)
      assert.equal(a.device.type, 'desktop')
      assert.equal(typeof a.device.cpu, 'number')
      assert.equal(typeof a.device.charging, 'boolean')
      assert.equal(typeof a.audits, 'undefined')
      assert.equal(p.audits.crossOriginIsolated, false)
      // metrics
      const m = p.metrics
      for (const k of ['ttfb', 'responseTime', 'domComplete', 'domContentLoadedEventStart',
        'domContentLoadedEventEnd', 'domContentLoadedDuration', 'renderDuration', 'duration']) {
        assert.equal(typeof m[k], 'number', k)
      }

      // resources in `entries` beacons
      const entries = await waitFor(async () => {
        const e = (await all()).filter(b => b.payload.kind == 'entries' && b.payload.view.startTime == v.startTime)
        const names = e.flatMap(b => b.payload.view.resources.map(r => r.name))
        return names.some(n => n.endsWith('/img.svg')) && names.some(n => n.endsWith('/style.css')) && e
      }, 'entries with the image and the stylesheet')
      const res = entries[0].payload.view.resources.find(r => r.name.endsWith('/img.svg') || r.name.endsWith('/style.css'))
      for (const k of ['startTime', 'duration', 'initiatorType', 'responseEnd', 'transferSize']) assert.ok(k in res, k)
      assert.equal(entries[0].payload.session.id, p.session.id)
      assert.ok(!entries.some(b => b.payload.view.resources.some(r => r.name.includes('/rum'))), 'ignoreResources')

      // crum-action + crum-send: sent at once, with the pending events
      await page.click('#buy')
      const action = await find(q => q.kind == 'action' && q.view.startTime == v.startTime, 'action beacon', 5000)
      assert.deepEqual(action.payload.view.actions.map(x => [x.name, x.type, x.target, x.pointerType]),
        [['buy-button', 'click', 'button', 'mouse']])
      assert.deepEqual(action.payload.view.events,
        [{ addToBasket: { product: 'iPhone', variant: [13, 14], soldout: false } }])

      // console, uncaught error, rejection; an action kept for the sample
      await page.click('#later')
      await sleep(1500) // fps is measured after the first round
      const wv = await page.evaluate(() => window.__wv)
      const left = Date.now()
      await Promise.all([page.waitForURL('**/page2.html'), page.click('#next')])
      await waitFor(async () => samplesOf(await all(), v).some(b => b.ts >= left), 'the sample sent when the page was left')
      const list = samplesOf(await all(), v)
      const last = list[list.length - 1].payload
      const con = merged(list, 'console')
      assert.ok(con.some(c => c.type == 'warn' && c.value[0] == 'warn message' && c.value[1] == '{"code":7}'), 'console.warn')
      assert.ok(con.some(c => c.type == 'uncaught' && c.value[0].includes('boom from e2e')), 'uncaught error')
      assert.ok(con.some(c => c.type == 'unhandledrejection' && c.value[0].includes('rejected in e2e')), 'rejection')
      assert.ok(merged(list, 'actions').some(x => x.name == 'later-span' && x.target == 'span'), 'action')
      assert.ok(merged(list, 'fps').some(f => f.fps > 0 && typeof f.timeStamp == 'number'), 'fps')
      assert.ok(merged(list, 'marks').some(x => x.name == 'HE-hero'), 'HE-hero')
      const loafs = merged(list, 'longAnimationFrames')
      assert.ok(loafs.some(f => f.duration >= 100 && Array.isArray(f.scripts)), 'long animation frame')
      assert.ok(loafs.some(f => f.scripts.some(s => 'invoker' in s && 'sourceURL' in s && 'duration' in s)), 'LoAF scripts')
      assert.equal(typeof last.metrics.fp, 'number', 'fp')
      assert.deepEqual(errors.sort(), ['boom from e2e', 'rejected in e2e'])

      // Core Web Vitals: what web-vitals reports in the same page
      const lm = last.metrics
      assert.equal(lm.lcp, Math.round(wv.LCP), 'lcp')
      assert.equal(lm.fcp, Math.round(wv.FCP), 'fcp')
      assert.equal(lm.ttfb, Math.round(wv.TTFB), 'ttfb')
      assert.equal(lm.cls, Math.round(wv.CLS * 1e4) / 1e4, 'cls')
      assert.ok(lm.cls > 0, 'the layout shift counted')
      if (wv.INP !== undefined) assert.equal(lm.inp, Math.round(wv.INP), 'inp')
      assert.equal(typeof lm.fid, 'number', 'fid from first-input')

      // every beacon: unique id, seq increasing per view
      const mine = (await all()).filter(b => b.payload.view?.startTime == v.startTime)
      const seqs = mine.map(b => b.payload.seq).sort((x, y) => x - y)
      assert.deepEqual(seqs, seqs.map((_, i) => i), 'seq 0..n-1')
      const ids = (await all()).map(b => b.payload.id)
      assert.equal(new Set(ids).size, ids.length, 'unique ids')
      await page.close()
    })

    test('second page: a new view in the same session', async () => {
      const b = await find(p => p.kind == 'sample' && p.view.pathname == '/page2.html', 'page 2 sample')
      assert.equal(b.payload.session.id, home.session.id)
      assert.equal(b.payload.session.startTime, home.session.startTime)
      assert.notEqual(b.payload.view.startTime, home.view.startTime)
      assert.equal(b.payload.view.referer, backend.origin + '/index.html')
      assert.equal(b.payload.seq, 0)
    })

    test('SPA: pushState starts a new view', async () => {
      const page = await context.newPage()
      await page.goto(backend.origin + '/spa.html')
      const first = await find(p => p.kind == 'sample' && p.view.pathname == '/spa.html', 'spa sample')
      await page.click('#go')
      const next = await find(p => p.kind == 'sample' && p.view.id == '/spa/next', 'soft view sample')
      const n = next.payload
      assert.equal(n.view.navigationType, 'soft')
      assert.equal(n.view.href, backend.origin + '/spa/next')
      assert.equal(n.view.referer, backend.origin + '/spa.html')
      assert.equal(n.seq, 0)
      assert.ok(n.view.startTime > first.payload.view.startTime)
      assert.equal(n.session.id, home.session.id)
      assert.equal(n.metrics.ttfb, undefined, 'no load metrics for a soft view')
      // the action that caused it went with the old view
      const old = samplesOf(await all(), first.payload.view)
      assert.ok(merged(old, 'actions').some(a => a.name == 'spa-go'))
      await page.close()
    })

    test('CSP page with a nonce: the client runs', async () => {
      const page = await context.newPage()
      const violations = []
      page.on('console', m => /Content Security Policy/i.test(m.text()) && violations.push(m.text()))
      const r = await page.goto(backend.origin + '/csp.html')
      assert.match(r.headers()['content-security-policy'], /nonce-/)
      await find(p => p.kind == 'sample' && p.view.pathname == '/csp.html', 'csp sample')
      assert.deepEqual(violations, [])
      await page.close()
    })

    test('profiling: a profile beacon tied to long animation frames', async () => {
      const page = await context.newPage()
      const r = await page.goto(backend.origin + '/profile.html')
      assert.equal(r.headers()['document-policy'], 'js-profiling')
      await page.click('#work')
      await sleep(300)
      await page.click('#work')
      const b = await find(p => p.kind == 'profile' && p.view.href.endsWith('/profile.html'), 'profile beacon', 15000)
      const { profile, longAnimationFrames } = b.payload
      assert.ok(profile.end > profile.start && profile.sampleInterval > 0)
      assert.ok(profile.samples.length > 0 && profile.stacks.length > 0 && profile.frames.length > 0)
      const names = profile.frames.map(f => f[0])
      assert.ok(names.includes('fib') || names.includes('busyWork'), 'our functions in the frames')
      assert.ok(profile.resources.some(u => u.endsWith('/profile.html')))
      for (const [, s] of profile.samples) assert.ok(s >= 0 && s < profile.stacks.length)
      for (const [f, parent] of profile.stacks) assert.ok(f < profile.frames.length && (parent === undefined || parent < profile.stacks.length))
      assert.ok(longAnimationFrames.length > 0 && longAnimationFrames.every(l => l.duration >= 50))
      assert.equal(b.payload.session.id, home.session.id)
      await page.close()
    })

    test("the seed's manual snippet and the attribute form", async () => {
      const page = await context.newPage()
      await page.goto(backend.origin + '/manual.html')
      const m = await find(p => p.kind == 'sample' && p.view.id == 'homePageManual', 'manual snippet sample')
      assert.deepEqual(m.payload.attributes.labels, ['env=production', 'versionApp=1'])
      assert.equal(m.payload.view.resourceTypes, undefined, 'trackResources: false')
      await page.goto(backend.origin + '/attr.html')
      const a = await find(p => p.kind == 'sample' && p.view.id == 'attr-page', 'attribute form sample')
      assert.deepEqual(a.payload.attributes.labels, ['form=attr'])
      await page.close()
    })

    test('?debug=dry logs and sends nothing', async () => {
      const page = await context.newPage()
      const logs = []
      page.on('console', m => m.text().startsWith('[CRUM]') && logs.push(m.text()))
      await page.goto(backend.origin + '/page2.html?debug=dry')
      await waitFor(() => logs.some(l => l.startsWith('[CRUM] send')), 'a logged send')
      await page.close()
      await sleep(500)
      assert.ok(!(await all()).some(b => b.payload.view?.search == '?debug=dry'))
    })

    if (name == 'node') {
      test('transport: text/plain, gzip for large bodies, sizes bounded', async () => {
        const list = await backend.beacons()
        assert.ok(list.every(b => b.payload), 'all valid JSON')
        assert.ok(list.every(b => /^text\/plain/.test(b.contentType)), 'text/plain')
        assert.ok(list.some(b => b.encoding == 'gzip'), 'some gzip')
        assert.ok(list.every(b => b.bytes < 16384), 'each under 16 KiB')
      })
    }
  })
}
