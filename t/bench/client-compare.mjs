// What the client costs the page it measures, side by side in one run: the
// same page (about 29 KB of HTML with images, a style sheet and scripts)
// with no RUM, with web-vitals alone (npm web-vitals, measuring the five
// vitals with reportAllChanges, sending nothing), and with ours (the
// module's loader and client), each loaded async in its documented way:
// web-vitals by the inline script of its README that adds its IIFE build
// and calls it once loaded, ours by the module's loader. Headless Chromium
// at 4x CPU throttling, each page traced from navigation to load + 8 s, the
// variants interleaved; medians of the main-thread time of each one's own
// scripts in the trace (whole-page deltas are too noisy on a shared
// machine), wall time and the thread's CPU time. The figure is ours /
// web-vitals alone.
//
//   node t/bench/client-compare.mjs [rounds]        (make bench)

import { createServer } from 'node:http'
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { createRequire } from 'node:module'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { launch, sleep } from '../browser/lib.mjs'
import { snippet } from '../browser/node-backend.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '../..')
const rounds = +process.argv[2] || 6
const WAIT = 8000
const client = readFileSync(join(root, 'js/dist/crum.js'))
const require = createRequire(join(root, 'js/package.json'))
const wvPath = join(dirname(require.resolve('web-vitals')), 'web-vitals.iife.js')
const wvVersion = JSON.parse(readFileSync(join(dirname(require.resolve('web-vitals')), '../package.json'))).version
// web-vitals alone, as its README loads it with a classic script: an inline
// script adds the IIFE build and, once it is loaded, asks for the five vitals
const wv = readFileSync(wvPath, 'utf8')
const wvLoader = '<script>(function(){var s=document.createElement("script");s.src="/wv.js";' +
  's.onload=function(){var v={},o={reportAllChanges:true};["LCP","CLS","FCP","TTFB","INP"].forEach(' +
  'function(n){webVitals["on"+n](function(m){v[m.name]=m.value},n=="FCP"||n=="TTFB"?{}:o)})};' +
  'document.head.appendChild(s)})()</script>'

// the page: a head with a style sheet and a deferred script, 28 KB of rows
// with images, and an inline script that works a little at load
function page(head) {
  let body = ''
  for (let i = 0; body.length < 28 * 1024; i++) {
    body += `<div class="row"><img src="/img.svg?${i % 8}" width="40" height="20" alt="">` +
      `<a href="/item/${i}">Item ${i}</a> <span>$${i % 97}.99</span></div>\n`
  }
  return `<!doctype html>\n<html lang="en"><head>\n<meta charset="utf-8">\n<title>A product page</title>\n` +
    `<link rel="stylesheet" href="/style.css">\n<script src="/app.js" defer></script>\n${head}</head>\n<body>\n` +
    `<h1>Products</h1>\n${body}<script>for(var i=0,s=0;i<2e5;i++)s+=i%7;document.title+=" "+s%3</script>\n</body></html>\n`
}

const LOADER_URL = '/rum'
const variants = {
  none: page(''),
  'web-vitals': page(wvLoader + '\n'),
  ours: page(snippet({}, LOADER_URL) + '\n'),
}

const server = createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname
  const send = (type, body) => res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body)
  if (req.method == 'POST') return req.resume().on('end', () => res.writeHead(204).end())
  if (path.startsWith('/page-')) return send('text/html', variants[path.slice(6, -5)])
  if (path == '/rum') return send('application/javascript', client)
  if (path == '/wv.js') return send('application/javascript', wv)
  if (path == '/app.js') return send('application/javascript', 'document.querySelectorAll(".row").forEach(function(r,i){if(i%50==0)r.className+=" x"})')
  if (path == '/style.css') return send('text/css', 'body{font:14px sans-serif;margin:0}.row{padding:2px 8px}.x{background:#eee}')
  if (path == '/img.svg') return send('image/svg+xml', `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#${(path.length * 77).toString(16).slice(0, 3)}"/></svg>`)
  res.writeHead(404).end()
})
await new Promise(r => server.listen(0, '127.0.0.1', r))
const origin = `http://127.0.0.1:${server.address().port}`

// each one's script, and the line of the page where its inline loader
// names it (the loader's events); trace events count lines from 0 or 1 by
// kind, so either is taken
const scripts = { 'web-vitals': '/wv.js', ours: LOADER_URL }
const loaderLine = Object.fromEntries(Object.entries(scripts).map(([name, url]) =>
  [name, variants[name].split('\n').findIndex(l => l.includes(`"${url}"`))]))

