// Browser end-to-end, page lifecycle: a page restored from the back/forward
// cache, and stopCollectorAfter (a page hidden for longer stops collecting
// and sending; shown again, it starts over in a new session).
//
//   RUM_BACKEND=nginx node --test t/browser/lifecycle.test.mjs
//
// The back/forward cache is real: Playwright turns it off by default
// (--disable-back-forward-cache), launch({ bfcache: true }) leaves it on, and
// the test fails, with Chromium's reasons, when the page was not restored
// from it. Hiding a page is emulated: headless Chromium keeps every tab
// visible (switching tabs, minimising the window change nothing), so the
// pages' document.visibilityState / document.hidden are overridden and a
// real `visibilitychange` event is dispatched; everything else (timers,
// sendBeacon, fetch, resource timing, the backend) is the browser's own.

import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { launch, webVitalsProbe, waitFor, sleep, backends, startBackend, visibility } from './lib.mjs'

const STOP = 3000 // rum_config stopCollectorAfter of /stop.html
const SLACK = 600 // a drain timer (entriesRate 500) and its request may straddle the stop

// the pageshow events a page saw; an event for the client each time the
// page is hidden (listening before the client does, so that it goes with
// the client's last sample)
const pageshows = `window.__shows = []
addEventListener('pageshow', e => __shows.push(e.persisted))
document.addEventListener('visibilitychange', () => document.hidden && window.CRUM?.addEvent?.('hidden'))`

const names = await backends()
if (!names.includes('nginx')) {
  test('lifecycle with the nginx backend', { skip: 'build/nginx/objs/ngx_http_rum_module.so not built (make)' }, () => {})
}

// load timing of the navigation: not for a view restored from the cache
const NAV_TIMING = ['responseTime', 'domContentLoadedEventStart', 'domContentLoadedEventEnd',
  'domContentLoadedDuration', 'domComplete', 'renderDuration', 'duration']

