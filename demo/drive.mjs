// HEADLESS=1 make demo: a headless Chromium browses the demo site in a loop,
// so that real beacons arrive with no browser at hand.
//
// Each round is a new browser context (a new CRUM session) that visits the
// pages, clicks the crum-action buttons (one with crum-send), fires custom
// events, then leaves each page (pagehide: the client sends its last
// beacons with sendBeacon). Every other round runs with the CPU slowed down
// 4x, so that the percentiles have some spread.
//
// Environment: DEMO_URL (http://127.0.0.1:8080), CHROMIUM (/usr/bin/chromium),
// DEMO_ROUNDS (0: until stopped).

import { createRequire } from 'node:module'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'js/package.json'))
const { chromium } = require(require.resolve('playwright-core', {
  paths: [join(root, 'js'), join(root, 't/browser')],
}))

const base = process.env.DEMO_URL || 'http://127.0.0.1:8080'
const rounds = Number(process.env.DEMO_ROUNDS || 0)
const sleep = ms => new Promise(r => setTimeout(r, ms))
const log = s => process.stderr.write(`browser: ${s}\n`)

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  await browser.close().catch(() => {})
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)

async function visit(page, path, act) {
  await page.goto(base + path, { waitUntil: 'load' })
  await sleep(800)                  // the first sample goes out after load
  if (act) await act(page)
  await sleep(2500)                 // a periodic sample (samplingRate 2000)
}

async function round(n) {
  const slow = n % 2 === 1
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } })
  const page = await context.newPage()
  if (slow) {
    const cdp = await context.newCDPSession(page)
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 })
  }
  log(`round ${n + 1}${slow ? ' (CPU 4x slower)' : ''}: / -> /product.html (click add-to-cart, crum-send) -> /slow.html -> /events.html`)

  await visit(page, '/', async p => { await p.click('a[href="/product.html"]').catch(() => {}) })
  // the click above navigated: the home view's last beacon left on pagehide
  await page.waitForURL('**/product.html').catch(() => {})
  await sleep(800)
  await page.click('#buy')          // crum-action="add-to-cart" crum-send: a kind=action beacon
  await sleep(500)
  await page.click('#wish')         // crum-action only: travels with the next sample
  await sleep(2500)

  await visit(page, '/slow.html', async p => { await p.click('#heavy') })
  await visit(page, '/events.html', async p => {
    await p.click('#coupon')
    if (n % 3 === 0) await p.click('#oops')
  })

  // leave: on pagehide the client sends the view's final sample (sendBeacon)
  await page.goto('about:blank')
  await page.close({ runBeforeUnload: true })
  await sleep(500)
  await context.close()
}

for (let n = 0; !stopping && (!rounds || n < rounds); n++) {
  try {
    await round(n)
  } catch (e) {
    if (stopping) break
    log(`round ${n + 1}: ${e.message.split('\n')[0]}`)
    await sleep(1000)
  }
  await sleep(1000)
}
await stop()