// main-thread time (ms) of the scripts of one variant in a trace: the union
// of the intervals of the events that run them (evaluation, compilation,
// calls of their functions: timers, observers, event listeners, frames), in
// wall time and in the thread's CPU time
function scriptTime(events, name) {
  const main = events.find(e => e.name == 'thread_name' && e.args?.name == 'CrRendererMain')
  const mine = e => {
    const d = e.args?.data || e.args?.beginData || {}
    const url = d.url || d.stackTrace?.[0]?.url || ''
    const line = loaderLine[name]
    return line !== undefined && (url.endsWith(scripts[name]) ||
      (url.includes(`/page-${name}.`) && (d.lineNumber === line + 1 || d.lineNumber === line)))
  }
  const names = new Set(['EvaluateScript', 'FunctionCall', 'v8.compile', 'v8.compileModule', 'CompileScript'])
  const picked = events.filter(e => main && e.pid == main.pid && e.tid == main.tid && e.ph == 'X' &&
    names.has(e.name) && mine(e))
  if (process.env.DEBUG_TRACE) {
    const by = {}
    for (const e of picked) {
      const d = e.args?.data || {}
      const k = `${e.name} ${d.functionName || ''} ${d.lineNumber ?? ''}:${d.columnNumber ?? ''}`
      by[k] = (by[k] || 0) + e.dur / 1000
    }
    console.error(name, Object.entries(by).sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${v.toFixed(1)} ${k}`).join('\n'))
  }
  const union = (start, dur) => {
    const spans = picked.filter(e => e[start] !== undefined).map(e => [e[start], e[start] + (e[dur] || 0)])
      .sort((a, b) => a[0] - b[0])
    let total = 0, end = -Infinity
    for (const [a, b] of spans) {
      if (b <= end) continue
      total += b - Math.max(a, end)
      end = b
    }
    return total / 1000
  }
  return { wall: union('ts', 'dur'), cpu: union('tts', 'tdur') }
}

async function trace(browser, name) {
  const context = await browser.newContext()
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 })
  const events = []
  cdp.on('Tracing.dataCollected', e => events.push(...e.value))
  const done = new Promise(r => cdp.once('Tracing.tracingComplete', r))
  await cdp.send('Tracing.start', {
    categories: 'devtools.timeline,v8,disabled-by-default-devtools.timeline',
    transferMode: 'ReportEvents',
  })
  await page.goto(`${origin}/page-${name}.html`, { waitUntil: 'load' })
  await sleep(WAIT)
  await cdp.send('Tracing.end')
  await done
  await context.close()
  return scriptTime(events, name)
}

const median = a => a.slice().sort((x, y) => x - y)[a.length >> 1]
const browser = await launch()
try {
  await trace(browser, 'ours')    // warm up
  const t = { 'web-vitals': [], ours: [] }
  for (let i = 0; i < rounds; i++) {
    for (const name of ['none', 'web-vitals', 'ours']) {
      const ms = await trace(browser, name)
      if (name != 'none') t[name].push(ms)
    }
  }
  const m = (name, k) => median(t[name].map(x => x[k]))
  const gz = b => gzipSync(b, { level: 9 }).length
  const row = (label, name, bytes) =>
    `  ${label.padEnd(24)} ${m(name, 'wall').toFixed(1).padStart(7)} ms ${m(name, 'cpu').toFixed(1).padStart(7)} ms   ${bytes}`
  console.log(`client cost: the same ${(variants.none.length / 1024).toFixed(0)} KB page, Chromium at 4x CPU throttling, ` +
    `navigation to load + ${WAIT / 1000} s traced, ${rounds} interleaved rounds (medians of wall and CPU time)`)
  console.log(row(`web-vitals ${wvVersion} alone`, 'web-vitals', `${gz(readFileSync(wvPath))} bytes gzip`))
  console.log(row('ours (loader + client)', 'ours',
    `${readFileSync(join(root, 'src/ngx_http_rum_client.h'), 'utf8').match(/JS_GZ_LEN +(\d+)/)[1]} bytes gzip (zopfli)`))
  console.log(`  ratio ours / web-vitals ${(m('ours', 'wall') / m('web-vitals', 'wall')).toFixed(2)} wall, ` +
    `${(m('ours', 'cpu') / m('web-vitals', 'cpu')).toFixed(2)} CPU (target 1.5)`)
  for (const k of ['wall', 'cpu']) {
    console.log(`  rounds, ${k}: web-vitals ${t['web-vitals'].map(x => x[k].toFixed(0)).join(' ')}; ` +
      `ours ${t.ours.map(x => x[k].toFixed(0)).join(' ')}`)
  }
} finally {
  await browser.close()
  server.close()
}
