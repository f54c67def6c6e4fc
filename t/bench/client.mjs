// The browser client's cost: its gzip size, and the main-thread time it
// takes in Chromium (script evaluation at load, then per sample), measured
// with the CDP Profiler (JS self time attributed to the client's URL) and
// Performance.getMetrics (ScriptDuration/TaskDuration with and without it).
//
//   node t/bench/client.mjs [runs] [seconds]

import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { launch, sleep } from '../browser/lib.mjs'
import { start } from '../browser/node-backend.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const runs = +process.argv[2] || 5
const seconds = +process.argv[3] || 10
const js = readFileSync(join(here, '../../js/dist/crum.js'))

const median = a => a.slice().sort((x, y) => x - y)[a.length >> 1]
const ms = x => x.toFixed(2).padStart(8) + ' ms'

// JS self time (ms) of the client from a CDP CPU profile: in the first
// second after it started (evaluation, init, first round), and after that
function clientTime(profile) {
  const byId = new Map(profile.nodes.map(n => [n.id, n]))
  let t = profile.startTime, first = -1, load = 0, later = 0
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i]
    if (!byId.get(id).callFrame.url.endsWith('/rum')) return
    if (first < 0) first = t
    const d = profile.timeDeltas[i] / 1000
    if (t - first < 1e6) load += d
    else later += d
  })
  return { load, later }
}

async function run(browser, origin, path, wait) {
  const page = await browser.newPage()
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable')
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 })
  await cdp.send('Profiler.start')
  await page.goto(origin + path, { waitUntil: 'load' })
  await sleep(wait)
  const { profile } = await cdp.send('Profiler.stop')
  const { metrics } = await cdp.send('Performance.getMetrics')
  const m = Object.fromEntries(metrics.map(x => [x.name, x.value]))
  const sent = await page.evaluate(() => performance.getEntriesByType('resource').filter(r => r.name.endsWith('/rum') && r.initiatorType != 'script').length)
  await page.close()
  return {
    ...clientTime(profile),
    script: m.ScriptDuration * 1000,
    task: m.TaskDuration * 1000,
    sent,
  }
}

const backend = await start()
const browser = await launch()
try {
  // warm up (compile caches, first-run effects)
  await run(browser, backend.origin, '/page2.html', 500)
  const load = [], later = [], off = [], on = []
  let sent = 0
  for (let i = 0; i < runs; i++) {
    const r = await run(browser, backend.origin, '/page2.html', seconds * 1000)
    load.push(r.load)
    later.push(r.later / (seconds - 1))
    on.push(r.task)
    sent = r.sent
    off.push((await run(browser, backend.origin, '/page2.html?norum', seconds * 1000)).task)
  }
  console.log(`bundle             ${js.length} bytes, gzip ${gzipSync(js, { level: 9 }).length} bytes`)
  console.log(`runs               ${runs} x ${seconds} s, samplingRate 1000 ms, ${sent} beacons sent (savingMode)`)
  console.log(`client JS at load  ${ms(median(load))}   evaluation + init + first round (median)`)
  console.log(`client JS / sample ${ms(median(later))}   each later second: one sample + fps window`)
  console.log(`main-thread tasks  ${ms(median(on))} with the client, ${ms(median(off)).trim()} without,` +
    ` over ${seconds} s (TaskDuration; includes frames the fps window asks for)`)
} finally {
  await browser.close()
  await backend.stop()
}
