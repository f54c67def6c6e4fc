// Shared pieces of the browser tests: Chromium, backends, polling.

import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
export const root = join(here, '../..')
// playwright-core and web-vitals are devDependencies of js/
const require = createRequire(join(root, 'js/package.json'))
export const { chromium } = require('playwright-core')

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'
// bfcache: Playwright turns the back/forward cache off unless told not to
export const launch = ({ bfcache = false } = {}) => chromium.launch({
  executablePath: CHROMIUM,
  ignoreDefaultArgs: bfcache ? ['--disable-back-forward-cache'] : undefined,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})

// A second copy of web-vitals in every page, to compare with the client.
export const webVitalsProbe = readFileSync(join(dirname(require.resolve('web-vitals')), 'web-vitals.iife.js'), 'utf8') +
  ';window.__wv={};["LCP","CLS","FCP","TTFB","INP"].forEach(function(n){' +
  'webVitals["on"+n](function(m){window.__wv[m.name]=m.value},{reportAllChanges:true})});'

// An init script: a switch for the page's visibility (window.__setHidden),
// hidden from the start with ?background. Headless Chromium keeps every tab
// visible, so document.visibilityState / document.hidden are overridden and
// a real visibilitychange event is dispatched.
export const visibility = `(() => {
  let hidden = /[?&]background\\b/.test(location.search)
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => hidden ? 'hidden' : 'visible' })
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden })
  window.__setHidden = h => {
    hidden = h
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }))
  }
})()`

export const sleep = ms => new Promise(r => setTimeout(r, ms))

// poll fn until it returns something truthy
export async function waitFor(fn, what, ms = 10000) {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

export async function backends() {
  const want = process.env.RUM_BACKEND
  const nginx = await import('./nginx-backend.mjs')
  const list = []
  if (want == 'nginx' && !nginx.available()) throw new Error(`no module at ${nginx.MODULE}: run make first`)
  if (!want || want == 'node') list.push('node')
  if ((!want || want == 'nginx') && nginx.available()) list.push('nginx')
  return list
}

export async function startBackend(name) {
  const m = name == 'nginx' ? await import('./nginx-backend.mjs') : await import('./node-backend.mjs')
  if (name == 'nginx' && !m.available()) throw new Error(`no module at ${m.MODULE}: run make first`)
  return m.start()
}
