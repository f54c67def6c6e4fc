// Trusted Types: a page whose policy requires TrustedScriptURL for script
// URLs, enforced or only reported, gets the parser-inserted attribute form
// of the snippet (with the page's nonce): nothing throws, nothing is
// reported, and the client runs and sends its beacon.  nginx backend only.

import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { launch, waitFor, sleep, backends, startBackend } from './lib.mjs'

const names = await backends()

describe('Trusted Types', { skip: !names.includes('nginx') && 'module not built', timeout: 60000 }, () => {
  let backend, browser

  before(async () => {
    backend = await startBackend('nginx')
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  for (const [path, header] of [['/tt.html', 'content-security-policy'],
                                ['/tt-report.html', 'content-security-policy-report-only']]) {
    test(`${path}: ${header} with require-trusted-types-for`, async () => {
      const context = await browser.newContext()
      const page = await context.newPage()
      const console = []
      page.on('console', m => console.push(m.text()))
      const errors = []
      page.on('pageerror', e => errors.push(e.message))
      const r = await page.goto(backend.origin + path)
      assert.match(r.headers()[header], /require-trusted-types-for 'script'/)
      const html = await r.text()
      assert.match(html, /<script async src="\/rum" id="CRUM" data-crum nonce="r4nd0mN0nce"/)
      const b = await waitFor(async () => (await backend.beacons())
        .find(b => b.payload?.kind == 'sample' && b.payload.view.href.endsWith(path)), `${path} sample`, 15000)
      assert.ok(b.payload.view.id)
      await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')))
      await sleep(300)
      assert.deepEqual(await page.evaluate(() => window.__violations), [])
      assert.deepEqual(await page.evaluate(() => window.__errors), [])
      assert.deepEqual(errors, [])
      assert.deepEqual(console.filter(t => /Trusted|Content Security Policy/i.test(t)), [])
      await context.close()
    })
  }
})
