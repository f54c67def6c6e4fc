// Browser end-to-end, what every beacon says and when it goes: INP in the
// next sample after a click; what the loader keeps from before the client
// runs (console, errors, rejections); the session
// and the view on every kind (sample, entries, action, profile); savingMode
// skips idle samples but never the one at hide (the second of a page left,
// pagehide then hidden, only with news), and still reports the session's
// liveness every newSessionAfter / 2; views of hash routes
// (#/route, #!/route) and of CRUM.setViewId, while an anchor (#faq) or a
// new query stays the same view. nginx backend only.
//
//   RUM_BACKEND=nginx node --test t/browser/views.test.mjs
//
// Hiding a page is emulated (lib.mjs: visibility).

import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { launch, waitFor, sleep, backends, startBackend, visibility } from './lib.mjs'

const SESSION = ['id', 'startTime', 'lastLoop', 'duration']
const VIEW = ['id', 'startTime', 'href', 'protocol', 'host', 'hostname', 'port', 'pathname', 'search', 'hash',
  'origin', 'referer', 'navigationType']

const names = await backends()

describe('views and beacons', { skip: !names.includes('nginx') && 'nginx backend not built', timeout: 180000 }, () => {
  let backend, browser
  const all = async () => (await backend.beacons()).filter(b => b.payload)
  const find = (pred, what, ms) => waitFor(async () => (await all()).find(b => pred(b.payload, b)), what, ms)

  before(async () => {
    backend = await startBackend('nginx')
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  // a page in a context of its own (its own session), its console kept
  async function open(url) {
    const context = await browser.newContext()
    await context.addInitScript({ content: visibility })
    const page = await context.newPage()
    const logs = []
    page.on('console', m => logs.push(m.text()))
    await page.goto(url)
    return { context, page, logs }
  }

  test('INP: a click goes out with the next sample (the default samplingRate, 4x CPU throttling)', async () => {
    const href = backend.origin + '/inp/page2.html'
    const context = await browser.newContext()
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 })
    const t0 = Date.now()
    await page.goto(href)
    await sleep(1500 - (Date.now() - t0))
    await page.mouse.click(5, 5)
    const clicked = Date.now()
    // the event's timing comes after the next paint: the first sample sent
    // a second after the click is the next one, samplingRate (5 s) apart
    const next = await waitFor(async () => (await all()).find(b => b.payload.kind == 'sample' &&
      b.payload.view.href == href && b.ts >= clicked + 1000), 'the next sample', 12000)
    assert.ok(next.payload.metrics.inp > 0, `inp ${next.payload.metrics.inp} in the sample ${next.ts - clicked} ms after the click`)
    await context.close()
  })

  test('the loader keeps what happens before the client: console, errors, rejections, with their times', async () => {
    const href = backend.origin + '/views/early.html'
    const { context, page } = await open(href)
    const early = await page.evaluate(() => window.__early)
    assert.deepEqual([early.client, early.clientAfter], [false, false], 'all before the client ran')
    // after the client: its own hooks, no second copy from the loader's
    await waitFor(() => page.evaluate(() => window.CRUM.version), 'the client')
    await page.evaluate(() => console.warn('late warn'))
    const list = (await waitFor(async () => {
      const l = (await all()).filter(b => b.payload.view?.href == href).flatMap(b => b.payload.view.console || [])
      return l.some(c => c.value[0] == 'late warn') && l
    }, 'the console entries'))
    const one = (type, re) => {
      const found = list.filter(c => c.type == type && re.test(c.value[0]))
      assert.equal(found.length, 1, `one ${type} ${re}`)
      return found[0]
    }
    const warn = one('warn', /^early warn$/)
    assert.equal(warn.value[1], '{"step":1}')
    assert.ok(warn.timeStamp >= Math.floor(early.warn * 10) / 10 && warn.timeStamp <= early.reject + 0.1, 'the warn\'s own time')
    const boom = one('uncaught', /early boom/)
    assert.match(boom.value[1], /\/early\.html:\d+:\d+$/)
    assert.ok(boom.timeStamp >= early.error - 0.1 && boom.timeStamp <= early.after + 0.1, 'the error\'s own time')
    const reject = one('unhandledrejection', /early reject/)
    assert.ok(reject.timeStamp >= early.reject - 0.1, 'the rejection\'s time')
    one('warn', /^late warn$/)
    await context.close()
  })

  test('every beacon kind carries the session and the view', async () => {
    const href = backend.origin + '/views.html?kinds'
    const { context, page } = await open(href)
    const mine = async kind => (await all()).find(b => b.payload.kind == kind && b.payload.view?.href == href)
    await waitFor(() => mine('sample'), 'a sample')
    await page.evaluate(() => loadImage())
    await page.click('#work')
    await page.click('#buy')
    const kinds = ['sample', 'entries', 'action', 'profile']
    const got = await waitFor(async () => {
      const list = await Promise.all(kinds.map(mine))
      return list.every(Boolean) && list
    }, 'a beacon of each kind', 15000)
    const sample = got[0].payload
    for (const b of got) {
      const p = b.payload
      for (const k of SESSION) assert.equal(typeof p.session[k], k == 'id' ? 'string' : 'number', `${p.kind}: session.${k}`)
      assert.deepEqual([p.session.id, p.session.startTime], [sample.session.id, sample.session.startTime])
      assert.ok(p.session.startTime <= p.session.lastLoop, `${p.kind}: session times`)
      for (const k of VIEW) assert.equal(p.view[k], sample.view[k], `${p.kind}: view.${k}`)
    }
    await context.close()
  })

  test('savingMode: an idle page skips samples, yet reports liveness and sends its beacon at hide', async () => {
    const href = backend.origin + '/views.html?debug=1'
    const { context, page, logs } = await open(href)
    const mine = async () => (await all()).filter(b => b.payload.kind == 'sample' && b.payload.view.href == href)
    await waitFor(async () => (await mine()).length, 'the first sample')
    // idle: samples with nothing new are skipped ...
    await waitFor(() => logs.some(l => l == '[CRUM] skip'), 'a skipped sample')
    // ... but one goes at least every newSessionAfter / 2 (2 s here)
    const t0 = Date.now(), n0 = (await mine()).length
    await sleep(6500)
    const during = (await mine()).slice(n0)
    assert.ok(during.length >= 2, `${during.length} samples in ${Date.now() - t0} ms of idle`)
    assert.ok(during.every(b => !b.payload.view.longTasks.length && !b.payload.view.console.length), 'idle')
    // hidden: the last beacon goes, though nothing is new
    const n1 = (await mine()).length
    await page.evaluate(() => __setHidden(true))
    const hidden = await waitFor(async () => (await mine()).slice(n1).find(b => b.payload.view.visibility == 'hidden'),
      'the beacon at hide', 5000)
    assert.equal(hidden.payload.session.id, during[0].payload.session.id)
    await context.close()
  })

  test('a page left: its last beacon at pagehide, another at the hide after it only with news', async () => {
    for (const bye of [false, true]) {
      // the page's real visibility (no emulation): leaving it fires
      // pagehide, then visibilitychange (hidden); the default samplingRate
      const href = backend.origin + `/inp/views.html?leave=${+bye}`
      const context = await browser.newContext()
      const page = await context.newPage()
      await page.goto(href)
      const samples = async () => (await all()).filter(b => b.payload.kind == 'sample' && b.payload.view.href == href)
      await find(p => p.kind == 'sample' && p.view.href == href, 'the first sample')
      // something new between the two events, or not
      if (bye) await page.evaluate(() => addEventListener('pagehide', () => console.warn('bye')))
      const n = (await samples()).length
      await page.goto(backend.origin + '/inp/views.html?next')
      await waitFor(async () => (await samples()).length >= n + 1 + bye, 'the last beacons', 5000)
      await sleep(1500)
      // in the order they were sent (two beacons may arrive either way)
      const last = (await samples()).slice(n).map(b => b.payload).sort((a, b) => a.seq - b.seq)
      assert.equal(last.length, 1 + bye, `${last.length} beacons after leaving (news: ${bye})`)
      if (bye) {
        assert.equal(last[1].view.visibility, 'hidden')
        assert.deepEqual(last[1].view.console.map(c => [c.type, c.value[0]]), [['warn', 'bye']])
      }
      await context.close()
    }
  })

  test('hash routes and setViewId start views; an anchor or a query does not', async () => {
    const base = backend.origin + '/views.html'
    const { context, page } = await open(base)
    const sample = (pred, what) => find(p => p.kind == 'sample' && pred(p), what)
    const first = (await sample(p => p.view.href == base, 'the first view')).payload

    // an anchor: the same view, whose hash follows
    await page.click('#faq-link')
    await page.evaluate(() => CRUM.addEvent('at-faq'))
    const faq = (await sample(p => (p.view.events || []).some(e => 'at-faq' in e), 'a sample at the anchor')).payload
    assert.deepEqual([faq.view.id, faq.view.startTime, faq.view.hash], [first.view.id, first.view.startTime, '#faq'])

    // a hash route: a new view, named with its route
    await page.evaluate(() => { location.hash = '#/cart' })
    const cart = (await sample(p => p.view.id == '/views.html#/cart', 'the #/cart view')).payload
    assert.deepEqual([cart.view.navigationType, cart.view.hash, cart.view.referer, cart.seq],
      ['soft', '#/cart', base + '#faq', 0])
    assert.ok(cart.view.startTime > first.view.startTime)

    // and #!/ routes too, with the same session
    await page.evaluate(() => { location.hash = '#!/pay' })
    const pay = (await sample(p => p.view.id == '/views.html#!/pay', 'the #!/pay view')).payload
    assert.equal(pay.session.id, first.session.id)

    // a new query alone: the same view
    await page.evaluate(() => { history.pushState({}, '', '?step=2#!/pay'); CRUM.addEvent('query') })
    const query = (await sample(p => (p.view.events || []).some(e => 'query' in e), 'a sample after the query')).payload
    assert.deepEqual([query.view.id, query.view.startTime], [pay.view.id, pay.view.startTime])

    // setViewId: a view of that name; routes no longer start views
    await page.evaluate(() => CRUM.setViewId('checkout'))
    const checkout = (await sample(p => p.view.id == 'checkout', 'the checkout view')).payload
    assert.deepEqual([checkout.view.navigationType, checkout.seq], ['soft', 0])
    await page.evaluate(() => { location.hash = '#/after'; CRUM.addEvent('after') })
    const after = (await sample(p => (p.view.events || []).some(e => 'after' in e), 'a sample after the route')).payload
    assert.deepEqual([after.view.id, after.view.startTime, after.view.hash], ['checkout', checkout.view.startTime, '#/after'])
    await context.close()
  })
})
