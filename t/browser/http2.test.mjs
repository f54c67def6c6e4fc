// Chromium over HTTP/2 and TLS: the page comes over h2 with the snippet,
// the client comes over h2, and its beacons (fetch keepalive, gzip for the
// larger ones, sendBeacon at hide) reach the stream.  nginx backend only.

import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { launch, waitFor, sleep, backends, startBackend } from './lib.mjs'

const names = await backends()

describe('HTTP/2', { skip: !names.includes('nginx') && 'module not built', timeout: 60000 }, () => {
  let backend, browser

  before(async () => {
    backend = await startBackend('nginx')
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  test('page, client and beacons over h2', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true })
    const page = await context.newPage()
    const errors = []
    page.on('pageerror', e => errors.push(e.message))
    const mark = `h2${Date.now()}`
    const r = await page.goto(`${backend.tlsOrigin}/index.html?${mark}=1`)
    assert.match(await r.text(), /"\/rum","CRUM"\)<\/script><\/head>/, 'the snippet before </head>')
    const protocols = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0]
      return { page: nav.nextHopProtocol, length: nav.decodedBodySize }
    })
    assert.equal(protocols.page, 'h2')
    await waitFor(() => page.evaluate(() =>
      performance.getEntriesByType('resource').some(e => /\/rum$/.test(e.name) && e.nextHopProtocol == 'h2')),
    'the client over h2')
    const mine = async () => (await backend.beacons()).filter(b => b.payload?.view?.href?.includes(mark))
    await waitFor(async () => (await mine()).some(b => b.payload.kind == 'sample'), 'a sample over h2', 15000)
    await waitFor(async () => (await mine()).some(b => b.payload.kind == 'entries'), 'resource entries over h2', 15000)
    // page hide: the last sample through sendBeacon
    const before = (await mine()).length
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true })
      Object.defineProperty(document, 'hidden', { value: true, configurable: true })
      document.dispatchEvent(new Event('visibilitychange'))
    })
    await waitFor(async () => (await mine()).length > before, 'the beacon at hide', 10000)
    const b = (await mine()).find(b => b.payload.kind == 'sample')
    assert.ok(b.payload.view.href.startsWith('https://localhost:'))
    assert.deepEqual(errors, [])
    await context.close()
  })
})
