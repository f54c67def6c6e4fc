// Payload rules: sizes, splitting, savingMode comparison. No DOM here.

// One beacon stays well under the 64 KiB keep-alive quota that all pending
// requests of a page share.
export const LIMIT = 16384

export const enc = new TextEncoder()
export const byteLength = s => enc.encode(s).length
export const size = o => byteLength(JSON.stringify(o))

export const round = x => Math.round(x)
export const round1 = x => Math.round(x * 10) / 10
export const trunc = (s, n = 500) => (s = s == null ? '' : String(s)).length > n ? s.slice(0, n) : s

// Values that change on their own and are not "new data" for savingMode.
const VOLATILE = new Set('id seq lastLoop duration usedMemory fps visibility dropped'.split(' '))

// savingMode: does `next` carry anything that `prev` did not? Arrays of
// `view` are the events of one sample (new when not empty); everything
// else is compared by value.
export function hasNews(prev, next, inView) {
  for (const k in next) {
    if (VOLATILE.has(k)) continue
    const a = next[k], b = prev == null ? undefined : prev[k]
    if (inView && Array.isArray(a)) {
      if (a.length) return true
    } else if (a && typeof a == 'object') {
      if (hasNews(b, a, k == 'view')) return true
    } else if (a !== b) return true
  }
  return false
}

// Shrink the largest arrays of payload.view (keeping their first items)
// until the payload fits; marks it `truncated`. Returns its JSON text, the
// one serialisation a beacon needs. A text of n UTF-16 units has at most
// 3n bytes of UTF-8: most fit without being encoded.
export function fit(p, limit = LIMIT) {
  const v = p.view
  let s
  while ((s = JSON.stringify(p)).length * 3 > limit && byteLength(s) > limit) {
    let big, max = 0
    for (const k in v) {
      const n = Array.isArray(v[k]) && v[k].length && JSON.stringify(v[k]).length
      if (n > max) max = n, big = k
    }
    if (!big) break
    v[big] = v[big].slice(0, v[big].length >> 1)
    v.truncated = true
  }
  return s
}

// How many of the first `max` items of `list` fit in one beacon built by
// `wrap(items)` under `limit` bytes (at least one).
export function takeCount(list, max, limit, wrap) {
  let total = size(wrap([])), n = 0
  const end = Math.min(max, list.length)
  while (n < end) {
    total += byteLength(JSON.stringify(list[n])) + (n ? 1 : 0)
    if (total > limit && n) break
    n++
  }
  return n
}

const TYPES = [
  [/\.css$/, 'css'], [/\.m?js$/, 'javascript'], [/\.(png|jpe?g|gif|webp|avif|svg|ico)$/, 'image'],
  [/\.(woff2?|ttf|otf|eot)$/, 'font'], [/^script$/, 'javascript'], [/^(img|image)$/, 'image'],
  [/^(fetch|xmlhttprequest|beacon)$/, 'fetch'],
]

// view.resourceTypes category of a resource entry: by extension, then initiator
export function resourceType(url, initiator) {
  const path = String(url).replace(/[?#].*/, '').replace(/^\w+:\/\/[^/]*/, '').toLowerCase()
  for (const [re, type] of TYPES) if (re.test(path) || re.test(initiator)) return type
  return 'other'
}

// ignoreResources: 'no' collects all; our own endpoint is always ignored
export const ignored = (name, pattern, endpoint) =>
  name == endpoint || (pattern != 'no' && !!pattern && name.includes(pattern))

// A performance entry's toJSON() without its lists: numbers to 0.1 ms,
// strings cut to `n`.
export function flat(o, n = 300) {
  const r = {}
  for (const k in o) {
    const x = o[k]
    if (typeof x == 'number') r[k] = round1(x)
    else if (typeof x == 'string') r[k] = trunc(x, n)
    else if (typeof x == 'boolean') r[k] = x
  }
  return r
}

// Any value -> a short string (console arguments, rejection reasons)
export function text(x) {
  let s
  try {
    s = typeof x == 'string' ? x : x instanceof Error ? x.stack || x : JSON.stringify(x)
  } catch {}
  return trunc(s === undefined ? String(x) : s)
}

// A JSON-safe snapshot of user data (addEvent context, mark detail), cut
// to what the endpoint takes: keys of 64 characters, 8 levels deep.
export function plain(x) {
  try {
    return clamp(JSON.parse(JSON.stringify(x)), 0)
  } catch {
    return x === undefined ? null : text(x)
  }
}

const clamp = (v, depth) => {
  if (typeof v == 'string') return trunc(v, 1000)
  if (!v || typeof v != 'object') return v
  if (depth > 7) return text(v)
  if (Array.isArray(v)) return v.slice(0, 100).map(x => clamp(x, depth + 1))
  const o = {}
  for (const k in v) o[trunc(k, 64)] = clamp(v[k], depth + 1)
  return o
}