for (const name of names) {
  describe(`page lifecycle with the ${name} backend`, { timeout: 180000 }, () => {
    let backend, browser
    const all = async () => (await backend.beacons()).filter(b => b.payload)
    const find = (pred, what, ms) => waitFor(async () => (await all()).find(b => pred(b.payload, b)), what, ms)
    const samplesOf = (list, view) => list.filter(b => b.payload.kind == 'sample' &&
      b.payload.view.startTime == view.startTime && b.payload.view.href == view.href)
    const merged = (list, key) => list.flatMap(b => b.payload.view[key] || [])
    const hasEvent = (p, e) => (p.view.events || []).some(x => e in x)
    const images = list => new Set(list.filter(b => b.payload.kind == 'entries')
      .flatMap(b => b.payload.view.resources.map(r => r.name)).filter(n => /\/img\.svg\?n=\d+$/.test(n)))

    before(async () => {
      backend = await startBackend(name)
      browser = await launch({ bfcache: true })
    })
    after(async () => {
      await browser?.close()
      await backend?.stop()
    })

    async function open(...scripts) {
      const context = await browser.newContext()
      for (const content of scripts) await context.addInitScript({ content })
      return { context, page: await context.newPage() }
    }

    test('back/forward cache: the restored page is a new view of the same session', async () => {
      const { context, page } = await open(webVitalsProbe, pageshows)
      const href = backend.origin + '/bfcache.html'
      // why Chromium did not restore the page from the cache, if it did not
      const cdp = await context.newCDPSession(page)
      const notRestored = []
      cdp.on('Page.backForwardCacheNotUsed', e => notRestored.push(...e.notRestoredExplanations.map(x => x.reason)))
      await cdp.send('Page.enable')

      await page.goto(href)
      const first = await find(p => p.kind == 'sample' && p.view.href == href, 'first sample')
      const v1 = first.payload.view, s1 = first.payload.session
      assert.equal(v1.navigationType, 'navigate')
      assert.equal(typeof first.payload.metrics.responseTime, 'number', 'load timing of the first view')

      // left through a link: the last sample of the view as the page is hidden
      await Promise.all([page.waitForURL('**/page2.html'), page.click('#away')])
      const last = await find(p => p.kind == 'sample' && p.view.startTime == v1.startTime && hasEvent(p, 'hidden'),
        'the sample sent when the page was hidden')
      assert.deepEqual([last.payload.view.visibility, last.payload.session.id], ['hidden', s1.id])
      assert.ok(merged(samplesOf(await all(), v1), 'actions').some(a => a.name == 'leave-link'), 'the action on the link')
      await find(p => p.kind == 'sample' && p.view.pathname == '/page2.html', 'page 2 sample')

      // back: restored from the cache (no load event), pageshow with persisted
      const back = Date.now()
      await page.goBack({ waitUntil: 'commit' })
      const shows = await waitFor(async () => {
        const s = await page.evaluate(() => window.__shows).catch(() => null)
        return s?.length > 1 && s
      }, 'pageshow after going back')
      assert.deepEqual(shows, [false, true],
        `restored from the back/forward cache (Chromium's reasons why not: ${notRestored.join(', ') || 'none'})`)
      assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation')[0].type), 'navigate',
        'the same document as before')
      const shown = Date.now()

      const restored = await find(p => p.kind == 'sample' && p.view.href == href && p.view.startTime != v1.startTime,
        'a sample of the restored view')
      const r = restored.payload
      assert.equal(r.seq, 0)
      assert.equal(r.view.navigationType, 'back_forward_cache')
      assert.equal(r.view.id, '/bfcache.html')
      assert.equal(r.view.pathname, '/bfcache.html')
      assert.equal(r.view.visibility, 'visible')
      assert.ok(r.view.startTime >= back && r.view.startTime <= shown, 'the view starts at the restore')
      assert.deepEqual([r.session.id, r.session.startTime], [s1.id, s1.startTime], 'the same session')
      for (const k of NAV_TIMING) assert.equal(r.metrics[k], undefined, k)

      // the collector runs on in the restored view: an action goes with it, not the old one
      await page.click('#again')
      const later = await find(p => p.kind == 'sample' && p.view.startTime == r.view.startTime &&
        p.view.actions.some(a => a.name == 'after-restore'), 'a sample with the action after the restore')
      assert.ok(later.payload.seq > 0)
      assert.ok(!merged(samplesOf(await all(), v1), 'actions').some(a => a.name == 'after-restore'))

      // Core Web Vitals of the restore: what web-vitals reports in the same
      // page (FCP and LCP of a restore are performance.now() in a frame after
      // it, read by each copy of web-vitals in turn: a few ms apart at most)
      const wv = await page.evaluate(() => window.__wv)
      const m = later.payload.metrics
      const near = (a, b, what) => assert.ok(Math.abs(a - b) <= 5, `${what}: ${a} and web-vitals' ${b}`)
      assert.equal(m.ttfb, 0, 'ttfb of a restore')
      assert.equal(wv.TTFB, 0, "web-vitals' ttfb of a restore")
      near(m.fcp, wv.FCP, 'fcp')
      near(m.lcp, wv.LCP, 'lcp')
      assert.equal(m.cls, 0, 'cls starts over')
      assert.equal(wv.CLS, 0, "web-vitals' cls")

      // seq 0..n-1 in each of the two views
      for (const v of [v1, r.view]) {
        const seqs = (await all()).filter(b => b.payload.view?.startTime == v.startTime && b.payload.view.href == href)
          .map(b => b.payload.seq).sort((x, y) => x - y)
        assert.deepEqual(seqs, seqs.map((_, i) => i), `seq of the view started at ${v.startTime}`)
      }
      await context.close()
    })

    test('stopCollectorAfter: hidden briefly, the same session; hidden longer, nothing sent, then a new session', async () => {
      const { context, page } = await open(visibility)
      const href = backend.origin + '/stop.html?open'
      const mine = async () => (await all()).filter(b => b.payload.view?.href == href)
      await page.goto(href)
      const first = await find(p => p.kind == 'sample' && p.view.href == href, 'first sample')
      const s1 = first.payload.session
      assert.equal(first.payload.view.visibility, 'visible')

      // hidden for less than stopCollectorAfter: the last data at once, then the same session
      await page.evaluate(() => { CRUM.addEvent('short-hide'); __setHidden(true) })
      const flushed = await find(p => p.view?.href == href && hasEvent(p, 'short-hide'), 'the sample sent when hidden', 3000)
      assert.deepEqual([flushed.payload.view.visibility, flushed.payload.session.id], ['hidden', s1.id])
      await sleep(STOP / 3)
      await page.evaluate(() => { __setHidden(false); CRUM.addEvent('short-back') })
      const shortBack = await find(p => p.view?.href == href && hasEvent(p, 'short-back'), 'a sample after a short hide')
      assert.deepEqual([shortBack.payload.view.visibility, shortBack.payload.session.id], ['visible', s1.id])

      // hidden for longer: the page keeps loading images; their entries go out
      // until stopCollectorAfter, then nothing at all
      const hiddenAt = Date.now()
      await page.evaluate(() => { CRUM.addEvent('long-hide'); startImages(); __setHidden(true) })
      await sleep(STOP + 2500)
      const loaded = await page.evaluate(() => stopImages())
      const during = (await mine()).filter(b => b.ts >= hiddenAt)
      const hide = during.find(b => hasEvent(b.payload, 'long-hide'))
      assert.ok(hide, 'the sample sent when hidden')
      assert.deepEqual([hide.payload.view.visibility, hide.payload.session.id], ['hidden', s1.id])
      const before = during.filter(b => b.ts < hiddenAt + STOP)
      assert.ok(images(before).size > 0, 'entries sent while hidden, before stopCollectorAfter')
      const late = during.filter(b => b.ts >= hiddenAt + STOP + SLACK)
      assert.deepEqual(late.map(b => [b.payload.kind, b.ts - hiddenAt]), [], 'nothing sent after stopCollectorAfter')
      assert.ok(loaded - images(during).size >= 3, `images loaded after the stop not sent (${images(during).size} of ${loaded} sent)`)

      // visible again: the collector runs again, in a new session
      const shownAt = Date.now()
      await page.evaluate(() => { __setHidden(false); CRUM.addEvent('long-back') })
      const again = await find(p => p.view?.href == href && hasEvent(p, 'long-back'), 'a sample after the page is visible again')
      const s2 = again.payload.session
      assert.equal(again.payload.view.visibility, 'visible')
      assert.notEqual(s2.id, s1.id, 'a new session.id')
      assert.ok(s2.startTime >= shownAt && s2.startTime > s1.startTime, 'a new session.startTime')
      await sleep(1000)
      const since = (await mine()).filter(b => b.ts >= shownAt)
      assert.ok(since.every(b => b.payload.session.id == s2.id), 'everything after the restart in the new session')
      await context.close()
    })

    test('stopCollectorAfter: a page opened hidden stops too, and starts a new session when shown', async () => {
      const { context, page } = await open(visibility)
      const href = backend.origin + '/stop.html?background'
      const mine = async () => (await all()).filter(b => b.payload.view?.href == href)
      await page.goto(href)
      await page.evaluate(() => startImages())
      // the first round runs at load, hidden or not
      const first = await find(p => p.kind == 'sample' && p.view.href == href, 'first sample')
      const s1 = first.payload.session
      assert.equal(first.payload.view.visibility, 'hidden')
      // the client's start: the session it made then
      const init = s1.startTime
      await waitFor(() => Date.now() > init + STOP + 2500, 'stopCollectorAfter and more', STOP + 5000)
      const loaded = await page.evaluate(() => stopImages())
      const list = await mine()
      assert.ok(images(list.filter(b => b.ts < init + STOP)).size > 0, 'entries sent while hidden, before stopCollectorAfter')
      const late = list.filter(b => b.ts >= init + STOP + SLACK)
      assert.deepEqual(late.map(b => [b.payload.kind, b.ts - init]), [], 'nothing sent after stopCollectorAfter')
      assert.ok(loaded - images(list).size >= 3, `images loaded after the stop not sent (${images(list).size} of ${loaded} sent)`)

      const shownAt = Date.now()
      await page.evaluate(() => { __setHidden(false); CRUM.addEvent('shown') })
      const again = await find(p => p.view?.href == href && hasEvent(p, 'shown'), 'a sample after the page is shown')
      const s2 = again.payload.session
      assert.equal(again.payload.view.visibility, 'visible')
      assert.notEqual(s2.id, s1.id, 'a new session.id')
      assert.ok(s2.startTime >= shownAt, 'a new session.startTime')
      await context.close()
    })
  })
}
