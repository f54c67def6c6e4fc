// JS Self-Profiling (needs the page's `Document-Policy: js-profiling`).
// The profiler runs in windows; each window's trace goes out in a `profile`
// beacon with the long animation frames seen during it.

import { fitTrace } from './trace.js'
import { LIMIT, round } from './payload.js'

const INTERVAL = 10
const BUFFER = 6000 // samples: one minute at 10 ms

export function createProfiler(emit) {
  let p, start, loafs = []
  const open = () => {
    try {
      p = new Profiler({ sampleInterval: INTERVAL, maxBufferSize: BUFFER })
      start = performance.now()
      p.addEventListener('samplebufferfull', () => rotate())
    } catch {
      p = null
    }
    return p
  }
  if (typeof Profiler != 'function' || !open()) return null

  // close the window (and open the next one unless `last`)
  async function rotate(last) {
    if (!p) return
    const old = p, from = start, lf = loafs
    loafs = []
    if (last) p = null
    else open()
    try {
      const trace = await old.stop()
      const to = round(performance.now())
      const wrap = profile => ({
        kind: 'profile',
        profile: { start: round(from), end: to, sampleInterval: INTERVAL, ...profile },
        longAnimationFrames: lf,
      })
      const profile = fitTrace(trace, lf, LIMIT - 1024, wrap)
      if (profile.samples.length) emit(wrap(profile), last)
    } catch {}
  }

  return {
    // frames that overlap the current window
    loaf: e => p && e.startTime + e.duration > start && loafs.length < 200 && loafs.push({ startTime: round(e.startTime), duration: round(e.duration) }),
    busy: () => loafs.length > 0,
    rotate,
    resume: () => p || open(),
  }
}
