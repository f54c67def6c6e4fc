// The visitor's choices: CRUM.optOut() stops the client at once and keeps
// it off on the next pages (its session forgotten) until CRUM.optIn();
// Global Privacy Control stops it too: nginx sends no snippet for Sec-GPC,
// and a page that has the snippet anyway (cached elsewhere; the node
// backend always injects) loads a client that sends nothing.

import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { launch, waitFor, sleep, backends, startBackend } from './lib.mjs'

for (const name of await backends()) {
  describe(`privacy (${name})`, { timeout: 90000 }, () => {
    let backend, browser

    before(async () => {
      backend = await startBackend(name)
      browser = await launch()
    })
    after(async () => {
      await browser?.close()
      await backend?.stop()
    })

    // the beacons of the pages whose URL has this mark
    const sent = async mark => (await backend.beacons()).filter(b => b.payload?.view?.href?.includes(mark))
    const hide = page => page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true })
      Object.defineProperty(document, 'hidden', { value: true, configurable: true })
      document.dispatchEvent(new Event('visibilitychange'))
    })

    test('optOut stops the client, and the next pages, until optIn', async () => {
      const context = await browser.newContext()
      const page = await context.newPage()
      const mark = `out${Date.now()}`
      await page.goto(`${backend.origin}/index.html?${mark}=1`)
      await waitFor(async () => (await sent(mark)).length, 'a first beacon', 15000)
      await page.evaluate(() => CRUM.optOut())
      const before = (await sent(mark)).length
      await hide(page)
      await sleep(1500)
      assert.equal((await sent(mark)).length, before, 'nothing after optOut, not even at hide')
      assert.deepEqual(await page.evaluate(() => [localStorage.getItem('crum_optout'),
        localStorage.getItem('crum_session')]), ['1', null], 'remembered, the session forgotten')

      const mark2 = `again${Date.now()}`
      await page.goto(`${backend.origin}/index.html?${mark2}=1`)
      await page.waitForLoadState('load')
      await sleep(1500)
      await hide(page)
      await sleep(1000)
      assert.equal((await sent(mark2)).length, 0, 'the next page sends nothing')
      assert.equal(await page.evaluate(() => typeof CRUM.optIn), 'function')

      await page.evaluate(() => CRUM.optIn())
      const mark3 = `in${Date.now()}`
      await page.goto(`${backend.origin}/index.html?${mark3}=1`)
      await waitFor(async () => (await sent(mark3)).length, 'a beacon after optIn', 15000)
      await context.close()
    })

    test('optOut called before the client loads is kept', async () => {
      const context = await browser.newContext()
      const page = await context.newPage()
      const mark = `early${Date.now()}`
      // the loader's queue takes the call; the client runs it when it loads
      await page.route('**/rum', async route => {
        if (route.request().method() == 'GET') await sleep(500)
        await route.continue()
      })
      await page.goto(`${backend.origin}/index.html?${mark}=1`, { waitUntil: 'commit' })
      await page.waitForFunction(() => window.CRUM && CRUM.q)
      await page.evaluate(() => CRUM.optOut())
      await page.waitForLoadState('load')
      await sleep(1500)
      await hide(page)
      await sleep(1000)
      assert.equal((await sent(mark)).length, 0)
      assert.equal(await page.evaluate(() => localStorage.getItem('crum_optout')), '1')
      await context.close()
    })

    test('Global Privacy Control: nothing is collected', async () => {
      const context = await browser.newContext({ extraHTTPHeaders: { 'Sec-GPC': '1' } })
      await context.addInitScript(() =>
        Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }))
      const page = await context.newPage()
      const mark = `gpc${Date.now()}`
      const r = await page.goto(`${backend.origin}/page2.html?${mark}=1`)
      const html = await r.text()
      if (name == 'nginx') assert.doesNotMatch(html, /CRUM/, 'nginx sends no snippet')
      else assert.match(html, /"CRUM"/, 'the node backend injects anyway')
      await sleep(2000)
      await hide(page)
      await sleep(1000)
      assert.equal((await sent(mark)).length, 0)
      await context.close()
    })
  })
}
