// Sending beacons: fetch keepalive (gzip when large), sendBeacon when the
// page goes away, retries with backoff, and one budget for everything in
// flight. fetch, sendBeacon and timers are passed in so it runs in node.

import { enc } from './payload.js'

const BUDGET = 60000 // bytes in flight with keepalive, of the ~64 KiB quota
const GZIP_OVER = 2048
const MAX_QUEUE = 20
const MAX_TRIES = 5

export function createTransport(url, env) {
  const { fetch, beacon, dry, setTimeout: later = setTimeout } = env
  const queue = []
  let inflight = 0, timer = 0
  const t = { dropped: 0, send, flush, off }

  const hold = n => {
    inflight += n
    return () => { inflight -= n }
  }

  function retry(item) {
    if (++item.tries > MAX_TRIES) return void t.dropped++
    if (queue.push(item) > MAX_QUEUE) queue.shift(), t.dropped++
    if (!timer) {
      const wait = Math.min(30000, 1000 * 2 ** (item.tries - 1)) * (0.5 + Math.random())
      timer = later(() => {
        timer = 0
        queue.splice(0).forEach(post)
      }, wait)
    }
  }

  async function post(item) {
    if (off.done) return
    let { body, bytes: n } = item, headers
    if (n > GZIP_OVER && env.gzip) {
      try {
        body = new Uint8Array(await env.gzip(item.data))
        n = body.length
        headers = { 'Content-Type': 'text/plain;charset=UTF-8', 'Content-Encoding': 'gzip' }
      } catch {}
    }
    const keepalive = inflight + n <= BUDGET
    const release = keepalive ? hold(n) : () => {}
    try {
      const r = await fetch(url, { method: 'POST', body, headers, keepalive })
      if (r.status == 429 || r.status >= 500) retry(item)
    } catch {
      retry(item)
    }
    release()
  }

  // Unload-safe: plain text/plain through sendBeacon, never compressed.
  function urgent(item) {
    if (inflight + item.bytes > BUDGET || !beacon(url, item.body)) return false
    later(hold(item.bytes), 5000)
    return true
  }

  // body: JSON text, encoded once for its size and the gzip; now: the page
  // may be going away
  function send(body, now) {
    const data = enc.encode(body)
    const item = { body, data, bytes: data.length, tries: 0 }
    if (dry || off.done) return true
    if (now) {
      if (urgent(item)) return true
      retry(item)
      return false
    }
    post(item)
    return true
  }

  // the visitor opted out: nothing more leaves, not even what waits
  function off() {
    queue.length = 0
    off.done = 1
  }

  // page going away: hand queued retries to sendBeacon while the budget lasts
  function flush() {
    while (queue.length && urgent(queue[0])) queue.shift()
  }

  return t
}

// gzip of the UTF-8 bytes via CompressionStream where the browser has it,
// written to it whole: in Chromium at 4x CPU throttling about 1-4 ms a
// beacon, where piping a Response's body through it took 4-8 and a Blob's
// stream 20-24
export const gzip = typeof CompressionStream == 'function' && (b => {
  const c = new CompressionStream('gzip'), w = c.writable.getWriter()
  w.write(b)
  w.close()
  return new Response(c.readable).arrayBuffer()
})
