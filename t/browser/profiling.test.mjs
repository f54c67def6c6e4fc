// Profiling by default: without rum_config profilingSampleRate the module
// draws 10% of the page views; only those get Document-Policy: js-profiling
// and a loader that tells the client to profile, and only those send
// profiles. A client loaded from another origin gets a crossorigin script
// tag, so that its frames may be attributed. nginx backend only.
//
//   RUM_BACKEND=nginx node --test t/browser/profiling.test.mjs

import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { launch, waitFor, sleep, backends, startBackend } from './lib.mjs'

const names = await backends()

describe('profiling at the default rate', { skip: !names.includes('nginx') && 'nginx backend not built', timeout: 180000 }, () => {
  let backend, browser, context
  const all = async () => (await backend.beacons()).filter(b => b.payload)

  before(async () => {
    backend = await startBackend('nginx')
    browser = await launch()
    context = await browser.newContext()
  })
  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  test('the server draws about 10% of the pages: the header and the word go together', async () => {
    let profiled = 0
    const N = 400
    for (let i = 0; i < N; i++) {
      const r = await fetch(`${backend.origin}/default/page2.html?n=${i}`)
      const body = await r.text()
      const header = r.headers.get('document-policy')
      assert.match(body, /"CRUM"\)<\/script>/, 'the loader')
      if (header) {
        assert.equal(header, 'js-profiling')
        assert.match(body, /k=\{"samplingRate":1000,"profiling":true\}/, 'a profiled page is told')
        profiled++
      } else {
        // an unprofiled page gets no word: the client's own rate is 0
        assert.match(body, /k=\{"samplingRate":1000\}/, 'an unprofiled page is told nothing')
      }
    }
    // binomial(400, 0.1): mean 40, standard deviation 6; 10..79 is 5 sd
    assert.ok(profiled >= 10 && profiled <= 79, `${profiled} of ${N} profiled`)
  })

  test('a profiled page sends a profile, an unprofiled one does not', async () => {
    const page = await context.newPage()
    const profileOf = async href => (await all()).find(b => b.payload.kind == 'profile' && b.payload.view.href == href)
    let hit = null, miss = null
    for (let i = 0; i < 150 && !(hit && miss); i++) {
      const url = `${backend.origin}/default/profile.html?try=${i}`
      const r = await page.goto(url)
      const policy = r.headers()['document-policy']
      if (policy ? hit : miss) continue
      // the page's own work gives a profiler samples and long frames
      await page.click('#work')
      if (policy) {
        hit = url
        const b = await waitFor(() => profileOf(hit), 'the profile of the profiled page', 15000)
        assert.ok(b.payload.profile.samples.length > 0)
      } else {
        miss = url
        await sleep(2500)
      }
    }
    await page.goto('about:blank')
    assert.ok(hit && miss, 'both kinds of page drawn within 150 views')
    // the unprofiled page sent its beacons, the last at hide, and no profile
    await waitFor(async () => (await all()).find(b => b.payload.view?.href == miss && b.payload.seq > 0),
      'the unprofiled page\'s beacons')
    assert.equal(await profileOf(miss), undefined, 'no profile')
    await page.close()
  })

  test('a client from another origin: crossorigin script tag, CORS, beacons arrive', async () => {
    const page = await context.newPage()
    const url = `${backend.origin}/cross/profile.html`
    const r = await page.goto(url)
    assert.equal(r.headers()['document-policy'], 'js-profiling')
    const el = await waitFor(() => page.evaluate(() => {
      const s = document.getElementById('CRUM')
      return s && { src: s.src, crossOrigin: s.crossOrigin, loaded: !!window.CRUM?.version }
    }).then(v => v?.loaded && v), 'the client loaded')
    assert.match(el.src, /^http:\/\/localhost:\d+\/rum$/)
    assert.equal(el.crossOrigin, 'anonymous')
    await page.click('#work')
    const b = await waitFor(async () => (await all()).find(b => b.payload.kind == 'profile' && b.payload.view.href == url),
      'a profile from the cross-origin client', 15000)
    assert.ok(b.payload.profile.frames.length > 0)
    await page.close()
  })
})
